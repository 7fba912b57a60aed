"""Hyper-V state listings → events of kind ``hyperv-state`` (detect, parse).

Why one reader for every form: a consultant's folder mixes ``Get-VHD`` as Format-List,
``Get-VMSnapshot`` as the default table, a ``ConvertTo-Json`` of ``Get-VM`` and a ``dir /s`` of
the VM folder, often several in one transcript. The file is read once (bounded: state
listings are small; past ``MAX_LINES`` the rest is skipped and said so); JSON and CSV files are
read as such, any other text by the table, list and directory parsers together.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from ...events import UTC, Event, format_offset, parse_offset
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from ..textio import head_text, iter_lines
from . import dirlist, format_list, format_table
from .normalize import KIND, file_event, to_event
from .records import Record
from .structured import csv_records, json_records
from .tables import identify, table
from .times import parse_time

KINDS = (KIND,)
#: Lines and characters of text held at most (``limits`` in data/hyperv_state.yml: the
#: whole text is held, so these bound the reader's memory).
MAX_LINES = int(table()["limits"]["max_lines"])
MAX_CHARS = int(table()["limits"]["max_chars"])
PAST_LIMIT = "line past the state-listing limit"
_KEYS = re.compile(r'"([A-Za-z_][A-Za-z0-9_]{0,60})"\s*:')
_OFFSET = re.compile(r"(Z|[+-]\d{2}:?\d{2})$")
_CSV_HEAD = re.compile(r'^"?[A-Za-z_][A-Za-z0-9_]*"?(?:,"?[A-Za-z_][A-Za-z0-9_]*"?){2,}$')


def detect(head: bytes, name: str) -> str | None:
    """``hyperv-state`` when the head holds an object of a known cmdlet in any form."""
    text = head_text(head[:65536])
    lines = text.splitlines()
    stripped = text.lstrip("\ufeff \t\r\n")
    if stripped[:1] in "[{":
        keys = set(_KEYS.findall(text[:16384]))
        return KIND if keys and identify(keys) else None
    body = [x for x in lines if x.strip() and not _is_marker(x)]
    if body and body[0].startswith("#TYPE "):
        if identify([], body[0][6:].strip()):
            return KIND
        body = body[1:]
    if body and _CSV_HEAD.match(body[0].strip()):
        names = [c.strip('"') for c in body[0].strip().split(",")]
        return KIND if identify(names) else None
    if dirlist.looks_like(lines[:2000]):
        return KIND
    for i, line in enumerate(lines[1:2000], 1):
        if format_table.is_dash_line(line) and lines[i - 1].strip():
            names = lines[i - 1].split()
            if identify([n.lstrip("#>") for n in names if n not in ("#", ">")]):
                return KIND
    labels: list[str] = []
    for line in lines[:2000]:
        m = format_list.LABEL.match(line.lstrip("#> ").rstrip())
        if m:
            labels.append(m.group(1))
        elif not line.strip():
            if identify(labels):
                return KIND
            labels = []
    return KIND if identify(labels) else None


def _is_marker(line: str) -> bool:
    return line.startswith(str(table().get("collected_marker", "# logscope-collect")))


def _marker(line: str) -> tuple[datetime | None, str | None, timedelta | None]:
    """``# logscope-collect 2026-12-04T10:00:00+01:00 host=HV21 ...`` → (time, host, offset)."""
    rest = line[len(str(table().get("collected_marker"))):].split()
    when = parse_time(rest[0])[0] if rest and parse_time(rest[0]) else None
    host = next((p[5:] for p in rest if p.startswith("host=")), None)
    m = _OFFSET.search(rest[0]) if rest and when is not None else None
    return when, host, (parse_offset(m.group(1)) if m else None)


def _with_offset(ev: Event, offset: timedelta | None) -> Event:
    """A local wall time of the collecting host, converted with the offset its marker states
    (``time_source`` header, ``utc_offset`` kept); without a marker it stays local, never
    taken for UTC. The offset is the host's at collection: a time from the other side of a
    daylight-saving change is an hour off, which ``header`` (not ``utc``) admits."""
    if offset is None:
        return ev
    ev.data["capture_offset"] = format_offset(offset)
    if ev.time is not None and ev.time_source == "local":
        old = ev.time.isoformat()
        ev.time = (ev.time.replace(tzinfo=None) - offset).replace(tzinfo=UTC)
        ev.time_source, ev.utc_offset = "header", offset
        for k, v in ev.data.items():
            if v == old:
                ev.data[k] = ev.time.isoformat()
    return ev


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    ledger.kind = KIND
    with source.open() as fh:
        lines = []
        held = 0  # characters held: the forms are parsed from the whole text, kept in memory
        for n, text in iter_lines(fh, ledger, max_line_chars=max(1024, options.max_line_bytes)):
            held += len(text)
            if n > MAX_LINES or held > MAX_CHARS:
                if not ledger.skip_reasons[PAST_LIMIT]:
                    ledger.problem(f"line {n}", f"state listing longer than {MAX_LINES:,} lines "
                                   f"or {MAX_CHARS:,} characters; the rest is not read",
                                   "too-long")
                ledger.skip(PAST_LIMIT)
                continue
            lines.append((n, text))
    yield from parse_lines(lines, source.display, ledger, source.host_hint)


def parse_lines(lines: list[tuple[int, str]], display: str, ledger: FileLedger,
                host_hint: str | None = None) -> Iterator[Event]:
    """Events of every object in the text; also for tests holding decoded lines."""
    capture: datetime | None = None
    host = None
    offset: timedelta | None = None
    body = []
    for n, t in lines:
        if _is_marker(t):
            capture, host, offset = _marker(t)
            ledger.skip("collection marker line")
            continue
        body.append((n, t))
    if capture is not None:
        ledger.info["capture_time"] = capture.isoformat()
    host = host or host_hint
    recs = list(_records(body, ledger))
    recs.sort(key=lambda r: r.line)
    for rec in recs:
        if rec.form == "dir":
            yield _with_offset(file_event(rec, display, capture, host), offset)
            continue
        spec = identify(list(rec.props), rec.type_name)
        if spec is None:
            ledger.skip("object of no cmdlet logscope reads", rec.end_line - rec.line + 1)
            continue
        yield _with_offset(to_event(rec, spec, display, capture, host), offset)


def _records(body: list[tuple[int, str]], ledger: FileLedger) -> Iterator[Record]:
    first = next(((n, t) for n, t in body if t.strip()), None)
    if first is None:
        return
    s = first[1].lstrip("\ufeff \t")
    if s[:1] in "[{":
        text = "\n".join(t for _, t in body[body.index(first):])
        yield from json_records(text, first[0], ledger)
        return
    nonblank = [(n, t) for n, t in body if t.strip()]
    head = nonblank[0][1]
    if head.startswith("#TYPE ") or _CSV_HEAD.match(head.strip()):
        yield from csv_records(nonblank, ledger)
        return
    dirs = list(dirlist.records(body))
    taken = {r.line for r in dirs}
    yield from dirs
    for rec in format_table.records(body):
        if rec.line not in taken:
            taken.add(rec.line)
            yield rec
    for rec in format_list.records(body):
        if rec.line not in taken:
            yield rec
