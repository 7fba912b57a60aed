"""The time of a pasted event: Event Viewer's ``Date:``, ``TimeCreated :``, wevtutil's ISO form.

Why careful: Event Viewer writes the reader's local wall time in the reader's locale
(``04.12.2026 10:15:02``, ``12/4/2026 10:15:02 AM``, ``2026/12/04 10:15:02``) with no zone. It is
kept as local time (``time_source`` ``local``), never joined to UTC silently; a text that
states its zone (``Z``, ``+01:00``) is converted. When day and month cannot be told apart the
time is left out and the place is reported, rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

from ...events import UTC
from ...lazy import regex
from .labels import fold, labels

_FRACTION = regex(r"(\d{1,2}:\d{2}:\d{2})[.,]\d+")
_ZONE = regex(r"(?:Z|[+-]\d{2}:?\d{2}|UTC|GMT)$", re.IGNORECASE)
_OFFSET = regex(r"([+-])(\d{2}):?(\d{2})$")
_NUMERIC_DATE = regex(r"^(\d{1,4})[./-](\d{1,2})[./-](\d{1,4})")


@dataclass(slots=True)
class PastedTime:
    time: datetime | None
    time_source: str                 # "local", "utc" or "none"
    problem: str | None = None       # why a written time was not used


def parse_pasted_time(text: str | None, lang: str | None = None) -> PastedTime:
    """Parse a pasted time; ``lang`` (the label language) settles the day/month order."""
    if not text or not text.strip():
        return PastedTime(None, "none")
    t = " ".join(text.replace("\u200e", "").replace("\u200f", "").split())
    t = _FRACTION.sub(r"\1", t)
    zone = _ZONE.search(t)
    offset = None
    if zone:
        z = zone.group()
        t = t[: zone.start()].strip()
        m = _OFFSET.match(z)
        if m:
            sign = -1 if m.group(1) == "-" else 1
            offset = sign * timedelta(hours=int(m.group(2)), minutes=int(m.group(3)))
        else:
            offset = timedelta(0)
    t = _ampm(t)
    for fmt in _formats(t, lang):
        try:
            dt = datetime.strptime(t, fmt)
        except ValueError:
            continue
        if offset is not None:
            return PastedTime((dt - offset).replace(tzinfo=UTC), "utc")
        return PastedTime(dt.replace(tzinfo=UTC), "local")
    if _ambiguous(t):
        return PastedTime(None, "none", f"date {text.strip()[:40]!r}: day and month order unknown")
    return PastedTime(None, "none", f"unrecognised date {text.strip()[:40]!r}")


def _ampm(t: str) -> str:
    """Localised AM/PM words (午後, 下午, p.m.) -> AM/PM at the end, where strptime wants it."""
    words = labels().ampm
    parts = t.split(" ")
    for i, p in enumerate(parts):
        mark = words.get(fold(p))
        if mark:
            rest = parts[:i] + parts[i + 1:]
            return " ".join(rest) + " " + mark
    return t


def _formats(t: str, lang: str | None) -> list[str]:
    """The formats to try, ambiguous orders only when the other reading is impossible."""
    f = labels().date_formats
    order = labels().date_order.get(lang or "", "")
    m = _NUMERIC_DATE.match(t)
    if not m or len(m.group(1)) == 4:
        return list(f["iso"])
    a, b = int(m.group(1)), int(m.group(2))
    has_ampm = t.endswith(("AM", "PM"))
    dotted = t[len(m.group(1))] == "."
    if order == "day_first" or dotted or (a > 12 >= b):
        return list(f["day_first"])
    if order == "month_first" and (has_ampm or b > 12):
        return list(f["month_first"])
    if b > 12 >= a:
        return list(f["month_first"])
    if has_ampm and order != "day_first":
        return list(f["month_first"])  # a 12-hour clock with slashes: the US form
    if a == b:
        return list(f["day_first"])    # 04/04: both readings are the same day
    return []


def _ambiguous(t: str) -> bool:
    m = _NUMERIC_DATE.match(t)
    return bool(m) and len(m.group(1)) != 4 and int(m.group(1)) <= 12 and int(m.group(2)) <= 12
