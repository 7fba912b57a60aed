"""The text forms of one listing read together, a line at a time: ``dir``, Format-Table and
Format-List parsers fed the same lines, their records merged in line order.

Why streaming: a listing may be a 500,000-row table; holding the text to run each parser
over it cost ~700 bytes a row (400 MB at 500,000). Each parser holds at most its open
record (a table row held back one line, one Format-List block, a folder name), and a record
is released as soon as no parser can still emit one that starts at or before its line.
Where two parsers read a record at the same line, ``dir`` wins over the table, the table
over the list (the order the whole-text reader took them in).
"""

from __future__ import annotations

import heapq
from typing import Protocol

from .dirlist import DirParser
from .format_list import ListParser
from .format_table import TableParser
from .records import Record


class _Parser(Protocol):
    def feed(self, n: int, raw: str) -> list[Record]: ...
    def close(self) -> list[Record]: ...
    def open_from(self) -> int | None: ...


class TextForms:
    """Feed lines in order (:meth:`feed`), then :meth:`close`; both return records in line
    order, each line's record from the first parser (by precedence) that read one there."""

    def __init__(self, max_block_lines: int) -> None:
        # DirParser emits a row at once: only the table and the list hold a record open
        self._table, self._list = TableParser(), ListParser(max_block_lines)
        self._parsers: tuple[_Parser, ...] = (DirParser(), self._table, self._list)
        self._ready: dict[int, tuple[int, Record]] = {}  # start line -> (precedence, record)
        self._lines: list[int] = []  # heap of the start lines in _ready

    def feed(self, n: int, raw: str) -> list[Record]:
        for rank, parser in enumerate(self._parsers):
            for rec in parser.feed(n, raw):
                self._offer(rank, rec)
        if not self._lines:
            return []
        before = n + 1
        for parser in (self._table, self._list):
            o = parser.open_from()
            if o is not None and o < before:
                before = o
        return self._release(before)

    def close(self) -> list[Record]:
        for rank, parser in enumerate(self._parsers):
            for rec in parser.close():
                self._offer(rank, rec)
        return self._release(None)

    def _offer(self, rank: int, rec: Record) -> None:
        have = self._ready.get(rec.line)
        if have is None:
            heapq.heappush(self._lines, rec.line)
        elif have[0] <= rank:
            return
        self._ready[rec.line] = (rank, rec)

    def _release(self, before: int | None) -> list[Record]:
        """The records starting before line ``before`` (None: all), in line order: no
        parser can emit another one there any more."""
        out = []
        lines = self._lines
        while lines and (before is None or lines[0] < before):
            out.append(self._ready.pop(heapq.heappop(lines))[1])
        return out
