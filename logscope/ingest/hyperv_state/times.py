"""Dates as the cmdlets print them, to tz-aware datetimes.

Format-List/Table/Export-Csv print ``CreationTime`` in the host's culture and local wall time
(``6/2/2023 12:14:05 PM``, ``24.11.2012 01:13:51``, ``2026-12-04 02:00:11``): kept as local time
(``time_source`` ``local``, a zero offset) unless the text carries an offset. ConvertTo-Json
writes ``/Date(1701648000000)/``: milliseconds since the epoch, UTC.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from ...events import UTC, parse_offset
from ...lazy import regex

_JSON_DATE = regex(r"/Date\((-?\d{1,15})([+-]\d{4})?\)/")
#: year first: ISO 8601, and the ja-JP/zh-CN short date ``2021/02/23 9:04`` (no seconds).
_ISO = regex(r"(\d{4})[-/](\d{1,2})[-/](\d{1,2})[T ](\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?"
                  r"\s*(Z|[+-]\d{2}:?\d{2})?")
_US = regex(r"(\d{1,2})/(\d{1,2})/(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?\s*([AaPp][Mm])?")
_DOT = regex(r"(\d{1,2})\.(\d{1,2})\.(\d{4})\s+(\d{1,2}):(\d{2})(?::(\d{2}))?")
_DATE_ONLY_US = regex(r"(\d{1,2})/(\d{1,2})/(\d{4})$")


def parse_time(text: str) -> tuple[datetime, str] | None:
    """``(time, time_source)`` or None when the text is no date logscope knows."""
    t = text.strip()
    m = _JSON_DATE.search(t)
    if m:
        return datetime.fromtimestamp(int(m.group(1)) / 1000, UTC), "utc"
    m = _ISO.match(t)
    if m:
        y, mo, d, h, mi, s, off = m.groups()
        return _mk(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), off)
    m = _US.match(t)
    if m:
        a, b, y, h, mi, s, ampm = m.groups()
        month, day = int(a), int(b)
        if month > 12:  # 24/11/2012 (fr-FR), 29/07/2019 3:48 PM (en-AU, en-GB): day first
            month, day = day, month
        hour = int(h)
        if ampm:
            hour = hour % 12 + (12 if ampm.lower() == "pm" else 0)
        return _mk(int(y), month, day, hour, int(mi), int(s or 0), None)
    m = _DOT.match(t)
    if m:
        d, mo, y, h, mi, s = m.groups()
        return _mk(int(y), int(mo), int(d), int(h), int(mi), int(s or 0), None)
    return None


def _mk(y: int, mo: int, d: int, h: int, mi: int, s: int,
        off: str | None) -> tuple[datetime, str] | None:
    try:
        if off:
            tz = timezone(parse_offset(off))
            return datetime(y, mo, d, h, mi, s, tzinfo=tz).astimezone(UTC), "utc"
        return datetime(y, mo, d, h, mi, s, tzinfo=timezone(timedelta(0))), "local"
    except ValueError:
        return None
