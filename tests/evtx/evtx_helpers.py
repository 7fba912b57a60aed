"""Small helpers for the evtx tests: run a parser module over a path or bytes."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path

from logscope.events import Event
from logscope.ingest.evtx.chunks import (CHUNK_HEADER, CHUNK_MAGIC, CHUNK_SIZE, HEADER_SIZE,
                                         read_chunk)
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


def loop_every_chain(data: bytearray, chunk: int) -> int:
    """Make every name/template hash chain of the chunk at file offset ``chunk`` link its end
    back to its head (evtx 0.14.0 never returns on such a chain). Returns how many."""
    import struct

    from logscope.ingest.evtx.prescan import CHAIN_TABLES

    looped = 0
    for table, buckets in CHAIN_TABLES:
        for bucket in range(buckets):
            head = struct.unpack_from("<I", data, chunk + table + 4 * bucket)[0]
            if head:
                tail = head
                while nxt := struct.unpack_from("<I", data, chunk + tail)[0]:
                    tail = nxt
                struct.pack_into("<I", data, chunk + tail, head)
                looped += 1
    return looped


def full_chunks(paths: list[Path]) -> Iterator[tuple[str, bytes, int]]:
    """(where, chunk bytes, free-space offset) of every full chunk with a magic."""
    for path in paths:
        data = path.read_bytes()
        for offset in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
            raw = data[offset:offset + CHUNK_SIZE]
            if raw[:8] == CHUNK_MAGIC:
                chunk = read_chunk(raw, 0, offset, lambda _c: True)
                if CHUNK_HEADER <= chunk.free_offset <= CHUNK_SIZE:
                    yield f"{path}@{offset:#x}", raw, chunk.free_offset
