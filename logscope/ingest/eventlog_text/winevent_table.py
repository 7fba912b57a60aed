"""``Get-WinEvent | Format-Table`` / ``Get-EventLog`` table output.

A header row of .NET property names, a row of dashes under each column, then one row per event;
``ProviderName: X`` group headers sit between the rows when PowerShell groups by provider. The
message is the last column and is cut to the console width (``...`` / ``…``): such events are
marked ``truncated``. ``-Wrap`` continues a long message on lines indented to its column.
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
from .pasted_record import KIND, PastedRecord, read_events
from .winevent_list import PROPERTIES

KINDS = (KIND,)
_DASHES = regex(r"^\s*-+(?:\s+-+)+\s*$")
_GROUP = regex(r"^\s*(ProviderName|LogName|Source)\s*:\s*(\S.*)$", re.IGNORECASE)
#: Per column, what one cell looks like (text columns other than the last are single tokens).
_CELL = {
    "date": r"(?P<date>\d[\d./-]+\s+\d{1,2}:\d{2}(?::\d{2})?(?:\s*[AP]M)?)",
    "event_id": r"(?P<event_id>\d{1,6})",
    "record_id": r"(?P<record_id>\d{1,12})",
}


def detect(head: bytes, name: str) -> str | None:
    lines = [cl.text for cl in sniff_clean(head).lines]
    for i, text in enumerate(lines[:-1]):
        if _header(text) and _DASHES.match(lines[i + 1]):
            return KIND
    return None


def _header(text: str) -> list[str] | None:
    """The columns' contract fields when the line is a table header with id and message."""
    names = text.split()
    fields = [PROPERTIES.get(n.casefold()) for n in names]
    if not names or None in fields or len(set(fields)) < len(fields):
        return None  # a repeated column (a paste that doubled the header) has no row layout
    if "message" in fields and "event_id" in fields and fields[-1] == "message":
        return fields  # type: ignore[return-value]
    return None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    return read_events(source, ledger, options, records, join_wrapped=False)


def records(lines: list[CleanLine], ledger: FileLedger) -> Iterator[PastedRecord]:
    row: re.Pattern[str] | None = None
    message_col = 0
    group: dict[str, str] = {}
    rec: PastedRecord | None = None
    for i, cl in enumerate(lines):
        text = cl.text
        g = _GROUP.match(text)
        if g:
            if rec is not None:
                yield rec
                rec = None
            group = {PROPERTIES[g.group(1).casefold()]: g.group(2).strip()}
            continue
        fields = _header(text)
        if fields and i + 1 < len(lines) and _DASHES.match(lines[i + 1].text):
            row = _row_pattern(fields)
            message_col = lines[i + 1].text.rfind(" -") + 1
            continue
        if row is None or _DASHES.match(text) or not text.strip():
            continue
        m = row.match(text)
        if m:
            if rec is not None:
                yield rec
            rec = PastedRecord(cl.line, cl.end_line, "table", fields=dict(group))
            for name, value in m.groupdict().items():
                if name != "message" and value:
                    rec.fields[name] = value.strip()
            msg = (m.group("message") or "").strip()
            rec.message.append(msg)
            rec.truncated = msg.endswith(("...", "\u2026"))
        elif rec is not None and len(text) - len(text.lstrip()) >= max(message_col - 1, 1):
            rec.message.append(text.strip())  # Format-Table -Wrap continuation
            rec.end_line = cl.end_line
        else:
            ledger.skip("table row not in the header's layout")
    if rec is not None:
        yield rec


def _row_pattern(fields: list[str]) -> re.Pattern[str]:
    parts = []
    for name in fields[:-1]:
        parts.append(_CELL.get(name, rf"(?P<{name}>\S+)"))
    parts.append(r"(?P<message>.*)")
    return re.compile(r"^\s*" + r"\s+".join(parts) + r"$")
