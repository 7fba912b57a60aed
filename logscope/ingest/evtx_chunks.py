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
import zlib
from array import array
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from ..ledger import FileLedger

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


class RecordIdSet:
    """A set of record ids kept as sorted runs, so memory grows with the gaps, not the records.

    Why: a multi-GB log holds millions of records; a Python set of their ids would take
    hundreds of MB, while a log's ids are almost always one or a few contiguous runs.
    """

    def __init__(self) -> None:
        self._starts = array("Q")
        self._ends = array("Q")
        self._sorted = True

    def add(self, rid: int) -> None:
        if not 0 <= rid < 1 << 64:
            return
        ends = self._ends
        if ends:
            if rid == ends[-1] + 1:
                ends[-1] = rid
                return
            if self._starts[-1] <= rid <= ends[-1]:
                return
            if rid < self._starts[-1]:
                self._sorted = False
        self._starts.append(rid)
        ends.append(rid)

    def add_range(self, first: int, last: int) -> None:
        """Add ``first..last`` (inclusive) as one run (nothing when ``first > last``)."""
        if not 0 <= first <= last < 1 << 64:
            return
        ends = self._ends
        if ends and self._starts[-1] <= first <= ends[-1] + 1:
            if last > ends[-1]:
                ends[-1] = last
            return
        if ends and first < self._starts[-1]:
            self._sorted = False
        self._starts.append(first)
        ends.append(last)

    def update(self, ids: Iterable[int]) -> None:
        for rid in sorted(ids):
            self.add(rid)

    def _normalize(self) -> None:
        pairs = sorted(zip(self._starts, self._ends))
        starts, ends = array("Q"), array("Q")
        for a, b in pairs:
            if ends and a <= ends[-1] + 1:
                if b > ends[-1]:
                    ends[-1] = b
            else:
                starts.append(a)
                ends.append(b)
        self._starts, self._ends, self._sorted = starts, ends, True

    def __contains__(self, rid: object) -> bool:
        if not isinstance(rid, int):
            return False
        if not self._sorted:
            self._normalize()
        i = bisect_right(self._starts, rid) - 1
        return i >= 0 and rid <= self._ends[i]

    def __len__(self) -> int:
        if not self._sorted:
            self._normalize()
        return sum(b - a + 1 for a, b in zip(self._starts, self._ends))

    def covers(self, first: int, last: int) -> bool:
        """Every id of ``first..last`` is in the set (one lookup: runs are merged)."""
        if not self._sorted:
            self._normalize()
        i = bisect_right(self._starts, first) - 1
        return i >= 0 and last <= self._ends[i]

    def overlaps(self, first: int, last: int) -> bool:
        """Some id of ``first..last`` is in the set."""
        if not self._sorted:
            self._normalize()
        i = bisect_right(self._starts, last) - 1
        return i >= 0 and self._ends[i] >= first


def _zero(data: bytes) -> bool:
    """All bytes zero (C speed; ``any()`` over 64 KiB is a Python-level loop)."""
    return data.count(0) == len(data)


