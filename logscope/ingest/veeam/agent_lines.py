"""Veeam Agent / data mover / deployment and installer logs as a stream of raw entries.

Grammar (real lines: veeam/veeamsnap issue 25, Veeam Agent for Linux 5; VeeamAgent.exe on
Windows proxies and Veeam Agent for Windows write the same layout)::

    [dd.MM.yyyy HH:mm:ss(.fff)] <  tid> component| text
    [dd.MM.yyyy HH:mm:ss(.fff)] <  tid> component| ERR |first line of an error
    [dd.MM.yyyy HH:mm:ss(.fff)] <  tid> component| >>  |next line of that error (or --tr: trace)
    [dd.MM.yyyy HH:mm:ss(.fff)] <  tid> Info     text          (service logs: a level word)

The thread id is padded inside the brackets on Windows (``<  6388>``) and is a 15-digit
pthread id on Linux; the component may be empty (``<tid> | Thread finished``). An entry is a
prefixed line plus the ``>>`` lines of the same thread and the unprefixed lines after it.
The ``=====`` / ``Starting new log`` header a process writes at start is a run header
(:class:`~.header.RunHeader`, shared with the server logs): it may state the UTC offset.

Why not the server-log grammar: ``<  tid>`` with spaces, thread ids over 8 digits and the
``component|`` column are exactly what it refuses, so these files were ``unknown`` before.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ...lazy import regex
from ...ledger import FileLedger
from .data import load
from .fold import Folded
from .header import RunHeader, is_header_start
from .lines import MAX_QUOTE_CHARS, wall_time

#: ``[dd.MM.yyyy HH:mm:ss(.fff)] <  tid>`` -- bounded, no nested quantifiers.
PREFIX = regex(
    r"\[(\d{2})\.(\d{2})\.(\d{4}) (\d{2})[:.](\d{2})[:.](\d{2})(?:[.,](\d{1,7}))?\]"
    r" {1,5}<( {0,10})(\d{1,20})>"
)
#: ``component|`` right after the thread (the component may be empty or space-padded).
_COMPONENT = regex(r" {0,3}([\w.\-:\[\]]{0,40}?) {0,8}\|")
#: The level column after the component: ``ERR |``, ``WARN|``, ``>>  |`` (continuation).
_MARK = regex(r" {0,2}(ERR|ERROR|WARN|WRN|>>) {0,4}\|")
_LEVEL_WORD = regex(r" {1,3}([A-Za-z]{2,16})( +)")
#: Bounds for one entry on hostile input: lines beyond are counted and skipped.
MAX_ENTRY_LINES = 5000
MAX_ENTRY_CHARS = 4 << 20


@dataclass(slots=True)
class AgentEntry:
    """One entry: its prefixed first line and the lines that belong to it."""

    line: int
    end_line: int
    stamp: str
    wall: datetime | None
    thread: int
    component: str | None
    level: str | None
    marker: str | None
    lines: list[str]
    padded: bool = False
    quoted: str | None = None
    header: RunHeader | None = None
    chars: int = 0
    traces: int = 0
    truncated: int = 0
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


@dataclass(slots=True)
class AgentLine:
    """A prefixed line split into its columns."""

    match: re.Match[str]
    quote: str | None
    component: str | None
    marker: str | None
    level_word: str | None
    text: str


def split_line(line: str) -> AgentLine | None:
    """The columns of an agent-log line (allowing a short quote in front), or None."""
    at = 0 if line.startswith("[") else line.find("[", 0, MAX_QUOTE_CHARS + 1)
    if at < 0 or (at and "]" in line[:at]):
        return None
    m = PREFIX.match(line, at)
    if m is None:
        return None
    quote = line[:at] if at else None
    pos = m.end()
    component = marker = level_word = None
    cm = _COMPONENT.match(line, pos)
    if cm is not None:
        component = cm.group(1) or ""
        pos = cm.end()
        mm = _MARK.match(line, pos)
        if mm is not None:
            marker = mm.group(1)
            pos = mm.end()
    else:
        lm = _LEVEL_WORD.match(line, pos)
        if lm is not None and lm.group(1) in load().levels:
            level_word = lm.group(1)
            pos = lm.end()
    return AgentLine(m, quote, component, marker, level_word, line[pos:].strip())


def is_agent_line(line: str) -> bool:
    """A line only the agent grammar reads: padded or long thread id, or a ``component|``.

    Used by detection: a server-log line (``<01> Info  text``) is not one.
    """
    parts = split_line(line)
    if parts is None:
        return False
    m = parts.match
    return bool(m.group(8)) or len(m.group(9)) > 8 or parts.component is not None


def _level(parts: AgentLine) -> str:
    data = load()
    if parts.marker in ("ERR", "ERROR"):
        return "Error"
    if parts.marker in ("WARN", "WRN"):
        return "Warning"
    if parts.level_word:
        return data.levels[parts.level_word]
    low = parts.text.lower()
    for level, words in data.agent_level_words:
        if any(w in low for w in words):
            return level
    return "Info"


def _new_entry(lineno: int, parts: AgentLine, header: RunHeader | None) -> AgentEntry:
    m = parts.match
    stamp = m.group(0)[1 : m.group(0).index("]")]
    return AgentEntry(
        line=lineno, end_line=lineno, stamp=stamp, wall=wall_time(m), thread=int(m.group(9)),
        component=parts.component or None, level=_level(parts), marker=parts.marker,
        lines=[parts.text], padded=bool(m.group(8)),
        quoted=parts.quote.strip() if parts.quote else None, header=header,
        chars=len(parts.text),
    )


def iter_agent_records(
    lines: Iterable[tuple[int, str] | Folded], ledger: FileLedger
) -> Iterator[AgentEntry | RunHeader | Folded]:
    """Entries and run headers of an agent log, in file order; every line is accounted for
    (in an entry's range, in a header, or counted as skipped with its reason). A
    :class:`~.fold.Folded` stretch (one-line entries after a parsed line) passes through, for
    the caller to count."""
    entry: AgentEntry | None = None
    header: RunHeader | None = None
    current_run: RunHeader | None = None
    runs = 0
    blanks = 0

    def add(e: AgentEntry, lineno: int, text: str) -> None:
        nonlocal blanks
        if len(e.lines) >= MAX_ENTRY_LINES or e.chars + len(text) > MAX_ENTRY_CHARS:
            if not e.truncated:
                ledger.problem(f"line {lineno}", f"entry of line {e.line} too long; rest skipped",
                               "long-entry")
            e.truncated += 1
            ledger.skip("entry too long", 1 + blanks)
            blanks = 0
            return
        e.lines.extend([""] * blanks)
        blanks = 0
        e.lines.append(text)
        e.chars += len(text)
        e.end_line = lineno

    for item in lines:
        if type(item) is Folded:
            # the line before it was parsed: no header or blank lines are pending
            if entry is not None:
                yield entry
                entry = None
            yield item
            continue
        lineno, text = item  # type: ignore[misc]
        if not text.strip():
            if header is not None:
                ledger.skip("run header line")
            else:
                blanks += 1
            continue
        parts = split_line(text)
        if parts is None and (is_header_start(text) or header is not None):
            if header is None:
                if entry is not None:
                    yield entry
                    entry = None
                runs += 1
                header = current_run = RunHeader(index=runs, line=lineno)
            if blanks:
                ledger.skip("blank line", blanks)
                blanks = 0
            header.feed(lineno, text)
            ledger.skip("run header line")
            continue
        if header is not None:
            yield header
            header = None
        if parts is not None:
            if (parts.marker == ">>" and entry is not None
                    and entry.thread == int(parts.match.group(9))):
                if parts.text.startswith("--tr:"):
                    entry.traces += 1
                add(entry, lineno, parts.text)
                continue
            if entry is not None:
                yield entry
            if blanks:
                ledger.skip("blank line", blanks)
                blanks = 0
            entry = _new_entry(lineno, parts, current_run)
            continue
        if entry is not None:
            add(entry, lineno, text.rstrip())
            continue
        if blanks:
            ledger.skip("blank line", blanks)
            blanks = 0
        ledger.skip("line fits no form")
        ledger.problem(f"line {lineno}",
                       "line fits no Veeam agent log form (no prefix, no entry before it)",
                       "unparsed-line")
    if header is not None:
        yield header
    if entry is not None:
        yield entry
    if blanks:
        ledger.skip("blank line", blanks)
