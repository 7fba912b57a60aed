"""Veeam B&R server logs (Job., Task., Agent., Svc.) as a stream of raw entries and run headers.

Grammar (../shared/corpus/text/FORMATS.md §2.2, observed v9-v11; v12 milliseconds and the v12.1
``[xxxx]`` tag inferred): ``[dd.MM.yyyy HH:mm:ss(.fff)] <tid> Level    message``. An entry is a
prefixed line plus the unprefixed lines after it; a prefixed stack-frame line (``   at ...``)
with the same time and thread joins the entry before it. The header block at each
process start is returned as a :class:`RunHeader`, never as an entry.

Why a raw layer under the parser: the throughput issue (Load/bottleneck lines) and the
correlation stage read the same entries with their own rules; :func:`iter_records` gives them
entries with their run header, without any Event mapping.
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

#: ``[dd.MM.yyyy HH:mm:ss(.fff)] <tid> ([xxxx] )?`` -- bounded, no nested quantifiers.
PREFIX = regex(
    r"\[(\d{2})\.(\d{2})\.(\d{4}) (\d{2})[:.](\d{2})[:.](\d{2})(?:[.,](\d{1,7}))?\]"
    r" {1,5}<(\d{1,8})>(?: {1,5}\[(\w{4})\])? {0,5}"
)
_LEVEL = regex(r"([A-Za-z]{1,16})( *)")
_TAG = regex(r"\[([A-Za-z][\w .:/-]{0,63})\]")
#: A pasted line may carry a short quote in front of the prefix (``> ``, ``Count = 0  Value = ``).
MAX_QUOTE_CHARS = 40
#: Level column width in v9-v11 (level word padded with spaces to 9 characters).
LEVEL_FIELD = 9
#: Bounds for one entry on hostile input: lines beyond are counted and skipped.
MAX_ENTRY_LINES = 5000
MAX_ENTRY_CHARS = 4 << 20

# A header line seen with no "=====" opener (an excerpt cut inside a header) still opens one.
_HEADER_KEYS = regex(
    r"^(?:Starting new log|Log has been started by |Logging level: \[|MachineName: \[|"
    r"Process: \[|UTC Time: \[|Culture: \[|Module: \[|Process start time: \[|CmdLineParams: \[|"
    r"Network Interface, Name: |UTC offset: )"
)


@dataclass(slots=True)
class Entry:
    """One log entry: its prefixed first line and everything that belongs to it."""

    line: int
    end_line: int
    stamp: str
    wall: datetime | None
    thread: int
    level: str | None
    level_word: str
    indent: int
    lines: list[str]
    tag: str | None = None
    prefix_tag: str | None = None
    quoted: str | None = None
    frames: int = 0
    header: RunHeader | None = None
    chars: int = 0
    truncated: int = 0
    key: tuple[str, int, str] = ("", 0, "")
    extra: dict[str, object] = field(default_factory=dict)

    @property
    def text(self) -> str:
        """The full entry: first line's message and every continuation, joined with ``\\n``."""
        return "\n".join(self.lines)


def parse_prefix(line: str) -> tuple[re.Match[str], str | None] | None:
    """The prefix match of a server-log line (allowing a short quote in front), or None."""
    if line.startswith("["):
        m = PREFIX.match(line)
        return (m, None) if m else None
    at = line.find("[", 0, MAX_QUOTE_CHARS + 1)
    if at <= 0:
        return None
    quote = line[:at]
    if "]" in quote:
        return None
    m = PREFIX.match(line, at)
    return (m, quote) if m else None


def wall_time(m: re.Match[str]) -> datetime | None:
    """The prefix time as a naive local datetime (None for an impossible date)."""
    d, mo, y, h, mi, s, frac = m.group(1, 2, 3, 4, 5, 6, 7)
    try:
        micro = int((frac or "0").ljust(6, "0")[:6])
        return datetime(int(y), int(mo), int(d), int(h), int(mi), int(s), micro)
    except ValueError:
        return None


def _new_entry(lineno: int, line: str, m: re.Match[str], quote: str | None,
               header: RunHeader | None) -> Entry:
    levels = load().levels
    rest_at = m.end()
    lm = _LEVEL.match(line, rest_at)
    level: str | None = None
    word = ""
    indent = 0
    if lm and lm.group(1) in levels and (lm.end() == len(line) or lm.group(2)):
        word = lm.group(1)
        level = levels[word]
        spaces = len(lm.group(2))
        indent = max(0, spaces - max(1, LEVEL_FIELD - len(word)))
        msg = line[lm.end():]
    else:
        msg = line[rest_at:]
    msg = msg.rstrip()
    tm = _TAG.match(msg)
    stamp = line[m.start() + 1 : line.index("]", m.start())]
    entry = Entry(
        line=lineno,
        end_line=lineno,
        stamp=stamp,
        wall=wall_time(m),
        thread=int(m.group(8)),
        level=level,
        level_word=word,
        indent=indent,
        lines=[msg],
        tag=tm.group(1) if tm else None,
        prefix_tag=m.group(9),
        quoted=quote.strip() if quote else None,
        header=header,
        chars=len(msg),
    )
    entry.key = (stamp, entry.thread, word)
    return entry


