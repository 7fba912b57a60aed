"""Full events of records that repeat an earlier record of their file but for when and which.

Why: ``analyze`` builds the records of the Hyper-V providers in full for the identity table,
and a VM's messages repeat (started, stopped, checkpoint created, ...); parsing and
normalizing each again costs several times the engine's render. A record whose System head
(the text before ``TimeCreated``) and whose text from ``Channel`` to its end equal an
earlier record's, and whose text between them holds only ``TimeCreated``,
``EventRecordID``, ``Correlation`` and ``Execution`` (the engine's order), has the earlier
record's event but for its time, record id and locator: nothing else in that middle is
read (``engine_json.read_system``), and the head and the end are the same characters.

Such a repeat is not even built when ``analyze`` says its first occurrence was *inert* (the
``INERT_KEY`` rule: no signature hit it, and none of those that could reads when or which
record it was): everything downstream of the reader learns nothing from a repeat of it (the
identity table and role detection are idempotent; the other collectors read no evtx event),
so the record is counted as folded (``ledger.summarized``), as a record no rule wants is.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import fields
from operator import attrgetter
from typing import Any

from ...events import Event, Locator
from .engine_json import loads_record, record_from_json
from .normalize import parse_time, to_event

#: The middle of System as the engine writes it: the record's time and id (read), then the
#: optional Correlation and Execution (not read). Anything else is built from the JSON.
MIDDLE = re.compile(
    r'"TimeCreated":\{"#attributes":\{"SystemTime":"([^"\\]*)"\}\},"EventRecordID":(\d{1,20}),'
    r'(?:"Correlation":(?:null|\{"#attributes":\{"[A-Za-z]+":"[^"\\]*"(?:,"[A-Za-z]+":"[^"\\]*")*\}\}),)?'
    r'(?:"Execution":\{"#attributes":\{"[A-Za-z]+":\d{1,20}(?:,"[A-Za-z]+":\d{1,20})*\}\},)?')
#: Events remembered per file, and values shared by the files of a run (bounded memory;
#: each starts over when full); only records whose head and end hold at most
#: ``SHARED_CHARS`` are shared (a few MB at most).
MAX_EVENTS = 2048
SHARED_CHARS = 2048
#: Returned for a record that only counts (``ledger.summarized``): by :class:`Repeats` for
#: a repeat of an inert event, by ``fold.Folder`` for a record nothing wants.
FOLDED: Any = object()
#: The key under which ``IngestOptions.extra`` carries the inert rule (``match.evtx_gate``):
#: ``inert(event, varying)``, whether an event equal to ``event`` but in the ``varying``
#: fields would change nothing downstream. Absent or False: every repeat is built.
INERT_KEY = "evtx_inert"
Inert = Callable[[Event, frozenset[str]], bool]
#: The fields a repeat's event has of its own (see :meth:`Repeats.event`).
VARYING = frozenset(("locator", "time", "time_source", "record_id"))

_NAMES = tuple(f.name for f in fields(Event))
_values = attrgetter(*_NAMES)
_KIND, _FILE, _LOCATOR, _TIME, _SOURCE, _RECORD, _DATA = (
    _NAMES.index(n) for n in ("kind", "file", "locator", "time", "time_source", "record_id", "data"))


def build(text: str, record_id: Any, kind: str, file: str) -> Event:  # noqa: ANN401
    """A record's full event from the engine's JSON, as the reader builds it."""
    raw = record_from_json(loads_record(text))
    if raw.record_id is None:
        raw.record_id = record_id
    return to_event(raw, kind=kind, file=file, locator=Locator(record=record_id))


class Repeats:
    """Full events by (head text, end text) of one file; see the module doc."""

    __slots__ = ("kind", "file", "seen", "inert", "shared")

    def __init__(self, kind: str, file: str, inert: Inert | None = None,
                 shared: dict[tuple[str, str], list[Any]] | None = None) -> None:
        self.kind = kind
        self.file = file
        self.inert = inert
        #: the values by (head, end) that earlier files of the run built (``fold.Folder``
        #: shares them): one host's logs, or copies of one, repeat the same records
        self.shared: dict[tuple[str, str], list[Any]] = {} if shared is None else shared
        #: per (head, end): [the event's values, the event given, whether it is inert
        #: (None: not asked yet)]
        self.seen: dict[tuple[str, str], list[Any]] = {}

    def event(self, text: str, record_id: Any, head: str, end: str) -> Event:  # noqa: ANN401
        """The full event of ``text`` = ``head`` + middle + ``end`` (``FOLDED``: it repeats
        an inert one)."""
        key = (head, end)
        middle = MIDDLE.fullmatch(text, len(head), len(text) - len(end))
        if middle is None:
            return build(text, record_id, self.kind, self.file)
        entry = self.seen.get(key)
        if entry is not None:
            values, first, inert = entry
            if inert is None and self.inert is not None:
                # asked at its first repeat: the reader's consumer has handled the first one
                # by now (what it added, a host from the bundle folder, is in it)
                inert = entry[2] = bool(self.inert(first, VARYING))
            if inert:
                return FOLDED
            return self._renew(values, middle, record_id)
        values = self.shared.get(key)
        if values is None:
            event = build(text, record_id, self.kind, self.file)
            if event.record_id != int(middle.group(2)) or event.time != parse_time(middle.group(1)):
                return event
            values = list(_values(event))
            values[_DATA] = _own_data(event.data)
            if len(head) + len(end) <= SHARED_CHARS:
                if len(self.shared) >= MAX_EVENTS:
                    self.shared.clear()
                self.shared[key] = values
        else:  # an earlier file of the run had it
            event = self._renew(values, middle, record_id)
        if len(self.seen) >= MAX_EVENTS:
            self.seen.clear()
        self.seen[key] = [values, event, None]
        return event

    def _renew(self, values: list[Any], middle: re.Match[str], record_id: Any) -> Event:  # noqa: ANN401
        """An event with ``values`` but for this file and this record's time and ids."""
        out = values.copy()
        time = parse_time(middle.group(1))
        out[_KIND] = self.kind
        out[_FILE] = self.file
        out[_LOCATOR] = Locator(record=record_id)
        out[_TIME] = time
        out[_SOURCE] = "utc" if time is not None else "none"
        out[_RECORD] = int(middle.group(2))
        out[_DATA] = _own_data(values[_DATA])
        return Event(*out)


def _own_data(data: dict[str, Any]) -> dict[str, Any]:
    """A copy of an event's ``data`` whose lists are its own (a consumer may extend one)."""
    return {k: list(v) if type(v) is list else v for k, v in data.items()}
