"""Match events against the compiled library: one dict lookup for an event no signature wants.

Signatures are compiled once into predicates and indexed by (kind, provider, event id);
an event is tested only against the signatures whose index keys it fits (a signature whose
top-level ``any`` alternatives each name a provider or a kind is indexed per alternative, so
one that reads both event logs and pasted text keeps its event-log index). Text sources
(Veeam, vssadmin, logs) have no provider or id, so every text signature fits every line:
for them each signature's necessary condition on the message (a ``contains`` literal or
its ``regex``) goes into one RE2 set per index key, and a line is tested only against the
signatures whose condition the set found in it. A line no signature can match costs the
index lookup plus one linear RE2 pass over its text.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import re2

from ..events import Event
from .conditions import Predicate, compile_group, compile_regex, hr_code, index_entries
from .any_prefilter import message_codes
from .hresult_gate import TextGate, text_gate
from .library import ENTITY_FIELDS, Library
from .model import Hit, Signature
from .prefilter import prefilter as _prefilter
from . import replay
from .replay import REPLAY_CHARS, REPLAY_KINDS, REPLAY_OUTCOMES, content_key, key_chars, read_fields

_SET_OPTIONS = re2.Options()
_SET_OPTIONS.max_mem = 32 << 20
_SET_OPTIONS.log_errors = False



@dataclass(slots=True)
class _Compiled:
    """One signature as the matcher tests it. Its predicates and extractors (RE2 patterns)
    are built when an event first reaches them: a run tests a few of the library's ~150
    signatures, and building all of them was ~8 ms of every start-up. The loader compiled
    each once already (a signature that does not compile is not in the library)."""

    sig: Signature
    #: A necessary condition: ("fold", [escaped casefolded literals]) for a message
    #: contains/startswith/endswith, ("raw", [patterns]) for a message regex, ("hr", {codes})
    #: for an HRESULT the event's ``hresult`` or ``data.hresults`` must hold, ("any", parts)
    #: for one necessary part per top-level ``any`` alternative (``any_prefilter``), or None.
    prefilter: tuple[str, Any] | None = None
    _preds: list[Predicate] | None = None
    _extractors: list[tuple[str, str, Any]] | None = None

    @property
    def preds(self) -> list[Predicate]:
        preds = self._preds
        if preds is None:
            preds = self._preds = compile_group(self.sig.match)
        return preds

    @property
    def extractors(self) -> list[tuple[str, str, Any]]:
        found = self._extractors
        if found is None:
            found = self._extractors = _extractors(self.sig)
        return found


class _Bucket:
    """The signatures of one index key, split into always-tested and prefiltered ones."""

    __slots__ = ("always", "fold", "fold_comps", "raw", "raw_comps", "hr_comps", "order",
                 "empty", "needles", "reads", "replay", "outcomes", "any_comps", "any_hr", "any_msghr",
                 "any_pred")

    def __init__(self, comps: tuple[_Compiled, ...]) -> None:
        self.order = {id(c): i for i, c in enumerate(comps)}
        self.always = [c for c in comps if c.prefilter is None]
        self.hr_comps = [c for c in comps if c.prefilter and c.prefilter[0] == "hr"]
        fold = [(c.prefilter[1], c) for c in comps if c.prefilter and c.prefilter[0] == "fold"]
        raw = [(c.prefilter[1], c) for c in comps if c.prefilter and c.prefilter[0] == "raw"]
        #: Signatures selected when one part of their ``any`` holds (text parts join the sets).
        self.any_comps = [c for c in comps if c.prefilter and c.prefilter[0] == "any"]
        self.any_hr: list[tuple[Any, _Compiled]] = []
        self.any_msghr: list[tuple[Any, _Compiled]] = []
        self.any_pred: list[tuple[Any, _Compiled]] = []
        by_kind = {"fold": fold, "raw": raw, "hr": self.any_hr, "msghr": self.any_msghr,
                   "pred": self.any_pred}
        for c in self.any_comps:
            for how, what in c.prefilter[1]:  # type: ignore[index]
                by_kind[how].append((what, c))
        try:
            self.fold, self.fold_comps = _set_of(fold)
        except re2.error:  # too big for one set (a huge user library): test them all
            self.fold, self.fold_comps = None, []
            self.always += _unique([c for _, c in fold])
        try:
            self.raw, self.raw_comps = _set_of(raw)
        except re2.error:
            self.raw, self.raw_comps = None, []
            self.always += _unique([c for _, c in raw])
        self.empty = not comps
        self.needles: Any = None
        #: Match outcomes by the values of the fields this key's signatures read (``replay``).
        #: The fields its signatures read (``kind`` aside: the index holds it).
        self.reads = frozenset().union(*(read_fields(c.sig.match) for c in comps))
        self.replay = content_key(set(self.reads))
        self.outcomes: dict[tuple[Any, ...], tuple[_Compiled, ...]] = {}

    def select(self, ev: Event) -> list[_Compiled]:
        if self.fold is None and self.raw is None and not self.hr_comps and not self.any_comps:
            return self.always
        out = list(self.always)
        if self.hr_comps or self.any_hr:
            codes = {hr_code(c) for c in (ev.data.get("hresults") or ())}
            if ev.hresult:
                codes.add(hr_code(ev.hresult))
            if codes:
                out.extend(c for c in self.hr_comps if not codes.isdisjoint(c.prefilter[1]))  # type: ignore[index]
                out.extend(c for want, c in self.any_hr if not codes.isdisjoint(want))
        if self.any_msghr:
            found = message_codes(ev)
            out.extend(c for want, c in self.any_msghr if found is None or not found.isdisjoint(want))
        for preds, c in self.any_pred:
            if all(p(ev) for p in preds):
                out.append(c)
        text = ev.message or ""
        if self.fold is not None:
            for i in self.fold.Match(text.casefold()) or ():
                out.append(self.fold_comps[i])
        if self.raw is not None:
            for i in self.raw.Match(text) or ():
                out.append(self.raw_comps[i])
        if len(out) > 1:
            out = sorted({id(c): c for c in out}.values(), key=lambda c: self.order[id(c)])
        return out


def _set_of(items: list[tuple[list[str], _Compiled]]) -> tuple[Any, list[_Compiled]]:  # noqa: ANN401
    """One RE2 set over the (patterns, comp) prefilters; pattern index → comp."""
    if not items:
        return None, []
    rset = re2.Set.SearchSet(_SET_OPTIONS)
    owners: list[_Compiled] = []
    for pats, c in items:
        for pat in pats:
            rset.Add(pat)
            owners.append(c)
    rset.Compile()
    return rset, owners


class Matcher:
    """Compiled library; ``match(event)`` returns the hits of one event."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._by_key: dict[tuple[str, str | None, int | None], list[_Compiled]] = {}
        self._cache: dict[tuple[str, str | None, int | None], _Bucket] = {}
        #: Buckets by the signatures they hold: most index keys (every provider and event id
        #: a log holds) share the same few sets, so each set's RE2 sets are built once.
        self._shared: dict[tuple[int, ...], _Bucket] = {}
        #: Reuse the outcome for an event whose read values equal one already matched (``replay``).
        self.replay = replay.ENABLED
        self.replay_stats = {"replayed": 0, "cleared": 0}
        #: Characters of the text values the remembered outcomes' keys hold (all buckets)
        self._replay_chars = 0
        #: True for an event that provably has no hit (``message_gate.BareSkip``), or None.
        self.skip: Callable[[Event], bool] | None = None
        for sig in library.signatures.values():
            comp = _Compiled(sig, _prefilter(sig.match))
            for kind, keys in index_entries(sig.match, sig.kinds):
                for prov in keys.providers or (None,):
                    for eid in keys.event_ids or (None,):
                        found = self._by_key.setdefault((kind, prov, eid), [])
                        if all(c is not comp for c in found):
                            found.append(comp)

    def index(self) -> dict[tuple[str, str | None, int | None], list[_Compiled]]:
        """The signatures by index key (kind, casefolded provider or None, event id or None)."""
        return self._by_key

    def _bucket(self, ev: Event) -> _Bucket:
        return self._bucket_for(ev.kind, ev.provider.casefold() if ev.provider else None,
                                ev.event_id)

    def _bucket_for(self, kind: str, prov: str | None, event_id: int | None) -> _Bucket:
        key = (kind, prov, event_id)
        found = self._cache.get(key)
        if found is None:
            seen: list[_Compiled] = []
            for k in {(kind, prov, event_id), (kind, prov, None),
                      (kind, None, event_id), (kind, None, None)}:
                seen.extend(self._by_key.get(k, ()))
            comps = tuple(sorted(_unique(seen), key=lambda c: c.sig.id))
            ids = tuple(id(c) for c in comps)  # the comps live as long as the matcher
            found = self._shared.get(ids)
            if found is None:
                found = self._shared[ids] = _Bucket(comps)
            if len(self._cache) >= 50_000:  # a crafted log with endless keys: bounded memory
                self._cache.clear()
            self._cache[key] = found
        return found

    def record_gate(self, kind: str, provider: str | None, event_id: int | None) -> bool | TextGate:
        """Could any signature match a record with these keys? Decided once per (kind,
        provider, event id): True, False, or the test of the record's raw text that decides
        per record (a parser caches this per key, so a record costs one lookup).

        Lets a parser skip building the full event for records no signature can use. Never
        says no wrongly: a bucket with a signature that has no cheap necessary condition
        answers True; one whose signatures all need an HRESULT answers with a
        :class:`TextGate` for those codes (hex or decimal, the forms inserts use).
        """
        bucket = self._bucket_for(kind, provider.casefold() if provider else None, event_id)
        if bucket.empty:
            return False
        if bucket.always or bucket.any_comps or bucket.fold is not None or bucket.raw is not None:
            return True
        if bucket.needles is None:
            codes: set[str] = set()
            for c in bucket.hr_comps:
                codes |= c.prefilter[1]  # type: ignore[index]
            bucket.needles = text_gate(frozenset(codes))
        return bucket.needles

    def candidates(self, ev: Event) -> list[_Compiled]:
        """The signatures this event must be tested against (index, then prefilter)."""
        bucket = self._bucket(ev)
        return [] if bucket.empty else bucket.select(ev)

    def match(self, ev: Event) -> list[Hit]:
        bucket = self._bucket(ev)
        if bucket.empty or (self.skip is not None and ev.provider is None and not ev.data
                            and self.skip(ev)):
            return []
        if self.replay and ev.kind in REPLAY_KINDS:
            # the kind too: a bucket may serve several kinds, and a signature's ``any`` may
            # test the kind (which ``read_fields`` leaves to the index)
            key = (ev.kind, bucket.replay(ev))
            try:
                comps = bucket.outcomes.get(key)
            except TypeError:  # a list value (``hresults``) as a tuple; a dict: matched in full
                key = replay.hashable(key)
                comps = None if key is None else bucket.outcomes.get(key)
            if key is None:
                return self._match(bucket, ev)
            if comps is None:
                comps = tuple(c for c in bucket.select(ev) if all(p(ev) for p in c.preds))
                self._remember(bucket, key, comps)
            else:
                self.replay_stats["replayed"] += 1
            return [Hit(c.sig, ev, _extract(c, ev)) for c in comps]
        return self._match(bucket, ev)

    def inert(self, ev: Event, varying: frozenset[str]) -> bool:
        """Whether an event equal to ``ev`` but in the ``varying`` fields has no hit: ``ev``
        had none (the pipeline matched it already: a replay), and no signature it could meet
        reads one of those fields (``ingest/evtx/repeats``: its repeats need not be built)."""
        bucket = self._bucket(ev)
        if bucket.empty:
            return True
        return varying.isdisjoint(bucket.reads) and not self.match(ev)

    def _remember(self, bucket: _Bucket, key: Any, comps: tuple[_Compiled, ...]) -> None:  # noqa: ANN401
        """Keep an outcome, within bounds: entries per bucket, and the characters of the text
        the keys hold over all buckets (an evtx key holds the message: thousands of distinct
        long messages must not stay in memory)."""
        chars = key_chars(key[1])
        if len(bucket.outcomes) >= REPLAY_OUTCOMES:
            bucket.outcomes.clear()
            self.replay_stats["cleared"] += 1
        if self._replay_chars + chars > REPLAY_CHARS:
            for shared in self._shared.values():
                shared.outcomes.clear()
            self._replay_chars = 0
            self.replay_stats["cleared"] += 1
        bucket.outcomes[key] = comps
        self._replay_chars += chars

    def _match(self, bucket: _Bucket, ev: Event) -> list[Hit]:
        hits = []
        for comp in bucket.select(ev):
            for p in comp.preds:
                if not p(ev):
                    break
            else:
                hits.append(Hit(comp.sig, ev, _extract(comp, ev)))
        return hits

    def match_all(self, events: Iterable[Event]) -> Iterator[Hit]:
        for ev in events:
            yield from self.match(ev)


