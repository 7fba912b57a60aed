"""One record shape for every Windows event source, and its mapping onto :class:`Event`.

Why a shared middle step: a binary .evtx read by the Rust engine (JSON), the same file read
by python-evtx (XML), an Event XML export and an Event Viewer CSV export all describe the same
record. Each reader fills a :class:`RawRecord`; :func:`to_event` alone decides field names,
levels, HRESULT extraction and message text, so the four readers cannot drift apart.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from ... import hresult as hr
from ...events import UTC, Event, Locator
from ...messages import render

#: Numeric ``Level`` → the word Event Viewer shows (0 = LogAlways, shown as Information).
LEVEL_NAMES = {
    0: "Information",
    1: "Critical",
    2: "Error",
    3: "Warning",
    4: "Information",
    5: "Verbose",
}
_LEVEL_WORDS = {v.casefold(): v for v in LEVEL_NAMES.values()}

#: ``%%<decimal>`` insert: a parameter-message reference, for errors the HRESULT itself.
_PCT_INSERT = re.compile(r"^%%(\d{1,10})$")
_GUID_BRACES = re.compile(r"^\{?([0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12})\}?$")
#: Named fields that hold an HRESULT in manifest providers (VMMS ErrorCode, WSB HRESULT).
_HRESULT_FIELDS = ("ErrorCode", "HRESULT", "HResult", "hr", "DetailedHRESULT")
_HRESULT_FIELD_SET = frozenset(_HRESULT_FIELDS)
#: Joins the items of a string-array value (python-evtx engine) until they are split into
#: positional inserts; a private-use character that never occurs in real event text.
ARRAY_SEPARATOR = "\ue000"
#: C0 controls an XML reading cannot carry (all but TAB and LF), and lone CR → LF.
_CONTROLS = {c: None for c in range(32) if c not in (9, 10, 13)}
_CONTROLS[13] = 10
_PRINTABLE = re.compile(rb"[\x20-\x7e\t\r\n]*")
#: Inserts shown in a message built without a template (the rest stay in ``data``).
MAX_FALLBACK_INSERTS = 16
#: Bound on how much of a Binary payload is decoded to text (hostile input).
_MAX_BINARY_TEXT = 4096


@dataclass(slots=True)
class RawRecord:
    """An event record as read, before normalization (all values as text)."""

    provider: str | None = None
    provider_guid: str | None = None
    event_id: int | None = None
    qualifiers: int | None = None
    level: int | None = None
    task: str | None = None
    opcode: str | None = None
    keywords: str | None = None
    time: datetime | None = None
    record_id: int | None = None
    channel: str | None = None
    computer: str | None = None
    user_id: str | None = None
    process_id: str | None = None
    thread_id: str | None = None
    #: Named Data values by name, unnamed ones by 1-based position ("1", "2", ...).
    data: dict[str, str] = field(default_factory=dict)
    #: Every insert in document order (%1 = inserts[0]), named or not.
    inserts: list[str] = field(default_factory=list)
    #: The Data name of each insert (None for unnamed), parallel to ``inserts``.
    insert_names: list[str | None] = field(default_factory=list)
    binary: str | None = None
    #: Local name of the UserData child element (``VmlEventLog``).
    userdata: str | None = None
    #: RenderingInfo/Message (or a CSV export's message column).
    rendered_message: str | None = None
    rendered_level: str | None = None

    def add(self, name: str | None, value: str) -> None:
        """Add one Data/UserData value; unnamed values get the next positional key.

        Line ends are canonical LF and other C0 controls are dropped: an XML reading turns
        CRLF into LF and cannot carry controls, the Rust engine's JSON keeps both, and the
        two readings of one record must compare equal.
        """
        if not value.isprintable():  # C-speed test; the slow path is rare
            value = value.replace("\r\n", "\n").translate(_CONTROLS)
        self.inserts.append(value)
        if name:
            key = name
            n = 1
            # repeated names (UserData lists): Name, Name_1, Name_2 like the Rust engine
            while key in self.data:
                key = f"{name}_{n}"
                n += 1
            self.data[key] = value
            self.insert_names.append(key)
        else:
            self.data[str(len(self.inserts))] = value
            self.insert_names.append(None)


def to_text(value: Any) -> str:
    """A Data value as the text an XML rendering shows (``true``/``false``, decimal ints)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(value)
    if isinstance(value, dict):
        text = value.get("#text")
        if isinstance(text, list):
            return " ".join(to_text(v) for v in text)
        return to_text(text)
    if isinstance(value, list):
        return " ".join(to_text(v) for v in value)
    return str(value)


