"""The vssadmin block state machine: one forward pass, a lookahead of at most four non-blank
lines, dispatching each block shape to its module (``writer``, ``provider``, ``shadow``,
``storage``); paste repairs and stray lines are counted per capture.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from ...events import Event
from ...hresult import describe, find_in_text
from ...ledger import FileLedger
from .lines import (
    BANNER,
    BANNER_RE,
    COMMAND,
    COPYRIGHT,
    GUID,
    MARKUP,
    NAME,
    PROMPT,
    STATE,
    TEXT,
    VOLUME,
    Line,
    id_form,
    prefix_pattern,
)
from .provider import VERSION_RE, ProviderBlocks
from .replay import UnitReplay
from .shadow import ShadowBlocks
from .storage import StorageBlocks
from .stream import _MAX_TRACKED, RecordRanges, Steps, _Capture, _Stream
from .tables import hresult_for_message
from .units import Units
from .writer import WriterBlocks

#: Capture summaries kept in ``ledger.info`` (bounded on hostile input).
MAX_CAPTURE_SUMMARIES = 200
FIRST_INT_RE = re.compile(r"\d{1,6}")

#: Paste repairs, reported once per capture with the first line and a count.
ANOMALY_TEXT = {
    "quote-prefix": "Markdown/e-mail quote prefix '>' removed",
    "html-entity": "HTML entities (such as &nbsp;) decoded",
    "markdown-escape": "Markdown escapes (\\[ \\]) removed",
    "backtick": "stray Markdown backtick removed",
    "typographic-dash": "typographic dash in the banner (vssadmin prints '-'; text was retyped or reformatted)",
    "typographic-quotes": "typographic quotes around a name (vssadmin prints ASCII ')",
    "unquoted-name": "writer name without its quotes (lost in a paste)",
    "no-indent": "field lines not indented (indentation lost in a paste)",
    "blank-in-block": "blank lines inside a block (inserted by a paste or an e-mail client)",
    "script-prefix": "lines prefixed by a calling script; the prefix was removed",
    "joined-lines": "several output lines joined on one line (a script logged the output as one string); split on blank runs",
    "wrapped-line": "a GUID wrapped onto the next line (console or viewer width); joined again",
}


#: Stray lines inside a capture reported individually per file; the rest are only counted.
MAX_STRAY_PROBLEMS = 20


class _Parser(WriterBlocks, ProviderBlocks, ShadowBlocks, StorageBlocks):
    """The block state machine for one file (or one decoded text)."""

    def __init__(self, display: str, ledger: FileLedger, steps: Steps | None) -> None:
        self.display = display
        self.ledger = ledger
        self.steps = steps
        self.capture = _Capture(1)
        self.summaries: list[dict[str, object]] = []
        self.strays = 0
        self._last_skipped = -1
        self._skipped: dict[int, str] = {}  # skipped line -> reason (bounded)
        self.ranges = RecordRanges()
        self.replays: dict[tuple[object, ...], tuple[object, ...]] = {}  # writer blocks seen (bounded)
        self.replay_stats = {"replayed": 0, "cleared": 0}
        self.complete_writer = False  # the last writer block had all five lines (``replay``)
        self.unit_replay: UnitReplay | None = None
        self.stream: _Stream

    # -- driver ---------------------------------------------------------------------------

    def run(self, numbered: Iterable[tuple[int, str]],
            units: Units | None = None) -> Iterator[Event]:
        """Events of the numbered lines; ``units``: their source, whose units seen parsed
        before are replayed (``replay``) instead of parsed."""
        self.stream = _Stream(numbered, self.steps)
        replay = UnitReplay(units) if units is not None else None
        self.unit_replay = replay
        while True:
            if replay is not None:
                yield from replay.between(self)
            line = self._next()
            if line is None:
                break
            self.complete_writer = False
            for ev in self._dispatch(line):
                self.track(ev)
                if replay is not None:
                    replay.record(ev, self.complete_writer)
                yield ev
            if replay is not None:
                replay.dispatched()
        self._close_capture()
        self._unskip_covered()
        if self.summaries:
            self.ledger.info["vssadmin_captures"] = self.summaries

    def track(self, ev: Event) -> None:
        """Remember a record's line range (bounded), to settle split lines at the end."""
        self.ranges.add(ev.locator.line, ev.locator.end_line)

    def _next(self) -> Line | None:
        line = self.stream.next()
        if line is not None:
            cap = self.capture
            if line.kind not in (BANNER, COMMAND):  # noted once their capture is known
                for code in line.fixes:
                    cap.note(code, line.no)
            if cap.first_line is None and line.kind not in (TEXT, MARKUP):
                cap.first_line = line.no
            cap.last_line = line.no
        return line

    def _dispatch(self, line: Line) -> Iterator[Event]:
        kind = line.kind
        cap = self.capture
        if kind == BANNER:
            if cap.banner_line or cap.records or cap.ended or (cap.messages and not cap.command_line):
                self._new_capture(line)
            elif cap.messages:
                # text between the command line and the banner (a forum's code-box caption)
                self._skip("line outside any vssadmin block", *cap.messages)
                cap.messages.clear()
            self._note_fixes(line)
            self._banner(line)
        elif kind == COMMAND:
            if cap.used:
                self._new_capture(line)
            self._note_fixes(line)
            self.capture.command_line = line.no
            self.capture.listing = line.listing
            self.capture.first_line = line.no
        elif kind == PROMPT:
            if cap.used:
                cap.ended = True
        elif kind == COPYRIGHT:
            pass
        elif kind == MARKUP:
            self._skip("Markdown markup line", line)
        elif kind == NAME:
            yield from self._name_block(line)
        elif kind == GUID:
            yield from self._guid_block(line)
        elif kind == VOLUME:
            yield from self._storage_or_stray(None, line)
        elif kind == STATE:
            self.ledger.problem(
                f"line {line.no}",
                f"state line {line.text!r} outside a writer block (its name line is missing)",
                "orphan-state",
            )
            self._skip("line outside any vssadmin block", line)
        else:
            yield from self._storage_or_stray(line, None)

    def _skip(self, reason: str, *lines: Line) -> None:
        """Count skipped physical lines once each: a physical line split into several logical
        ones (output a script joined on one line) is still one line of the file."""
        for ln in lines:
            if ln.no != self._last_skipped:
                self._last_skipped = ln.no
                self.ledger.skip(reason)
                if len(self._skipped) < _MAX_TRACKED:
                    self._skipped[ln.no] = reason

    def _unskip_covered(self) -> None:
        """A split line whose other part became a record is in that record, not skipped."""
        led = self.ledger
        for no in self.ranges.covered(list(self._skipped)):
            reason = self._skipped[no]
            led.skipped -= 1
            led.skip_reasons[reason] -= 1
            if not led.skip_reasons[reason]:
                del led.skip_reasons[reason]

    def _note_fixes(self, line: Line) -> None:
        for code in line.fixes:
            self.capture.note(code, line.no)

    def _banner(self, line: Line) -> None:
        cap = self.capture
        cap.banner_line = line.no
        if cap.first_line is None or cap.first_line > line.no:
            cap.first_line = line.no
        m = BANNER_RE.search(line.text)
        before = line.text[: m.start()] if m else ""
        if before.strip():
            self.stream.set_prefix(prefix_pattern(before))
            if self.stream.prefix is not None and "script-prefix" not in line.fixes:
                cap.note("script-prefix", line.no)
        elif self.stream.prefix is not None and not self._prefixed(line):
            self.stream.set_prefix(None)

    def _prefixed(self, line: Line) -> bool:
        """Whether the current prefix was stripped from this banner line (it stays in force)."""
        return "script-prefix" in line.fixes

    def _new_capture(self, line: Line) -> None:
        self._close_capture()
        self.capture = _Capture(self.capture.index + 1, first_line=line.no, last_line=line.no)

    # -- writers and providers ------------------------------------------------------------

    def _ahead(self, limit: int) -> list[Line]:
        """Up to ``limit`` following lines, stopping before a line that starts a new block."""
        out: list[Line] = []
        for k in range(limit):
            p = self.stream.peek(k)
            if p is None or p.block_start or p.kind == MARKUP:
                break
            out.append(p)
        return out

    def _name_block(self, n0: Line) -> Iterator[Event]:
        ahead = self._ahead(4)
        state_at = next((i for i, p in enumerate(ahead[:3]) if p.kind == STATE), None)
        if state_at is not None:
            yield self._writer(n0, state_at)
            return
        if (
            len(ahead) >= 3
            and ahead[0].kind == TEXT
            and ahead[1].kind == GUID
            and ahead[2].value is not None
            and VERSION_RE.match(ahead[2].value)
        ):
            yield self._provider(n0)
            return
        after = self.stream.peek(len(ahead))
        ids = 0
        for p in ahead[:2]:
            if id_form(p) is None:
                break
            ids += 1
        at_end = after is None and ids == len(ahead)
        # Without its state line a block is a writer only on firm evidence: a GUID-shaped id,
        # or a capture already known to list writers (a placeholder word is too weak alone).
        strong = ids > 0 and id_form(ahead[0]) in ("ok", "masked", "truncated")
        writers = self.capture.listing == "writers" or self._has("writers")
        if strong or (writers and ids and ids == len(ahead)) or (writers and not ahead and after is None):
            # A writer block cut off (end of paste) or broken off by other text or the next block.
            yield self._writer(n0, None, ids=ids, cut=at_end)
            return
        self._stray(n0)

    def _has(self, listing: str) -> bool:
        return self.capture.kinds.get(listing, 0) > 0


    # -- shadow copies --------------------------------------------------------------------

    def _guid_block(self, g0: Line) -> Iterator[Event]:
        p0 = self.stream.peek(0)
        if p0 is not None and p0.kind == VOLUME and not p0.blanks_before:
            yield self._shadow(g0)
            return
        p1 = self.stream.peek(1)
        p2 = self.stream.peek(2)
        if (
            p0 is not None
            and p1 is not None
            and p2 is not None
            and p0.kind == TEXT
            and p0.value
            and p1.kind == GUID
            and p2.kind == VOLUME
        ):
            contained = self._next()
            assert contained is not None
            m = FIRST_INT_RE.search(contained.label or "")
            self.capture.shadow_set = {
                "set_id": g0.guid,
                "creation_time_text": contained.value,
                "shadow_count": int(m.group()) if m else None,
            }
            return
        self._stray(g0)


    # -- bookkeeping ----------------------------------------------------------------------

    def _emit(self, listing: str, event: Event) -> Event:
        cap = self.capture
        cap.records += 1
        cap.kinds[listing] = cap.kinds.get(listing, 0) + 1
        if cap.first_line is None:
            cap.first_line = event.locator.line
        self.ledger.records += 1
        if self.steps is not None:
            self.steps.add()
        return event

    def _stray(self, line: Line) -> None:
        """A line that is no part of a block: header text before the first block, else noise."""
        cap = self.capture
        if (cap.banner_line or cap.command_line) and not cap.records and not cap.ended:
            if len(cap.messages) < 10:
                cap.messages.append(line)
            else:
                self._skip("line outside any vssadmin block", line)
            return
        self._skip("line outside any vssadmin block", line)
        if cap.records and not cap.ended:
            self.strays += 1
            if self.strays <= MAX_STRAY_PROBLEMS:
                self.ledger.problem(
                    f"line {line.no}",
                    f"unrecognised line inside vssadmin output: {line.text[:100]!r}",
                    "stray-line",
                )

    def _close_capture(self) -> None:
        cap = self.capture
        if not cap.used:
            return
        ledger = self.ledger
        listing = cap.listing or next(iter(cap.kinds), None)
        error = None
        if not cap.records:
            texts = [m.text for m in cap.messages]
            for m in cap.messages:
                codes = find_in_text(m.text)
                error = codes[0] if codes else hresult_for_message(m.value or m.text)
                if error:
                    break
            what = listing or "records"
            start = cap.messages[0].no if cap.messages else (cap.banner_line or cap.first_line)
            if texts:
                msg = f"vssadmin capture {cap.index} lists no {what}; it printed: " + " / ".join(
                    t[:200] for t in texts[:4]
                )
            elif cap.banner_line:
                msg = f"vssadmin capture {cap.index} printed its banner but lists no {what} at all"
            else:
                msg = f"vssadmin capture {cap.index}: the command has no output (no {what})"
            if error:
                desc = describe(error)
                msg += f" ({error}{' ' + desc['name'] if desc else ''})"
            ledger.problem(f"line {start}", msg, "vssadmin-error" if error else "vssadmin-empty")
        for code, (first, count) in cap.anomalies.items():
            ledger.problem(
                f"line {first}",
                f"{ANOMALY_TEXT.get(code, code)} ({count} line{'s' if count != 1 else ''})",
                code,
            )
        if len(self.summaries) < MAX_CAPTURE_SUMMARIES:
            self.summaries.append(
                {
                    "capture": cap.index,
                    "line": cap.first_line,
                    "end_line": cap.last_line,
                    "listing": listing,
                    "records": cap.records,
                    "complete": not cap.cut_off,
                    **({"error": error} if error else {}),
                }
            )
