"""Job-session text users copy from the Veeam console or e-mail reports (kind ``veeam-session``).

No per-line time: the console shows the session's start in its header line (``Backup job:
<name> (Retry 2)Created by <user> at 25/05/2016 22:51.``), in the console machine's regional
format. Error sentences follow, one per line (FORMATS.md §2.4; corpus ``session_text_*``).
Each non-blank line is an entry; a bare label line (``Details :``) joins the line after it.
Times: only the header line has one (local; ``flag`` with ``--veeam-utc-offset``), and only
when the day/month order is unambiguous.

Veeam Agent session details read the same way (real text: openzfsonwindows/ZFSin issue 354,
veeam/veeamsnap issue 12): ``Creating VSS snapshot Error: Failed to create snapshot: ...``
from the Windows console, ``[error] Failed to create volume snapshot    00:00:01`` from
``veeamconfig session log``. The ``[error]`` tag gives the level and the trailing duration
column goes to ``data.duration``; a line the console or a mail client wrapped (it starts in
lower case after a long line that did not end a sentence) joins the line before it. Why here
and not a new kind: it is the same thing -- a session's error sentences without per-line
times -- and the signatures written for ``veeam-session`` apply to it.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime
from functools import partial

from ...events import UTC, Event, Locator
from ...lazy import regex
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from . import entities
from .data import load
from .fold import Folded
from .repeats import Repeats, rule_for

_LABEL = regex(r"^[A-Za-z][\w ]{0,30}\s?:\s*$")
_TAG = regex(r"^\[([A-Za-z]{3,8})\]\s{1,8}")
_DURATION = regex(r"\s{3,}(\d{1,3}:\d{2}:\d{2})\s*$")
#: A wrapped line joins the one before it only when that one was at least this long.
WRAP_MIN = 60


def strip_level_tag(text: str) -> tuple[str | None, str]:
    """``[error] Failed to ...`` -> ("Error", "Failed to ..."); (None, text) without a tag."""
    m = _TAG.match(text)
    if m is None:
        return None, text
    level = load().session_level_tags.get(f"[{m.group(1).lower()}]")
    return (level, text[m.end():]) if level else (None, text)


def _wrapped(prev: Event | None, prev_line: int, lineno: int, text: str) -> bool:
    """The line continues ``prev``: right after it, lower case, ``prev`` long and unfinished."""
    if prev is None or lineno != prev_line + 1 or not text[:1].islower():
        return False
    last = prev.message.rsplit("\n", 1)[-1]
    return len(last) >= WRAP_MIN and last.rstrip()[-1:] not in ".!?:;)]"
_QUOTE = regex(r"^\s{0,8}(?:[>*\-\u2022]\s{1,4})?")


def _takes_tail(text: str) -> bool:
    """Whether a line after an entry of this text may be read as its wrapped tail."""
    last = text.rsplit("\n", 1)[-1]
    return len(last) >= WRAP_MIN and last.rstrip()[-1:] not in ".!?:;)]"


def _base(source: Source, first: int, lineno: int, text: str, tag_level: str | None,
          duration: str | None) -> Event:
    ev = Event(
        kind="veeam-session",
        file=source.display,
        locator=Locator(line=first, end_line=lineno),
        timestamp_desc="Veeam job session text",
        message=text,
        host=source.host_hint,
        level=tag_level or _level(text),
    )
    if duration:
        ev.data["duration"] = duration
    return ev


def _with_context(ev: Event, text: str, job_name: str | None, retry: int | None) -> Event:
    """The entities the text names; else the job (and retry) of the header before it."""
    found = entities.extract(text)
    entities.apply(ev, found)
    if "job" not in found:
        ev.job_name = job_name
    if retry is not None:
        ev.data.setdefault("retry", retry)
    return ev


def _entry(source: Source, first: int, lineno: int, text: str, tag_level: str | None,
           duration: str | None, job_name: str | None, retry: int | None) -> Event:
    """The event of a line that is not a session header (``Repeats`` builds it later)."""
    return _with_context(_base(source, first, lineno, text, tag_level, duration), text,
                         job_name, retry)


def _level(text: str) -> str:
    low = text.lower()
    for level, words in load().session_level_words:
        if any(w in low for w in words):
            return level
    return "Info"


def _session_time(when: str) -> datetime | None:
    """``25/05/2016 22:51``: day/month order decided by a part over 12, else unknown."""
    m = re.match(r"(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}) (\d{1,2}):(\d{2})(?::(\d{2}))?$", when)
    if not m:
        return None
    a, b, y, h, mi = (int(g) for g in m.group(1, 2, 3, 4, 5))
    s = int(m.group(6) or 0)
    if a > 12 >= b:
        day, month = a, b
    elif b > 12 >= a:
        day, month = b, a
    elif "." in when.split(" ")[0]:
        day, month = a, b  # dd.MM.yyyy is the only dotted order Windows cultures use
    else:
        return None
    try:
        return datetime(y, month, day, h, mi, s)
    except ValueError:
        return None


def parse_session_text(
    lines: Iterator[tuple[int, str] | Folded], source: Source, ledger: FileLedger,
    options: IngestOptions
) -> Iterator[Event]:
    """Events for every entry of session text (a folded stretch of short lines: counted)."""
    data = load()
    job_name: str | None = None
    retry: int | None = None
    pending: tuple[int, str] | None = None
    held = 0  # blank lines after a pending label: inside its range when a line joins it
    prev: Event | None = None  # the last event, held back until the next line is seen
    prev_line = 0
    hits_of = rule_for("veeam-session", options.extra)
    repeats = Repeats(ledger, hits_of) if hits_of is not None else None
    for item in lines:
        if type(item) is Folded:
            # short lines after a parsed one: none wraps, no label or blank line is pending
            if prev is not None:
                yield prev
                prev = None
            item.count_in(ledger)
            continue
        lineno, raw = item  # type: ignore[misc]
        text = raw[_QUOTE.match(raw).end():].rstrip()  # type: ignore[union-attr]
        if text and pending is None and _wrapped(prev, prev_line, lineno, text):
            assert prev is not None
            prev.message = prev.message.rstrip() + " " + text.strip()
            prev.locator.end_line = prev_line = lineno
            entities.apply(prev, entities.extract(prev.message))
            continue
        if prev is not None:
            yield prev
            prev = None
        if not text:
            if pending is not None:
                held += 1
            else:
                ledger.skip("blank line")
            continue
        held = 0
        if _LABEL.match(text) and pending is None:
            pending = (lineno, text)
            continue
        first = lineno
        if pending is not None:
            first, label = pending
            text = f"{label}\n{text}"
            pending = None
        tag_level, text = strip_level_tag(text)
        dm = _DURATION.search(text)
        duration = dm.group(1) if dm else None
        if dm:
            text = text[:dm.start()].rstrip()
        hm = data.session_header.match(text)
        if hm is None and repeats is not None and not _takes_tail(text):
            key = (text, tag_level, duration, job_name, retry)
            if repeats.counted(key, text, partial(_entry, source, first, lineno, text, tag_level,
                                                  duration, job_name, retry), lineno - first + 1):
                ledger.records += 1
                continue
        ev = _base(source, first, lineno, text, tag_level, duration)
        if hm:
            job_name = hm.group("job").strip()
            retry = int(hm.group("retry")) if hm.group("retry") else None
            ev.data["job_type"] = hm.group("jobtype")
            if hm.group("status"):
                ev.data["status"] = entities.normalize_status(hm.group("status")) or "unknown"
                ev.data["status_text"] = hm.group("status")
                ev.level = "Error" if ev.data["status"] == "failed" else ev.level
            else:
                ev.level = "Info"
            if hm.group("user"):
                ev.data["created_by"] = hm.group("user").strip()
            when = _session_time(hm.group("when")) if hm.group("when") else None
            if when is not None:
                ev.timestamp_desc = "Veeam job session created"
                if options.veeam_utc_offset is not None:
                    ev.time = (when - options.veeam_utc_offset).replace(tzinfo=UTC)
                    ev.time_source, ev.utc_offset = "flag", options.veeam_utc_offset
                else:
                    ev.time, ev.time_source = when.replace(tzinfo=UTC), "local"
            elif hm.group("when"):
                ledger.problem(f"line {lineno}",
                               f"session time {hm.group('when')!r}: day/month order "
                               "unknown; kept without time", "ambiguous-date")
        _with_context(ev, text, job_name, retry)
        ledger.records += 1
        prev, prev_line = ev, lineno
    if prev is not None:
        yield prev
    if repeats is not None:
        yield from repeats.finish()
    if held:
        ledger.skip("blank line", held)
    if pending is not None:
        lineno, text = pending
        ledger.records += 1
        yield Event(kind="veeam-session", file=source.display,
                    locator=Locator(line=lineno, end_line=lineno),
                    timestamp_desc="Veeam job session text", message=text,
                    host=source.host_hint, level="Info", job_name=job_name)
