"""Two or more captures of the same VM: does its disk chain grow?

Why: recovery checkpoints that never merge leave no error; each backup adds a level and the
chain only shows it from one collection to the next. A chain is followed by its base disk
(the top changes with every checkpoint). Captures are ordered by their times when both are on
the same clock, else by folder name, and the trend says which.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..events import Event
from .facts import make_fact
from .model import DiskChain, VmState


@dataclass(slots=True)
class Trend:
    """One chain of one VM across captures, oldest capture first."""

    vm: str
    base: str
    points: list[tuple[VmState, DiskChain]]
    ordered_by: str
    fact: Event | None = None
    series: list[dict[str, Any]] = field(default_factory=list)

    @property
    def growing(self) -> bool:
        first, last = self.points[0][1], self.points[-1][1]
        return last.depth > first.depth or (
            last.depth == first.depth and last.depth > 0 and first.size is not None
            and last.size is not None and last.size > first.size)


def by_vm(states: list[VmState]) -> list[tuple[list[VmState], bool]]:
    """Per VM its states, oldest capture first, and whether that order is by capture time
    (all on one clock) rather than by folder name."""
    groups: dict[str, list[VmState]] = defaultdict(list)
    for vm in states:
        groups[vm.name.casefold()].append(vm)
    out = []
    for seen in groups.values():
        clocks = {v.capture.time_source for v in seen}
        timed = len(clocks) == 1 and "none" not in clocks
        seen.sort(key=lambda v: (v.capture.time.isoformat() if timed and v.capture.time
                                 else "", v.capture.key))
        out.append((seen, timed))
    return out


def latest(states: list[VmState]) -> list[VmState]:
    """Each VM's newest capture: the state now (older captures are history, for the trend)."""
    return [seen[-1] for seen, _ in by_vm(states)]


def trends(states: list[VmState]) -> list[Trend]:
    """Every chain seen in two captures or more; a growing one carries a ``chain-growth``
    fact at the newest capture's record."""
    out = []
    for seen, timed in by_vm(states):
        if len({v.capture.key for v in seen}) < 2:
            continue
        chains: dict[str, list[tuple[VmState, DiskChain]]] = defaultdict(list)
        for v in seen:
            for ch in v.chains:
                chains[ch.base.casefold()].append((v, ch))
        for pts in chains.values():
            if len(pts) < 2:
                continue
            t = Trend(seen[0].name, pts[0][1].base, pts,
                      "capture time" if timed else "folder name (capture times not comparable)")
            t.series = [{"capture": v.capture.key, "time": v.capture.time.isoformat()
                         if v.capture.time else None, "time_source": v.capture.time_source,
                         "depth": ch.depth, "size": ch.size, "top": ch.top,
                         "file": ch.ev.file, "locator": ch.ev.locator.as_dict()}
                        for v, ch in pts]
            if t.growing:
                t.fact = _fact(t, timed)
            out.append(t)
    return out


def _fact(t: Trend, timed: bool) -> Event:
    (v0, c0), (v1, c1) = t.points[0], t.points[-1]
    data: dict[str, Any] = {"base": t.base, "top": c1.top, "depth_first": c0.depth,
                            "depth_last": c1.depth, "depth_growth": c1.depth - c0.depth,
                            "captures": len(t.points), "first_capture": v0.capture.key,
                            "first_file": c0.ev.file, "first_line": c0.ev.locator.line,
                            "ordered_by": t.ordered_by}
    if c0.size is not None and c1.size is not None:
        data.update(size_first=c0.size, size_last=c1.size, size_growth=c1.size - c0.size)
    span = ""
    if timed and v0.capture.time and v1.capture.time:
        days = round((v1.capture.time - v0.capture.time).total_seconds() / 86400, 1)
        data["days_between"] = days
        span = f" in {days} days"
    sizes = (f", {gb(c0.size)} → {gb(c1.size)}" if "size_growth" in data else "")
    return make_fact(
        "chain-growth", c1.ev, v1,
        f"VM '{v1.name}': the disk chain on {t.base} grew from {c0.depth} to {c1.depth} "
        f"differencing level(s){sizes}{span} ({len(t.points)} captures)", **data)


def gb(n: int | None) -> str:
    """Bytes as GB (one decimal), ``?`` when unknown (also the report section's sizes)."""
    return "?" if n is None else f"{n / (1 << 30):.1f} GB"