def read_file_header(buf: bytes) -> FileHeader:
    if len(buf) < 128 or buf[:8] != FILE_MAGIC:
        return FileHeader(ok_magic=False)
    (first, last, next_id, hsize, minor, major, bsize, count) = struct.unpack_from("<QQQIHHHH", buf, 8)
    flags, checksum = struct.unpack_from("<II", buf, 120)
    return FileHeader(
        ok_magic=True, first_chunk=first, last_chunk=last, next_record_id=next_id,
        header_size=hsize, minor=minor, major=major, block_size=bsize, chunk_count=count,
        flags=flags, checksum=checksum, checksum_ok=zlib.crc32(buf[:120]) == checksum,
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


def _read_chunk_header(chunk: Chunk, data: bytes) -> None:
    (chunk.first_number, chunk.last_number, chunk.first_id, chunk.last_id) = struct.unpack_from("<QQQQ", data, 8)
    (chunk.last_record_offset, chunk.free_offset, chunk.data_crc) = struct.unpack_from("<III", data, 44)
    chunk.header_crc = struct.unpack_from("<I", data, 124)[0]
    chunk.header_crc_ok = zlib.crc32(data[128:CHUNK_HEADER], zlib.crc32(data[:120])) == chunk.header_crc
    if CHUNK_HEADER <= chunk.free_offset <= len(data):
        chunk.data_crc_ok = zlib.crc32(data[CHUNK_HEADER:chunk.free_offset]) == chunk.data_crc


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


def _ranges(ids: Iterable[int]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for i in sorted(ids):
        if out and i == out[-1][1] + 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def _fmt_ranges(ranges: list[tuple[int, int]], limit: int = 8) -> str:
    parts = [f"{a}" if a == b else f"{a}-{b}" for a, b in ranges[:limit]]
    if len(ranges) > limit:
        parts.append(f"... ({len(ranges) - limit} more ranges)")
    return ", ".join(parts)


def chunk_expected_ids(chunk: Chunk) -> set[int]:
    """The record ids one chunk slot vouches for (the definition of "missing").

    Every well-framed record, including those found by resynchronizing after a broken frame;
    plus the chunk header's first..last id range when the walk broke or the chunk is cut
    and the readable frames agree with that range. An intact walk is the better truth (a
    log written from a filtered export has id gaps; a chunk rewritten in place can hold ids
    from another epoch, and then its header range is stale).
    """
    ids = {rid for rid, _ in chunk.records}
    ids.update(rid for rid, _ in chunk.after_damage)
    if (chunk.state != "bad-magic" and chunk.header_ids_plausible
            and (chunk.walk_error or chunk.state == "partial")
            and all(chunk.first_id <= rid <= chunk.last_id for rid, _ in chunk.records)):
        ids.update(range(chunk.first_id, chunk.last_id + 1))
    return ids


def _intact_run(chunk: Chunk) -> tuple[int, int] | None:
    """``(first, last)`` when the chunk's walk was clean and its ids are one ascending run."""
    recs = chunk.records
    if chunk.walk_error or chunk.after_damage or chunk.state != "chunk" or not recs:
        return None
    first, last = recs[0][0], recs[-1][0]
    if last - first + 1 != len(recs):
        return None
    prev = first - 1
    for rid, _ in recs:
        if rid != prev + 1:
            return None
        prev = rid
    return first, last


def expected_ids(fh: IO[bytes]) -> RecordIdSet:
    """Every record id the file's chunk slots vouch for (see :func:`chunk_expected_ids`).

    Invariant kept by the evtx parser: ``records + missing == len(expected_ids(file))``.
    """
    out = RecordIdSet()
    for chunk in iter_chunks(fh):
        if chunk.state != "empty":
            out.update(chunk_expected_ids(chunk))
    return out


def check_completeness(fh: IO[bytes], ledger: FileLedger, seen: RecordIdSet | set[int] | dict[int, int],
                       lost_frames: list[tuple[int, int, int]] | None = None) -> dict[str, Any]:
    """Compare the file's structure with the record ids an engine produced (``seen``).

    Reports: bad file header, stale chunk count, dirty flag, per chunk bad magic / CRC
    mismatch / broken record frames / truncation, trailing bytes, and every record id that
    the chunk structure promises but no engine produced (``ledger.missing``). Returns a
    summary also stored in ``ledger.info["evtx"]``. Lost records whose frame was found are
    appended to ``lost_frames`` as ``(record id, record offset, chunk offset)`` for recovery.
    """
    fh.seek(0)
    head = fh.read(HEADER_SIZE)
    header = read_file_header(head)
    summary: dict[str, Any] = {"chunks_declared": header.chunk_count, "chunk_slots": 0,
                               "chunks_with_data": 0, "missing": 0}
    ledger.info["evtx"] = summary
    if not header.ok_magic:
        ledger.problem("offset 0x0", "no evtx file header (magic ElfFile missing)", "evtx-header")
    else:
        summary["dirty"] = bool(header.flags & FLAG_DIRTY)
        summary["version"] = f"{header.major}.{header.minor}"
        if not header.checksum_ok:
            ledger.problem("offset 0x0", "file header CRC32 mismatch", "evtx-crc")
        if header.flags & ~(FLAG_DIRTY | FLAG_FULL):
            ledger.problem("offset 0x78", f"unknown file header flags 0x{header.flags:X}", "evtx-header")
    if len(head) < HEADER_SIZE:
        ledger.problem("offset 0x0", f"file is {len(head)} bytes, shorter than the 4096-byte header",
                       "evtx-truncated")
        return summary

    missing_total = 0
    active = 0
    expected_ids = RecordIdSet()
    def trusted(chunk: Chunk) -> bool:
        # Both CRCs match (the bytes are as Windows wrote them, header and records together),
        # the header's numbers and ids agree, and the engine produced every id of the range:
        # a walk could only confirm that range, so it is skipped (the common chunk).
        first, last = chunk.first_id, chunk.last_id
        return (chunk.header_crc_ok and chunk.data_crc_ok and chunk.header_ids_plausible
                and chunk.last_number - chunk.first_number == last - first
                and isinstance(seen, RecordIdSet) and seen.covers(first, last)
                and not expected_ids.overlaps(first, last))

    for chunk in iter_chunks(fh, trusted=trusted):
        summary["chunk_slots"] += 1
        where = f"chunk {chunk.index} (offset 0x{chunk.offset:X})"
        if chunk.state == "empty":
            if chunk.size < CHUNK_SIZE:
                ledger.problem(where, f"{chunk.size} trailing zero byte(s) after the last chunk",
                               "evtx-trailing")
            continue
        if chunk.state == "bad-magic" and not chunk.records and not chunk.after_damage:
            what = "trailing bytes" if chunk.size < CHUNK_SIZE else "chunk slot"
            ledger.problem(where, f"{what} without chunk magic ({chunk.size} bytes, not all zero); "
                                  "no record frames found", "evtx-bad-chunk")
            continue
        active += 1
        if chunk.state == "bad-magic":
            ledger.problem(where, "bad chunk magic (expected ElfChnk); the chunk is not read by the engine",
                           "evtx-bad-chunk")
        if chunk.size < CHUNK_SIZE:
            ledger.problem(where, f"chunk truncated: {chunk.size} of {CHUNK_SIZE} bytes present",
                           "evtx-truncated")
        if chunk.state != "bad-magic":
            if not chunk.header_crc_ok:
                ledger.problem(where, "chunk header CRC32 mismatch", "evtx-crc")
            if not chunk.data_crc_ok and chunk.size == CHUNK_SIZE:
                ledger.problem(where, "records data CRC32 mismatch", "evtx-crc")
        if chunk.walk_error:
            extra = (f"; {len(chunk.after_damage)} well-framed record(s) found after it"
                     if chunk.after_damage else "")
            ledger.problem(where, f"record frames broken: {chunk.walk_error}{extra}", "evtx-frames")
        if not chunk.walked:
            expected_ids.add_range(chunk.first_id, chunk.last_id)
            continue
        run = _intact_run(chunk)
        if (run is not None and isinstance(seen, RecordIdSet) and not expected_ids.overlaps(*run)
                and seen.covers(*run)):
            # the usual chunk: one run of ids, all produced (no per-id work)
            expected_ids.add_range(*run)
            continue
        ids = {i for i in chunk_expected_ids(chunk) if i not in expected_ids}
        expected_ids.update(ids)
        lost = [i for i in ids if i not in seen]
        if lost and lost_frames is not None:
            lost_set = set(lost)
            lost_frames.extend((rid, off, chunk.offset) for rid, off in (*chunk.records, *chunk.after_damage)
                               if rid in lost_set)
        if lost:
            missing_total += len(lost)
            ledger.problem(where, f"{len(lost)} record(s) not produced by the engine: "
                                  f"record ids {_fmt_ranges(_ranges(lost))}", "evtx-missing")
    summary["chunks_with_data"] = active
    if header.ok_magic and header.chunk_count != active:
        flag = " (dirty: copied while the log was open)" if header.flags & FLAG_DIRTY else ""
        ledger.problem("offset 0x0", f"file header declares {header.chunk_count} chunk(s), "
                                     f"{active} slot(s) hold data{flag}; all slots were read",
                       "evtx-stale-header")
    summary["missing"] = missing_total
    ledger.missing += missing_total
    return summary
