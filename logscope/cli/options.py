"""What several commands share: the option enums and ``Annotated`` option types, the exit-2
error path, and the ingest options built from them.

Only typer is imported at module level; each helper imports the stage it needs when called,
so ``logscope --help`` does not load the readers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer


class Fmt(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    html = "html"


class Engine(str, Enum):
    rust = "rust"
    python = "python"


class Severity(str, Enum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


def path_parser(name: str) -> Callable[[str], Path]:
    """The parser of a path parameter: "" exits 2 like a missing path. ``Path("")`` is
    ``Path(".")``, so an empty shell variable would otherwise read, or write into, the
    current folder (``analyze ""`` once walked a whole repository)."""
    def parse(text: str) -> Path:
        # shell completion parses the words typed so far: no error message there
        if not text and not os.environ.get("_LOGSCOPE_COMPLETE"):
            _die(f"{name}: empty path (name a file or folder; '.' is the current folder)")
        return Path(text)

    parse.certain = True  # type: ignore[attr-defined]  # coerce.py may call it directly
    return parse


PathsArg = Annotated[list[Path], typer.Argument(parser=path_parser("PATHS"), help="Bundle folders, zips or single files.")]
EngineOpt = Annotated[Engine, typer.Option("--engine", help="EVTX engine: rust (evtx) or python (python-evtx).")]
SigOpt = Annotated[list[Path] | None, typer.Option("--signatures", parser=path_parser("--signatures"), help="Extra signature folder (repeatable; later wins).")]
OffsetOpt = Annotated[str | None, typer.Option("--veeam-utc-offset", help="UTC offset of Veeam servers' local time, ±HH:MM.")]
# Archive limits (hostile input); defaults fit real Veeam exports, raise them for bigger bundles.
TotalOpt = Annotated[str | None, typer.Option("--max-total-size", help="Most bytes extracted from archives in all (default 32G).")]
MemberOpt = Annotated[str | None, typer.Option("--max-member-size", help="Most bytes of one archive member (default 8G).")]
MembersOpt = Annotated[int | None, typer.Option("--max-members", help="Most archive members read (default 200000).")]
RatioOpt = Annotated[float | None, typer.Option("--max-ratio", help="Highest compression ratio of a member over 32 MiB (default 200).")]
DepthOpt = Annotated[int | None, typer.Option("--max-depth", help="Deepest archive nesting, zip or gzip (default 4).")]
AllowSigOpt = Annotated[bool, typer.Option("--allow-signature-errors", help="Go on when a --signatures folder has problems (they become warnings).")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=0, help="Processes for .evtx files (0 = one per core for 256 MB+ of input, else 1; 1 = no pool).")]
FmtOpt = Annotated[Fmt, typer.Option("--format", "-f", help="Report format.")]
OutputOpt = Annotated[Path | None, typer.Option("--output", "-o", parser=path_parser("--output"), help="Write the report here.")]
FailOnOpt = Annotated[Severity | None, typer.Option("--fail-on", help="Exit 1 when a hint this severe or worse is found.")]


def _die(msg: str, code: int = 2) -> None:
    from ..report.escape import terminal

    sys.stderr.write(f"Error: {terminal(msg)}\n")
    raise typer.Exit(code)


def _check_paths(paths: list[Path]) -> None:
    for p in paths:
        if not p.exists():
            _die(f"{p}: no such file or folder")


def _limits(opts: Any, total: str | None, member: str | None, members: int | None,  # noqa: ANN401
            ratio: float | None, depth: int | None) -> None:
    from ..ingest.bundle import apply_limits

    try:
        apply_limits(opts, max_total_size=total, max_member_size=member, max_members=members,
                     max_ratio=ratio, max_depth=depth)
    except ValueError as exc:
        _die(str(exc))


def _options(engine: Engine, offset: str | None) -> Any:  # noqa: ANN401
    from ..events import parse_offset
    from ..ingest.source import IngestOptions

    opts = IngestOptions(engine=engine.value)
    if offset:
        try:
            opts.veeam_utc_offset = parse_offset(offset)
        except ValueError as exc:
            _die(f"--veeam-utc-offset: {exc}")
    return opts


def _utc_time(opt: str, v: str | None) -> Any:  # noqa: ANN401
    """An ISO 8601 option value as an aware UTC datetime (no zone given: UTC); exit 2 when
    malformed."""
    from datetime import datetime

    from ..events import UTC

    if not v:
        return None
    try:
        t = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
    except ValueError:
        _die(f"{opt}: not an ISO 8601 time: {v!r} (e.g. 2026-03-14T09:00:00)")
    return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)


def _workers(n: int, paths: list[Path] | None = None) -> int:
    if n:
        return n
    from ..workers import default_workers, workers_for

    return workers_for(paths) if paths is not None else default_workers()


def _progress() -> Any:  # noqa: ANN401
    if not sys.stderr.isatty():
        return None

    def show(name: str, _n: int) -> None:
        from ..report.escape import terminal

        sys.stderr.write(f"\r\x1b[Kreading {terminal(name)[-70:]}")
        sys.stderr.flush()

    return show
