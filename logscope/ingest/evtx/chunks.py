"""The .evtx container: file header, 64 KiB chunk slots, record frames; completeness check.

Why a second, structural reading: neither engine says everything it lost. python-evtx's
normal API stops at the header's (often stale) chunk count; ``evtx`` skips a chunk with a
bad magic with one error item and ends a chunk early on a broken record. So after the
engine has run, every chunk slot of the file is read here: its header is checked (magic,
header CRC32, data CRC32, first/last record identifiers), its record frames are walked, and
every record id the structure promises but the engine did not produce is reported as a gap
(chunk index, file offset, record-id range) and counted in ``ledger.missing``.

Layout (MS-EVEN6 / libyal evtx documentation): file header 4096 bytes (magic ``ElfFile\\0``,
chunk count at 42, flags at 120, CRC32 of bytes 0-120 at 124); each chunk 65536 bytes with
a 512-byte header (magic ``ElfChnk\\0``, first/last record number at 8/16, first/last record
identifier at 24/32, last record offset 44, free space offset 48, records CRC32 52, flags
120, header CRC32 at 124 over bytes 0-120 and 128-512); records ``**\\0\\0``, size, id,
FILETIME, BinXML, size copy.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import IO

try:  # zlib-ng's CRC-32 (SIMD): ~2 us a 64 KiB chunk against zlib's ~20, on every chunk read
    from zlib_ng.zlib_ng import crc32
except ImportError:  # pragma: no cover - the same CRC-32, slower
    from zlib import crc32

FILE_MAGIC = b"ElfFile\x00"
CHUNK_MAGIC = b"ElfChnk\x00"
RECORD_MAGIC = b"\x2a\x2a\x00\x00"
HEADER_SIZE = 4096
CHUNK_SIZE = 65536
CHUNK_HEADER = 512
RECORD_MIN = 28
FLAG_DIRTY = 0x1
FLAG_FULL = 0x2
#: Most records a 64 KiB chunk can frame (bounded work on hostile headers).
MAX_RECORDS_PER_CHUNK = (CHUNK_SIZE - CHUNK_HEADER) // RECORD_MIN


@dataclass(slots=True)
class FileHeader:
    ok_magic: bool
    first_chunk: int = 0
    last_chunk: int = 0
    next_record_id: int = 0
    header_size: int = 0
    minor: int = 0
    major: int = 0
    block_size: int = 0
    chunk_count: int = 0
    flags: int = 0
    checksum: int = 0
    checksum_ok: bool = False


@dataclass(slots=True)
class Chunk:
    """One 64 KiB chunk slot as found in the file."""

    index: int
    offset: int
    size: int
    state: str  # "chunk", "empty" (all zero), "bad-magic", "partial"
    first_number: int = 0
    last_number: int = 0
    first_id: int = 0
    last_id: int = 0
    last_record_offset: int = 0
    free_offset: int = 0
    data_crc: int = 0
    header_crc: int = 0
    header_crc_ok: bool = False
    data_crc_ok: bool = False
    #: (record id, offset in file) of every well-framed record, in order.
    records: list[tuple[int, int]] = field(default_factory=list)
    #: Why the record walk stopped before the free-space offset, if it did.
    walk_error: str | None = None
    damage_offset: int | None = None
    #: Well-framed records found after a broken frame (resynchronized on their signature).
    after_damage: list[tuple[int, int]] = field(default_factory=list)
    #: False when the walk was skipped for a chunk both CRCs vouch for (see ``read_chunk``).
    walked: bool = True

    @property
    def header_ids_plausible(self) -> bool:
        span = self.last_id - self.first_id
        return (
            0 < self.first_id < 1 << 62
            and 0 <= span < MAX_RECORDS_PER_CHUNK
            and self.free_offset > CHUNK_HEADER  # a chunk with no records has free space at 512
        )




#: One slot of zeros, to compare with (a ``memcmp``: ~20x faster than counting zero bytes).
_ZEROS = bytes(CHUNK_SIZE)


def _zero(data: bytes) -> bool:
    """All bytes zero, at C speed (``any()`` over 64 KiB is a Python-level loop)."""
    if len(data) <= CHUNK_SIZE:
        return _ZEROS.startswith(data)
    return data.count(0) == len(data)


def read_file_header(buf: bytes) -> FileHeader:
    if len(buf) < 128 or buf[:8] != FILE_MAGIC:
        return FileHeader(ok_magic=False)
    (first, last, next_id, hsize, minor, major, bsize, count) = struct.unpack_from("<QQQIHHHH", buf, 8)
    flags, checksum = struct.unpack_from("<II", buf, 120)
    return FileHeader(
        ok_magic=True, first_chunk=first, last_chunk=last, next_record_id=next_id,
        header_size=hsize, minor=minor, major=major, block_size=bsize, chunk_count=count,
        flags=flags, checksum=checksum, checksum_ok=crc32(buf[:120]) == checksum,
    )


#: ``trusted(chunk) -> bool``, asked after a complete chunk's header is read: True skips
#: the record walk (the header's id range is then the chunk's truth; see check_completeness).
Trusted = Callable[[Chunk], bool]


def read_chunk(data: bytes, index: int, offset: int, trusted: Trusted | None = None) -> Chunk:
    """Parse one chunk slot's bytes (up to 64 KiB) and walk its record frames."""
    size = len(data)
    if size < CHUNK_SIZE and data[:8] != CHUNK_MAGIC and _zero(data):
        return Chunk(index, offset, size, "empty")
    if data[:8] != CHUNK_MAGIC:
        state = "empty" if _zero(data) else "bad-magic"
        chunk = Chunk(index, offset, size, state)
        if state == "bad-magic" and size >= CHUNK_HEADER:
            _read_chunk_header(chunk, data)
            _walk_records(chunk, data)
        return chunk
    chunk = Chunk(index, offset, size, "chunk" if size == CHUNK_SIZE else "partial")
    if size >= CHUNK_HEADER:
        _read_chunk_header(chunk, data)
        if trusted is not None and chunk.state == "chunk" and trusted(chunk):
            chunk.walked = False
        else:
            _walk_records(chunk, data)
    return chunk


