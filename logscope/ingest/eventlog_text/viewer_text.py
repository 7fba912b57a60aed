"""Event Viewer "Copy details as text" and ``wevtutil qe ... /f:text``: labelled field blocks.

Both write ``Label: value`` lines (Event Viewer in the reader's language, wevtutil in English,
indented under ``Event[N]:``) and then the description on the following lines. A paste can hold
several events, quoted, fenced or HTML-damaged; the cleaned lines keep their original numbers.
A description ends at the next record, at ``Event Xml:``, where the quote or fence it sits in
ends, or after two blank lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...events import Event
from ...lazy import regex
from ...ledger import FileLedger
from ..paste_clean import CleanLine
from ..pasted_lines import sniff_clean
from ..source import IngestOptions, Source
from .labels import field_of
from .pasted_record import KIND, MAX_MESSAGE_LINES, PastedRecord, read_events

KINDS = (KIND,)
_EVENT_N = regex(r"^\s*Event\[\d+\]\s*:?\s*$")
_XML_LABEL = regex(r"^\s*(?:Event Xml|イベント XML|Ereignis-XML|XML de l.événement|XML del evento"
                        r"|XML evento|事件 XML|XML-код события)\s*[:：]", re.IGNORECASE)
#: Header fields; ``description`` opens the message.
HEADER = frozenset({"log_name", "source", "date", "event_id", "task_category", "level", "opcode",
                    "keywords", "user", "user_name", "computer"})
#: Detection: this many distinct fields within a window of lines, one of them the event id.
MIN_FIELDS, WINDOW = 4, 16


def detect(head: bytes, name: str) -> str | None:
    lines = [cl.text for cl in sniff_clean(head).lines]
    return KIND if looks_like_blocks(lines) else None


def looks_like_blocks(lines: list[str]) -> bool:
    """True when some window of lines holds an event id label and three more header labels."""
    recent: list[tuple[int, str]] = []
    for i, text in enumerate(lines):
        if _EVENT_N.match(text) and any(field_of(t) for t in lines[i + 1:i + 4]):
            return True
        f = field_of(text)
        if f is None or f[0] not in HEADER | {"description"}:
            continue
        recent = [(j, n) for j, n in recent if i - j < WINDOW] + [(i, f[0])]
        names = {n for _, n in recent}
        if "event_id" in names and len(names) >= MIN_FIELDS:
            return True
    return False


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    return read_events(source, ledger, options, records, starts_record=_starts)


def _narrow(rec: PastedRecord, langs: frozenset[str]) -> str:
    """The record's label language: the languages all its labels share (English first)."""
    common = langs if rec.langs is None else (rec.langs & langs or rec.langs)
    rec.langs = common
    return "en" if "en" in common else sorted(common)[0]


def _starts(text: str) -> bool:
    return bool(_EVENT_N.match(text)) or field_of(text) is not None


def records(lines: list[CleanLine], ledger: FileLedger) -> Iterator[PastedRecord]:
    """The field blocks of the cleaned lines, one :class:`PastedRecord` each."""
    rec: PastedRecord | None = None
    in_desc, in_xml, blanks, block = False, False, 0, 0
    for cl in lines:
        text = cl.text
        if _EVENT_N.match(text):
            if rec is not None:
                yield rec
            rec, in_desc, in_xml, blanks = PastedRecord(cl.line, cl.end_line, "wevtutil"), False, False, 0
            block = cl.block
            continue
        f = field_of(text)
        header = f is not None and f[0] in HEADER
        if rec is not None and (in_desc or in_xml):
            new_record = header and f[0] in ("log_name", "source") and (  # type: ignore[index]
                not in_desc or not rec.message or blanks or f[0] == "log_name")  # type: ignore[index]
            ended = cl.block != block or blanks >= 2
            if not new_record and not ended:
                if in_xml or _XML_LABEL.match(text):
                    in_xml, in_desc = True, False
                    ledger.skip("Event XML of a pasted event")
                    continue
                if not text.strip():
                    blanks += 1
                    continue
                if blanks and rec.message:
                    rec.message.append("")
                blanks = 0
                if len(rec.message) < MAX_MESSAGE_LINES:
                    rec.message.append(text)
                else:
                    rec.truncated = True
                    ledger.skip("description lines beyond the limit")
                    continue
                rec.end_line = cl.end_line
                continue
            yield rec
            rec, in_desc, in_xml = None, False, False
        if f is None:
            continue
        field, langs, value = f
        if field not in HEADER and field != "description":
            continue
        if rec is None or (field in rec.fields and not in_desc):
            if rec is not None:
                yield rec
            rec = PastedRecord(cl.line, cl.end_line, "viewer")
            block = cl.block
        rec.lang = _narrow(rec, langs)
        rec.end_line = cl.end_line
        if field == "description":
            in_desc, blanks = True, 0
            if value:
                rec.message.append(value)
        else:
            rec.fields[field] = value
    if rec is not None:
        yield rec
