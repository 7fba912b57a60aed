"""``Format-Table`` text (the default view of ``Get-VM``, ``Get-VMSnapshot``,
``Get-VMHardDiskDrive``...): a header line, a line of dash groups, one row per line.

Columns are where the dash groups are: a value spans from its column's first dash to the next
column's first dash (the last column takes the rest of the line), which also holds for the
right-aligned numbers PowerShell writes. A row that is cut (``...``) keeps what it shows.
"""

from __future__ import annotations

from ...lazy import regex
from .records import Record, strip_prefix

_DASHES = regex(r"-+")
_DASH_LINE = regex(r"^\s*-+(?:\s+-+)*\s*$")


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


class TableParser:
    """Every row of every table, fed a line at a time (several tables may follow one another).

    A row is held back one line: when the next line is a dash line, it was the header of the
    next table, not a row. So at most one row is pending (``open_from``).
    """

    def __init__(self) -> None:
        self._prev: tuple[int, str] | None = None
        self._cols: list[tuple[str, int, int]] | None = None
        self._pending: Record | None = None

    def open_from(self) -> int | None:
        """The first line of a record this parser may still emit (None: only later lines)."""
        return self._pending.line if self._pending is not None else None

    def feed(self, n: int, raw: str) -> list[Record]:
        text = strip_prefix(raw.rstrip())
        if is_dash_line(text) and self._prev is not None and self._prev[1].strip():
            self._cols, self._pending, self._prev = columns(self._prev[1], text), None, None
            return []
        out = self.close()
        if self._cols is not None:
            if not text.strip() or text.lstrip().startswith("```"):
                self._cols = None
            else:
                props = {name: text[a:b].strip() for name, a, b in self._cols if name}
                if any(props.values()):
                    self._pending = Record(props, n, n, "format-table")
        self._prev = (n, text)
        return out

    def close(self) -> list[Record]:
        """The row still held back (at the end of the text)."""
        out = [self._pending] if self._pending is not None else []
        self._pending = None
        return out
