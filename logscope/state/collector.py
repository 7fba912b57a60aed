"""Keeps the ``hyperv-state`` events of a run and groups them into captures.

Why a collector fed every event (like the throughput one): the pipeline streams events, and
state facts need all records of a capture at once. State listings are small; the number kept
is bounded (``max_events`` in ``data/hyperv_state_model.yml``), the rest counted.

Start-up: the model (``model.py``, its classes and settings) loads on the first state event
(the imports in the methods below): a run without state listings never needs it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from datetime import datetime
from functools import cached_property
from typing import TYPE_CHECKING

from ..events import Event

if TYPE_CHECKING:
    from .model import Capture, VmState
    from .trend import Trend

KIND = "hyperv-state"
#: ``data.object`` of the facts this package derives (never fed back as state).
FACT = "fact"


def capture_key(file: str) -> str:
    """The folder a file sits in: one collection (``HV21/2026-12-01``) is one folder."""
    f = file.replace("\\", "/")
    return f.rsplit("/", 1)[0] if "/" in f else ""


class StateCollector:
    """``feed`` every event; ``captures`` / ``vms`` / ``facts`` afterwards."""

    def __init__(self) -> None:
        self._events: list[Event] = []
        self.dropped = 0
        self._max: int | None = None  # read on the first state event (start-up cost)

    def feed(self, ev: Event) -> None:
        if ev.kind != KIND or ev.data.get("object") == FACT:
            return
        if self._max is None:
            from .model import settings  # the first state event (module docstring)

            self._max = int(settings().get("max_events", 200_000))
        if len(self._events) >= self._max:
            self.dropped += 1
            return
        self._events.append(ev)

    def __bool__(self) -> bool:
        return bool(self._events)

    @cached_property
    def captures(self) -> list[Capture]:
        """Captures ordered by time (UTC ones first by UTC, then local ones, then by folder)."""
        groups: dict[str, list[Event]] = defaultdict(list)
        for ev in self._events:
            groups[capture_key(ev.file)].append(ev)
        out = [_capture(k, evs) for k, evs in groups.items()]
        out.sort(key=lambda c: (c.host or "", c.time_source != "utc",
                                c.time or datetime.min, c.key))
        return out

    @cached_property
    def vms(self) -> list[VmState]:
        from .build import build, link_guest_csv, link_shared

        states = [vm for c in self.captures for vm in build(c)]
        link_shared(states)
        link_guest_csv(states, self.captures)
        return states

    @cached_property
    def trends(self) -> list[Trend]:
        """Every chain seen in two captures or more (for the facts and the report section)."""
        from .trend import trends

        return trends(self.vms)

    def facts(self) -> list[Event]:
        """The derived fact events (matched by ``signatures/state/``): each VM's newest
        capture (a checkpoint merged since an older capture is gone), and the trends."""
        from .facts import facts, orphan_facts
        from .trend import latest

        newest = {c.host: c for c in self.captures}  # ordered by host, then time
        return (facts(latest(self.vms))
                + [f for c in newest.values() for f in orphan_facts(c)]
                + [t.fact for t in self.trends if t.fact is not None])


def _capture(key: str, evs: list[Event]) -> Capture:
    from .model import Capture, zone  # a run with state events only (module docstring)

    hosts = Counter(ev.host for ev in evs if ev.host)
    cap = Capture(key=key, host=hosts.most_common(1)[0][0] if hosts else None, events=evs)
    marked = [ev.data["capture_time"] for ev in evs if ev.data.get("capture_time")]
    if marked:
        cap.times["utc"] = datetime.fromisoformat(max(marked))
        cap.how = "logscope-collect marker"
        # local times the marker could not convert (no offset) still have their own clock
    for ev in evs:
        z = zone(ev.time_source)
        if ev.time is None or z is None or (z == "utc" and marked):
            continue
        if z not in cap.times or ev.time > cap.times[z]:
            cap.times[z] = ev.time
    if not marked and cap.times:
        cap.how = "newest time in the capture (ages are at least this old)"
    return cap
