"""``Get-WinEvent | Format-List`` (and ``Get-EventLog | Format-List``) output.

PowerShell writes one ``Property : value`` line per property, pads the names to one column,
continues long values on lines indented to the value column, and separates records by a blank
line. Property names are the .NET ones (never localised); values are in the reader's culture
(``TimeCreated : 04.12.2026 10:15:02``), so times stay local.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...events import Event
from ...ledger import FileLedger
from ..paste_clean import CleanLine
from ..pasted_lines import sniff_clean
from ..source import IngestOptions, Source
from .pasted_record import KIND, MAX_MESSAGE_LINES, PastedRecord, read_events

KINDS = (KIND,)
_PROP = re.compile(r"^([A-Za-z][A-Za-z]{1,30})\s*:\s?(.*)$")
#: Property -> contract field (Get-WinEvent, then Get-EventLog names).
PROPERTIES = {
    "timecreated": "date", "providername": "provider", "id": "event_id", "message": "message",
    "leveldisplayname": "level", "logname": "log_name", "machinename": "computer",
    "userid": "user", "recordid": "record_id", "taskdisplayname": "task_category",
    "opcodedisplayname": "opcode", "keywordsdisplaynames": "keywords",
    "timegenerated": "date", "source": "provider", "eventid": "event_id", "entrytype": "level",
    "index": "record_id", "username": "user", "category": "task_category",
}
_STARTS = ("timecreated", "timegenerated", "providername", "logname", "index")


def detect(head: bytes, name: str) -> str | None:
    names: set[str] = set()
    for cl in sniff_clean(head).lines:
        m = _PROP.match(cl.text)
        if m and m.group(1).casefold() in PROPERTIES:
            names.add(m.group(1).casefold())
            if _enough(names):
                return KIND
    return None


def _enough(names: set[str]) -> bool:
    """A message plus two of: the id, the provider or log, the time (``fl TimeCreated,
    ProviderName,Message`` leaves the id out)."""
    if "message" not in names:
        return False
    kinds = (bool(names & {"id", "eventid"}), bool(names & {"providername", "source", "logname"}),
             bool(names & {"timecreated", "timegenerated"}))
    return sum(kinds) >= 2


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    return read_events(source, ledger, options, records, join_wrapped=False)


def records(lines: list[CleanLine], ledger: FileLedger) -> Iterator[PastedRecord]:
    rec: PastedRecord | None = None
    current: str | None = None        # the property a continuation line belongs to
    for cl in lines:
        text = cl.text
        m = _PROP.match(text)
        prop = m.group(1).casefold() if m else None
        if m and prop in PROPERTIES:
            field = PROPERTIES[prop]
            if rec is None or (field in rec.fields and field != "message") or (
                    field == "message" and rec.message) or (prop in _STARTS and _complete(rec)):
                if rec is not None:
                    yield rec
                rec = PastedRecord(cl.line, cl.end_line, "list", lang=None)
            value = m.group(2).strip()
            current = field
            if field == "message":
                if value:
                    rec.message.append(value)
            else:
                rec.fields[field] = value
            rec.end_line = cl.end_line
            continue
        if rec is None:
            continue
        if not text.strip():
            current = None
            continue
        if text[:1].isspace() and current is not None:
            if current == "message":
                if len(rec.message) < MAX_MESSAGE_LINES:
                    rec.message.append(text.strip())
                else:
                    rec.truncated = True
                    ledger.skip("message lines beyond the limit")
                    continue
            else:
                rec.fields[current] = (rec.fields.get(current, "") + " " + text.strip()).strip()
            rec.end_line = cl.end_line
        elif m:
            current = None  # a property we do not read (Properties, Qualifiers, ...)
            rec.end_line = cl.end_line
    if rec is not None:
        yield rec


def _complete(rec: PastedRecord | None) -> bool:
    return rec is not None and bool(rec.message)
