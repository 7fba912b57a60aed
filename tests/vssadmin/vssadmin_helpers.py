"""Small helpers shared by the vssadmin tests: parse bytes or a corpus file into events."""

from __future__ import annotations

import io
from pathlib import Path

from logscope.events import Event
from logscope.ingest import vssadmin
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger

CORPUS = "corpus/text/vssadmin"


def parse_bytes(
    data: bytes, name: str = "capture.txt", options: IngestOptions | None = None
) -> tuple[list[Event], FileLedger]:
    """Run the parser contract on in-memory bytes."""
    ledger = FileLedger(name)
    src = Source(name, lambda: io.BytesIO(data), size=len(data))
    events = list(vssadmin.parse(src, ledger, options or IngestOptions()))
    return events, ledger


def parse_corpus(shared: Path, name: str) -> tuple[list[Event], FileLedger]:
    path = shared / CORPUS / name
    assert (shared / CORPUS / (name + ".source")).is_file(), "every capture has a .source"
    return parse_bytes(path.read_bytes(), name)


def codes(ledger: FileLedger) -> list[str]:
    return [p.code for p in ledger.problems]


def problem(ledger: FileLedger, code: str):
    found = [p for p in ledger.problems if p.code == code]
    assert found, f"no problem {code!r} in {[p.as_dict() for p in ledger.problems]}"
    return found[0]
