"""Keeping the Rust engine away from what it cannot survive, and saying so in the ledger.

``prescan`` finds looping name/template chain links, chunks whose templates multiply their
values and chunks whose check would cost over its budget; here each finding becomes a
ledger problem (chunk index and offset; the records of a chunk left unchecked also count as
skipped, ``skip_over_budget``), and the engine reads the file through :class:`ZeroedLinks`,
a view in which those links, and the magic of those chunks, read as zero.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import IO, Any

from ...ledger import MAX_PROBLEMS_PER_FILE, FileLedger, Problem
from ..source import Source
from . import chunks
from .completeness import RecordIdSet
from .prescan import MEASURED_WORK, WORK_BUDGET
from .prescan import prescan as scan_hazards


def prescan(source: Source, ledger: FileLedger) -> tuple[list[int], set[int]]:
    """What evtx 0.14.0 must not read, each reported: looping name/template chain links
    (cut: it would never finish) and chunks with a template that multiplies its values
    (kept from it whole, magic cut, and from recovery: one crafted record asks it for
    gigabytes, growing exponentially with nesting, and aborts the process). Returns the
    4-byte cuts and the skipped chunks' file offsets. (The reader finds the same while the
    engine reads, in ``slots.SlotView``; this whole-file pass is for other callers.)"""
    try:
        with source.open() as fh:
            cuts, amplifying, over = scan_hazards(fh)
    except OSError:
        return [], set()  # the engine reports the unreadable file
    for problem in hazard_problems(cuts, amplifying, over):
        ledger.problem(problem.where, problem.message, problem.code)
    hidden = {at for at, _templates in amplifying} | {at for at, _work in over}
    for at in sorted(hidden):
        cuts += [at, at + 4]  # the chunk magic reads as zero: the engine skips the slot
    return cuts, hidden


def hazard_problems(cuts: list[int], amplifying: list[tuple[int, list[int]]],
                    over_budget: Sequence[tuple[int, int]] = ()) -> list[Problem]:
    """The ledger entries for cut chain links, hidden value-multiplying chunks and chunks
    hidden unchecked, their check over the work budget (20 of each in full, then one line
    with the rest's count)."""
    out: list[Problem] = []
    for at in cuts[:20]:
        chunk = (at - chunks.HEADER_SIZE) // chunks.CHUNK_SIZE
        out.append(Problem(f"chunk {chunk}, offset 0x{at:X}", "name/template hash chain loops back "
                           "on itself; the link is cut for the engine, which would otherwise never "
                           "finish", "evtx-chain-loop"))
    if len(cuts) > 20:
        out.append(Problem("file", f"{len(cuts) - 20} more looping chain links cut", "evtx-chain-loop"))
    for at, templates in amplifying[:20]:
        chunk = (at - chunks.HEADER_SIZE) // chunks.CHUNK_SIZE
        where = ", ".join(f"0x{t:X}" for t in templates[:4])
        out.append(Problem(f"chunk {chunk}, offset 0x{at:X}",
                           f"template(s) at chunk offset {where} use one value more than once "
                           "(rendering would multiply it without bound); chunk not read, its records "
                           "count as missing", "evtx-amplifying-template"))
    if len(amplifying) > 20:
        out.append(Problem("file", f"{len(amplifying) - 20} more chunks with value-multiplying "
                                   "templates not read", "evtx-amplifying-template"))
    for at, work in over_budget[:20]:
        chunk = (at - chunks.HEADER_SIZE) // chunks.CHUNK_SIZE
        out.append(Problem(f"chunk {chunk}, offset 0x{at:X}",
                           f"pre-scan work over budget: its template instances name {work:,} "
                           f"bytes of template bodies to check, over the {WORK_BUDGET:,} a chunk "
                           f"may cost (real chunks name at most {MEASURED_WORK:,}); chunk not "
                           f"read, its records count as skipped", "evtx-prescan-budget"))
    if len(over_budget) > 20:
        out.append(Problem("file", f"{len(over_budget) - 20} more chunks over the pre-scan work "
                                   "budget not read", "evtx-prescan-budget"))
    return out


#: The skip reason of the records of a chunk over the pre-scan work budget.
OVER_BUDGET_SKIP = "evtx chunk over the pre-scan work budget"


def skip_over_budget(fh: IO[bytes], over_budget: list[tuple[int, int]], ledger: FileLedger,
                     seen: RecordIdSet) -> None:
    """Count the framed records of each chunk over the work budget as skipped (and as seen,
    so completeness does not count them missing too; recovery leaves those chunks alone:
    ``SlotGuard.hidden``). Why a record walk: the chunk's header ids are untrusted, its
    record frames are what the ledger would otherwise count (linear, one walk a chunk).

    Why frames, not distinct ids: ``records`` counts what the engine gives, one per frame,
    an id repeated (in a chunk or across chunks) included; a hidden chunk's skip count is
    what it would have added there, so the two add up whether or not a chunk was hidden.
    ``missing`` counts distinct ids because it tells gaps in the id sequence. Repeating ids
    cannot inflate the count past the file's frames (at most ``MAX_RECORDS_PER_CHUNK`` a slot).
    """
    for at, _work in over_budget:
        fh.seek(at)
        chunk = chunks.read_chunk(fh.read(chunks.CHUNK_SIZE), (at - chunks.HEADER_SIZE)
                                  // chunks.CHUNK_SIZE, at)
        frames = (*chunk.records, *chunk.after_damage)
        for rid, _off in frames:
            seen.add(rid)
        if frames:
            ledger.skip(OVER_BUDGET_SKIP, len(frames))


def insert_problems(ledger: FileLedger, at: int, problems: list[Problem]) -> None:
    """Put ``problems`` at position ``at`` of the ledger (where a pass before the engine would
    have written them), keeping the per-file cap."""
    if not problems:
        return
    ledger.problems[at:at] = problems
    over = len(ledger.problems) - MAX_PROBLEMS_PER_FILE
    if over > 0:
        del ledger.problems[MAX_PROBLEMS_PER_FILE:]
        ledger.problems_dropped += over


def open_target(source: Source, cuts: list[int] | None = None) -> Any:  # noqa: ANN401
    if cuts:
        return io.BufferedReader(ZeroedLinks(source.open(), cuts), CHUNK_READ)
    return str(source.fs_path) if source.fs_path is not None else source.open()


#: Read size of the patched view (one chunk).
CHUNK_READ = 1 << 16


class ZeroedLinks(io.RawIOBase):
    """A read-only view of a file in which the 4-byte links at ``cuts`` read as zero."""

    def __init__(self, raw: Any, cuts: list[int]) -> None:  # noqa: ANN401
        super().__init__()
        self._raw = raw
        self._cuts = sorted(cuts)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buf: Any) -> int:  # noqa: ANN401
        start = self._raw.tell()
        data = self._raw.read(len(buf))
        n = len(data)
        buf[:n] = data
        for at in self._cuts:
            lo, hi = max(at, start), min(at + 4, start + n)
            if lo < hi:
                buf[lo - start:hi - start] = bytes(hi - lo)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()
