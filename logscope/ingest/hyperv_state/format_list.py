"""``Format-List`` text (``Get-VHD``, ``Get-VM | fl *``): ``Label : value`` blocks.

A block ends at a blank line; a line without a label that is indented continues the previous
value (the console wraps long paths). Labels are padded with spaces before the colon, so the
colon column is the same for every line of one block.
"""

from __future__ import annotations

from ...lazy import regex
from .records import Record, strip_prefix

#: ``Label   : value`` (a label is one word of PowerShell property characters).
LABEL = regex(r"^([A-Za-z_][A-Za-z0-9_()%.\-]{0,60})\s*:(?:\s(.*))?$")
_CONT = regex(r"^\s{4,}\S")


def is_label(text: str) -> bool:
    return LABEL.match(strip_prefix(text).rstrip()) is not None


class ListParser:
    """Every block of two or more labelled lines, with its line range, fed a line at a time.

    One block is held until it ends; a block longer than ``max_lines`` is emitted there and
    the next labelled line opens a new one, so what is held stays bounded (a real object's
    list is tens to a few hundred lines).
    """

    def __init__(self, max_lines: int) -> None:
        self._max = max_lines
        self._props: dict[str, str] = {}
        self._first = self._last = 0
        self._key: str | None = None

    def open_from(self) -> int | None:
        """The first line of a record this parser may still emit (None: only later lines)."""
        return self._first if self._props else None

    def feed(self, n: int, raw: str) -> list[Record]:
        text = strip_prefix(raw).rstrip()
        if not text.strip():
            return self.close()
        m = LABEL.match(text)
        key = self._key
        if m and not (key is not None and _CONT.match(text) and ":\\" in text):
            out = self.close() if self._props and n - self._first >= self._max else []
            if not self._props:
                self._first = n
            self._key = m.group(1)
            self._props[self._key] = (m.group(2) or "").strip()
            self._last = n
            return out
        if key is not None and _CONT.match(raw):
            # a wrapped path: no space at the cut
            self._props[key] = self._props[key] + text.strip()
            self._last = n
            return []
        return self.close()

    def close(self) -> list[Record]:
        """The block held (at its end, or at the end of the text), if it is one."""
        out = [Record(self._props, self._first, self._last, "format-list")] \
            if len(self._props) >= 2 else []
        self._props, self._key = {}, None
        return out
