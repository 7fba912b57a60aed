"""The .evtx file as the Rust engine reads it: every chunk slot read once, checked on the way.

Why one read: the engine, the hazard pre-scan, the chunk gate and the completeness check
used to read each file separately (four passes, ~1.8 ms a file on the corpus). The engine
reads a file-like object lazily, one chunk after the records of the previous one were taken
(``number_of_threads=1``), so this view loads each 64 KiB slot from disk when the engine
first touches it and, before serving it:

- reads its header and both CRCs (``chunks.read_chunk`` without the record walk, kept for
  ``completeness``; a walk happens later only for a chunk the CRCs or the engine put in
  doubt);
- asks the chunk gate (``chunk_gate``) whether any record in it can matter (its bytes, then
  each record's provider and event id read from its BinXML, ``chunk_keys``); a chunk both
  CRCs vouch for that cannot, and whose templates tell its computer names, is served as zeros
  (the engine skips an all-zero slot without an error), its records are counted from its
  header and its names kept for the reader's summary events (``skipped_hosts``);
- otherwise scans it for the engine's known hangs and aborts (``prescan``) and serves it
  with the looping links cut and a value-multiplying chunk's magic zeroed (``slot_guard``);
- in a chunk both CRCs vouch for and the guard left alone, hides the records nothing can
  use from the engine by enlarging the size field of the record before them
  (``record_skip``; the records read by ``chunk_keys``, compiled or not: ``walks``),
  counted as a skipped chunk's are.

Slots the engine never asks for are read by ``drain`` for the completeness check. When every
slot is skipped (``predecide``) the engine is not started at all.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import IO, TYPE_CHECKING, Any

from .chunk_gate import ChunkGate, computer_names
from .chunk_keys import UNREAD, Walk
from .chunks import CHUNK_HEADER, CHUNK_SIZE, HEADER_SIZE, Chunk, read_chunk, read_file_header
from .completeness import RecordIdSet
from .record_skip import Plan, RecordSkip, write_sizes
from .slot_file import SlotFile, zeros
from .slot_guard import SlotGuard
from .walks import key_reader

if TYPE_CHECKING:
    from .fold import Want


#: Consecutive chunks the gate keeps after which it is no longer asked for this file.
GATE_PATIENCE = 16
#: Consecutive chunks the record skip read and skipped nothing in, after which it stops for
#: this file (a Hyper-V log where every record matters pays no walk).
SKIP_PATIENCE = 16


class SlotView(io.RawIOBase):
    """A read-only, seekable view of one .evtx file for the engine (see module doc)."""

    def __init__(self, raw: IO[bytes], gate: ChunkGate | None = None,
                 seen: RecordIdSet | None = None, want: Want | None = None,
                 record_skip: bool = True) -> None:
        super().__init__()
        self._raw = raw
        self._gate = gate
        self._want = want  # the fold's rule: a chunk the byte test keeps is asked per key
        #: what the run's files share (``run_memo``): the rule's answers
        memo = gate.memo(want) if gate is not None else None
        self._verdicts: dict[tuple[str, int], object] = {} if memo is None else memo.verdicts
        #: records the engine need not render, skipped inside the chunks it reads
        self._records = (RecordSkip(gate, self._verdict, memo)
                         if record_skip and memo is not None and want is not None else None)
        self._keys = self._records.reader if self._records is not None else key_reader()
        #: per slot index: the size fields the record skip rewrote (applied on every read)
        self._resized: dict[int, list[tuple[int, int]]] = {}
        #: id of a rendered record -> (first, last) id of the records skipped after it: the
        #: reader takes them as read when it reads that record (``take_run``)
        self.runs: dict[int, tuple[int, int]] = {}
        #: ids of the chunks the record skip planned (the reader has not read them all yet)
        self._planned = RecordIdSet()
        #: Records skipped inside chunks the engine read (part of ``skipped_records``).
        self.records_skipped = 0
        #: Computer name -> first record id of the first skipped chunk whose templates name
        #: it: the reader gives a summary event for each name no read record gave (what the
        #: identity table would have learnt from that chunk's records).
        self.skipped_hosts: dict[str, int] = {}
        #: Summary events the reader gave for ``skipped_hosts`` (each stands for one record).
        self.hosts_given = 0
        self._seen = seen
        self._file = SlotFile(raw)  # the reads, one positioned read a slot
        self._size = self._file.size
        self.header = self._file.read(0, HEADER_SIZE)
        #: the file header as parsed (the reader's check before the engine, completeness)
        self.file_header = read_file_header(self.header)
        self._pos = 0
        self._index = -1  # slot in ``_data``
        self._data = b""
        #: Per slot index: the chunk as read (header and CRCs; no record walk for a chunk).
        self.slots: dict[int, Chunk] = {}
        #: Slot indexes kept from the engine because nothing can use their records.
        self.skipped: set[int] = set()
        #: Records of skipped slots (counted from their headers).
        self.skipped_records = 0
        #: Last record id of the chunk skipped since the engine's last record (where an
        #: engine error that follows it is placed: "after record N").
        self.skipped_tail: int | None = None
        #: the hazards found and cut (``SlotGuard``: its ``cuts``, ``amplifying``,
        #: ``over_budget`` and ``hidden`` chunks are the reader's to report)
        self.guard = SlotGuard()
        #: Chunks in a row the gate kept: past ``GATE_PATIENCE`` the file is one where every
        #: chunk matters (a Hyper-V log) and the gate is not asked again (reading is always
        #: correct; the test only saves work where it can succeed)
        self._kept_in_a_row = 0
        #: Chunks in a row the record skip read and skipped nothing in
        self._fruitless = 0

    # -- io.RawIOBase ------------------------------------------------------------------
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        if whence == io.SEEK_SET:
            self._pos = offset
        elif whence == io.SEEK_CUR:
            self._pos += offset
        else:
            self._pos = self._size + offset
        self._pos = max(self._pos, 0)
        return self._pos

    def tell(self) -> int:
        return self._pos

    def readinto(self, buf: Any) -> int:  # noqa: ANN401
        want = len(buf)
        done = 0
        while done < want and self._pos < self._size:
            pos = self._pos
            if pos < HEADER_SIZE:
                part = self.header[pos:HEADER_SIZE]
                if not part:
                    break
            else:
                index, at = divmod(pos - HEADER_SIZE, CHUNK_SIZE)
                part = memoryview(self._slot(index))[at:]  # a view: the engine's copy is the one
                if not part:
                    break
            n = min(len(part), want - done)
            buf[done:done + n] = part[:n]
            done += n
            self._pos += n
        return done

    def release(self) -> None:
        """Close the file (``close`` does not: the engine's reader closes the view early,
        and the completeness check still reads from the file)."""
        self.close()
        self._raw.close()
        # the record skip holds this view's ``_verdict``: without breaking that cycle, the
        # view and what it holds went only at the next cyclic collection (peak memory grew
        # ~1.6 MB with each file of a bundle)
        self._records = None

    # -- slots -------------------------------------------------------------------------
    def _slot(self, index: int) -> bytes:
        """The bytes the engine sees for one slot (read and decided on first touch)."""
        if index == self._index:
            return self._data
        offset = HEADER_SIZE + index * CHUNK_SIZE
        data = self._read(index)
        if index not in self.slots:
            data = self._decide(index, offset, data)
        elif index in self.skipped:
            data = zeros(len(data))
        elif index in self._resized:
            data = write_sizes(data, self._resized[index])
        else:
            data = self.guard.patched.get(index, data)
        self._index, self._data = index, data
        return data

    def _decide(self, index: int, offset: int, data: bytes) -> bytes:
        chunk = read_chunk(data, index, offset, _header_only)
        self.slots[index] = chunk
        walk = None
        if self._trusted(chunk):
            skip, walk = self._skippable(chunk, data)
            if skip:
                self.skipped.add(index)
                n = chunk.last_id - chunk.first_id + 1
                self.skipped_records += n
                self.skipped_tail = chunk.last_id
                if self._seen is not None:
                    self._seen.add_range(chunk.first_id, chunk.last_id)
                return zeros(len(data))
        if chunk.state == "empty":
            return data  # all zeros: nothing to scan, and the engine skips it
        out = self.guard.guarded(offset, data)
        if walk is not None and out is data and self._records is not None and self._fruitful():
            plan = self._records.plan(data, walk, chunk.first_id)
            self._fruitless = 0 if plan is not None else self._fruitless + 1
            if plan is not None:
                out = self._skip_records(index, chunk, data, plan)
        return out

    def _fruitful(self) -> bool:
        return self._fruitless < SKIP_PATIENCE

    def _trusted(self, chunk: Chunk) -> bool:
        """Whether the chunk may be kept from the engine, whole or record by record: both
        CRCs vouch for it, its header's numbers agree, its ids are new in the file."""
        gate = self._gate
        if gate is None or not gate.skippable or chunk.walked:
            return False  # walked: not a full chunk with a magic (read_chunk walked it)
        first, last = chunk.first_id, chunk.last_id
        if not (chunk.header_crc_ok and chunk.data_crc_ok and chunk.header_ids_plausible
                and chunk.last_number - chunk.first_number == last - first):
            return False  # the engine and the completeness check must look at it
        if self._seen is not None and self._seen.overlaps(first, last):
            return False  # ids seen before (a rewritten chunk): read as before
        return not self._planned.overlaps(first, last)

    def _skippable(self, chunk: Chunk, data: bytes) -> tuple[bool, Walk | None]:
        """(whether no record of the chunk can be used: the engine need not see it, the
        chunk's records as read when the record skip may use them)"""
        gate = self._gate
        assert gate is not None
        first, end = chunk.first_id, chunk.free_offset
        walk = None
        if self._kept_in_a_row < GATE_PATIENCE:
            used = memoryview(data)[:end]  # views: no copy of the chunk
            body = used[CHUNK_HEADER:]
            kept, names = gate.scan(used, CHUNK_HEADER)
            if kept:
                walk = self._walk(chunk, data)
                if self._keys_keep(gate, walk, body):
                    self._kept_in_a_row += 1
                    return False, walk
            self._kept_in_a_row = 0
            if self._learn_hosts(used, first, names):
                return True, None
        if self._records is None or not self._fruitful():
            return False, None
        return False, walk or self._walk(chunk, data)

    def _read(self, index: int) -> bytes:
        return self._file.read(HEADER_SIZE + index * CHUNK_SIZE, CHUNK_SIZE)

    def _walk(self, chunk: Chunk, data: bytes) -> Walk | None:
        """The chunk's records (``chunk_keys``), None unless they are exactly the header's."""
        walk = self._keys.walk(data, chunk.free_offset, chunk.first_id)
        if walk is None or len(walk.kids) != chunk.last_id - chunk.first_id + 1:
            return None
        return walk

    def _keys_keep(self, gate: ChunkGate, walk: Walk | None, body: memoryview) -> bool:
        """The byte test's keep, checked against each record's (provider, event id) read from
        the chunk's BinXML (``chunk_keys``); kept when they cannot all be read."""
        if self._want is None or walk is None:
            return True
        kids = set(walk.kids)
        if UNREAD in kids:
            return True
        keys = {self._keys.keys[kid][:2] for kid in kids}
        return gate.wants_any(keys, body, self._verdict)  # type: ignore[arg-type]

    def _skip_records(self, index: int, chunk: Chunk, data: bytes, plan: Plan) -> bytes:
        """The chunk with the record skip's sizes written; its skipped records counted."""
        self._resized[index] = plan.resized
        self._planned.add_range(chunk.first_id, chunk.last_id)
        self.runs.update(plan.runs)
        self.skipped_records += plan.skipped
        self.records_skipped += plan.skipped
        for name, first_id in plan.hosts.items():
            self.skipped_hosts.setdefault(name, first_id)
        return write_sizes(data, plan.resized)

    def take_run(self, record_id: int) -> tuple[int, int] | None:
        """The ids skipped right after a record the engine gave (None: none)."""
        return self.runs.pop(record_id, None)

    def untaken_runs(self) -> list[tuple[int, int]]:
        """Skipped ids the reader has not taken (the record before them gave an error)."""
        runs = list(self.runs.values())
        self.runs.clear()
        return runs

    def _verdict(self, provider: str | None, eid: int | None) -> object:
        """``want``, asked once per key in the run (a chunk repeats its neighbours' keys, a
        file its bundle's)."""
        key = (provider, eid)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if len(self._verdicts) >= 10_000:  # a crafted log with endless keys
                self._verdicts.clear()
            verdict = self._verdicts[key] = self._want(provider, eid)  # type: ignore[misc]
        return verdict

    def _learn_hosts(self, data: memoryview, first_id: int, starts: tuple[int, ...] | None
                     ) -> bool:
        """Whether the computer names of a chunk nothing else can use are known from its
        templates (then it may be skipped): each is noted in ``skipped_hosts``.

        Why: a skipped chunk gives no summary event, and summary events are where the
        identity table learns machines; a chunk whose templates do not tell its names for
        certain (a substitution; no name at all, where the host hint applies) is read."""
        names = computer_names(data, starts)
        if not names:
            return False
        for name in names:
            self.skipped_hosts.setdefault(name, first_id)
        return True

    def predecide(self) -> bool:
        """Decide the slots in file order up to the first one the engine must read; True when
        there is none (every slot skipped or all zeros: the engine would read nothing)."""
        index = 0
        while HEADER_SIZE + index * CHUNK_SIZE < self._size:
            self._slot(index)
            if index not in self.skipped and self.slots[index].state != "empty":
                return False
            index += 1
        return True

    def drain(self) -> None:
        """Read (and scan) every slot the engine did not ask for (completeness needs them
        all; recovery may re-frame any of them)."""
        index = 0
        while HEADER_SIZE + index * CHUNK_SIZE < self._size:
            if index not in self.slots:
                offset = HEADER_SIZE + index * CHUNK_SIZE
                data = self._file.read(offset, CHUNK_SIZE)
                if not data:
                    break
                chunk = read_chunk(data, index, offset, _header_only)
                self.slots[index] = chunk
                if chunk.state != "empty":
                    self.guard.guarded(offset, data)
            index += 1

    @property
    def raw(self) -> IO[bytes]:
        """The underlying file (completeness reads a doubtful chunk again from it)."""
        return self._raw

    def chunk_list(self) -> list[Chunk]:
        return [self.slots[i] for i in sorted(self.slots)]

    def reread(self, chunk: Chunk, trusted: Callable[[Chunk], bool] | None = None) -> Chunk:
        """The chunk read again with its record walk (for completeness)."""
        return read_chunk(self._file.read(chunk.offset, CHUNK_SIZE), chunk.index, chunk.offset,
                          trusted)


def _header_only(chunk: Chunk) -> bool:
    return True
