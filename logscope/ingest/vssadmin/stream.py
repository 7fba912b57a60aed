"""Lines of one vssadmin text as the block parser sees them: captures (banner or command
line to the next one), joined one-line listings split back, and the work counter for tests.
"""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from ...lazy import regex
from .lines import (
    GUID,
    GUID_RE,
    Line,
    classify,
)

#: One-line listings: only lines this long are considered, split on runs of 2+ blanks or a tab.
JOINED_MIN = 150


JOINED_SPLIT_RE = regex(r"[ \t]{2,}|\t")


JOINED_STATE_RE = regex(r"[:\uff1a][ \t]*\\?\[\d{1,2}\\?\]")


JOINED_GUID_RE = regex(r"\{[0-9a-fA-F]{8}-")


HEX_TAIL_RE = regex(r"^[0-9a-fA-F-]{1,35}\}$")


#: Lines up to this long are remembered, at most this many per file (bounded memory).
MEMO_CHARS = 256
MEMO_LINES = 8192
_MISSING = object()
#: Skipped lines and record ranges remembered to settle split lines (bounded memory).
_MAX_TRACKED = 100_000


class RecordRanges:
    """The records' line ranges (the first ``_MAX_TRACKED``, as two arrays: ~16 bytes each),
    to tell at the end which skipped lines lie inside a record."""

    __slots__ = ("starts", "ends")

    def __init__(self) -> None:
        self.starts, self.ends = array("q"), array("q")

    def add(self, line: int | None, end_line: int | None) -> None:
        if len(self.starts) < _MAX_TRACKED:
            self.starts.append(line or 0)
            self.ends.append(end_line or line or 0)

    def covered(self, lines: Iterable[int]) -> Iterator[int]:
        """Those of ``lines`` inside some range: a binary search over the ranges sorted by
        their first line, each with the furthest end reached so far (n log n, not n x m)."""
        starts, ends = self.starts, self.ends
        order = sorted(range(len(starts)), key=starts.__getitem__)
        first, reach, far = array("q"), array("q"), -1
        for i in order:
            first.append(starts[i])
            far = max(far, ends[i])
            reach.append(far)
        for no in lines:
            k = bisect_right(first, no) - 1
            if k >= 0 and reach[k] >= no:
                yield no


class Steps:
    """Counts the parser's work (lines, characters scanned, lookahead probes) for tests.

    Pass one as ``options.extra["vssadmin_steps"]``. Tests assert the count grows linearly
    with input size instead of timing anything.
    """

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def add(self, k: int = 1) -> None:
        self.n += k


@dataclass(slots=True)
class _Capture:
    """One run of vssadmin inside the file (banner or command line to the next one)."""

    index: int
    first_line: int | None = None
    last_line: int | None = None
    banner_line: int | None = None
    command_line: int | None = None
    listing: str | None = None
    records: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    messages: list[Line] = field(default_factory=list)
    anomalies: dict[str, list[int]] = field(default_factory=dict)
    cut_off: bool = False
    ended: bool = False
    shadow_set: dict[str, object] | None = None
    #: Notes taken while a unit is recorded for replay (``replay``), else None.
    log: list[tuple[str, int]] | None = None

    @property
    def used(self) -> bool:
        return bool(self.banner_line or self.records or self.messages or self.command_line)

    def note(self, code: str, line: int) -> None:
        if self.log is not None:
            self.log.append((code, line))
        entry = self.anomalies.get(code)
        if entry is None:
            self.anomalies[code] = [line, 1]
        else:
            entry[1] += 1


