"""The census of a bundle: how many records of each (kind, provider, event id) it holds.

Why: ``hunt --changed`` re-reads a bundle for an edited signature only when the bundle holds
a record that signature can match (its kinds, providers and event ids, the matcher's own
index keys). The census must therefore see every record, also the evtx records ``analyze``
never builds into events (``ingest/evtx_fold.py``): those are counted through the gate that
decides their fate, the others as events.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any

from ..events import Event
from ..match.conditions import index_entries
from ..match.model import Signature

Key = tuple[str, str | None, int | None]
#: Distinct keys kept per bundle (a crafted log with endless provider names: bounded memory).
MAX_KEYS = 20_000


class Census:
    """Counts records by key; passed to ``pipeline.analyze(census=...)``."""

    def __init__(self) -> None:
        self.counts: Counter[Key] = Counter()
        self.overflow = 0

    def _add(self, key: Key) -> None:
        if key in self.counts or len(self.counts) < MAX_KEYS:
            self.counts[key] += 1
        else:
            self.overflow += 1

    def feed(self, ev: Event) -> None:
        """An event of the stream; summary events were counted by the gate already."""
        if ev.data.get("summary_only"):
            return
        self._add((ev.kind, ev.provider, ev.event_id))

    def wrap(self, want: Callable[[str | None, int | None], Any]) -> Callable[..., Any]:
        """The evtx gate, counting each record it turns away (folded or summarized).

        The gate is asked once per (provider, event id) of a file; a verdict of False or a
        text test becomes a per-record test that counts the records it rejects. Records it
        lets through become full events and are counted by :meth:`feed`.
        """
        def counted(provider: str | None, event_id: int | None) -> Any:  # noqa: ANN401
            verdict = want(provider, event_id)
            if verdict is True:
                return True
            key: Key = ("evtx", provider, event_id)

            def test(text: str) -> bool:
                keep = verdict is not False and bool(verdict(text))
                if not keep:
                    self._add(key)
                return keep
            return test
        return counted

    def rows(self) -> list[tuple[str, str | None, int | None, int]]:
        return [(k, p, e, n) for (k, p, e), n in sorted(
            self.counts.items(), key=lambda kv: (kv[0][0], kv[0][1] or "", kv[0][2] or -1))]


def can_match(sig: Signature, keys: Iterable[tuple[str, str | None, int | None]]) -> bool:
    """Whether a record with one of these census keys could reach ``sig`` in the matcher.

    Mirrors ``Matcher``'s index (``conditions.index_entries``): per kind, the signature's
    provider and event id equalities when it has them (providers compared case-folded), per
    top-level ``any`` alternative where the matcher indexes that way.
    """
    entries = list(index_entries(sig.match, sig.kinds))
    for kind, provider, event_id in keys:
        for ekind, ik in entries:
            if ekind != kind:
                continue
            if ik.providers is not None and (provider or "").casefold() not in ik.providers:
                continue
            if ik.event_ids is not None and event_id not in ik.event_ids:
                continue
            return True
    return False
