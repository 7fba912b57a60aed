"""The ``hunt`` and ``fleet`` commands (registered by ``logscope/cli/root.py``).

Only typer is imported here; dask and duckdb are imported inside the commands.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path
from typing import Annotated

import typer

from ..cli.options import path_parser
from . import INSTALL_HINT, missing

fleet_app = typer.Typer(no_args_is_help=True,
                        help="Query and report on a fleet index written by logscope hunt.")

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(ms|s|m|h)?\s*$", re.IGNORECASE)
_UNIT = {"ms": 0.001, "s": 1, "m": 60, "h": 3600, None: 1}


def _die(msg: str, code: int = 2) -> None:
    from ..cli import _die as die  # at call time: logscope.cli imports this module

    die(msg, code)


def _need(modules: tuple[str, ...]) -> None:
    gone = missing(modules)
    if gone:
        _die(f"this command needs {', '.join(gone)}: install the hunt extra with "
             f"{INSTALL_HINT}")


def parse_duration(text: str) -> float:
    """``90``, ``90s``, ``15m``, ``2h`` → seconds."""
    m = _DURATION.match(text)
    if not m or float(m.group(1)) <= 0:
        raise ValueError(f"not a duration: {text!r} (use e.g. 90s, 15m, 2h)")
    unit = m.group(2).lower() if m.group(2) else None
    return float(m.group(1)) * _UNIT[unit]


def hunt(
    archives: Annotated[list[Path], typer.Argument(parser=path_parser("ARCHIVES"), help="Folders of bundles: each folder or archive directly under one is a bundle.")],
    index_path: Annotated[Path, typer.Option("--index", parser=path_parser("--index"), help="The DuckDB fleet index (created if absent).")],
    signatures: Annotated[list[Path] | None, typer.Option("--signatures", parser=path_parser("--signatures"), help="Extra signature folder (repeatable; later wins).")] = None,
    workers: Annotated[int | None, typer.Option("--workers", min=1, help="Local Dask worker processes, one thread each (default: one per core).")] = None,
    scheduler: Annotated[str | None, typer.Option("--scheduler", help="A running Dask scheduler, e.g. tcp://host:8786 (instead of --workers).")] = None,
    timeout: Annotated[str, typer.Option("--timeout", help="Wall-clock limit per bundle (e.g. 90s, 15m, 1h).")] = "1h",
    max_memory: Annotated[str, typer.Option("--max-memory", help="Address-space limit per bundle's process (e.g. 2G).")] = "4G",
    changed: Annotated[bool, typer.Option("--changed", help="Only signatures whose hash changed, only on bundles whose census they can match.")] = False,
    signature: Annotated[list[str] | None, typer.Option("--signature", help="Only this signature id (repeatable), on bundles whose census it can match.")] = None,
    strict: Annotated[bool, typer.Option("--strict", help="Exit 1 when any bundle failed (timeout, oom, crash, error, lost).")] = False,
    export_parquet: Annotated[Path | None, typer.Option("--export-parquet", parser=path_parser("--export-parquet"), help="Also write every table as DIR/<table>.parquet.")] = None,
    retry_failed: Annotated[bool, typer.Option("--retry-failed", help="Analyse again bundles that failed under the same limits.")] = False,
) -> None:
    """Analyse every bundle of an archive on Dask into a DuckDB fleet index (incremental)."""
    _need(("dask", "distributed", "duckdb"))
    from ..ingest.limits import parse_size
    from .driver import HuntError, HuntOptions
    from .driver import hunt as run
    from ..signals import Stopped, check
    from .index import IndexFileError

    if scheduler and workers is not None:
        _die("--workers and --scheduler exclude each other (the scheduler's workers run it)")
    if changed and signature:
        _die("--changed and --signature exclude each other")
    for p in [*archives, *(signatures or [])]:
        if not p.exists():
            _die(f"{p}: no such file or folder")
    try:
        seconds = parse_duration(timeout)
    except ValueError as exc:
        _die(f"--timeout: {exc}")
    try:
        limit = parse_size(max_memory)
    except ValueError as exc:
        _die(f"--max-memory: {exc}")
    opts = HuntOptions(archives=archives, index=index_path, signature_dirs=signatures or [],
                       workers=workers or os.cpu_count() or 1, scheduler=scheduler, timeout=seconds, max_memory=limit,
                       changed=changed, signature_ids=signature or [], strict=strict,
                       export_parquet=export_parquet, retry_failed=retry_failed)
    try:
        counts = run(opts)
        check()  # a stop whose raise a finalizer swallowed ("Exception ignored in ...")
    except (HuntError, IndexFileError) as exc:
        _die(str(exc))
    except (KeyboardInterrupt, Stopped) as stop:
        # the driver committed what had arrived (driver.hunt's finally): a re-run resumes
        _die("interrupted; the bundles finished so far are in the index: run the same "
             "command again to resume", getattr(stop, "exit_code", 130))
    if strict and (counts["failed"] or counts["failed_before"]):
        raise typer.Exit(1)


Fmt = Annotated[str, typer.Option("--format", "-f", help="text, json, csv, md or html.")]


@fleet_app.command("query")
def fleet_query(
    index_path: Annotated[Path, typer.Argument(parser=path_parser("INDEX_PATH"), help="The fleet index.")],
    sql: Annotated[str, typer.Argument(help="A SQL query (DuckDB dialect) over the index's tables.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
) -> None:
    """Run SQL on the index (read-only) and print the rows."""
    _need(("duckdb",))
    from . import fleet

    if fmt not in ("text", "json", "csv"):
        _die("--format must be text, json or csv")
    try:
        cols, rows = fleet.query(index_path, sql)
    except fleet.FleetError as exc:
        _die(str(exc))
    sys.stdout.write(fleet.render_rows(cols, rows, fmt))


@fleet_app.command("report")
def fleet_report(
    index_path: Annotated[Path, typer.Argument(parser=path_parser("INDEX_PATH"), help="The fleet index.")],
    by: Annotated[str, typer.Option("--by", help="Group hits by these, comma-separated: " "signature, month, host, vm, job, os, product_version, role, severity, bundle.")] = "signature",
    fmt: Fmt = "text",
    output: Annotated[Path | None, typer.Option("--output", "-o", parser=path_parser("--output"), help="Write the report here.")] = None,
) -> None:
    """Hits per group across the fleet (html: with a trend chart of hits per month)."""
    _need(("duckdb",))
    from . import fleet, fleet_render

    if fmt not in fleet_render.FORMATS:
        _die(f"--format must be one of {', '.join(fleet_render.FORMATS)}")
    try:
        data = fleet.report(index_path, [d.strip() for d in by.split(",") if d.strip()])
    except fleet.FleetError as exc:
        _die(str(exc))
    _emit(fleet_render.render(data, fmt), output)


@fleet_app.command("diff")
def fleet_diff(
    index_path: Annotated[Path, typer.Argument(parser=path_parser("INDEX_PATH"), help="The fleet index.")],
    run: Annotated[list[int], typer.Option("--run", help="Two run ids: --run A --run B (hits of B against A).")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or csv.")] = "text",
    fail_on_lost: Annotated[bool, typer.Option("--fail-on-lost", help="Exit 1 when B lost hits A had (a CI gate).")] = False,
) -> None:
    """Hits gained and lost per signature between two runs."""
    _need(("duckdb",))
    from . import fleet

    if len(run) != 2:
        _die("give exactly two runs: --run A --run B")
    if fmt not in ("text", "json", "csv"):
        _die("--format must be text, json or csv")
    try:
        d = fleet.diff(index_path, run[0], run[1])
    except fleet.FleetError as exc:
        _die(str(exc))
    sys.stdout.write(fleet.render_diff(d, fmt))
    if fail_on_lost and any(r["lost"] for r in d["signatures"]):
        raise typer.Exit(1)


def _emit(text: str, output: Path | None) -> None:
    from ..cli import _emit as emit

    emit(text, output)
