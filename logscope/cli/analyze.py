"""``logscope analyze``: a bundle in, root-cause hints, the timeline and a ledger out."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from .options import (AllowSigOpt, DepthOpt, Engine, EngineOpt, FailOnOpt, Fmt, FmtOpt, MemberOpt,
                      MembersOpt, OffsetOpt, OutputOpt, PathsArg, RatioOpt, Severity, SigOpt,
                      TotalOpt, WorkersOpt, _check_paths, _die, _limits, _options, _utc_time,
                      _workers)
from .output import _check_output, _emit, _fail_on_exit


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
    from ..ingest.bundle import BundleError
    from ..pipeline import analyze as run
    from ..report import render
    from ..report.progress import ProgressBar

    _check_paths(paths)
    _check_output(output, paths)
    opts = _options(engine, veeam_utc_offset)
    _limits(opts, max_total_size, max_member_size, max_members, max_ratio, max_depth)
    filters = _filters(since, until, vm, job, tz)
    knowledge = _check_signatures(signatures, allow_signature_errors)
    try:
        with ProgressBar() as progress:
            analysis = run(paths, opts, signatures, progress=progress, filters=filters,
                           keep_events=fmt is Fmt.jsonl, workers=_workers(workers, paths),
                           knowledge=knowledge)
    except BundleError as exc:
        _die(str(exc))
    from ..report.build import build_report

    report = build_report(analysis)
    report["meta"]["display_tz"] = tz
    if redact:
        from ..report.redact import redact as redact_report

        report = redact_report(report)
    color = output is None and fmt is Fmt.text and sys.stdout.isatty()
    text = render(report, fmt.value, color=color)
    _emit(text, output)
    _exit_for(report, paths, fail_on)


def _check_signatures(dirs: list[Path] | None, allow: bool) -> Any:  # noqa: ANN401
    """Problems in a ``--signatures`` folder go to stderr and exit 2 (as ``validate`` reports
    them), unless ``--allow-signature-errors``: then they are warnings and the run goes on.

    Returns the library and chains it loaded (for ``pipeline.analyze(knowledge=...)``, so they
    are not loaded and compiled twice), or None without ``--signatures``."""
    if not dirs:
        return None
    for p in dirs:
        if not p.is_dir():
            _die(f"{p}: not a signature folder")
    from ..match.validate import errors
    from ..pipeline import load_knowledge
    from ..report.escape import terminal

    library, chains = load_knowledge(dirs)
    bad = errors(library.issues)
    for issue in library.issues:
        sys.stderr.write(f"{'warning: ' if allow or issue not in bad else 'error: '}"
                         f"{terminal(str(issue))}\n")
    if bad and not allow:
        _die(f"{len(bad)} signature problem(s) under --signatures; fix them "
             "(see `logscope validate DIR`) or pass --allow-signature-errors")
    return library, chains


def _exit_for(report: dict[str, Any], paths: list[Path], fail_on: Severity | None) -> None:
    """Exit 2 when nothing was analysed (never a silent "no failure found"), else 1 when
    ``--fail-on`` finds a hint that severe, else 0."""
    if not report["meta"].get("analysed", True):
        names = ", ".join(str(p) for p in paths)
        _die(f"nothing analysed in {names}: {report['meta'].get('nothing_analysed')}")
    _fail_on_exit(report, fail_on)


def _filters(since: str | None, until: str | None, vms: list[str] | None,
             jobs: list[str] | None, tz: str | None) -> Any:  # noqa: ANN401
    """The report filters from the command line (exit 2 on a malformed time or zone)."""
    from ..correlate.filters import Filters
    from ..report.timefmt import zone

    try:
        zone(tz)
    except ValueError as exc:
        _die(f"--tz: {exc}")
    return Filters(since=_utc_time("--since", since), until=_utc_time("--until", until),
                   vms=tuple(vms or ()), jobs=tuple(jobs or ()))
