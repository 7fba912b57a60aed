"""``logscope collect``: print (or write) the PowerShell that gathers what logscope reads."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import SigOpt, _die, _utc_time, path_parser
from .output import _check_output, _emit


def collect(
    host: Annotated[bool, typer.Option("--host", help="Only the block for the Hyper-V host.")] = False,
    guest: Annotated[bool, typer.Option("--guest", help="Only the block for inside the guest.")] = False,
    vm: Annotated[list[str] | None, typer.Option("--vm", help="Only this VM's state on the host (name or wildcard; repeatable).")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Export event logs from this UTC time on (ISO 8601).")] = None,
    days: Annotated[int | None, typer.Option("--days", min=1, help="Export the last N days of event logs (default 30).")] = None,
    output: Annotated[Path | None, typer.Option("--output", "-o", parser=path_parser("--output"), help="Write the script here (e.g. collect-host.ps1).")] = None,
    signatures: SigOpt = None,
) -> None:
    """The PowerShell to run on the Hyper-V host and inside the guest: it gathers exactly what
    logscope reads (event logs, vssadmin, Hyper-V state) into a folder and a .zip to send."""
    from datetime import datetime

    from ..collect import Window, channels_by_block, render
    from ..collect.script import ps_quote
    from ..events import UTC
    from ..match.library import load_library
    from ..report.escape import terminal

    if since is not None and days is not None:
        _die("--since and --days exclude each other")
    for p in signatures or []:
        if not p.is_dir():
            _die(f"{p}: no such signature folder")
    _check_output(output, list(signatures or []))
    start = _utc_time("--since", since)
    if start is not None and start > datetime.now(UTC):
        _die(f"--since: {since!r} is in the future")
    for name in vm or []:
        try:
            ps_quote(name)
        except ValueError as exc:
            _die(f"--vm: {exc}")
    roles = tuple(r for r, on in (("host", host), ("guest", guest)) if on) or ("host", "guest")
    library = load_library(signatures)
    for issue in library.issues:
        sys.stderr.write(f"warning: {terminal(str(issue))}\n")
    channels = channels_by_block(library)
    for prov, ids in sorted(channels.unknown.items()):
        sys.stderr.write(f"warning: provider {terminal(prov)} (signature {', '.join(ids)}) has "
                         "no event-log channel in logscope/data/collect_script.yml; its events "
                         "are not collected\n")
    try:
        text = render(roles, channels, Window(days=days, since=start), vm)
    except ValueError as exc:  # a template or channel entry of the data file
        _die(str(exc))
    # Windows PowerShell 5.1 reads a .ps1 without a BOM in the ANSI code page: a UTF-8 BOM
    # keeps a non-ASCII VM name intact (the console takes the printed text as it is)
    _emit("\ufeff" + text if output is not None else text, output, "script")
