"""``ConvertTo-Json`` and ``Export-Csv`` forms of the same objects.

JSON: one object or an array of objects; each object's line is where its ``{`` stands (found
while decoding element by element, so a bad element is reported at its line and the rest is
still read). CSV: an optional ``#TYPE <.NET type>`` line, a header, one row per object
(a quoted value may span lines).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator
from itertools import chain
from typing import Any

from ...ledger import FileLedger
from ..csv_cells import csv_reader
from .records import Record

#: Columns read at most (Get-VM | Export-Csv writes ~70; a hostile header may have 100,000).
MAX_COLUMNS = 1024


def json_records(text: str, first_line: int, ledger: FileLedger) -> Iterator[Record]:
    dec = json.JSONDecoder()
    pos = _skip(text, 0)
    if pos >= len(text):
        return
    top_array = text[pos] == "["
    if top_array:
        pos += 1
    lines = _LineCounter(text, first_line)  # counted on from the last element: linear time
    while True:
        pos = _skip(text, pos)
        if pos >= len(text) or text[pos] == "]":
            return
        line = lines.at(pos)
        try:
            obj, end = dec.raw_decode(text, pos)
        except json.JSONDecodeError as exc:
            ledger.problem(f"line {first_line + exc.lineno - 1}", f"bad JSON: {exc.msg}",
                           "bad-json")
            ledger.skip("JSON text that does not decode")
            return
        except RecursionError:  # the C decoder recurses once per nested [ or {
            ledger.problem(f"line {line}", "bad JSON: nested too deep to decode", "bad-json")
            ledger.skip("JSON text that does not decode")
            return
        end_line = lines.at(end)
        if isinstance(obj, dict):
            yield Record(obj, line, end_line, "json")
        elif isinstance(obj, list):  # ConvertTo-Json of nested pipelines: [[...]]
            for o in obj:
                if isinstance(o, dict):
                    yield Record(o, line, end_line, "json")
        if not top_array:
            return
        pos = _skip(text, end)
        if pos < len(text) and text[pos] == ",":
            pos += 1


class _LineCounter:
    """Line numbers of increasing offsets into ``text``, each newline counted once."""

    def __init__(self, text: str, first_line: int) -> None:
        self.text, self.pos, self.line = text, 0, first_line

    def at(self, pos: int) -> int:
        if pos > self.pos:
            self.line += self.text.count("\n", self.pos, pos)
            self.pos = pos
        return self.line


def _skip(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t\r\n\ufeff":
        pos += 1
    return pos


def csv_records(lines: Iterable[tuple[int, str]],
                ledger: FileLedger | None = None) -> Iterator[Record]:
    """Rows of an Export-Csv file (``lines`` without its blank lines), read as they come;
    columns past ``MAX_COLUMNS`` are not read (a problem in ``ledger`` says so)."""
    cursor = iter(lines)
    first = next(cursor, None)
    if first is None:
        return
    type_name = None
    if first[1].startswith("#TYPE"):
        type_name = first[1][5:].strip()
    else:
        cursor = chain([first], cursor)
    numbers: list[int] = []  # line numbers fed to the csv reader since the last row began

    def feed() -> Iterator[str]:
        for n, t in cursor:
            numbers.append(n)
            yield t

    reader = csv_reader(feed())
    header: list[str] | None = None
    while True:
        del numbers[:-1]  # only the last line read is needed before the next row
        before = len(numbers)
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if ledger is not None:
                ledger.problem(f"line {numbers[-1]}", f"bad CSV row: {exc}", "bad-csv")
            continue
        start = numbers[before] if len(numbers) > before else numbers[-1]
        end = numbers[-1]
        if header is None:
            header = row[:MAX_COLUMNS]  # a row's cells past the header's are dropped by zip
            if len(row) > MAX_COLUMNS and ledger is not None:
                ledger.problem(f"line {start}", f"CSV header of {len(row):,} columns; only "
                               f"the first {MAX_COLUMNS:,} are read", "too-wide")
            continue
        if not any(c.strip() for c in row):
            continue
        props: dict[str, Any] = dict(zip(header, row, strict=False))
        yield Record(props, start, end, "csv", type_name)
