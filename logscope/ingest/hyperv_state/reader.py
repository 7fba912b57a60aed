"""Hyper-V state listings → events of kind ``hyperv-state`` (detect, parse).

Why one reader for every form: a consultant's folder mixes ``Get-VHD`` as Format-List,
``Get-VMSnapshot`` as the default table, a ``ConvertTo-Json`` of ``Get-VM`` and a ``dir /s`` of
the VM folder, often several in one transcript. The file is read once, as a stream: CSV rows
and the table, list and directory records (``text_forms``) are emitted as they complete;
JSON is decoded from its whole text. Past ``MAX_LINES`` / ``MAX_CHARS`` the rest of a listing
is skipped and said so.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta
from functools import lru_cache
from itertools import chain

from ...events import UTC, Event, format_offset, parse_offset
from ...lazy import regex
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from ..textio import head_text, iter_lines
from . import dirlist, format_list, format_table
from .normalize import KIND, file_event, to_event
from .records import Record
from .structured import csv_records, json_records
from .tables import ObjectSpec, identify, table
from .text_forms import TextForms
from .times import parse_time

KINDS = (KIND,)
#: Lines and characters of one listing read at most (``limits`` in data/hyperv_state.yml):
#: they bound the JSON text held, and the time and kept events of the streamed forms.
MAX_LINES = int(table()["limits"]["max_lines"])
MAX_CHARS = int(table()["limits"]["max_chars"])
#: Lines of one Format-List block held at most (the text forms hold only open records).
MAX_BLOCK_LINES = int(table()["limits"]["max_block_lines"])
PAST_LIMIT = "line past the state-listing limit"
_KEYS = regex(r'"([A-Za-z_][A-Za-z0-9_]{0,60})"\s*:')
_OFFSET = regex(r"(Z|[+-]\d{2}:?\d{2})$")
_CSV_HEAD = regex(r'^"?[A-Za-z_][A-Za-z0-9_]*"?(?:,"?[A-Za-z_][A-Za-z0-9_]*"?){2,}$')


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
        lines = iter_lines(fh, ledger, max_line_chars=max(1024, options.max_line_bytes))
        yield from parse_lines(lines, source.display, ledger, source.host_hint)


class _Capture:
    """What the last ``# logscope-collect`` marker line said: when, which host, which UTC
    offset; it applies to the records after it."""

    def __init__(self, host_hint: str | None) -> None:
        self.time: datetime | None = None
        self.host = host_hint
        self.offset: timedelta | None = None
        self._hint = host_hint

    def mark(self, line: str, ledger: FileLedger) -> None:
        self.time, host, self.offset = _marker(line)
        self.host = host or self._hint
        if self.time is not None:
            ledger.info["capture_time"] = self.time.isoformat()
        ledger.skip("collection marker line")


def parse_lines(lines: Iterable[tuple[int, str]], display: str, ledger: FileLedger,
                host_hint: str | None = None) -> Iterator[Event]:
    """Events of every object in the text, as each is read (also for tests holding decoded
    lines). JSON is decoded from its whole text; CSV rows and the text forms are emitted as
    they complete, so the reader holds no more than an open record."""
    cap = _Capture(host_hint)
    it = _bounded(lines, ledger)
    first = None
    for n, t in it:
        if _is_marker(t):
            cap.mark(t, ledger)
        elif t.strip():
            first = (n, t)
            break
    if first is None:
        return
    s = first[1].lstrip("\ufeff \t")
    if s[:1] in "[{":
        recs = json_records(_json_text(first, it, cap, ledger), first[0], ledger)
    elif s.startswith("#TYPE ") or _CSV_HEAD.match(s.strip()):
        recs = csv_records(((n, t) for n, t in _unmarked(chain([first], it), cap, ledger)
                            if t.strip()), ledger)
    else:
        recs = _text_records(chain([first], it), cap, ledger)
    for rec in recs:
        ev = _event(rec, display, cap, ledger)
        if ev is not None:
            yield ev


def _unmarked(lines: Iterable[tuple[int, str]], cap: _Capture, ledger: FileLedger
              ) -> Iterator[tuple[int, str]]:
    for n, t in lines:
        if _is_marker(t):
            cap.mark(t, ledger)
        else:
            yield n, t


def _bounded(lines: Iterable[tuple[int, str]], ledger: FileLedger
             ) -> Iterator[tuple[int, str]]:
    """The lines up to ``MAX_LINES`` / ``MAX_CHARS``; past either the rest is skipped, with a
    problem at the first line not read. JSON is held whole to be decoded; the other forms
    are streamed, but every record read is an event the state model keeps (``max_events``),
    so the limits bound time and that memory too."""
    held = 0
    for n, t in lines:
        held += len(t)
        if n > MAX_LINES or held > MAX_CHARS:
            if not ledger.skip_reasons[PAST_LIMIT]:
                ledger.problem(f"line {n}", f"state listing longer than {MAX_LINES:,} lines "
                               f"or {MAX_CHARS:,} characters; the rest is not read",
                               "too-long")
            ledger.skip(PAST_LIMIT)
            continue
        yield n, t


def _json_text(first: tuple[int, str], rest: Iterator[tuple[int, str]], cap: _Capture,
               ledger: FileLedger) -> str:
    """The JSON text from its first line on, held whole to be decoded (within the limits)."""
    return "\n".join(t for _n, t in _unmarked(chain([first], rest), cap, ledger))


def _text_records(lines: Iterable[tuple[int, str]], cap: _Capture, ledger: FileLedger
                  ) -> Iterator[Record]:
    """Table, list and ``dir`` records in line order, as they complete; a marker line (a
    new capture) closes what is open first, so each record has its own capture's time."""
    forms = TextForms(MAX_BLOCK_LINES)
    for n, t in lines:
        if _is_marker(t):
            yield from forms.close()
            cap.mark(t, ledger)
            continue
        yield from forms.feed(n, t)
    yield from forms.close()


@lru_cache(maxsize=256)
def _identify(names: tuple[str, ...], type_name: str | None) -> ObjectSpec | None:
    """``identify`` once per column set: every row of a table has the same names."""
    return identify(list(names), type_name)


def _event(rec: Record, display: str, cap: _Capture, ledger: FileLedger) -> Event | None:
    if rec.form == "dir":
        return _with_offset(file_event(rec, display, cap.time, cap.host), cap.offset)
    spec = _identify(tuple(rec.props), rec.type_name)
    if spec is None:
        ledger.skip("object of no cmdlet logscope reads", rec.end_line - rec.line + 1)
        return None
    return _with_offset(to_event(rec, spec, display, cap.time, cap.host), cap.offset)