def parse_time(text: str | None) -> datetime | None:
    """``SystemTime`` text (``2021-07-07T14:34:17.1234567Z``, python-evtx's space form) → aware UTC."""
    if not text:
        return None
    try:  # fast path: the engines' and Windows' own ISO form with Z
        dt = datetime.fromisoformat(text)
        if dt.tzinfo is not None:
            return dt.astimezone(UTC) if dt.utcoffset() else dt.replace(tzinfo=UTC)
    except ValueError:
        pass
    t = text.strip().replace(" ", "T")
    if t.endswith(("Z", "z")):
        t = t[:-1]
    tz = ""
    if len(t) > 19 and t[-6] in "+-" and t[-3] == ":":
        t, tz = t[:-6], t[-6:]
    if "." in t:
        head, frac = t.split(".", 1)
        if not frac.isdigit():
            return None
        t = f"{head}.{(frac + '000000')[:6]}"
    try:
        dt = datetime.fromisoformat(t + tz)
    except ValueError:
        return None
    if dt.tzinfo is None:
        return dt.replace(tzinfo=UTC)
    return dt.astimezone(UTC)


def parse_int(value: Any) -> int | None:
    """An integer field (``EventID``, ``Level``), tolerant of hex text and stray spaces."""
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = to_text(value).strip()
    try:
        return int(text, 16) if text[:2].lower() == "0x" else int(text)
    except ValueError:
        return None


def guid(value: str | None) -> str | None:
    """Lower-case GUID without braces, or None when the text is not a GUID."""
    if not value:
        return None
    m = _GUID_BRACES.match(value.strip())
    return m.group(1).lower() if m else None


def binary_text(hexstr: str) -> str | None:
    """The classic ``<Binary>`` payload as text when it is printable ASCII or UTF-16LE.

    VSS writes ``- Code: ...- Call: ...- PID: ...- CMD: ...`` there; volsnap writes a
    binary dump, which is left as hex.
    """
    h = hexstr.strip().replace("-", "").replace(" ", "")
    if len(h) < 8 or len(h) % 2:
        return None
    try:  # quick reject on the first bytes before decoding the whole payload
        b0, b1, b2 = bytes.fromhex(h[:6])
    except ValueError:
        return None
    if not (32 <= b0 < 127 and (32 <= b1 < 127 or (b1 == 0 and 32 <= b2 < 127))):
        return None
    try:
        raw = bytes.fromhex(h[: _MAX_BINARY_TEXT * 2])
    except ValueError:
        return None
    raw = raw.rstrip(b"\x00")
    if len(raw) < 4:
        return None
    if raw[1::2].count(0) >= len(raw) // 2 - 1:
        if len(raw) % 2:
            raw += b"\x00"
        raw = raw.decode("utf-16-le", errors="replace").encode("latin-1", errors="replace")
    # printable ASCII only: a binary dump that happens to decode as CJK is not text
    if _PRINTABLE.fullmatch(raw):
        return raw.decode("ascii").strip()
    return None


def level_name(level: int | None, rendered: str | None = None) -> str | None:
    if level is not None and level in LEVEL_NAMES:
        return LEVEL_NAMES[level]
    if rendered:
        return _LEVEL_WORDS.get(rendered.strip().casefold(), rendered.strip())
    return None if level is None else str(level)