class _Stream:
    """Non-blank classified lines with a small lookahead; blank lines are only counted.

    Two kinds of wrapping are undone here, before classification: a GUID line that a console
    or a log viewer wrapped at its width (``{a29aadde-0639-4400-923a-5f`` + ``d982e53c7e}``),
    and a whole listing that a calling script logged as one line (PowerShell ``"$out"`` joins
    the lines with spaces; the 3-space indentation survives, so fields split on 2+ spaces).
    """

    def __init__(self, numbered: Iterable[tuple[int, str]], steps: Steps | None) -> None:
        self._it = iter(numbered)
        self._buf: deque[tuple[Line, str]] = deque()
        self._raw: deque[tuple[int, str, str | None]] = deque()  # pushed back / split lines
        self._steps = steps
        self.prefix: re.Pattern[str] | None = None
        self._memo: dict[tuple[str, re.Pattern[str] | None], Line | None | object] = {}

    def _next_raw(self) -> tuple[int, str, str | None] | None:
        if self._raw:
            return self._raw.popleft()
        for no, raw in self._it:
            if self._steps is not None:
                self._steps.add(1 + len(raw))
            if len(raw) > JOINED_MIN and _looks_joined(raw):
                parts = [p for p in JOINED_SPLIT_RE.split(raw) if p.strip()]
                if self._steps is not None:
                    self._steps.add(len(raw))
                self._raw.extend((no, part, "joined-lines") for part in parts[1:])
                return no, parts[0], "joined-lines"
            return no, raw, None
        return None

    def _pull(self) -> tuple[Line, str] | None:
        blanks, first_blank = 0, None
        while (item := self._next_raw()) is not None:
            no, raw, fix = item
            line = self._classify(no, raw)
            if line is None:
                blanks += 1
                first_blank = first_blank or no
                continue
            if line.kind == GUID and line.guid_form == "truncated":
                line, raw = self._unwrap(line, raw)
            if fix:
                line.fixes.append(fix)
            line.blanks_before, line.first_blank = blanks, first_blank
            return line, raw
        return None

    def _classify(self, no: int, raw: str) -> Line | None:
        """``classify``, remembered per (text, prefix): a listing repeats the same lines
        (state, last error, the same writers capture after capture). A fresh copy each time:
        the parser annotates its lines."""
        if len(raw) > MEMO_CHARS:
            return classify(no, raw, self.prefix)
        key = (raw, self.prefix)
        t = self._memo.get(key, _MISSING)
        if t is _MISSING:
            if len(self._memo) >= MEMO_LINES:
                self._memo.clear()
            t = self._memo[key] = classify(no, raw, self.prefix)
        if t is None:
            return None
        return Line(no, t.text, t.kind, t.indent, t.label, t.value, t.name, t.guid,  # type: ignore[union-attr]
                    t.guid_form, t.state, t.state_word, t.listing, list(t.fixes))  # type: ignore[union-attr]

    def _unwrap(self, line: Line, raw: str) -> tuple[Line, str]:
        """Join a GUID cut by line wrapping with the line that holds its tail."""
        nxt = self._next_raw()
        if nxt is None:
            return line, raw
        tail = nxt[1].strip()
        if self._steps is not None:
            self._steps.add(len(tail))
        if HEX_TAIL_RE.match(tail) and GUID_RE.match((line.value or "") + tail):
            if self._steps is not None:
                self._steps.add(len(raw) + len(tail))
            merged = classify(line.no, raw.rstrip() + tail, self.prefix)
            if merged is not None:
                merged.fixes.append("wrapped-line")
                return merged, raw.rstrip() + tail
        self._raw.appendleft(nxt)
        return line, raw

    def peek(self, k: int = 0) -> Line | None:
        if self._steps is not None:
            self._steps.add()
        while len(self._buf) <= k:
            item = self._pull()
            if item is None:
                return None
            self._buf.append(item)
        return self._buf[k][0]

    def next(self) -> Line | None:
        if self._buf:
            return self._buf.popleft()[0]
        item = self._pull()
        return item[0] if item else None

    def idle(self) -> bool:
        """Nothing looked ahead or pushed back: the next line is the source's next line."""
        return not self._buf and not self._raw

    def set_prefix(self, prefix: re.Pattern[str] | None) -> None:
        """Change the script prefix; lines already looked at are classified again."""
        self.prefix = prefix
        old = list(self._buf)
        self._buf.clear()
        for line, raw in old:
            if self._steps is not None:
                self._steps.add(1 + len(raw))
            new = classify(line.no, raw, prefix)
            if new is None:  # the prefix was all there was
                continue
            new.blanks_before, new.first_blank = line.blanks_before, line.first_blank
            new.fixes.extend(f for f in line.fixes if f in ("joined-lines", "wrapped-line"))
            self._buf.append((new, raw))


def _looks_joined(raw: str) -> bool:
    """A whole listing on one line: a state shape, a GUID and several 2-space gaps."""
    return bool(
        JOINED_STATE_RE.search(raw) and JOINED_GUID_RE.search(raw) and raw.count("  ") >= 3
    )
