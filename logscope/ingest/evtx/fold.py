"""Which evtx records ``analyze`` builds in full, which become summaries, which only count.

Why: almost every record of a bundle is one no signature and no identity rule can use, and
building an event for each costs several times the engine's own parse. The decision is made
from the engine's JSON text before anything is parsed (see :class:`Folder`).
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Callable
from typing import Any

import orjson

from ...events import Event, Locator
from .engine_json import attrs, read_system
from .normalize import RawRecord, summary_event
from .repeats import FOLDED, Inert, Repeats

#: ``want(provider, event_id)``: whether anything downstream can use a record's full event:
#: True, False, or a test of the record's raw JSON text (an HRESULT written in it). Set by
#: ``analyze``; ``None`` = always build it, as ``logscope events`` needs. Asked once per
#: (provider, event id) of a file, so it may be slow. A test with a true ``pure`` attribute
#: (its answer depends on the text alone) is asked once per distinct record end; any other
#: test (``hunt``'s census counts its calls) once per record.
Want = Callable[[str | None, int | None], "bool | Callable[[str], bool]"]


#: Keys a :class:`Folder` remembers (verdicts, summaries made) before it starts over: bounded
#: memory on a crafted log; a real one has a few hundred (provider, event id) pairs.
MAX_KEYS = 10_000
#: What the folders of one ``want`` have read (see :class:`Folder`), while that rule lives.
_MEMORY: weakref.WeakKeyDictionary[Any, tuple[dict[Any, Any], ...]] = weakref.WeakKeyDictionary()


class Folder:
    """Decides, per record, between a full event, a summary event, or no event at all.

    Why: in ``analyze`` almost every record is one no signature and no identity rule can
    use; building an event for each costs ~10x the parse. Such a record becomes a summary
    event (System fields) only when it is the first of its (provider, event id, channel,
    computer) in the file (what the identity table and role detection learn from); the
    others are counted in ``ledger.summarized`` (part of ``records``).

    The keys are read from the engine's JSON text by two patterns (the engine writes System
    in a fixed layout), not by parsing it. Any record the patterns do not fit takes the
    parsed path, which copes with every shape. Both patterns run once per distinct text they
    read, not per record: a file holds a few hundred distinct System heads (the text before
    ``TimeCreated``: provider, event id, level, keywords) and fewer Channel/Computer pairs,
    so a record costs two slices looked up in dicts (:meth:`_head`, :meth:`_rest` fill
    them). The decision per (provider, event id) is cached with its head; for keys whose
    signatures all need an HRESULT, a test of the record's EventData/UserData text decides.
    """

    __slots__ = ("want", "file", "kind", "verdicts", "reps", "heads", "tails", "rests", "repeats")

    def __init__(self, want: Want, file: str, kind: str = "evtx", inert: Inert | None = None) -> None:
        self.want = want
        self.file = file
        self.kind = kind
        #: the summaries made in this file, by (key, (channel, computer))
        self.reps: set[Any] = set()
        # what the texts decide (verdicts by key; head, tail and record-end texts; the full
        # events of repeats) depends on ``want`` alone: shared by the folders of one run, so
        # a bundle of many small files reads each distinct text once
        memory = None
        try:
            memory = _MEMORY.get(want)
        except TypeError:  # not weakly referable: this folder's own memory
            pass
        if memory is None:
            memory = ({}, {}, {}, {}, {})
            try:
                _MEMORY[want] = memory
            except TypeError:
                pass
        self.verdicts: dict[Any, Any] = memory[0]
        #: System text before ``"TimeCreated":`` → (key, end of the keys pattern, verdict)
        self.heads: dict[str, tuple[tuple[str, str], int, Any]] = memory[1]
        #: ``"Channel":..,"Computer":..`` text → its (channel, computer) groups
        self.tails: dict[str, tuple[str | None, str | None]] = memory[2]
        #: text from ``"Channel":`` to the end → ``_rest``'s answer (the gate's, once asked)
        self.rests: dict[str, list[Any]] = memory[3]
        self.repeats = Repeats(kind, file, inert, memory[4])

    def __call__(self, text: str, record_id: Any) -> Event | None:  # noqa: ANN401
        """``FOLDED``, a summary event, a full event (``repeats``), or None (build it)."""
        cut = text.find(HEAD_END, 0, 4096)
        top = text[:cut] if cut > 0 else ""
        head = self.heads.get(top) if top else None
        if head is None:
            head = self._head(text, cut)
            if head is None:
                return self._parsed(text, record_id)
        key, end, verdict = head
        limit = end + 4096  # where the tail pattern's search stops
        # the tail as SYSTEM_TAIL reads it: its leftmost match starts at the first "Channel"
        start = text.find('"Channel":', end, limit)
        ending = text[start:] if start >= 0 else ""
        rest = self.rests.get(ending)
        if rest is None or start + rest[1] > limit:
            rest = self._rest(text, end, start, limit, ending)
            if rest is None:
                return self._parsed(text, record_id)
            start = rest[4]
        if start - end > SYSTEM_SPAN and text.find('Data":', end, start) >= 0:
            return self._parsed(text, record_id)  # Channel/Computer not where System has them
        if verdict is not True and verdict is not False:  # the gate of an HRESULT-only key
            if rest[2] is verdict:
                verdict = rest[3]
            else:
                answer = bool(verdict(text[start + rest[1]:]))
                if getattr(verdict, "pure", False):  # not one that counts its calls (census)
                    rest[2], rest[3] = verdict, answer
                verdict = answer
        if verdict:  # a full event: the earlier one's, when this record only repeats it
            if top and ending and start == len(text) - len(ending):
                return self.repeats.event(text, record_id, top, ending)
            return None
        groups = rest[0]
        rep = (key, groups)
        if rep in self.reps:
            return FOLDED
        if len(self.reps) < MAX_KEYS:
            self.reps.add(rep)
        raw = RawRecord()
        read_system(orjson.loads(text)["Event"]["System"], raw)
        return self._summary(raw, record_id)

    def _head(self, text: str, cut: int) -> tuple[tuple[str, str], int, Any] | None:
        """Key, keys-pattern end and verdict of a head not seen yet (None: no fit)."""
        m = SYSTEM_KEYS.search(text, 0, 4096)
        if m is None:
            return None
        name, plain, qualified = m.groups()
        key = (name, plain or qualified)
        verdict = self.verdicts.get(key)
        if verdict is None:
            if len(self.verdicts) >= MAX_KEYS:  # a crafted log with endless provider names
                self.verdicts.clear()
            verdict = self.verdicts[key] = self.want(key[0] or None, int(key[1]))
        head = (key, m.end(), verdict)
        # remembered only when the head holds the whole match: then any record with this
        # head has the same leftmost match (System comes first in the engine's JSON)
        if 0 < m.end() < cut:
            if len(self.heads) >= MAX_KEYS:
                self.heads.clear()
            self.heads[text[:cut]] = head
        return head

    def _rest(self, text: str, end: int, start: int, limit: int, ending: str) -> list[Any] | None:
        """``[groups, end of the tail from its start, gate, its answer, start]`` for a record
        whose text from its tail on was not seen yet (None: no tail). Texts of up to
        ``REST_CHARS`` are remembered: the records of one kind often end alike."""
        groups = None
        sec = text.find(',"Security":', start, limit) if start >= 0 else -1
        if sec > 0:
            groups = self.tails.get(text[start:sec])
        stop = -1
        if groups is not None:  # Security: null, or attributes without nested braces
            if text.startswith("null}", sec + 12):
                stop = sec + 17
            elif text.startswith('{"#attributes":{', sec + 12):
                close = text.find("}", sec + 28, limit)
                if close > 0 and text.startswith("}}}", close) and text.find("{", sec + 28, close) < 0:
                    stop = close + 3
        if stop < 0 or stop > limit:
            tail = SYSTEM_TAIL.search(text, end, limit)
            if tail is None:
                return None
            start, stop, groups = tail.start(), tail.end(), tail.groups()
            sec = text.find(',"Security":', start, stop)
            if sec > 0:
                if len(self.tails) >= MAX_KEYS:
                    self.tails.clear()
                self.tails[text[start:sec]] = groups
        rest = [groups, stop - start, None, None, start]
        # remembered when the tail starts at the first "Channel" (where the next lookup is)
        if ending and len(ending) <= REST_CHARS and start == len(text) - len(ending):
            if len(self.rests) >= REST_ENTRIES:
                self.rests.clear()
            self.rests[ending] = rest
        return rest

    def _parsed(self, text: str, record_id: Any) -> Event | None:  # noqa: ANN401
        """The same decision from the parsed JSON (any layout; damaged records too)."""
        obj = orjson.loads(text)
        event = obj.get("Event") if type(obj) is dict else None
        system = event.get("System") if type(event) is dict else None
        if type(system) is not dict:
            return None
        provider = attrs(system.get("Provider"))
        name = provider.get("Name") or provider.get("EventSourceName")
        eid = system.get("EventID")
        if type(eid) is dict:
            eid = eid.get("#text")
        if type(name) not in (str, type(None)) or type(eid) not in (int, str, type(None)):
            return None  # a damaged System block: the full path copes with any shape
        raw = RawRecord()
        read_system(system, raw)  # the same provider and event id the full event would carry
        gate = self.want(raw.provider, raw.event_id)
        if gate is True or (gate is not False and gate(text)):
            return None
        return self._summary(raw, record_id)  # rare: no folding without the fast keys

    def _summary(self, raw: RawRecord, record_id: Any) -> Event:  # noqa: ANN401
        if raw.record_id is None:
            raw.record_id = record_id
        return summary_event(raw, kind=self.kind, file=self.file, locator=Locator(record=record_id))


#: Provider name and event id as the engine writes System (Guid / EventSourceName
#: optional, EventID plain or with Qualifiers). Linear: no nested repetition.
SYSTEM_KEYS = re.compile(
    r'"System":\{"Provider":\{"#attributes":\{"Name":"([^"\\]*)"'
    r'(?:,"Guid":"[^"\\]*")?(?:,"EventSourceName":"[^"\\]*")?\}\},'
    r'"EventID":(?:(\d{1,10})\b|\{"#attributes":\{"Qualifiers":[^{}"]*\},"#text":(\d{1,10})\})')
#: What ends a record's head (see :class:`Folder`): System's first field after the keys
#: that every record has and that varies per record.
HEAD_END = '"TimeCreated":'
#: Bounds on the memory of record ends (see ``Folder._rest``): ~8 MB at most.
REST_CHARS = 2048
REST_ENTRIES = 4096
#: Characters System's own fields between EventID and Channel take at most (Version, Level,
#: Task, Opcode, Keywords, TimeCreated, EventRecordID, Correlation, Execution: ~450 written
#: out in full). A longer gap is checked for a body element before Channel is trusted.
SYSTEM_SPAN = 600
#: Channel, Computer and Security, which close System. Outside a JSON string (where quotes
#: are escaped) only the engine's own System can write this sequence before the body.
SYSTEM_TAIL = re.compile(r'"Channel":(?:"([^"\\]*)"|null),"Computer":(?:"([^"\\]*)"|null),'
                          r'"Security":(?:null|\{"#attributes":\{[^{}]*\}\})\}')
