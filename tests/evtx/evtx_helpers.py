"""Small helpers for the evtx tests: run a parser module over a path or bytes."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from logscope.events import Event
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger


def source_for(path: Path) -> Source:
    return Source(display=path.name, opener=lambda: open(path, "rb"), fs_path=path, size=path.stat().st_size)


def source_bytes(data: bytes, name: str = "mem.bin") -> Source:
    return Source(display=name, opener=lambda: io.BytesIO(data), size=len(data))


def run(module, source: Source, engine: str = "rust") -> tuple[list[Event], FileLedger]:
    ledger = FileLedger(source.display)
    events = list(module.parse(source, ledger, IngestOptions(engine=engine)))
    return events, ledger


def manifest(shared: Path) -> dict[str, dict[str, str]]:
    with open(shared / "corpus/evtx/MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        return {row["path"]: row for row in csv.DictReader(fh, delimiter="\t")}
