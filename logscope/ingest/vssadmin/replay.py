"""Unit replay: a capture loop prints the same writer blocks again and again, so a unit (a
paragraph's raw text, ``units``) that was parsed before is not split, classified or parsed
again: its event is given again with its lines renewed, and its lines are only counted.

What a unit's parse may depend on is held fixed or in the key: its exact text, the script
prefix in force, a stream with no line looked ahead, a capture that has begun. A unit is
remembered only when its parse was plain: one dispatch, one complete writer block, no
problem, no skipped line, no new capture, no prefix change, and nothing of the next unit
read ahead. Then what it did is recorded relative to its first line (the event, the paste
repairs it noted, the capture's last line, the parser's work) and done again on a replay,
so the report is the one a full parse gives (tests compare with replay off).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from operator import attrgetter
from typing import TYPE_CHECKING

from ...events import Event, Locator
from .lines import KIND
from .units import Units

if TYPE_CHECKING:
    from .parser import _Parser

#: Event fields between ``locator`` and ``data``: a recorded event keeps them as they were.
_MIDDLE = tuple(f.name for f in fields(Event))[3:-1]
assert tuple(f.name for f in fields(Event))[:3] == ("kind", "file", "locator")
assert fields(Event)[-1].name == "data"
assert tuple(f.name for f in fields(Locator)) == ("record", "line", "end_line")
_middle = attrgetter(*_MIDDLE)

#: Units remembered per file (0 turns unit replay off); cleared when full, counted.
REPLAY_UNITS = 4096
#: Longer units are parsed each time (bounded memory: keys are the units' text).
UNIT_CHARS = 1024


@dataclass(slots=True, frozen=True)
class _Outcome:
    """What parsing one unit did, its lines counted from the unit's start."""

    prefix: object  # the script prefix in force (its lines were classified under it)
    lines: int
    steps: int
    notes: tuple[tuple[str, int], ...]
    last_line: int
    events: tuple[tuple[object, ...], ...]


class _Recording:
    """The state a unit's parse started from, to tell afterwards whether it was plain."""

    __slots__ = ("text", "prefix", "taken", "base", "capture", "problems", "skipped", "strays",
                 "steps", "dispatches", "events")

    def __init__(self, text: str, prefix: object, parser: _Parser, units: Units) -> None:
        self.text, self.prefix = text, prefix
        self.taken = units.taken
        self.base = units.state.lineno
        self.capture = parser.capture
        self.problems = _problems(parser)
        self.skipped = parser.ledger.skipped
        self.strays = parser.strays
        self.steps = parser.steps.n if parser.steps is not None else 0
        self.dispatches = 0
        self.events: list[tuple[object, ...]] = []
        self.capture.log = []


def _problems(parser: _Parser) -> int:
    return len(parser.ledger.problems) + parser.ledger.problems_dropped


class UnitReplay:
    """The units of one file seen parsed, and the one being recorded."""

    def __init__(self, units: Units) -> None:
        self.units = units
        self.memo: dict[str, _Outcome] = {}  # by the unit's text
        self.stats = {"replayed": 0, "cleared": 0}
        self.recording: _Recording | None = None

    def between(self, parser: _Parser) -> Iterator[Event]:
        """Called before each line the parser takes: when it stands between two units with
        nothing looked ahead, settle the unit just parsed and replay the known ones next."""
        units = self.units
        if not (units.boundary and parser.stream.idle()):
            return
        if self.recording is not None:
            self._settle(parser)
        # what a replay reads or renews (none of it changes while units are replayed)
        cap, state, memo, prefix = parser.capture, units.state, self.memo, parser.stream.prefix
        ledger, steps, display, kinds = parser.ledger, parser.steps, parser.display, cap.kinds
        ranges = parser.ranges
        while (text := units.peek()) is not None:
            if cap.first_line is None or state.in_overflow:
                return
            seen = memo.get(text)
            if seen is None or seen.prefix is not prefix:
                if len(text) <= UNIT_CHARS and "\x00" not in text and "\ufffd" not in text:
                    self.recording = _Recording(text, prefix, parser, units)
                return
            self.stats["replayed"] += 1
            base = state.lineno
            units.skip(seen.lines)
            for code, line in seen.notes:
                cap.note(code, base + line)
            cap.last_line = base + seen.last_line
            if steps is not None:
                steps.add(seen.steps)
            # what ``_emit`` and ``track`` do for a record of a capture that has begun
            for line, end, middle, data in seen.events:
                cap.records += 1
                kinds["writers"] = kinds.get("writers", 0) + 1
                ledger.records += 1
                # positional (field order checked at import): half the cost of keywords
                ev = Event(KIND, display, Locator(None, base + line, base + end), *middle,
                           {**data, "capture": cap.index})
                ranges.add(base + line, base + end)
                yield ev

    def record(self, ev: Event, complete: bool) -> None:
        """An event of the unit being recorded, before anyone downstream sees it (a snapshot:
        ``data`` as it is, its capture index renewed on a replay); ``complete``: a complete
        writer block gave it."""
        rec = self.recording
        if rec is None:
            return
        if not complete:
            self._drop()
            return
        rec.events.append((ev.locator.line - rec.base,  # type: ignore[operator]
                           ev.locator.end_line - rec.base,  # type: ignore[operator]
                           _middle(ev), dict(ev.data)))

    def dispatched(self) -> None:
        """One line dispatched in the unit being recorded: a plain unit has only its writer."""
        rec = self.recording
        if rec is not None:
            rec.dispatches += 1
            if rec.dispatches > 1:
                self._drop()

    def _drop(self) -> None:
        rec = self.recording
        if rec is not None:
            rec.capture.log = None
        self.recording = None

    def _settle(self, parser: _Parser) -> None:
        rec, units = self.recording, self.units
        assert rec is not None
        cap = parser.capture
        notes = rec.capture.log or []
        self._drop()
        plain = (units.taken == rec.taken + 1 and cap is rec.capture and len(rec.events) == 1
                 and parser.stream.prefix is rec.prefix and _problems(parser) == rec.problems
                 and parser.ledger.skipped == rec.skipped and parser.strays == rec.strays
                 and cap.last_line is not None)
        if not plain:
            return
        if len(self.memo) >= REPLAY_UNITS:
            self.memo.clear()
            self.stats["cleared"] += 1
        steps = parser.steps.n - rec.steps if parser.steps is not None else 0
        self.memo[rec.text] = _Outcome(
            rec.prefix, units.state.lineno - rec.base, steps,
            tuple((code, line - rec.base) for code, line in notes),
            cap.last_line - rec.base, tuple(rec.events))  # type: ignore[operator]

