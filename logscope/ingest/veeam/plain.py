"""What a *plain* line is in each Veeam text kind the block reader folds (``fold``): a line
that is one whole entry whatever its neighbours are, so that counting it instead of parsing
it changes nothing but the work done.

- server logs (``veeam``): ``[dd.MM.yyyy HH:mm:ss] <tid> Level text``;
- agent logs (``veeam-agent``): ``[dd.MM.yyyy HH:mm:ss.fff] <  tid> component| text``, not a
  ``>>`` line (that one continues the entry before it);
- session text (``veeam-session``): a short line (under ``session.WRAP_MIN`` characters, so
  no line after it is read as its wrapped tail) that is not blank and not a ``Label :``.

Each kind also names what its own grammar must see whatever the consumers want (``needs``,
added to the trigger pattern: stack frames, a session's header line) and what a folded
stretch must still tell its parser: the entries with the earliest and latest time (server
logs: session start and end) or each line's component (agent logs: ``info.components``).
Every pattern is ASCII-only on purpose: a line with any other byte is always parsed.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from .data import load
from .fold import PLAIN_TAIL, RE2_OPTIONS
from .session import WRAP_MIN

_TAIL = b"{0," + str(PLAIN_TAIL).encode() + b"}"

_DAY_MONTH = (rb"(?:(?:0[1-9]|1\d|2[0-8])\.(?:0[1-9]|1[0-2])|(?:29|30)\.(?:0[13-9]|1[0-2])"
              rb"|31\.(?:0[13578]|1[02]))")
_YEAR = rb"(?:[1-9]\d{3}|0[1-9]\d\d|00[1-9]\d|000[1-9])"
_TIME = rb"(?:[01]\d|2[0-3])[:.][0-5]\d[:.][0-5]\d(?:[.,]\d{1,7})?"
#: ``[date time]`` with a date every calendar has (the parsers' ``wall_time`` never fails on it).
_STAMP = rb"\[" + _DAY_MONTH + rb"\." + _YEAR + rb" " + _TIME + rb"\]"

#: Server log: the prefix of ``lines.PREFIX``, then anything.
SERVER_LINE = _STAMP + rb" {1,5}<\d{1,8}>[^\n]" + _TAIL + rb"\n"
#: Agent log: the prefix of ``agent_lines.PREFIX``; then either ``component|`` and text that
#: does not open with ``>`` (``agent_lines._MARK``: ``>>  |`` continues an entry), or no
#: ``|`` at all (no component column: a level word or bare text).
_AGENT_PREFIX = _STAMP + rb" {1,5}< {0,10}\d{1,20}>"
AGENT_LINE = (_AGENT_PREFIX + rb"(?: {0,3}[\w.\-:\[\]]{0,40} {0,8}\| {0,2}(?:[^ >\n][^\n]"
              + _TAIL + rb")?|[^|\n]" + _TAIL + rb")\n")
#: Session text: printable ASCII, shorter than WRAP_MIN, ending in neither a space nor ``:``
#: (not blank whatever quote marks it opens with; not a label).
SESSION_LINE = (rb"[ -~]{0," + str(WRAP_MIN - 2).encode() + rb"}[!-9;-~]\r?\n")
#: The component column of an agent line, as ``agent_lines.split_line`` reads it (its
#: component characters hold no space or ``|``: greedy reads what its lazy ``{0,40}?`` does).
#: Not anchored (three times faster): a line whose text holds another match makes the
#: count differ from the lines', and then the stretch is parsed (``fold._Folder._fold``).
_AGENT_COMPONENT = re.compile(rb"\] {1,5}< {0,10}\d{1,20}>"
                              rb"(?: {0,3}([\w.\-:\[\]]{0,40}) {0,8}\|)?")

#: Grammar needs every kind shares: NULs (counted by the decoder), a lone CR (ends a line),
#: non-ASCII bytes (decode errors, case folding beyond ASCII).
_COMMON = (rb"\x00", rb"\r[^\n]", rb"[\x80-\xff]")


#: What ends a sentence: a session line ending in one never takes the next as its tail.
_FINISHED = b".!?:;)]"
#: What the session parser strips before the first letter (quote marks, bullets, indents).
_LEAD = b" \t>*-"


def may_join(line: bytes) -> bool:
    """Whether the session parser may read ``line`` as the wrapped tail of the entry before
    it (``session._wrapped``: a lower-case first letter after the quote marks; any non-ASCII
    start is taken as one)."""
    t = line.lstrip(_LEAD)
    return bool(t) and (97 <= t[0] <= 122 or t[0] >= 0x80)


def takes_tail(buf: bytes, a: int, b: int, before: bool) -> bool:
    """Whether the entry of the last line of ``buf[a:b]`` (parsed lines) may take the next
    line as its wrapped tail: its text is unfinished and either long or itself the tail of
    such an entry (``before``: the answer for the line before ``a``). Never says no wrongly:
    it reads the raw line, which is as long as the text and ends as it does or in a digit."""
    end = b
    while end > a:
        s = buf.rfind(b"\n", a, end - 1) + 1 or a
        t = buf[s:end].rstrip(b" \t\r\n")
        if not t or t[-1] in _FINISHED:
            return False
        if len(t) >= WRAP_MIN:
            return True
        if not may_join(t):
            return False
        end = s  # a short unfinished tail: it takes one only if it was taken itself
    return before


def _stack_frame() -> bytes:
    frames = b"|".join(re2.escape(s).encode() for s in load().stack_frame_starts)
    return rb"> {0,5}(?:\[\w{4}\] {0,5})?[A-Za-z]{0,16}\s*(?:" + frames + rb")"


@dataclass(frozen=True)
class Grammar:
    """The plain lines of one kind and what a folded stretch of them must keep."""

    kind: str
    #: RE2 of a run of plain lines (``(?:LINE)*``: always matches, maybe empty).
    run: Any
    #: Patterns the kind's parser must see, added to the consumers' trigger pattern.
    needs: tuple[bytes, ...]
    #: Keep the entries with the earliest and latest prefix time (server-log sessions).
    extremes: bool = False
    #: One match per line whose group 1 is what ``Folded.tags`` lists (agent components).
    tags: re.Pattern[bytes] | None = None
    #: Session text: a line may be the wrapped tail of the entry before it
    #: (:func:`takes_tail`, :func:`may_join`); a stretch is folded only once none can be.
    takes_tail: Callable[[bytes, int, int, bool], bool] | None = None
    may_join: Callable[[bytes], bool] | None = None

    def tags_of(self, data: bytes) -> list[bytes] | None:
        """Each line's tag in a stretch of plain lines, in order (b"" when it has none)."""
        return None if self.tags is None else self.tags.findall(data)