def _unique(items: list[_Compiled]) -> list[_Compiled]:
    seen: set[int] = set()
    out = []
    for c in items:
        if id(c) not in seen:
            seen.add(id(c))
            out.append(c)
    return out


def _extractors(sig: Signature) -> list[tuple[str, str, Any]]:
    """``extract:`` entries: ``name: field`` copies a field; ``name: {field: F, regex: R}``
    takes the first RE2 group (or the named group ``name``) of F."""
    out: list[tuple[str, str, Any]] = []
    for name, spec in sig.extract.items():
        if isinstance(spec, str):
            out.append((name, spec, None))
        elif isinstance(spec, dict):
            out.append((name, str(spec.get("field", "message")), compile_regex(str(spec["regex"]))))
    return out


def _extract(comp: _Compiled, ev: Event) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for name in ENTITY_FIELDS:
        v = getattr(ev, name)
        if v is not None:
            fields[name] = v
    for name, field, rx in comp.extractors:
        value = ev.message if field in ("message", "text") else ev.get(field)
        if value is None:
            continue
        if rx is None:
            fields[name] = value
            continue
        m = rx.search(str(value))
        if m:
            groups = m.groupdict()
            fields[name] = groups.get(name) or (m.group(1) if m.groups() else m.group(0))
    if "vm_id" in fields and isinstance(fields["vm_id"], str):
        fields["vm_id"] = fields["vm_id"].strip("{}").lower()
    return fields
