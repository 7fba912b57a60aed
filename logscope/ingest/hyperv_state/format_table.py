"""``Format-Table`` text (the default view of ``Get-VM``, ``Get-VMSnapshot``,
``Get-VMHardDiskDrive``...): a header line, a line of dash groups, one row per line.

Columns are where the dash groups are: a value spans from its column's first dash to the next
column's first dash (the last column takes the rest of the line), which also holds for the
right-aligned numbers PowerShell writes. A row that is cut (``...``) keeps what it shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .records import Record, strip_prefix

_DASHES = re.compile(r"-+")
_DASH_LINE = re.compile(r"^\s*-+(?:\s+-+)*\s*$")


def is_dash_line(text: str) -> bool:
    return _DASH_LINE.match(strip_prefix(text)) is not None and "-" in text


def columns(header: str, dashes: str) -> list[tuple[str, int, int]]:
    """``(name, start, end)`` per column from the header and its dash line."""
    spans = [(m.start(), m.end()) for m in _DASHES.finditer(dashes)]
    out = []
    for i, (a, _b) in enumerate(spans):
        end = spans[i + 1][0] if i + 1 < len(spans) else 10**6
        name = header[a:end].strip() or header[a:_b].strip()
        out.append((name, a, end))
    return out


def records(lines: Iterable[tuple[int, str]]) -> Iterator[Record]:
    """Every row of every table in the text (several tables may follow one another).

    A row is held back one line: when the next line is a dash line, it was the header of the
    next table, not a row.
    """
    prev: tuple[int, str] | None = None
    cols: list[tuple[str, int, int]] | None = None
    pending: Record | None = None
    for n, raw in lines:
        text = strip_prefix(raw.rstrip())
        if is_dash_line(text) and prev is not None and prev[1].strip():
            cols, pending, prev = columns(prev[1], text), None, None
            continue
        if pending is not None:
            yield pending
            pending = None
        if cols is not None:
            if not text.strip() or text.lstrip().startswith("```"):
                cols = None
            else:
                props = {name: text[a:b].strip() for name, a, b in cols if name}
                if any(props.values()):
                    pending = Record(props, n, n, "format-table")
        prev = (n, text)
    if pending is not None:
        yield pending
