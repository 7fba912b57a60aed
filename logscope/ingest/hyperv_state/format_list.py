"""``Format-List`` text (``Get-VHD``, ``Get-VM | fl *``): ``Label : value`` blocks.

A block ends at a blank line; a line without a label that is indented continues the previous
value (the console wraps long paths). Labels are padded with spaces before the colon, so the
colon column is the same for every line of one block.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from .records import Record, strip_prefix

#: ``Label   : value`` (a label is one word of PowerShell property characters).
LABEL = re.compile(r"^([A-Za-z_][A-Za-z0-9_()%.\-]{0,60})\s*:(?:\s(.*))?$")
_CONT = re.compile(r"^\s{4,}\S")


def is_label(text: str) -> bool:
    return LABEL.match(strip_prefix(text).rstrip()) is not None


def records(lines: Iterable[tuple[int, str]]) -> Iterator[Record]:
    """Every block of two or more labelled lines, with its line range."""
    props: dict[str, str] = {}
    first = last = 0
    key: str | None = None
    for n, raw in lines:
        text = strip_prefix(raw).rstrip()
        if not text.strip():
            if len(props) >= 2:
                yield Record(props, first, last, "format-list")
            props, key = {}, None
            continue
        m = LABEL.match(text)
        if m and not (key is not None and _CONT.match(text) and ":\\" in text):
            if not props:
                first = n
            key = m.group(1)
            props[key] = (m.group(2) or "").strip()
            last = n
        elif key is not None and _CONT.match(raw):
            props[key] = props[key] + text.strip()  # a wrapped path: no space at the cut
            last = n
        else:
            if len(props) >= 2:
                yield Record(props, first, last, "format-list")
            props, key = {}, None
    if len(props) >= 2:
        yield Record(props, first, last, "format-list")
