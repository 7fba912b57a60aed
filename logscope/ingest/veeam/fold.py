"""A Veeam text log read in large blocks: the plain one-line entries nothing can use are
counted, not parsed (issue 22). Server logs, agent logs and session text share it; what a
plain line is in each is their :class:`~.plain.Grammar`.

Why: a job or agent log is millions of ``[dd.MM.yyyy HH:mm:ss] <tid> ...`` lines, and
building an entry and an event for each costs ~25-100 us; almost none of them can be used
downstream. Per block, two RE2 passes decide which lines the line parser must see:

- runs of *plain* lines (the grammar's: one whole entry each whatever the lines around it,
  with a date that is surely valid, ASCII, at most ~1 KB; anything else -- continuations,
  blank lines, run headers, quoted or overlong lines -- is *interesting*);
- the trigger pattern: what a consumer can use (``match/text_gate``: signatures, entity
  templates, HRESULTs, throughput sentences) and what the grammar needs (stack frames, a
  session header, NULs, lone CRs, non-ASCII bytes).

Interesting lines and their neighbours (the line before: the head of a multi-line entry;
the line after: the first entry after a run header, and the first of each folded stretch, so
every context still reaches the identity table and session tracking as one event) go to the
parser as ``(line, text)``, decoded exactly as ``textio`` decodes. A stretch between them
becomes one :class:`Folded`: its count, plus what the grammar keeps of it (server logs: the
entries with its earliest and latest time, which session start and end read; agent logs:
each line's component). Line numbers, the line count and every problem stay those of the
full line-by-line read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import IO, TYPE_CHECKING, Any

import re2

from ...ledger import FileLedger
from ..source import TEXT_FOLD_KEY  # noqa: F401 - its name here since the fold rule began
from ..textio import LineState, complete_lines, lines_from, sniff_encoding

if TYPE_CHECKING:
    from .plain import Grammar

#: Bytes read per block (memory: about three blocks while one is parsed).
BLOCK = 1 << 20
#: Stretches shorter than this are parsed: folding them saves less than it costs.
MIN_FOLD = 64
#: After a block where parsed lines took over this share of the bytes, the next
#: ``DENSE_BLOCKS`` blocks are parsed whole: deciding line by line would cost more than it saves.
DENSE_SHARE = 0.5
DENSE_BLOCKS = 4
#: A plain line's text after its prefix, at most (longer ones are parsed), and the longest
#: prefix any grammar allows (an agent line's stamp, padded thread id and component): a
#: plain line is never as long as the longest line read whole (else it is read line by line).
PLAIN_TAIL = 1000
PREFIX_MAX = 200
#: RE2 options of every fold pattern (a bounded DFA; errors are answers, not log lines).
RE2_OPTIONS = re2.Options()
RE2_OPTIONS.max_mem = 64 << 20
RE2_OPTIONS.log_errors = False


def compile_triggers(consumers: list[bytes], grammar: Grammar) -> Any | None:  # noqa: ANN401
    """One pattern over every alternative (the consumers' and the grammar's needs), or None
    when RE2 will not take it."""
    alts = [*grammar.needs, *consumers]
    try:
        return re2.compile(b"|".join(b"(?:" + a + b")" for a in alts), RE2_OPTIONS)
    except re2.error:
        return None


@dataclass(slots=True)
class Folded:
    """A stretch of one-line entries nothing downstream can use: ``count`` of them are only
    counted; ``lines`` (server logs: their earliest and latest time, in file order) still
    become entries; ``tags`` (agent logs) is each counted line's component (b"" for none)."""

    count: int
    lines: list[tuple[int, str]] = field(default_factory=list)
    tags: list[bytes] | None = None

    def count_in(self, ledger: FileLedger) -> None:
        """Each counted entry would have been a record of this file (none skipped), and its
        line is read but in no event's range."""
        ledger.records += self.count
        ledger.summarized += self.count
        ledger.summarized_lines += self.count


def fold_lines(fh: IO[bytes], ledger: FileLedger, triggers: Any, max_line_chars: int,  # noqa: ANN401
               grammar: Grammar, block: int | None = None) -> Iterator[tuple[int, str] | Folded]:
    """``(line, text)`` of the lines the parser must see and a :class:`Folded` per stretch
    between them; a non-UTF-8 file is read line by line (``textio``) as before."""
    raw = fh.read(1 << 16)
    codec, bom = sniff_encoding(raw)
    ledger.info.setdefault("encoding", codec)
    state = LineState(ledger, codec, max_line_chars)
    if codec != "utf-8" or max_line_chars <= PLAIN_TAIL + PREFIX_MAX:
        yield from lines_from(raw[bom:], fh, state)
        state.finish()
        return
    folder = _Folder(state, triggers, grammar)
    block = block or BLOCK
    buf = raw[bom:]
    while True:
        more = fh.read(block)
        final = not more
        buf += more
        if final:
            cut = cut2 = len(buf)
        else:
            cut2 = buf.rfind(b"\n") + 1
            cut = buf.rfind(b"\n", 0, cut2 - 1) + 1 if cut2 else 0
            if cut == 0:
                if len(buf) > 2 * block:  # one line longer than blocks: read on line by line
                    yield from lines_from(buf, fh, state)
                    break
                continue
        yield from folder.block(buf, cut, cut2, final)
        buf = buf[cut:]
        if final:
            break
    state.finish()