def to_event(raw: RawRecord, *, kind: str, file: str, locator: Locator) -> Event:
    """Normalize a record: fields, ``data``, VM identity, HRESULTs, message text."""
    data: dict[str, Any] = raw.data  # the record is not used after this
    if raw.binary:
        data["Binary"] = raw.binary
        text = binary_text(raw.binary)
        if text:
            data["BinaryText"] = text
    if raw.qualifiers:
        data["Qualifiers"] = raw.qualifiers
    if raw.provider_guid:
        data["ProviderGuid"] = raw.provider_guid
    if raw.userdata:
        data["UserData"] = raw.userdata
    if raw.user_id:
        data["UserID"] = raw.user_id

    hresults: list[str] = []
    for value in raw.inserts:
        if "%%" in value and _PCT_INSERT.match(value.strip()):
            code = _code(value)
            if code and code not in hresults:
                hresults.append(code)
    rendered = render(raw.provider, raw.event_id, raw.inserts, raw.insert_names)
    code = _insert_hresult(raw, data, rendered.hresult_insert)
    if code is None and hresults:
        code = hresults[0]
    if code is not None and code not in hresults:
        hresults.insert(0, code)
    if hresults:
        data["hresults"] = hresults

    if rendered.text is not None and (raw.inserts or not raw.rendered_message):
        # the template wins (one language, stable for signatures); the export's own
        # rendering, possibly localized, is kept beside it
        message, source = rendered.text, "template"
        if raw.rendered_message:
            data["RenderedMessage"] = raw.rendered_message
    elif raw.rendered_message:
        message, source = raw.rendered_message, "rendering_info"
    else:
        message, source = _fallback_message(raw), "inserts"
    data["message_source"] = source

    event = summary_event(raw, kind=kind, file=file, locator=locator)
    event.message = " ".join(message.split()) if _needs_squeeze(message) else message
    event.level = level_name(raw.level, raw.rendered_level)
    event.hresult = code
    event.vm_name = data.get("VmName") or None
    event.vm_id = guid(data.get("VmId"))
    event.data = data
    return event


def summary_event(raw: RawRecord, *, kind: str, file: str, locator: Locator) -> Event:
    """The System part only, for a record no signature or identity rule can use (and the
    base :func:`to_event` completes).

    Why: ``analyze`` asks the parser, per record, whether anything downstream wants it (the
    matcher's index, the identity table); for the rest, rendering inserts and messages is
    work nobody reads. The record still counts and still names its host.
    ``data["summary_only"]`` marks such events; ``logscope events`` never produces them.
    """
    return Event(
        kind=kind,
        file=file,
        locator=locator,
        time=raw.time,
        time_source="utc" if raw.time is not None else "none",
        timestamp_desc="Event Recorded",
        host=raw.computer or None,
        provider=raw.provider or None,
        channel=raw.channel or None,
        event_id=raw.event_id,
        record_id=raw.record_id,
        data={"summary_only": True},
    )


#: An insert that is a number or code on its own (``0x800423F4``, ``-2147212300``, ``%%2147754996``).
_CODE_ONLY = re.compile(r"^\s*(?:%%\d{1,10}|-?\d{1,11}|(?:0x)?[0-9A-Fa-f]{1,8})\s*$")
#: An insert that starts with a hex code (VSS ``hr = %2``: ``0x800423f4, The writer ...``).
_CODE_FIRST = re.compile(r"^\s*(0x[0-9A-Fa-f]{8})\b")


@lru_cache(maxsize=4096)
def _code(value: str) -> str | None:
    """HRESULT held by one insert (cached: the same values repeat across a log)."""
    if _CODE_ONLY.match(value):
        return hr.normalize(value.strip())
    m = _CODE_FIRST.match(value)
    if m:
        return hr.normalize(m.group(1))
    return next(iter(hr.find_in_text(value[:2000])), None)


def _insert_hresult(raw: RawRecord, data: dict[str, Any], position: int | None) -> str | None:
    """The HRESULT held by the insert the template names, or by a known HRESULT field."""
    if position is not None and 0 < position <= len(raw.inserts):
        code = _code(raw.inserts[position - 1])
        if code:
            return code
    if _HRESULT_FIELD_SET.isdisjoint(data):
        return None
    for name in _HRESULT_FIELDS:
        value = data.get(name)
        if isinstance(value, str) and _CODE_ONLY.match(value):
            code = _code(value)
            if code:
                return code
    return None


def _needs_squeeze(m: str) -> bool:
    """Whitespace a one-line message must not keep (line breaks, tabs, runs, edges)."""
    return ("\n" in m or "\r" in m or "\t" in m or "  " in m
            or m[:1].isspace() or m[-1:].isspace() or "\x0b" in m or "\x0c" in m)


def _fallback_message(raw: RawRecord) -> str:
    """``Provider EventID: insert1; insert2`` when no template or rendering is known."""
    head = f"{raw.provider or '?'} {raw.event_id if raw.event_id is not None else '?'}"
    parts = [f"{name}={value}" if name else value
             for name, value in zip(raw.insert_names, raw.inserts) if value]
    if len(parts) > MAX_FALLBACK_INSERTS:
        parts = parts[:MAX_FALLBACK_INSERTS] + ["..."]
    if parts and max(map(len, parts)) > 200:
        parts = [p if len(p) <= 200 else p[:197] + "..." for p in parts]
    return f"{head}: {'; '.join(parts)}" if parts else head
