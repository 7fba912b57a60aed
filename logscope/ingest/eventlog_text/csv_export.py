"""Event log CSV exports: Event Viewer "Save As CSV" and PowerShell ``Export-Csv`` of
``Get-WinEvent`` / ``Get-EventLog`` (guest log collections often hold these).

Why separate from Event XML: a CSV export keeps only the rendered message, no inserts,
and its time is the exporting machine's local wall time without an offset, so events get
``time_source="local"`` (never silently mixed with UTC) and their HRESULTs come from the
message text.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime

from ... import hresult as hr
from ...events import UTC, Event, Locator
from ...ledger import FileLedger
from ..evtx.normalize import RawRecord, parse_int, to_event
from ..csv_cells import csv_reader
from ..source import IngestOptions, Source
from ..textio import head_text, sniff_encoding

KINDS = ("evtx-csv",)
KIND = "evtx-csv"

#: Column name → RawRecord attribute, for the three export flavours.
_COLUMNS = {
    # Event Viewer
    "level": "level", "date and time": "time", "source": "provider", "event id": "event_id",
    "task category": "task",
    # Get-WinEvent | Export-Csv
    "message": "message", "id": "event_id", "leveldisplayname": "level", "recordid": "record_id",
    "providername": "provider", "logname": "channel", "machinename": "computer",
    "timecreated": "time", "qualifiers": "qualifiers", "userid": "user_id",
    "processid": "process_id", "threadid": "thread_id", "taskdisplayname": "task",
    # Get-EventLog | Export-Csv
    "eventid": "event_id", "entrytype": "level", "index": "record_id", "timegenerated": "time",
}
_SIGNATURES = (
    {"level", "date and time", "source", "event id"},
    {"id", "providername", "timecreated"},
    {"eventid", "source", "timegenerated"},
)
_LEVEL_WORDS = {"error": 2, "warning": 3, "information": 4, "critical": 1, "verbose": 5,
                "successaudit": 0, "failureaudit": 0, "audit success": 0, "audit failure": 0}
_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S", "%d/%m/%Y %H:%M:%S", "%Y/%m/%d %H:%M:%S",
)


def _header_fields(text: str) -> list[str] | None:
    lines = text.splitlines()
    if lines and lines[0].startswith("#TYPE"):
        lines = lines[1:]
    if not lines:
        return None
    try:
        row = next(csv_reader([lines[0]]))
    except (csv.Error, StopIteration):
        return None
    return [c.strip().lstrip("\ufeff").casefold() for c in row]


def detect(head: bytes, name: str) -> str | None:
    """A CSV whose header row has the columns of one of the event-log export flavours."""
    if head[:8] == b"ElfFile\x00":
        return None
    fields = _header_fields(head_text(head[:8192]).lstrip("\ufeff"))
    if not fields:
        return None
    present = set(fields)
    return KIND if any(sig <= present for sig in _SIGNATURES) else None


def parse_local_time(text: str) -> datetime | None:
    """A locale-formatted export time → naive wall time tagged UTC (``time_source="local"``)."""
    t = " ".join(text.replace("\u200e", "").replace("\u200f", "").split())
    if "." in t.split(" ")[-1] and ":" in t:  # drop fractional seconds
        t = t.rsplit(".", 1)[0] if t.count(".") and t.rfind(".") > t.rfind(":") else t
    for fmt in _TIME_FORMATS:
        try:
            return datetime.strptime(t, fmt).replace(tzinfo=UTC)
        except ValueError:
            continue
    return None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    ledger.kind = KIND
    with source.open() as fh:
        head = fh.read(4096)
        codec, bom = sniff_encoding(head)
        stream = io.BufferedReader(_Prefixed(head[bom:], fh))
        text = io.TextIOWrapper(stream, encoding=codec, errors="replace", newline="")
        first = text.readline()
        line_no = 1
        if first.startswith("#TYPE"):
            first = text.readline()
            line_no = 2
        columns = [c.strip().lstrip("\ufeff").casefold() for c in next(csv_reader([first]), [])]
        # Event Viewer's CSV has an unnamed sixth column holding the message
        if len(columns) >= 5 and columns[:4] == ["level", "date and time", "source", "event id"]:
            columns = columns + ["message"] * (6 - len(columns)) if len(columns) < 6 else columns
            if columns[5] == "":
                columns[5] = "message"
        reader = csv_reader(text)
        prev_end = line_no
        try:
            for row in reader:
                start, prev_end = prev_end + 1, line_no + reader.line_num
                if not any(c.strip() for c in row):
                    continue
                event = _row_event(row, columns, source, ledger, start, prev_end)
                if event is not None:
                    yield event
        except csv.Error as exc:
            ledger.problem(f"line {prev_end + 1}", f"CSV error, reading stopped: {exc}", "csv-error")


class _Prefixed(io.RawIOBase):
    """Already-read head bytes, then the rest of a (possibly unseekable) stream."""

    def __init__(self, head: bytes, rest: io.IOBase) -> None:
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buf) -> int:  # type: ignore[no-untyped-def]
        if self._head.nbytes:
            n = min(len(buf), self._head.nbytes)
            buf[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buf))
        buf[: len(data)] = data
        return len(data)


def _row_event(row: list[str], columns: list[str], source: Source, ledger: FileLedger,
               start: int, end: int) -> Event | None:
    raw = RawRecord()
    message = None
    time_text = None
    for name, value in zip(columns, row):
        attr = _COLUMNS.get(name)
        value = value.strip()
        if attr is None or not value:
            continue
        if attr == "message":
            message = value
        elif attr == "time":
            time_text = value
        elif attr in ("event_id", "record_id", "qualifiers"):
            setattr(raw, attr, parse_int(value))
        elif attr == "level":
            raw.level = parse_int(value)
            if raw.level is None:
                raw.rendered_level = value
                raw.level = _LEVEL_WORDS.get(value.casefold())
        else:
            setattr(raw, attr, value)
    if raw.event_id is None and raw.provider is None:
        ledger.skip("row without source and event id")
        return None
    raw.rendered_message = message
    if time_text:
        raw.time = parse_local_time(time_text)
        if raw.time is None:
            ledger.problem(f"line {start}", f"unrecognised time {time_text[:40]!r}")
    ledger.records += 1
    event = to_event(raw, kind=KIND, file=source.display, locator=Locator(line=start, end_line=end))
    # the export's time is the exporting machine's local wall time, offset unknown
    event.time_source = "local" if event.time is not None else "none"
    event.utc_offset = None
    if event.hresult is None and message:
        found = hr.find_in_text(message)
        if found:
            event.hresult = found[0]
            event.data["hresults"] = found
    return event

