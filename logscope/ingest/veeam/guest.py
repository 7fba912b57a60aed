"""The guest-side helper log (VeeamVssSupport / GuestHelper, kind ``veeam-guest``).

Grammar (FORMATS.md §2.3, real structure from Veeam KB2825):
``<h:mm:ss tt><spaces><tid right-aligned>  <LEVEL or blanks><indent><message>`` -- a time of
day in the guest's own clock and **no date**. So a line's time is ``none`` (the time of day is
kept in ``data["time_of_day"]``) unless a dated context supplies the day: a date written in the
log (``dd.MM.yyyy`` or ``yyyy-MM-dd`` on any line) or ``options.extra["guest_date"]`` (a
``date``). With a day, the time is the guest's wall time (``local``: the guest's zone is not
the Veeam server's, so ``--veeam-utc-offset`` does not apply), rolling past midnight when the
clock goes back by more than 12 hours.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, datetime, time, timedelta

from ...events import UTC, Event, Locator
from ...lazy import regex
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from . import entities
from .continuation import Continuations
from .data import load

# compiled at import: another module imports it by name (``lazy.regex`` would rebind only here)
LINE = re.compile(
    r"^ {0,8}(\d{1,2}):(\d{2}):(\d{2})(?:[.,](\d{1,6}))?(?: ?([AaPp][Mm]))?"
    r" {1,40}(\d{1,8})(?: {1,8}|$)"
)
_LEVEL = regex(r"([A-Z]{3,8})(?= |$)")
_DATE_DMY = regex(r"(?<!\d)(\d{2})\.(\d{2})\.(\d{4})(?!\d)")
_DATE_ISO = regex(r"(?<!\d)(\d{4})-(\d{2})-(\d{2})(?!\d)")


def time_of_day(m: re.Match[str]) -> time | None:
    """The line's clock reading (12-hour with AM/PM, or 24-hour), None if impossible."""
    h, mi, s, frac, ampm = int(m.group(1)), int(m.group(2)), int(m.group(3)), m.group(4), m.group(5)
    if ampm:
        if not 1 <= h <= 12:
            return None
        h = h % 12 + (12 if ampm.lower() == "pm" else 0)
    try:
        return time(h, mi, s, int((frac or "0").ljust(6, "0")[:6]))
    except ValueError:
        return None


def _date_in(text: str) -> date | None:
    for rx, order in ((_DATE_DMY, "dmy"), (_DATE_ISO, "ymd")):
        m = rx.search(text)
        if m:
            a, b, c = (int(g) for g in m.groups())
            try:
                return date(c, b, a) if order == "dmy" else date(a, b, c)
            except ValueError:
                continue
    return None


def parse_guest_log(
    lines: Iterator[tuple[int, str]], source: Source, ledger: FileLedger, options: IngestOptions
) -> Iterator[Event]:
    """One event per entry (a timed line plus the untimed lines after it)."""
    levels = load().guest_levels
    day: date | None = None
    extra_day = options.extra.get("guest_date")
    if isinstance(extra_day, date):
        day = extra_day
    last_tod: time | None = None
    cur: Event | None = None
    more = Continuations(ledger, "line fits no guest-log form (no time, no entry before it)")
    for lineno, text in lines:
        m = LINE.match(text)
        if m is None:
            if not text.strip():
                more.blank()
                continue
            more.line(cur, lineno, text)
            found_day = _date_in(text)
            if found_day:
                day, last_tod = found_day, None
            continue
        more.flush()
        if cur is not None:
            _finish(cur)
            yield cur
        tod = time_of_day(m)
        rest = text[m.end():]
        lm = _LEVEL.match(rest)
        level = None
        if lm and lm.group(1) in levels:
            level = levels[lm.group(1)]
            rest = rest[lm.end():]
        msg = rest.strip()
        found_day = _date_in(msg)
        if found_day:
            day, last_tod = found_day, None
        when: datetime | None = None
        if tod is not None and day is not None:
            if last_tod is not None and _seconds(last_tod) - _seconds(tod) > 12 * 3600:
                day = day + timedelta(days=1)
            when = datetime.combine(day, tod, tzinfo=UTC)
        if tod is not None:
            last_tod = tod
        cur = Event(
            kind="veeam-guest",
            file=source.display,
            locator=Locator(line=lineno, end_line=lineno),
            time=when,
            time_source="local" if when is not None else "none",
            timestamp_desc="Veeam guest helper log entry",
            message=msg,
            host=source.host_hint,
            level=level,
            data={"thread": int(m.group(6)),
                  "time_of_day": tod.isoformat() if tod else m.group(0).strip()},
        )
        if tod is None:
            ledger.problem(f"line {lineno}", "impossible time of day", "bad-time")
        more.new_entry()
        ledger.records += 1
    more.flush()
    if cur is not None:
        _finish(cur)
        yield cur


def _seconds(t: time) -> int:
    return t.hour * 3600 + t.minute * 60 + t.second


def _finish(ev: Event) -> None:
    entities.apply(ev, entities.extract(ev.message))
