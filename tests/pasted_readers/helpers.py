"""Reading one pasted-text file through the real ingest entry point (detection included)."""

from __future__ import annotations

import io
from pathlib import Path

from logscope.events import Event
from logscope.ingest import read_source
from logscope.ingest.source import IngestOptions, Source
from logscope.ingest.textio import NOT_LINES
from logscope.ledger import FileLedger

DATA = Path(__file__).parent / "data"


def read_bytes(data: bytes, name: str = "paste.txt",
               options: IngestOptions | None = None) -> tuple[list[Event], FileLedger]:
    src = Source(name, opener=lambda: io.BytesIO(data), size=len(data))
    ledger, events = read_source(src, options or IngestOptions())
    return list(events), ledger


def read_text(text: str, name: str = "paste.txt") -> tuple[list[Event], FileLedger]:
    return read_bytes(text.encode("utf-8"), name)


def read_sample(name: str) -> tuple[list[Event], FileLedger]:
    return read_bytes((DATA / name).read_bytes(), name)


def accounted(events: list[Event], ledger: FileLedger) -> bool:
    """Every line is in an event's range or counted as skipped (and none is both)."""
    covered: set[int] = set()
    for e in events:
        if e.locator.line:
            covered.update(range(e.locator.line, (e.locator.end_line or e.locator.line) + 1))
    skipped = sum(n for r, n in ledger.skip_reasons.items() if r not in NOT_LINES)
    return len(covered) + skipped == ledger.info["lines"]