def _stack_frame(line: str, m: re.Match[str], entry: Entry | None) -> str | None:
    """The frame text when ``line`` is a stack frame of ``entry``.

    Rule (issue 6): same time and thread as the entry; Veeam also repeats the level on every
    frame (observed), but a frame is never an entry of its own, so the level is not required.
    """
    if entry is None:
        return None
    lm = _LEVEL.match(line, m.end())
    stamp = line[m.start() + 1 : line.index("]", m.start())]
    if (stamp, int(m.group(8))) != entry.key[:2]:
        return None
    rest = line[lm.end():] if lm else line[m.end():]
    body = rest.lstrip()
    if body.startswith(load().stack_frame_starts):
        return "   " + body.rstrip()
    return None


def iter_records(
    lines: Iterable[tuple[int, str] | Folded], ledger: FileLedger
) -> Iterator[Entry | RunHeader | Folded]:
    """Entries and run headers of a server log, in file order.

    Every input line is accounted for: it belongs to an entry (first line, continuation or
    stack frame) or a header, or it is counted in ``ledger`` (blank lines, lines that fit no
    form -- those also get a problem with their line number). A :class:`~.fold.Folded`
    stretch (one-line entries only, after a parsed one-line entry) passes through after its
    few kept entries, for the caller to count.
    """
    entry: Entry | None = None
    header: RunHeader | None = None
    current_run: RunHeader | None = None
    runs = 0
    blanks: list[str] = []
    quote_warned = False

    def add(e: Entry, lineno: int, text: str) -> None:
        if len(e.lines) >= MAX_ENTRY_LINES or e.chars + len(text) > MAX_ENTRY_CHARS:
            if not e.truncated:
                ledger.problem(f"line {lineno}", f"entry of line {e.line} too long; rest skipped",
                               "long-entry")
            e.truncated += 1
            ledger.skip("entry too long")
            return
        e.lines.append(text)
        e.chars += len(text)
        e.end_line = lineno

    held: tuple[int, str] | None = None  # a "=====" rule after an entry, header not yet sure

    for item in lines:
        if type(item) is Folded:
            if entry is not None:
                yield entry
                entry = None
            for lineno, text in item.lines:
                m = PREFIX.match(text)
                if m is not None:
                    yield _new_entry(lineno, text, m, None, current_run)
            yield item
            continue
        lineno, text = item  # type: ignore[misc]
        if held is not None:
            rule_line, rule = held
            held = None
            opens_run = text.strip() == "Starting new log" or _HEADER_KEYS.match(text)
            if entry is not None and not opens_run:
                # a rule inside a message (no "Starting new log" after it): continuation
                for b in blanks:
                    add(entry, rule_line, b.rstrip())
                blanks.clear()
                add(entry, rule_line, rule.rstrip())
            else:
                if entry is not None:
                    yield entry
                    entry = None
                if blanks:
                    ledger.skip("blank line", len(blanks))
                    blanks.clear()
                runs += 1
                header = current_run = RunHeader(index=runs, line=rule_line)
                header.feed(rule_line, rule)
                ledger.skip("run header line")
        if header is not None:
            if not text.strip():
                ledger.skip("run header line")
                continue
            if parse_prefix(text) is None and not (is_header_start(text) and header.lines > 2):
                header.feed(lineno, text)
                ledger.skip("run header line")
                continue
            yield header
            header = None
        if not text.strip():
            blanks.append(text)
            continue
        pm = parse_prefix(text)
        if pm is not None:
            m, quote = pm
            frame = _stack_frame(text, m, entry) if quote is None else None
            if frame is not None and entry is not None:
                # blank lines between frames are inside the entry's range (as for continuations)
                for b in blanks:
                    add(entry, lineno, b.rstrip())
                blanks.clear()
                add(entry, lineno, frame)
                entry.frames += 1
                continue
            if entry is not None:
                yield entry
            if blanks:
                ledger.skip("blank line", len(blanks))
                blanks.clear()
            entry = _new_entry(lineno, text, m, quote, current_run)
            if quote and not quote_warned:
                quote_warned = True
                ledger.problem(f"line {lineno}",
                               f"log prefix after quoted text {quote.strip()!r}: a pasted log",
                               "quoted-log")
            continue
        if entry is not None and is_header_start(text) and text.strip() != "Starting new log":
            held = (lineno, text)
            continue
        if is_header_start(text) or (entry is None and _HEADER_KEYS.match(text)):
            if entry is not None:
                yield entry
                entry = None
            if blanks:
                ledger.skip("blank line", len(blanks))
                blanks.clear()
            runs += 1
            header = RunHeader(index=runs, line=lineno)
            header.feed(lineno, text)
            current_run = header
            ledger.skip("run header line")
            continue
        if entry is not None:
            for b in blanks:
                add(entry, lineno, b.rstrip())
            blanks.clear()
            add(entry, lineno, text.rstrip())
            continue
        if blanks:
            ledger.skip("blank line", len(blanks))
            blanks.clear()
        ledger.skip("line fits no form")
        ledger.problem(f"line {lineno}",
                       "line fits no Veeam log form (no prefix, no entry before it)",
                       "unparsed-line")
    if held is not None and entry is not None:
        for b in blanks:
            add(entry, held[0], b.rstrip())
        blanks.clear()
        add(entry, held[0], held[1].rstrip())
    if header is not None:
        yield header
    if entry is not None:
        yield entry
    if blanks:
        ledger.skip("blank line", len(blanks))
