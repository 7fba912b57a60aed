"""Render lost .evtx records with the Rust engine by re-framing their chunk in memory.

Why: records that sit after a broken record frame, in a chunk with a bad magic, or in a
truncated chunk are well-framed but never produced by ``evtx`` (it stops walking a chunk at
the break, skips a bad-magic chunk). python-evtx can render them at known offsets, but at
~4 ms a record it dominated ingest time. Here each damaged chunk is copied into a synthetic
one-chunk .evtx whose record walk is made to land on exactly the lost frames, and ``evtx``
renders that in about a millisecond.

How the walk is made (what evtx 0.14.0 does, checked on the corpus): it walks records from
chunk offset 512 by each record's size field up to the chunk header's free-space offset,
yields one item per frame (a record or an error naming the frame's record id), goes on by
size after a failed record, and checks neither CRCs nor the header's record numbers (they
are still set right, for other readers). Where the walk would not land on the next lost
frame, a *filler* record header is written over the bytes that the walk reaches instead (a
record header, or garbage) with its size spanning the gap, plus the size copy just before
the lost frame. Only those record headers and size copies change: BinXML bodies stay where
they are, since names and templates are referenced by chunk offsets. Filler output is
dropped by its marker record id.
"""

from __future__ import annotations

import io
import re
import struct
from bisect import bisect_left
from collections.abc import Iterator
from typing import IO, Any

from ...signals import Stopped
from .chunks import (
    CHUNK_HEADER,
    CHUNK_MAGIC,
    CHUNK_SIZE,
    FILE_MAGIC,
    HEADER_SIZE,
    RECORD_MIN,
    _frame_at,
    crc32,
)
from .prescan import chain_loops

#: Record header written for a filler: signature, size, record id, written time (24 bytes).
_RECORD_HEAD = struct.Struct("<IIQQ")
_RECORD_SIGNATURE = 0x00002A2A
#: Record id of fillers (changed when a lost record uses it).
_FILLER_ID = (1 << 64) - 2
_ERROR_ID = re.compile(r"record number (\d{1,20})")

Result = tuple[int, int, str | None, str | None]
#: What evtx says of a record it reached and parsed whose content is not in the chunk: the
#: template definition the record points to runs past the chunk's end or is empty (a VSS
#: copy's overwritten area, a wiped first record). python-evtx looks that template up in the
#: chunk's template table and fails on every such record of the corpus (~4 ms each, 0.09 s
#: a run): it is not asked (``unrenderable``).
_NO_CONTENT = ("template data out of bounds", "empty BinXML slice")


def render_lost(fh: IO[bytes], lost: list[tuple[int, int, int]]) -> Iterator[Result]:
    """``(record id, offset, json text, error)`` for every ``(record id, record offset,
    chunk offset)`` given, as :func:`evtx.python_engine.render_at` but with the Rust engine's JSON.

    Frames are handled chunk by chunk (one synthetic chunk in memory at a time): results
    come grouped by chunk, in the given order within a chunk (so in the order of ``lost``
    as ``check_completeness`` builds it). A frame the synthetic pass cannot render has json
    None and an error, so the caller can try python-evtx for exactly those. Never raises on
    bad bytes.
    """
    groups: dict[int, list[tuple[int, int]]] = {}
    for record_id, offset, chunk_offset in lost:
        groups.setdefault(chunk_offset, []).append((record_id, offset))
    for chunk_offset, frames in groups.items():
        try:
            results = _render_chunk(fh, chunk_offset, sorted(frames, key=lambda f: f[1]))
        except (KeyboardInterrupt, SystemExit, Stopped):
            raise
        except BaseException as exc:  # noqa: BLE001 - pyo3 panics derive from BaseException
            error = f"evtx re-framing failed: {type(exc).__name__}: {exc}"[:200]
            results = {offset: (None, error) for _rid, offset in frames}
        for record_id, offset in frames:
            text, error = results.get(offset, (None, "not rendered by evtx"))
            yield record_id, offset, text, error


def unrenderable(error: str | None) -> bool:
    """Whether evtx's error for a re-framed record says the bytes to render it are not in
    its chunk (no other engine can do better from the same bytes; see ``_NO_CONTENT``)."""
    return error is not None and error.startswith("evtx: ") and any(
        phrase in error for phrase in _NO_CONTENT)


def _render_chunk(fh: IO[bytes], chunk_offset: int, frames: list[tuple[int, int]]
                  ) -> dict[int, tuple[str | None, str | None]]:
    """Results by record offset for the frames of one chunk (see module docstring)."""
    results: dict[int, tuple[str | None, str | None]] = {}
    if chunk_offset < HEADER_SIZE:
        return {offset: (None, "chunk offset inside the file header") for _rid, offset in frames}
    fh.seek(chunk_offset)
    data = fh.read(CHUNK_SIZE)
    walk = _reframe(data, chunk_offset, frames, results)
    if walk is None:
        return results
    blob, sequence = walk
    _run_engine(blob, sequence, results)
    for _rid, offset in frames:
        results.setdefault(offset, (None, "not rendered by evtx"))
    return results


# One walked frame: (record offset in file or None for a filler, record id in its header).
Walked = tuple[int | None, int]


