"""Records the engine need not render, skipped inside a chunk it reads.

Why: on a host's logs almost every chunk holds a record some rule reads (a VMMS event
among a few hundred service and logon records), so the chunk gate keeps it, and the engine
renders every record of it for the fold to count. The Rust engine steps from a record to
the next by the record's size field, so a rendered record whose size is enlarged to reach
the next wanted record hides the records in between from it (rendered JSON byte-identical:
the engine stops a record at its end-of-stream token, finds templates by their offset in
the chunk wherever they are defined, and checks neither the size copy nor the CRCs).

Per record the decision is the chunk gate's per chunk (``ChunkGate.wants_any``): its
(provider, event id) read from its BinXML (``chunk_keys``), the fold's rule, the identity
and role providers, and for a rule that needs an HRESULT, that code written somewhere in
the chunk. A record whose keys cannot be read, or whose Computer is unknown, is rendered.
The first record of a chunk is always rendered (the engine starts there), and so is the
record after one with no end-of-stream token (enlarged, the engine would read on into the
next record): such a record takes the fold's usual path. Skipped records are counted as
records of skipped chunks are: in ``summarized``, their ids as read for the completeness
check, their computer names for the reader's summary events.
"""

from __future__ import annotations

import struct
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ... import accel
from . import chunk_keys, walks
from .chunk_keys import UNREAD, Walk

#: The per-record loop's form: ``_skip_runs`` (compiled) or its twin ``skip_runs``.
_runs = accel.load("logscope.ingest.evtx._skip_runs", "logscope.ingest.evtx.skip_runs")

if TYPE_CHECKING:
    from .chunk_gate import ChunkGate
    from .run_memo import RunMemo


class Plan:
    """One chunk's skip: the size fields to write and what the skipped records were."""

    __slots__ = ("resized", "runs", "skipped", "hosts")

    def __init__(self) -> None:
        #: (chunk offset of a rendered record's size field, its new size)
        self.resized: list[tuple[int, int]] = []
        #: id of a rendered record -> (first, last) id of the skipped records after it
        self.runs: dict[int, tuple[int, int]] = {}
        self.skipped = 0
        #: computer name -> id of the first skipped record that names it
        self.hosts: dict[str, int] = {}


class RecordSkip:
    """Decides, chunk by chunk of one file, which records the engine renders."""

    def __init__(self, gate: ChunkGate, verdict: Callable[[str | None, int | None], object],
                 memo: RunMemo | None = None) -> None:
        self.gate = gate
        self.verdict = verdict  # the fold's rule, asked once per key
        self.reader = walks.key_reader()
        #: (provider, event id, computer) -> whether a record of that key is wanted whatever
        #: the chunk holds (True/False), or the fold's text test: only if the chunk writes an
        #: HRESULT it needs; the run's (``run_memo``, for the rule ``verdict`` answers) or
        #: this file's own
        self._static: dict[Any, Any] = {} if memo is None else memo.static

    def plan(self, data: bytes, walk: Walk, first_id: int) -> Plan | None:
        """The skip for a chunk ``walk`` read (ids from ``first_id``), or None when every
        record must be rendered anyway."""
        kids = walk.kids
        distinct = set(kids)
        wanted = self._wanted(distinct, data, walk.end)
        if len(wanted) == len(distinct):
            return None
        runs = _runs.hide(data, walk.positions, kids, walk.end, wanted, first_id,
                          walks.keys.values_end)
        if runs is None:
            return None
        plan = Plan()
        plan.resized, plan.runs, plan.skipped = runs
        # the names of the records not wanted (one that was rendered gives its own event,
        # and the reader gives a summary event only for a name no event gave)
        keys = self.reader.keys
        for kid in distinct - wanted:
            plan.hosts.setdefault(keys[kid][2], first_id + kids.index(kid))  # type: ignore[arg-type]
        return plan

    def _wanted(self, kids: set[int], data: bytes, end: int) -> set[int]:
        """The key ids of this chunk whose records are rendered."""
        static_of = self._static
        keys = self.reader.keys
        wanted = set()
        by_codes: dict[Any, bool] = {}  # this chunk's answer per HRESULT rule
        for kid in kids:
            if kid == UNREAD:
                wanted.add(kid)
                continue
            key = keys[kid]
            static = static_of.get(key, _UNKNOWN)
            if static is _UNKNOWN:
                if len(static_of) >= chunk_keys.MAX_MEMO:  # a crafted bundle, endless keys
                    static_of.clear()
                static = static_of[key] = self._decide(kid)
            if static is True or static is False:
                if static:
                    wanted.add(kid)
                continue
            # an HRESULT rule: wanted when this chunk writes one of its codes
            codes = static.codes
            keep = by_codes.get(codes)
            if keep is None:
                provider, eid, _host = key
                keep = by_codes[codes] = self.gate.wants_any(
                    [(provider, eid)], memoryview(data)[512:end], lambda _p, _e: static)  # noqa: B023
            if keep:
                wanted.add(kid)
        return wanted

    def _decide(self, kid: int) -> Any:  # noqa: ANN401
        """True: always rendered; False: never; a rule's text test (with ``codes``): when
        the chunk writes one of its codes."""
        provider, eid, host = self.reader.keys[kid]
        if host is None:
            return True  # no computer name: the reader's host hint may need the record
        verdict: Any = self.verdict(provider, eid)
        if verdict is True or verdict is False:
            return bool(self.gate.wants_any([(provider, eid)], b"", self.verdict))  # type: ignore[arg-type]
        # a test of the record's text: wanted when the gate names the provider for any id,
        # else when the chunk writes one of the codes (per chunk); a test with no codes is
        # one the gate cannot judge: wanted
        if (self.gate.wants_any([(provider, eid)], b"", _never)
                or not isinstance(getattr(verdict, "codes", None), frozenset)):
            return True
        return verdict


def write_sizes(data: bytes, resized: list[tuple[int, int]]) -> bytearray:
    """A chunk with a plan's size fields written (``Plan.resized``): one copy, served to the
    engine as it is (a bytes copy of it would cost a second 64 KiB copy per chunk)."""
    out = bytearray(data)
    for at, size in resized:
        _U32.pack_into(out, at, size)
    return out


_U32 = struct.Struct("<I")
_UNKNOWN: Any = object()


def _never(provider: str | None, eid: int | None) -> bool:
    return False
