"""Writers that should be in a ``list writers`` capture but are not.

Why a separate step: whether SqlServerWriter *should* be listed is not in the vssadmin text;
it comes from the rest of the bundle (the same guest's logs show SQL Server, the machine is a
Hyper-V host). The caller decides the context flags and calls :func:`expected_writer_problems`
after parsing; the flags and the writers they imply live in ``data/vss_writers.yml``
(``expected_when``).

Usage (the lead's correlation stage)::

    missing = expected_writer_problems(events, {"sql_server": True},
                                       captures={path: ledger.info.get("vssadmin_captures", [])})
    for m in missing:
        ledgers[m.file].problem(m.where, m.message, m.code)
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ...events import Event
from ...hresult import fold
from .tables import known_writer_id, tables


@dataclass(frozen=True, slots=True)
class MissingWriter:
    """An expected writer absent from one capture of one file."""

    file: str
    capture: int
    line: int | None
    writer_name: str
    writer_id: str | None
    because: str
    capture_complete: bool = True
    code: str = "vss-writer-missing"

    @property
    def where(self) -> str:
        return f"line {self.line}" if self.line else "file"

    @property
    def message(self) -> str:
        wid = f" ({self.writer_id})" if self.writer_id else ""
        msg = (
            f"expected VSS writer '{self.writer_name}'{wid} is absent from vssadmin capture "
            f"{self.capture}, although {self.because}"
        )
        if not self.capture_complete:
            msg += "; the capture is cut off, so it may have been further down"
        return msg


def expected_writer_problems(
    events: Iterable[Event],
    context: Mapping[str, bool] | Iterable[str],
    captures: Mapping[str, list[dict[str, object]]] | None = None,
) -> list[MissingWriter]:
    """Expected writers missing from each ``list writers`` capture.

    ``context``: flags that are true for the machine the captures come from (keys of
    ``expected_when`` in ``vss_writers.yml``: ``sql_server``, ``hyperv_host``, ``exchange``,
    ``domain_controller``), as a mapping or an iterable of names. Unknown flags are ignored.
    ``captures``: optional ``{file: ledger.info["vssadmin_captures"]}``; with it, captures that
    listed no writer at all (the failure forms) are checked too, and cut-off captures are
    said to be so, and the problem points at the capture's first line (without it: at the
    capture's first writer). Writers are compared by class id, then by folded name.
    """
    listed = ListedWriters()
    for ev in events:
        listed.add(ev)
    return listed.missing(context, captures)


def _expected(context: Mapping[str, bool] | Iterable[str]) -> list[tuple[str, str | None, str]]:
    """(name, class id, because) of every writer the true flags of ``context`` imply."""
    flags = [k for k, v in context.items() if v] if isinstance(context, Mapping) else list(context)
    expected: list[tuple[str, str | None, str]] = []
    table = tables().expected_when
    for flag in flags:
        if flag not in table:
            continue
        names, because = table[flag]
        for name in names:
            expected.append((name, known_writer_id(name), because))
    return expected


#: Writer names whose fold is remembered (bounded; cleared when full).
_FOLDED_NAMES = 4096


class ListedWriters:
    """Per (file, capture) of ``list writers``: its first line and which of the writers any
    ``expected_when`` flag can ask for it listed.

    Why not the events: a 300 MB capture file lists a million writers; only the few that
    ``data/vss_writers.yml`` can expect decide a finding, so only those are remembered (the
    answer is the same as from every event, in memory that does not grow with the writers).
    """

    __slots__ = ("seen", "_ids", "_names", "keep", "_classes", "_current", "_entry", "_folded")

    def __init__(self, keep: int | None = None) -> None:
        self.seen: dict[tuple[str, int], tuple[int | None, set[str], set[str]]] = {}
        every = _expected(tables().expected_when)
        self._ids = {wid for _, wid, _ in every if wid}
        self._names = {fold(name) for name, _, _ in every}
        #: Captures kept per listing composition (None: all). A capture past the first
        #: ``keep`` of its composition is only counted: its problems come after at least
        #: ``keep`` alike ones, past the ledger's cap when ``keep`` is at least that cap.
        self.keep = keep
        self._classes: dict[tuple[frozenset[str], frozenset[str]], list[int]] = {}
        self._current: tuple[str, int] | None = None
        self._entry: tuple[int | None, set[str], set[str]] = (None, set(), set())
        self._folded: dict[str, str] = {}  # writer name -> its folded form if expected, else ""

    def _settle(self, key: tuple[str, int]) -> None:
        """The capture ``key`` is complete (captures come in order): keep or count it."""
        _, ids, names = self.seen[key]
        counts = self._classes.setdefault((frozenset(ids), frozenset(names)), [0, 0])
        if self.keep is None or counts[0] < self.keep:
            counts[0] += 1
        else:
            counts[1] += 1
            del self.seen[key]

    def not_kept(self, context: Mapping[str, bool] | Iterable[str]) -> int:
        """How many problems :meth:`missing` leaves out for the captures only counted."""
        expected = _expected(context)
        total = 0
        for (ids, names), (_, rest) in self._classes.items():
            if rest:
                total += rest * sum(1 for name, wid, _ in expected
                                    if not ((wid and wid in ids) or fold(name) in names))
        return total

    def add(self, ev: Event) -> None:
        data = ev.data
        if ev.kind != "vssadmin" or data.get("listing") != "writers":
            return
        key = (ev.file, int(data.get("capture", 1)))  # type: ignore[call-overload]
        if key != self._current:
            if self._current is not None and self._current in self.seen:
                self._settle(self._current)
            self._current = key
            self._entry = self.seen.setdefault(key, (ev.locator.line, set(), set()))
        _, ids, names = self._entry
        if ev.writer_id and ev.writer_id in self._ids:
            ids.add(ev.writer_id)
        name = ev.writer_name
        if name:
            # a listing repeats its writers: the fold and the lookup are remembered per name
            folded = self._folded.get(name)
            if folded is None:
                if len(self._folded) >= _FOLDED_NAMES:
                    self._folded.clear()
                f = fold(name)
                folded = self._folded[name] = f if f in self._names else ""
            if folded:
                names.add(folded)

    def missing(
        self,
        context: Mapping[str, bool] | Iterable[str],
        captures: Mapping[str, list[dict[str, object]]] | None = None,
    ) -> list[MissingWriter]:
        """The expected writers absent from each capture (see :func:`expected_writer_problems`)."""
        expected = _expected(context)
        if not expected:
            return []
        seen = dict(self.seen)
        complete: dict[tuple[str, int], bool] = {}
        for file, summaries in (captures or {}).items():
            for s in summaries:
                key = (file, int(s.get("capture", 1)))  # type: ignore[call-overload]
                complete[key] = bool(s.get("complete", True))
                listed_writers = s.get("listing") == "writers" or (
                    s.get("listing") is None and s.get("error")  # vssadmin failed before listing
                )
                line = s.get("line")
                first = line if isinstance(line, int) else None
                if key in seen:
                    seen[key] = (first or seen[key][0], *seen[key][1:])  # the capture's first line
                elif listed_writers and not s.get("records"):
                    seen[key] = (first, set(), set())

        out: list[MissingWriter] = []
        for (file, capture), (line, ids, names) in sorted(seen.items()):
            for name, wid, because in expected:
                if (wid and wid in ids) or fold(name) in names:
                    continue
                out.append(
                    MissingWriter(
                        file, capture, line, name, wid, because, complete.get((file, capture), True)
                    )
                )
        return out
