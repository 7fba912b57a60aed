"""Is every record of an .evtx file accounted for? The chunk headers and record frames vouch
for a set of record ids; what the engines produced is compared with it, and every id that
is missing is a counted problem with its chunk and offset.
"""

from __future__ import annotations

from array import array
from bisect import bisect_right
from collections.abc import Iterable
from typing import IO, Any

from ...ledger import FileLedger
from .chunks import (
    CHUNK_SIZE,
    FLAG_DIRTY,
    FLAG_FULL,
    HEADER_SIZE,
    Chunk,
    FileHeader,
    Trusted,
    iter_chunks,
    read_chunk,
    read_file_header,
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


def _walked(fh: IO[bytes], slots: list[Chunk], trusted: Trusted) -> Iterable[Chunk]:
    """The slots as ``iter_chunks(fh, trusted)`` would give them: a chunk read without its
    walk is read again and walked unless ``trusted`` vouches for it."""
    for chunk in slots:
        if chunk.walked or trusted(chunk):
            yield chunk
        else:
            fh.seek(chunk.offset)
            yield read_chunk(fh.read(CHUNK_SIZE), chunk.index, chunk.offset)


def check_completeness(fh: IO[bytes], ledger: FileLedger, seen: RecordIdSet | set[int] | dict[int, int],
                       lost_frames: list[tuple[int, int, int]] | None = None,
                       slots: list[Chunk] | None = None, head: bytes | None = None,
                       header: FileHeader | None = None) -> dict[str, Any]:
    """Compare the file's structure with the record ids an engine produced (``seen``).

    Reports: bad file header, stale chunk count, dirty flag, per chunk bad magic / CRC
    mismatch / broken record frames / truncation, trailing bytes, and every record id that
    the chunk structure promises but no engine produced (``ledger.missing``). Returns a
    summary also stored in ``ledger.info["evtx"]``. Lost records whose frame was found are
    appended to ``lost_frames`` as ``(record id, record offset, chunk offset)`` for recovery.

    ``slots`` and ``head``: the file's chunk slots and header as already read while the engine
    ran (``slots.SlotView``; a full chunk there is not walked yet): then ``fh`` is read again
    only for a chunk that must be walked; ``header``: ``head`` as already parsed.
    """
    if head is None:
        fh.seek(0)
        head = fh.read(HEADER_SIZE)
        header = None
    if header is None:
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

    for chunk in (iter_chunks(fh, trusted=trusted) if slots is None else _walked(fh, slots, trusted)):
        summary["chunk_slots"] += 1
        state = chunk.state
        # the usual slots first, with nothing to report: a full slot of zeros, and a chunk
        # both CRCs vouch for whose walk was skipped (the steps below would only add its ids)
        if state == "empty" and chunk.size == CHUNK_SIZE:
            continue
        if not chunk.walked and state == "chunk" and chunk.header_crc_ok and chunk.data_crc_ok:
            active += 1
            expected_ids.add_range(chunk.first_id, chunk.last_id)
            continue
        where = f"chunk {chunk.index} (offset 0x{chunk.offset:X})"
        if state == "empty":
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