def _grammar(kind: str, line: bytes, needs: tuple[bytes, ...], **kw: Any) -> Grammar:  # noqa: ANN401
    return Grammar(kind, re2.compile(b"(?:" + line + b")*", RE2_OPTIONS), needs + _COMMON, **kw)


@lru_cache(maxsize=1)
def grammars() -> dict[str, Grammar]:
    """The kinds the block reader folds, by kind: ``BY_KIND`` (also ``SERVER``, ``AGENT``,
    ``SESSION``). Built on first use, not at import: three large RE2 patterns and the Veeam
    data (~20 ms) that detection and runs without a foldable Veeam log never need."""
    server = _grammar("veeam", SERVER_LINE, (_stack_frame(),), extremes=True)
    agent = _grammar("veeam-agent", AGENT_LINE, (), tags=_AGENT_COMPONENT)
    #: ``Backup job: <name> ...`` (``data.session_header``) sets the job of the lines after it.
    session = _grammar("veeam-session", SESSION_LINE, (rb" job: ",), takes_tail=takes_tail,
                       may_join=may_join)
    return {g.kind: g for g in (server, agent, session)}


_BY_NAME = {"SERVER": "veeam", "AGENT": "veeam-agent", "SESSION": "veeam-session"}


def __getattr__(name: str) -> Any:  # noqa: ANN401
    if name == "BY_KIND":
        return grammars()
    if name in _BY_NAME:
        return grammars()[_BY_NAME[name]]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
