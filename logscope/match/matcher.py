"""Match events against the compiled library: one dict lookup for an event no signature wants.

Signatures are compiled once into predicates and indexed by (kind, provider, event id);
an event is tested only against the signatures whose index keys it fits.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ..events import Event
from .conditions import Predicate, compile_group, compile_regex, index_keys
from .library import Library
from .model import Hit, Signature

#: Entity fields copied from every matched event (for correlation) when present.
ENTITY_FIELDS = ("vm_name", "vm_id", "host", "job_name", "writer_name", "writer_id",
                 "writer_state", "last_error", "hresult", "event_id", "provider")


@dataclass(slots=True)
class _Compiled:
    sig: Signature
    preds: list[Predicate]
    extractors: list[tuple[str, str, Any]]


class Matcher:
    """Compiled library; ``match(event)`` returns the hits of one event."""

    def __init__(self, library: Library) -> None:
        self.library = library
        self._by_key: dict[tuple[str, str | None, int | None], list[_Compiled]] = {}
        self._cache: dict[tuple[str, str | None, int | None], tuple[_Compiled, ...]] = {}
        for sig in library.signatures.values():
            comp = _Compiled(sig, compile_group(sig.match), _extractors(sig))
            keys = index_keys(sig.match)
            provs = keys.providers or (None,)
            eids = keys.event_ids or (None,)
            for kind in sig.kinds:
                for prov in provs:
                    for eid in eids:
                        self._by_key.setdefault((kind, prov, eid), []).append(comp)

    def candidates(self, ev: Event) -> tuple[_Compiled, ...]:
        prov = ev.provider.casefold() if ev.provider else None
        key = (ev.kind, prov, ev.event_id)
        found = self._cache.get(key)
        if found is None:
            seen: list[_Compiled] = []
            for k in {(ev.kind, prov, ev.event_id), (ev.kind, prov, None),
                      (ev.kind, None, ev.event_id), (ev.kind, None, None)}:
                seen.extend(self._by_key.get(k, ()))
            found = tuple(sorted(_unique(seen), key=lambda c: c.sig.id))
            self._cache[key] = found
        return found

    def match(self, ev: Event) -> list[Hit]:
        hits = []
        for comp in self.candidates(ev):
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
