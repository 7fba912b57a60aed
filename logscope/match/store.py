"""Bounded memory for hits: the first and the last hits of each (signature, machine) are kept,
the ones in between only counted.

Why: a log where every record is a failure (a host retrying a checkpoint every minute for
a month) would otherwise keep every event of it in memory. Chains and hints need the first
and the latest occurrences, and evidence lists show a handful; the counts of what was not
kept are reported, never dropped silently.
"""

from __future__ import annotations

from collections import Counter, deque
from dataclasses import dataclass, field

from .model import Hit

#: Hits kept per (signature, machine) at the start and at the end of the stream.
KEEP_HEAD = 250
KEEP_TAIL = 250


@dataclass
class _Slot:
    head: list[tuple[int, Hit]] = field(default_factory=list)
    tail: deque[tuple[int, Hit]] = field(default_factory=lambda: deque(maxlen=KEEP_TAIL))
    total: int = 0


class HitStore:
    """Collects hits in arrival order within per-key bounds; ``hits()`` gives them back."""

    def __init__(self) -> None:
        self._slots: dict[tuple[str, str | None], _Slot] = {}
        self._seq = 0
        self._elsewhere: Counter[str] = Counter()

    def count_not_kept(self, counts: dict[str, int]) -> None:
        """Add hits another store (a worker process's) counted but did not keep."""
        self._elsewhere.update(counts)

    def add(self, hit: Hit) -> None:
        ev = hit.event
        key = (hit.signature.id, ev.vm_id or ev.vm_name or ev.host)
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = _Slot()
        self._seq += 1
        slot.total += 1
        if len(slot.head) < KEEP_HEAD:
            slot.head.append((self._seq, hit))
        else:
            slot.tail.append((self._seq, hit))

    def hits(self) -> list[Hit]:
        """Every kept hit, in the order it arrived."""
        kept = [x for slot in self._slots.values() for x in (*slot.head, *slot.tail)]
        kept.sort(key=lambda x: x[0])
        return [h for _, h in kept]

    def not_kept(self) -> dict[str, int]:
        """Per signature: hits counted but not kept (0s omitted)."""
        out: Counter[str] = Counter(self._elsewhere)
        for (sid, _machine), slot in self._slots.items():
            dropped = slot.total - len(slot.head) - len(slot.tail)
            if dropped:
                out[sid] += dropped
        return dict(sorted(out.items()))
