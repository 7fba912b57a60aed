"""What several commands share without the CLI framework: the option enums and path
parser, the exit-2 error path, and the ingest options built from option values.

Why apart from ``options.py`` (the typer option types): ``analyze`` runs without importing
typer when its command line is certain (``direct.py``), through these helpers only. An error
exit is ``SystemExit`` with the code: what typer's ``Exit`` ends in, with or without typer.
Each helper imports the stage it needs when called, so ``logscope --help`` does not load the
readers.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any


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


def _die(msg: str, code: int = 2) -> None:
    from ..report.escape import terminal

    sys.stderr.write(f"Error: {terminal(msg)}\n")
    raise SystemExit(code)


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
