"""``logscope events``: every normalized event as JSON lines (Timesketch-importable)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import (DepthOpt, Engine, EngineOpt, Fmt, MemberOpt, MembersOpt, OffsetOpt,
                      PathsArg, RatioOpt, SigOpt, TotalOpt, WorkersOpt, _check_paths, _die,
                      _limits, _options, _progress, _workers, path_parser)
from .output import _check_output, _event_sink


def events(
    paths: PathsArg,
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="jsonl (default) or json.")] = Fmt.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o", parser=path_parser("--output"))] = None,
    engine: EngineOpt = Engine.rust,
    signatures: SigOpt = None,
    veeam_utc_offset: OffsetOpt = None,
    max_total_size: TotalOpt = None,
    max_member_size: MemberOpt = None,
    max_members: MembersOpt = None,
    max_ratio: RatioOpt = None,
    max_depth: DepthOpt = None,
    workers: WorkersOpt = 0,
) -> None:
    """Print every normalized event (one JSON object a line, Timesketch-importable)."""
    from ..export_pool import event_line, iter_lines_pooled
    from ..ingest.bundle import BundleError
    from ..ledger import FileLedger
    from ..outfile import OutputError
    from ..pipeline import iter_events

    _check_paths(paths)
    _check_output(output, paths)
    if fmt not in (Fmt.jsonl, Fmt.json):
        _die("events supports --format jsonl or json")
    opts = _options(engine, veeam_utc_offset)
    _limits(opts, max_total_size, max_member_size, max_members, max_ratio, max_depth)
    ledgers: list[FileLedger] = []
    try:
        with _event_sink(output) as out:
            if fmt is Fmt.json:
                out.write(b"[")
            first = True
            n_workers = _workers(workers)
            lines = (iter_lines_pooled(paths, opts, ledgers, n_workers, _progress())
                     if n_workers > 1
                     else (event_line(ev) for ev in iter_events(paths, opts, ledgers, _progress())))
            for line in lines:
                if fmt is Fmt.json:
                    out.write(line if first else b",\n" + line)
                else:
                    out.write(line + b"\n")
                first = False
            if fmt is Fmt.json:
                out.write(b"]\n")
    except BundleError as exc:
        _die(str(exc))
    except OutputError as exc:
        _die(str(exc))
    for led in ledgers:
        from ..report.escape import terminal

        sys.stderr.write(f"{terminal(led.path)}: {led.kind}, {led.records} records, {led.skipped} skipped"
                         + (f" ({dict(led.skip_reasons)})" if led.skip_reasons else "")
                         + (f", {len(led.problems)} problems" if led.problems else "") + "\n")
