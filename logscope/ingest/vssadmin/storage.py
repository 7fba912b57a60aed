"""Shadow storage associations (``list shadowstorage``): two volume lines and three sizes, in
any unit and language (``UNBOUNDED``, ``Go``, ``(100%)``).
"""

from __future__ import annotations

from collections.abc import Iterator

from ...events import Event, Locator
from ...lazy import regex
from .lines import (
    KIND,
    TEXT,
    VOLUME,
    Line,
)

SIZE_RE = regex(r"^(\d[\d.,\u00a0 ]{0,20}?)[ \u00a0]*([A-Za-z]{1,6})\b")


#: A size given as a word (``UNBOUNDED``, localized), optionally with ``(100%)``.
WORD_SIZE_RE = regex(r"^[^\W\d_]{2,30}(?:[ \u00a0]*\(\d{1,3}[ \u00a0]*%\))?$")


PERCENT_RE = regex(r"\((\d{1,3})[ \u00a0]*%\)")


UNITS = {
    "b": 1, "bytes": 1, "byte": 1, "octets": 1, "octet": 1, "o": 1,
    "kb": 1 << 10, "ko": 1 << 10, "mb": 1 << 20, "mo": 1 << 20, "gb": 1 << 30, "go": 1 << 30,
    "tb": 1 << 40, "to": 1 << 40, "pb": 1 << 50, "po": 1 << 50, "eb": 1 << 60, "eo": 1 << 60,
}  # fmt: skip


def _size(text: str) -> tuple[int | None, int | None]:
    """Bytes and percent of ``1.93 GB (1%)`` / ``0 bytes (0%)`` / ``7,98 Go``; None when unknown."""
    pct_m = PERCENT_RE.search(text)
    pct = int(pct_m.group(1)) if pct_m else None
    m = SIZE_RE.match(text)
    if not m:
        return None, pct
    unit = UNITS.get(m.group(2).lower())
    if unit is None:
        return None, pct
    num = m.group(1).replace("\u00a0", "").replace(" ", "")
    if "," in num and "." not in num:
        num = num.replace(",", ".")
    else:
        num = num.replace(",", "")
    try:
        return int(float(num) * unit), pct
    except ValueError:
        return None, pct


class StorageBlocks:
    """The storage block methods of the vssadmin block parser (mixed into ``parser._Parser``)."""

    def _storage_or_stray(self, head: Line | None, first_volume: Line | None) -> Iterator[Event]:
        s = self.stream
        if head is not None and self._unquoted_writer(head):
            head.name = head.value
            self.capture.note("unquoted-name", head.no)
            yield self._writer(head, 2)
            return
        if head is not None:
            p0, p1 = s.peek(0), s.peek(1)
            if (
                not head.value
                and p0 is not None
                and p1 is not None
                and p0.kind == VOLUME
                and p1.kind == VOLUME
                and not p1.blanks_before
            ):
                yield self._storage(head, self._field(head), self._field(head))
                return
            self._stray(head)
            return
        assert first_volume is not None
        p0 = s.peek(0)
        if p0 is not None and p0.kind == VOLUME and not p0.blanks_before:
            yield self._storage(None, first_volume, self._field(first_volume))
            return
        self._stray(first_volume)

    def _storage(self, head: Line | None, for_vol: Line, store_vol: Line) -> Event:
        sizes: list[Line] = []
        while len(sizes) < 3:
            p = self.stream.peek(0)
            if p is None or p.kind != TEXT or not p.value or p.blanks_before:
                break
            if not (SIZE_RE.match(p.value) or WORD_SIZE_RE.match(p.value)):
                break
            line = self._next()
            assert line is not None
            sizes.append(line)
        first = head or for_vol
        data: dict[str, object] = {
            "listing": "shadowstorage",
            "for_volume": for_vol.value,
            "storage_volume": store_vol.value,
            "capture": self.capture.index,
        }
        for key, line in zip(("used", "allocated", "maximum"), sizes, strict=False):
            data[key] = line.value
            nbytes, pct = _size(line.value or "")
            if nbytes is not None:
                data[f"{key}_bytes"] = nbytes
            if pct is not None:
                data[f"{key}_percent"] = pct
        used, maximum = data.get("used_bytes"), data.get("maximum_bytes")
        if isinstance(used, int) and isinstance(maximum, int) and maximum > 0:
            data["used_of_maximum"] = round(used / maximum, 3)
        if len(sizes) < 3:
            self.ledger.problem(
                f"line {first.no}",
                f"shadow storage block has {len(sizes)} size line(s) instead of 3",
                "storage-sizes",
            )
        end = (sizes[-1] if sizes else store_vol).no
        msg = f"Shadow storage for {for_vol.value} on {store_vol.value}"
        if sizes:
            msg += ": " + ", ".join(
                f"{k} {data[k]}" for k in ("used", "allocated", "maximum") if k in data
            )
        return self._emit(
            "shadowstorage",
            Event(
                kind=KIND,
                file=self.display,
                locator=Locator(line=first.no, end_line=end),
                message=msg,
                data=data,
            ),
        )
