"""``logscope analyze``: a bundle in, root-cause hints, the timeline and a ledger out.

The typer command: its signature is the command line (options, help); what it does is
``analyze_run.run``, which ``direct.py`` calls without typer for a certain command line."""

from __future__ import annotations

from typing import Annotated

import typer

from .options import (AllowSigOpt, DepthOpt, Engine, EngineOpt, FailOnOpt, Fmt, FmtOpt, MemberOpt,
                      MembersOpt, OffsetOpt, OutputOpt, PathsArg, RatioOpt, SigOpt, TotalOpt,
                      WorkersOpt)


def analyze(
    paths: PathsArg,
    fmt: FmtOpt = Fmt.text,
    output: OutputOpt = None,
    engine: EngineOpt = Engine.rust,
    signatures: SigOpt = None,
    veeam_utc_offset: OffsetOpt = None,
    max_total_size: TotalOpt = None,
    max_member_size: MemberOpt = None,
    max_members: MembersOpt = None,
    max_ratio: RatioOpt = None,
    max_depth: DepthOpt = None,
    fail_on: FailOnOpt = None,
    since: Annotated[str | None, typer.Option("--since", help="Only hits at or after this UTC time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only hits at or before this UTC time (ISO 8601).")] = None,
    vm: Annotated[list[str] | None, typer.Option("--vm", help="Only this VM (name, id or guest name; repeatable).")] = None,
    job: Annotated[list[str] | None, typer.Option("--job", help="Only this Veeam job and its VMs (repeatable).")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Display time zone for text/md/html (IANA name); data stays UTC.")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="Replace host, user, domain and IP names by stable placeholders.")] = False,
    workers: WorkersOpt = 0,
    allow_signature_errors: AllowSigOpt = False,
) -> None:
    """Read a support bundle and print root-cause hints, the timeline and what was read."""
    given = dict(locals())  # the parameters as typer gave them (direct.py gives the same)
    from .analyze_run import run

    run(**given)