def _reframe(data: bytes, chunk_offset: int, frames: list[tuple[int, int]],
             results: dict[int, tuple[str | None, str | None]]
             ) -> tuple[bytes, list[Walked]] | None:
    """The synthetic file for one chunk and the frames its walk visits, in order."""
    lost_ids: set[int] = set()
    taken: set[int] = set()
    targets: list[tuple[int, int, int]] = []  # (chunk offset, size, record id in the header)
    for _rid, offset in frames:
        pos = offset - chunk_offset
        if offset in results or pos in taken:
            continue
        frame = _frame_at(data, pos) if CHUNK_HEADER <= pos <= len(data) - RECORD_MIN else None
        if frame is None:
            results[offset] = (None, "no well-framed record at this offset")
            continue
        size, header_id = frame
        targets.append((pos, size, header_id))
        taken.add(pos)
        lost_ids.add(header_id)
    if not targets:
        return None
    filler_id = _FILLER_ID
    while filler_id in lost_ids:
        filler_id -= 1

    buf = bytearray(data)
    buf.extend(bytes(CHUNK_SIZE - len(buf)))
    buf[0:8] = CHUNK_MAGIC
    sequence: list[Walked] = []
    pos = CHUNK_HEADER
    last_record = 0
    for target, size, header_id in targets:
        gap = target - pos
        if gap < 0 or 0 < gap < RECORD_MIN:
            # inside the previous lost frame, or too close to it for a filler header
            results[chunk_offset + target] = (None, "frame not reachable by a re-framed walk")
            continue
        if gap:
            written = struct.unpack_from("<Q", buf, target + 16)[0]
            _RECORD_HEAD.pack_into(buf, pos, _RECORD_SIGNATURE, gap, filler_id, written)
            struct.pack_into("<I", buf, target - 4, gap)
            sequence.append((None, filler_id))
        sequence.append((chunk_offset + target, header_id))
        last_record = target
        pos = target + size
    if not last_record:
        return None
    _break_chain_cycles(buf)
    ids = [rid for off, rid in sequence if off is not None]
    struct.pack_into("<QQQQ", buf, 8, 1, len(sequence), min(ids), max(ids))
    struct.pack_into("<III", buf, 40, 128, last_record, pos)
    struct.pack_into("<I", buf, 52, crc32(memoryview(buf)[CHUNK_HEADER:pos]))
    struct.pack_into("<I", buf, 124, crc32(memoryview(buf)[128:CHUNK_HEADER],
                                                crc32(memoryview(buf)[:120])))
    return _file_header(max(ids) + 1) + bytes(buf), sequence


def _break_chain_cycles(buf: bytearray) -> None:
    """Zero the links that close a loop in a name or template hash chain (evtx would hang;
    see ``evtx.prescan.chain_loops``)."""
    for at in chain_loops(buf):
        struct.pack_into("<I", buf, at, 0)


def _file_header(next_record_id: int) -> bytes:
    """A 4096-byte file header for one chunk (version 3.1, clean, CRC32 set)."""
    head = bytearray(HEADER_SIZE)
    head[0:8] = FILE_MAGIC
    struct.pack_into("<QQQIHHHH", head, 8, 0, 0, min(next_record_id, (1 << 64) - 1),
                     128, 1, 3, HEADER_SIZE, 1)
    struct.pack_into("<I", head, 124, crc32(memoryview(head)[:120]))
    return bytes(head)


def _run_engine(blob: bytes, sequence: list[Walked],
                results: dict[int, tuple[str | None, str | None]]) -> None:
    """Parse the synthetic file and file each item under the walked frame it belongs to.

    evtx yields one item per walked frame, in order; a record carries its id, an error names
    it ("record number N"). Items are matched to the sequence by those ids (positionally
    only for an error without one), so a frame the engine skipped shifts nothing.
    """
    import evtx  # deferred: importing the extension costs time for non-evtx runs

    where: dict[int, list[int]] = {}
    for index, (_offset, record_id) in enumerate(sequence):
        where.setdefault(record_id, []).append(index)
    records = evtx.PyEvtxParser(io.BytesIO(blob), number_of_threads=1).records_json()
    at = 0
    for _ in range(2 * len(sequence) + 8):  # bounded even if the engine misbehaves
        if at >= len(sequence):
            return
        try:
            item: Any = next(records)
        except StopIteration:
            return
        except (KeyboardInterrupt, SystemExit, Stopped):
            raise
        except BaseException as exc:  # noqa: BLE001 - engine errors (pyo3 panics too)
            text = " ".join(str(exc).split())
            match = _ERROR_ID.search(text)
            index = _find(where, at, int(match.group(1))) if match else at
            if index is None:
                continue
            offset = sequence[index][0]
            if offset is not None:
                results[offset] = (None, f"evtx: {text}"[:300])
            at = index + 1
            continue
        record_id = item.get("event_record_id") if isinstance(item, dict) else None
        index = _find(where, at, record_id) if isinstance(record_id, int) else None
        if index is None:
            continue
        offset = sequence[index][0]
        if offset is not None:
            text = item.get("data")
            ok = isinstance(text, str)
            results[offset] = (text, None) if ok else (None, "evtx: no JSON text")
        at = index + 1


def _find(where: dict[int, list[int]], start: int, record_id: int) -> int | None:
    """Index of the first walked frame at or after ``start`` whose header has ``record_id``."""
    indexes = where.get(record_id)
    if not indexes:
        return None
    i = bisect_left(indexes, start)
    return indexes[i] if i < len(indexes) else None
