"""The .evtx container around BinXML records: file header, 64 KiB chunks, CRC32s.

Why a writer at all: public .evtx samples hold no Hyper-V host backup events, so logscope's
sample bundles and tests need real binary logs made from documented Event XML, and large
inputs for benchmarks, and corrupted files made by flipping bytes of a known-good file.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import IO, Any

from .binxml import ChunkEncoder, filetime, template_of

HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER = 512
RECORD_HEADER = 24


class RecordTooLarge(ValueError):
    """One event does not fit into an empty 64 KiB chunk."""


@dataclass(slots=True)
class _Chunk:
    buf: bytearray = field(default_factory=lambda: bytearray(CHUNK_HEADER))
    encoder: ChunkEncoder | None = None
    first_number: int = 0
    last_number: int = 0
    first_id: int = 0
    last_id: int = 0
    last_record_offset: int = 0
    count: int = 0

    def __post_init__(self) -> None:
        self.encoder = ChunkEncoder(self.buf)


@dataclass(slots=True)
class WriteStats:
    records: int = 0
    chunks: int = 0
    skipped: list[str] = field(default_factory=list)


class EvtxWriter:
    """Append ``<Event>`` elements; ``close()`` writes the file header last."""

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.out.write(bytes(HEADER_SIZE))
        self.chunk = _Chunk()
        self.stats = WriteStats()
        self.number = 0
        self.max_id = 0

    def add(self, event: Any) -> None:
        """Encode one lxml ``<Event>`` element as the next record."""
        root, values = template_of(event)
        record_id = _record_id(event, self.number + 1)
        written = _written_time(event)
        if not self._try_add(root, values, record_id, written):
            if self.chunk.count == 0:
                raise RecordTooLarge(f"record {record_id} does not fit into a 64 KiB chunk")
            self._flush_chunk()
            if not self._try_add(root, values, record_id, written):
                raise RecordTooLarge(f"record {record_id} does not fit into a 64 KiB chunk")

    def _try_add(self, root: Any, values: list[tuple[int, bytes]], record_id: int, written: int) -> bool:
        chunk = self.chunk
        enc = chunk.encoder
        assert enc is not None
        mark = enc.begin()
        buf = chunk.buf
        buf += struct.pack("<IIQQ", 0x00002A2A, 0, record_id, written)
        enc.record_payload(root, values)
        size = len(buf) - mark + 4
        pad = (-size) % 8
        buf += bytes(pad)
        size += pad
        buf += struct.pack("<I", size)
        if len(buf) > CHUNK_SIZE:
            enc.rollback(mark)
            return False
        struct.pack_into("<I", buf, mark + 4, size)
        self.number += 1
        if chunk.count == 0:
            chunk.first_number, chunk.first_id = self.number, record_id
        chunk.last_number, chunk.last_id = self.number, record_id
        chunk.last_record_offset = mark
        chunk.count += 1
        self.stats.records += 1
        self.max_id = max(self.max_id, record_id)
        return True

    def _flush_chunk(self) -> None:
        chunk = self.chunk
        if chunk.count == 0:
            return
        enc = chunk.encoder
        assert enc is not None
        buf = chunk.buf
        free = len(buf)
        buf[0:8] = b"ElfChnk\x00"
        struct.pack_into("<QQQQ", buf, 8, chunk.first_number, chunk.last_number, chunk.first_id, chunk.last_id)
        struct.pack_into("<III", buf, 40, 128, chunk.last_record_offset, free)
        struct.pack_into("<I", buf, 52, zlib.crc32(bytes(buf[CHUNK_HEADER:free])))
        struct.pack_into("<I", buf, 120, 0)
        struct.pack_into("<64I", buf, 128, *enc.string_buckets)
        struct.pack_into("<32I", buf, 384, *enc.template_buckets)
        crc = zlib.crc32(bytes(buf[128:CHUNK_HEADER]), zlib.crc32(bytes(buf[:120])))
        struct.pack_into("<I", buf, 124, crc)
        self.out.write(bytes(buf) + bytes(CHUNK_SIZE - free))
        self.stats.chunks += 1
        self.chunk = _Chunk()

    def close(self) -> WriteStats:
        self._flush_chunk()
        header = bytearray(128)
        header[0:8] = b"ElfFile\x00"
        chunks = self.stats.chunks
        struct.pack_into("<QQQIHHHH", header, 8, 0, max(chunks - 1, 0), self.max_id + 1, 128, 1, 3,
                         HEADER_SIZE, chunks)
        struct.pack_into("<I", header, 120, 0)
        struct.pack_into("<I", header, 124, zlib.crc32(bytes(header[:120])))
        self.out.seek(0)
        self.out.write(bytes(header))
        self.out.seek(0, 2)
        return self.stats


def _child(el: Any, name: str) -> Any:
    for c in el:
        if isinstance(c.tag, str) and c.tag.rsplit("}", 1)[-1] == name:
            return c
    return None


def _record_id(event: Any, default: int) -> int:
    system = _child(event, "System")
    node = _child(system, "EventRecordID") if system is not None else None
    try:
        return int("".join(node.itertext()).strip()) if node is not None else default
    except ValueError:
        return default


def _written_time(event: Any) -> int:
    system = _child(event, "System")
    node = _child(system, "TimeCreated") if system is not None else None
    try:
        return filetime(node.get("SystemTime")) if node is not None and node.get("SystemTime") else 0
    except ValueError:
        return 0


def write_events(events: Iterable[Any], out: IO[bytes]) -> WriteStats:
    """Write lxml ``<Event>`` elements to a seekable binary stream as an .evtx file."""
    writer = EvtxWriter(out)
    for event in events:
        try:
            writer.add(event)
        except RecordTooLarge as exc:
            writer.stats.skipped.append(str(exc))
    return writer.close()