class _Folder:
    """The per-file state between blocks: line numbers and whether the line before was
    interesting (then the next line is parsed too)."""

    __slots__ = ("state", "triggers", "grammar", "need", "fed", "fed_bytes", "dense_left",
                 "tail")

    def __init__(self, state: LineState, triggers: Any, grammar: Grammar) -> None:  # noqa: ANN401
        self.state = state
        self.triggers = triggers
        self.grammar = grammar
        self.need = True  # the first line of a file is always parsed
        self.fed: list[int] = []  # a pending run of parsed lines: [start, end) in the block
        self.fed_bytes = 0
        self.dense_left = 0
        self.tail = False  # session text: the last parsed entry may take the next line

    def block(self, buf: bytes, cut: int, cut2: int, final: bool) -> Iterator[tuple[int, str] | Folded]:
        """Decide the lines in ``buf[:cut]``; ``buf[cut:cut2]`` (the next line) is only
        looked at, to know whether the last line before it is a neighbour."""
        if self.dense_left > 0 and cut > 0:
            self.dense_left -= 1
            yield from self._feed(buf, 0, cut)
            yield from self._flush(buf)
            self.need = True  # parsing the next line too is always exact
            return
        self.fed_bytes = 0
        p = 0
        trig = e = -1
        while p < cut:
            if e <= p:  # inside a run already matched its end is the same: never rescan it
                e = self.grammar.run.match(buf, p, cut2).end()  # `*` always matches
            if trig < p:
                m = self.triggers.search(buf, p, cut2)
                trig = m.start() if m else cut2
            q = e
            if trig < e:
                q = buf.rfind(b"\n", p, trig) + 1 or p
                q = max(q, p)
            if q > p:  # boring lines [p, q)
                a = p
                if self.need:
                    a = buf.index(b"\n", p) + 1
                    yield from self._feed(buf, p, a)
                    self.need = False
                if q < cut2 and a < q:  # an interesting line follows: its head is parsed
                    b = max(a, buf.rfind(b"\n", a, q - 1) + 1)
                else:
                    b = min(q, cut)
                if b > a:
                    yield from self._fold(buf, a, b)
                if q < cut2 and b < q:
                    yield from self._feed(buf, b, q)
                p = min(q, cut)
                if p >= cut:
                    break
            end = buf.find(b"\n", p, cut2)
            end = cut2 if end < 0 else end + 1
            yield from self._feed(buf, p, end)
            self.need = True
            p = end
        yield from self._flush(buf)
        if cut and self.fed_bytes > DENSE_SHARE * cut:
            self.dense_left = DENSE_BLOCKS

    def _feed(self, buf: bytes, a: int, b: int) -> Iterator[tuple[int, str]]:
        self.fed_bytes += b - a
        if self.grammar.takes_tail is not None:
            self.tail = self.grammar.takes_tail(buf, a, b, self.tail)
        if self.fed and self.fed[1] == a:
            self.fed[1] = b
            return
        yield from self._flush(buf)
        self.fed = [a, b]

    def _flush(self, buf: bytes) -> Iterator[tuple[int, str]]:
        if self.fed:
            a, b = self.fed
            self.fed = []
            yield from complete_lines(buf[a:b].decode("utf-8", "replace"), self.state)

    def _fold(self, buf: bytes, a: int, b: int) -> Iterator[tuple[int, str] | Folded]:
        join = self.grammar.may_join
        while join is not None and self.tail and a < b:  # wrapped tails are parsed
            e = buf.index(b"\n", a) + 1
            if not join(buf[a:e]):
                break
            yield from self._feed(buf, a, e)
            a = e
        n = buf.count(b"\n", a, b)
        if n < MIN_FOLD:
            yield from self._feed(buf, a, b)
            return
        tags = self.grammar.tags_of(buf[a:b])
        if tags is not None and len(tags) != n:  # cannot happen on plain lines: parse them
            yield from self._feed(buf, a, b)
            return
        yield from self._flush(buf)
        lines = []
        if self.grammar.extremes:
            starts, lo, hi = _extremes(buf, a, b)
            base = self.state.lineno
            for i in sorted({lo, hi}):
                s = a + int(starts[i])
                t = buf[s:buf.index(b"\n", s)]
                lines.append((base + i + 1, t[:-1].decode() if t.endswith(b"\r") else t.decode()))
        self.state.lineno += n
        self.tail = False
        yield Folded(n - len(lines), lines, tags)


def _extremes(buf: bytes, a: int, b: int) -> tuple[Any, int, int]:  # noqa: ANN401
    """Line starts of the plain lines in ``buf[a:b]`` (relative to ``a``) and the indexes of
    the first line with the earliest and with the latest prefix time (all dates valid)."""
    import numpy as np  # only a folded stretch needs it

    arr = np.frombuffer(buf, dtype=np.uint8, count=b - a, offset=a)
    ends = np.flatnonzero(arr == 10)
    starts = np.empty_like(ends)
    starts[0] = 0
    starts[1:] = ends[:-1] + 1

    def num(*offsets: int) -> Any:  # noqa: ANN401
        v = np.zeros(len(starts), dtype=np.int64)
        for o in offsets:
            v = v * 10 + (arr[starts + o].astype(np.int64) - 48)
        return v

    # [dd.MM.yyyy HH:mm:ss(.fffffff)]: fixed columns up to the seconds
    key = num(7, 8, 9, 10)
    for width, cols in ((13, (4, 5)), (32, (1, 2)), (24, (12, 13)), (60, (15, 16)), (60, (18, 19))):
        key = key * width + num(*cols)
    ok = arr[starts + 20] != ord("]")
    micro = np.zeros(len(starts), dtype=np.int64)
    last = len(arr) - 1
    for k in range(6):  # wall_time reads the first six fraction digits
        c = arr[np.minimum(starts + 21 + k, last)].astype(np.int64)
        ok &= (c >= 48) & (c <= 57)
        micro += np.where(ok, (c - 48) * 10 ** (5 - k), 0)
    key = key * 1_000_000 + micro
    return starts, int(np.argmin(key)), int(np.argmax(key))