#: The chunk header's numbers in one unpack: first/last record number and identifier (at 8),
#: last record offset, free space offset, records CRC32 (at 44), header CRC32 (at 124).
_CHUNK_NUMBERS = struct.Struct("<8xQQQQ4xIII68xI")


def _read_chunk_header(chunk: Chunk, data: bytes) -> None:
    (chunk.first_number, chunk.last_number, chunk.first_id, chunk.last_id,
     chunk.last_record_offset, chunk.free_offset, chunk.data_crc,
     chunk.header_crc) = _CHUNK_NUMBERS.unpack_from(data)
    view = memoryview(data)  # CRCs over views: no copy of the chunk's records
    chunk.header_crc_ok = crc32(view[128:CHUNK_HEADER], crc32(view[:120])) == chunk.header_crc
    if CHUNK_HEADER <= chunk.free_offset <= len(data):
        chunk.data_crc_ok = crc32(view[CHUNK_HEADER:chunk.free_offset]) == chunk.data_crc


def _frame_at(data: bytes, pos: int) -> tuple[int, int] | None:
    """``(size, record id)`` of a well-framed record at ``pos`` (signature, sane size, size copy)."""
    if data[pos:pos + 4] != RECORD_MAGIC or pos + RECORD_MIN > len(data):
        return None
    size, record_id = struct.unpack_from("<IQ", data, pos + 4)
    if size < RECORD_MIN or pos + size > len(data):
        return None
    if struct.unpack_from("<I", data, pos + size - 4)[0] != size:
        return None
    return size, record_id


def _walk_records(chunk: Chunk, data: bytes) -> None:
    """Follow record frames from offset 512 to the free-space offset (or the slot's end).

    On a broken frame the walk notes why, then resynchronizes on the next well-framed
    record signature: those records exist in the file although no engine yields them
    (both stop at the break), so they are counted as missing, not silently dropped.
    """
    end = chunk.free_offset if CHUNK_HEADER <= chunk.free_offset <= len(data) else len(data)
    pos = CHUNK_HEADER
    while pos + RECORD_MIN <= end and len(chunk.records) + len(chunk.after_damage) < MAX_RECORDS_PER_CHUNK:
        frame = _frame_at(data, pos)
        if frame is None:
            if chunk.walk_error is None:
                if data[pos:pos + 4] != RECORD_MAGIC:
                    if _zero(data[pos:end]):
                        return
                    chunk.walk_error = f"no record signature at chunk offset 0x{pos:X}"
                else:
                    size, record_id = struct.unpack_from("<IQ", data, pos + 4)
                    chunk.walk_error = (f"record {record_id} at chunk offset 0x{pos:X}: size {size} "
                                        "impossible or its copy does not match")
                chunk.damage_offset = pos
            nxt = data.find(RECORD_MAGIC, pos + 1, end)
            if nxt < 0:
                return
            pos = nxt
            continue
        size, record_id = frame
        target = chunk.after_damage if chunk.walk_error else chunk.records
        target.append((record_id, chunk.offset + pos))
        pos += size
def iter_chunks(fh: IO[bytes], file_size: int | None = None,
                trusted: Trusted | None = None) -> Iterator[Chunk]:
    """Every chunk slot after the file header, whatever the header's chunk count says."""
    fh.seek(HEADER_SIZE)
    index = 0
    offset = HEADER_SIZE
    while True:
        data = fh.read(CHUNK_SIZE)
        if not data:
            return
        yield read_chunk(data, index, offset, trusted)
        index += 1
        offset += len(data)












