"""The one normalized event model every parser produces and every later stage reads.

Why one flat class: signatures, correlation and every report format read the same
fields, so a parser's job ends when it has filled these in. Times are always
timezone-aware; ``time_source`` says how far the time can be trusted (an evtx
``SystemTime`` is UTC, a Veeam line is local to the server that wrote it).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime, timedelta, timezone
from operator import attrgetter
from typing import Any

UTC = timezone.utc

#: How an event's time was established.
#: ``utc``: the source writes UTC (evtx). ``header``: local time converted with the offset a
#: log header states. ``flag``: converted with ``--veeam-utc-offset``. ``inferred``: converted
#: with an offset the correlation stage inferred. ``local``: local wall time of an unknown zone,
#: kept as-is with a zero offset and never silently joined to UTC. ``none``: no time at all.
TIME_SOURCES = ("utc", "header", "flag", "inferred", "local", "none")

#: File kinds the ingest stage can report (more are added as formats are added).
KINDS = (
    "evtx",
    "evtx-xml",
    "evtx-csv",
    "vssadmin",
    "veeam",
    "veeam-session",
    "veeam-guest",
    "sqlwriter-log",
    # evidence as a person pasted it (issue 16) and host state listings (issue 17)
    "event-text",
    "powershell-error",
    "diskshadow",
    "veeam-agent",
    "message-text",
    "hyperv-state",
    "unknown",
)


@dataclass(slots=True)
class Locator:
    """Where in its file an event came from: a record number for evtx, a 1-based line for text."""

    record: int | None = None
    line: int | None = None
    end_line: int | None = None

    def as_dict(self) -> dict[str, int]:
        """The contract's locator object: ``{"record": n}`` or ``{"line": n}``."""
        out: dict[str, int] = {}
        if self.record is not None:
            out["record"] = self.record
        if self.line is not None:
            out["line"] = self.line
            if self.end_line is not None and self.end_line != self.line:
                out["end_line"] = self.end_line
        return out

    def __str__(self) -> str:
        if self.record is not None:
            return f"record {self.record}"
        if self.line is not None:
            return f"line {self.line}"
        return "?"


@dataclass(slots=True)
class Event:
    """A normalized record from any source.

    ``data`` holds source-specific fields that signatures may test: for evtx the named
    ``EventData``/``UserData`` values plus positional inserts (keys ``"1"``, ``"2"``... as %1, %2 in message templates);
    for Veeam ``level``, ``thread``, ``tag``; for vssadmin the block's raw labels.
    """

    kind: str
    file: str
    locator: Locator
    time: datetime | None = None
    time_source: str = "none"
    timestamp_desc: str = ""
    message: str = ""
    host: str | None = None
    provider: str | None = None
    channel: str | None = None
    event_id: int | None = None
    record_id: int | None = None
    level: str | None = None
    writer_name: str | None = None
    writer_id: str | None = None
    writer_state: int | None = None
    last_error: str | None = None
    hresult: str | None = None
    vm_name: str | None = None
    vm_id: str | None = None
    job_name: str | None = None
    #: For times kept as local wall time: the offset that was applied (None when unknown).
    utc_offset: timedelta | None = None
    data: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str) -> Any:
        """A field by its normalized name, or from ``data`` (``data.X`` or a bare data key)."""
        if name.startswith("data."):
            return self.data.get(name[5:])
        if name in _FIELD_NAMES:
            return getattr(self, name)
        return self.data.get(name)

    def to_dict(self) -> dict[str, Any]:
        """The contract's event object (Timesketch-compatible ``datetime``/``timestamp_desc``/``message``)."""
        out: dict[str, Any] = {
            "datetime": self.time.isoformat() if self.time is not None else None,
            "timestamp_desc": self.timestamp_desc,
            "message": self.message,
            "kind": self.kind,
            "file": self.file,
            "locator": self.locator.as_dict(),
            "time_source": self.time_source,
        }
        for name in _OPTIONAL_FIELDS:
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.utc_offset is not None:
            out["utc_offset"] = format_offset(self.utc_offset)
        if self.data:
            out["data"] = self.data
        return out


#: Timesketch needs ``datetime``, ``timestamp_desc`` and ``message`` on every line. A record
#: that has no time (a vssadmin state capture) goes at the epoch, as plaso puts such records,
#: and says so; its ``time_source`` stays "none", so nothing mistakes it for a real time.
NO_TIME = "1970-01-01T00:00:00+00:00"
NO_TIME_DESC = "No time in source"


def timeline_ready(line: dict[str, Any]) -> dict[str, Any]:
    """A JSON line (event, hit, hint) completed with Timesketch's three fields, in place."""
    if not line.get("datetime"):
        line["datetime"] = NO_TIME
        line["timestamp_desc"] = NO_TIME_DESC
    elif not line.get("timestamp_desc"):
        line["timestamp_desc"] = "Event time"
    if not line.get("message"):
        line["message"] = f"{line.get('kind') or line.get('record_type') or 'record'} without text"
    return line


_OPTIONAL_FIELDS = (
    "host",
    "provider",
    "channel",
    "event_id",
    "record_id",
    "level",
    "writer_name",
    "writer_id",
    "writer_state",
    "last_error",
    "hresult",
    "vm_name",
    "vm_id",
    "job_name",
)
_FIELD_NAMES = frozenset(
    ("kind", "file", "time", "time_source", "message", "timestamp_desc", *_OPTIONAL_FIELDS)
)
#: What may differ between two bare events (``is_bare``).
BARE_VARYING = ("kind", "file", "locator", "timestamp_desc", "message")
_OTHER_FIELDS = attrgetter(*(f.name for f in fields(Event)
                             if f.name not in (*BARE_VARYING, "data")))
_UNSET = _OTHER_FIELDS(Event(kind="", file="", locator=Locator()))


def is_bare(ev: Event) -> bool:
    """Whether an event carries nothing but its kind, file, place and message (most pasted
    paragraphs): every signature condition on another field then has one answer, the same
    for all of them (``match/message_gate``)."""
    return not ev.data and _OTHER_FIELDS(ev) == _UNSET


def format_offset(offset: timedelta) -> str:
    """``+02:00`` style text for a UTC offset."""
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def parse_offset(text: str) -> timedelta:
    """Parse ``±HH:MM`` (or ``±HHMM``, ``Z``) into a timedelta; raises ValueError with the text."""
    t = text.strip()
    if t in ("Z", "z", "UTC", "utc"):
        return timedelta(0)
    sign = 1
    if t[:1] in "+-":
        sign = -1 if t[0] == "-" else 1
        t = t[1:]
    t = t.replace(":", "")
    if not t.isdigit() or len(t) not in (2, 4):
        raise ValueError(f"not a UTC offset (expected ±HH:MM): {text!r}")
    hours, minutes = int(t[:2]), int(t[2:] or 0)
    if hours > 14 or minutes >= 60:
        raise ValueError(f"UTC offset out of range: {text!r}")
    return sign * timedelta(hours=hours, minutes=minutes)
