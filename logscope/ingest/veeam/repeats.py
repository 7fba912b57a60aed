"""Entries that repeat one content many times: past the first ones, counted instead of turned
into events (issue 22).

Why: an agent log or a pasted session report where every line is the same error a signature
uses (a job retrying a snapshot every second, a report pasted in a loop) cost a full event and
a match per line (~100 us): 50 MB of them took 50 CPU s. The hit store keeps only the first
and the last hits of a signature anyway and counts the rest; this does the same one step
earlier, per content:

- the first ``KEEP`` occurrences of a content become events as before (the store's head);
- past them an occurrence is counted: its record (``ledger.summarized``), its lines, and the
  hits it gives (``info["hits_not_kept"]``: the signatures the first counted one matched,
  asked once per content), which the pipeline adds to the store's own count;
- the latest ``TAIL`` occurrences of each content are held and become events at the end of
  the file, so the latest times and lines of its hits stay right (the store's tail).

Content is every field of the event but where and when it was written (line, time); the
rule (``match/text_gate``) is given only when no signature of the kind reads those. The hit
counts are the line-by-line read's, and when one content is all of a signature's hits so are
the hits listed; the held ones arrive at the end of the file (in file order), after the hits
of other lines read later. Bounded:
``MAX_KEYS`` contents of at most ``MAX_KEY_CHARS`` characters are remembered per file, and
``MAX_HELD`` of them are counted (the others stay events).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Hashable, Iterator
from typing import Any

from ...events import Event
from ...ledger import FileLedger

#: The key under which ``IngestOptions.extra`` carries the rule (``match/text_gate``):
#: kind -> a function giving the signature ids an event hits, or None (no repeat counted).
REPEATS_KEY = "veeam_repeats"
#: Occurrences of one content turned into events before the rest are counted, and the latest
#: ones held (the hit store's head and tail, ``match.store.KEEP_HEAD`` / ``KEEP_TAIL``).
KEEP = 250
TAIL = 250
#: Contents remembered per file, and their longest text (longer entries are never counted).
MAX_KEYS = 4096
MAX_KEY_CHARS = 1024
MAX_HELD = 64

Hits = Callable[[Event], tuple[str, ...]]


def rule_for(kind: str, extra: dict[str, Any]) -> Hits | None:
    """The hit function for ``kind`` when ``analyze`` gave a repeat rule, else None."""
    rule = extra.get(REPEATS_KEY)
    return rule(kind) if callable(rule) else None


class Repeats:
    """Per file: how often each content was seen, and the held latest occurrences of those
    past ``KEEP``."""

    __slots__ = ("ledger", "hits_of", "seen", "hits", "held")

    def __init__(self, ledger: FileLedger, hits_of: Hits) -> None:
        self.ledger = ledger
        self.hits_of = hits_of
        self.seen: dict[Hashable, int] = {}
        self.hits: dict[Hashable, tuple[str, ...]] = {}
        #: content -> its latest occurrences: (event maker, how many lines it spans)
        self.held: dict[Hashable, deque[tuple[Callable[[], Event], int]]] = {}

    def counted(self, key: Hashable, text: str, make: Callable[[], Event], lines: int) -> bool:
        """Whether this occurrence is counted (held as the latest) rather than an event now."""
        n = self.seen.get(key)
        if n is None:
            if len(self.seen) >= MAX_KEYS or len(text) > MAX_KEY_CHARS:
                return False
            n = 0
        if n < KEEP:
            self.seen[key] = n + 1
            return False
        held = self.held.get(key)
        if held is None:
            if len(self.held) >= MAX_HELD:
                return False
            held = self.held[key] = deque()
            self.hits[key] = self.hits_of(make())
        elif len(held) >= TAIL:
            self._count(key, held.popleft()[1])
        held.append((make, lines))
        return True

    def _count(self, key: Hashable, lines: int) -> None:
        led = self.ledger  # its record was counted when read, as every entry's is
        led.summarized += 1
        led.summarized_lines += lines
        if self.hits[key]:
            not_kept: dict[str, int] = led.info.setdefault("hits_not_kept", {})
            for sid in self.hits[key]:
                not_kept[sid] = not_kept.get(sid, 0) + 1

    def finish(self) -> Iterator[Event]:
        """The held latest occurrences, as events in file order (at most MAX_HELD * TAIL)."""
        held, self.held = self.held, {}
        events = [make() for occurrences in held.values() for make, _lines in occurrences]
        events.sort(key=lambda ev: ev.locator.line or 0)
        yield from events
