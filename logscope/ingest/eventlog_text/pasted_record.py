"""One pasted event record (whatever form it came in) -> the normalized :class:`Event`.

Why one builder: Event Viewer text, wevtutil text, ``Get-WinEvent | Format-List`` / ``Format-Table``
and shorthand lines all end as "some header fields + a message". Mapping the source name to the
provider, the level word to English, the time to local/UTC/none, and filling codes and the VM
from the message happens here, once, so the forms cannot drift apart (PASTED-CONTRACT.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ...events import Event, Locator
from ...ledger import FileLedger
from ..codes import find_codes
from ..paste_clean import CleanLine
from ..pasted_lines import read_clean
from ..source import IngestOptions, Source
from ..understanding import understand
from ..vm_refs import find_vm
from .labels import channel_of, level_of, provider_of
from .pasted_time import parse_pasted_time

KIND = "event-text"
#: Message lines kept per record (a runaway description is cut and counted).
MAX_MESSAGE_LINES = 400


@dataclass(slots=True)
class PastedRecord:
    """Header fields by contract name (``source``, ``event_id``, ``date``...) and message lines."""

    line: int
    end_line: int
    form: str                              # viewer, wevtutil, list, table, shorthand
    lang: str | None = None
    #: Label languages still possible (shared labels such as ``Source`` narrow nothing).
    langs: frozenset[str] | None = None
    fields: dict[str, str] = field(default_factory=dict)
    message: list[str] = field(default_factory=list)
    truncated: bool = False


def read_events(source: Source, ledger: FileLedger, options: IngestOptions,
                records: Callable[[list[CleanLine], FileLedger], Iterable[PastedRecord]],
                **clean: Any) -> Iterator[Event]:  # noqa: ANN401
    """A pasted-event reader's whole ``parse``: clean the lines, cut records, build events."""
    ledger.kind = KIND
    cleaned = read_clean(source, ledger, options, **clean)
    for rec in records(cleaned.lines, ledger):
        yield to_event(rec, source.display, ledger)


def to_event(rec: PastedRecord, file: str, ledger: FileLedger) -> Event:
    """Build the event; problems (an unreadable date, a localised message without a code)
    are counted in the ledger with the record's first line."""
    f = rec.fields
    where = f"line {rec.line}"
    message = _join_message(rec.message)
    ev = Event(kind=KIND, file=file, locator=Locator(line=rec.line, end_line=rec.end_line),
               timestamp_desc="Event Recorded", message=message)
    source = f.get("provider") or f.get("source")
    if source:
        ev.provider = provider_of(source)
    if f.get("log_name"):
        ev.channel = channel_of(f["log_name"])
    ev.event_id = _int(f.get("event_id"))
    if f.get("event_id") and ev.event_id is None:
        ledger.problem(where, f"event id {f['event_id'][:20]!r} is not a number", "bad-event-id")
    if f.get("level"):
        ev.level = level_of(f["level"]) or f["level"].strip()
    if f.get("computer"):
        ev.host = f["computer"].strip() or None
    for name in ("user", "user_name", "task_category", "keywords", "opcode", "record_id"):
        value = (f.get(name) or "").strip()
        if value:
            ev.data[name] = value
    stamp = parse_pasted_time(f.get("date"), rec.lang)
    ev.time, ev.time_source = stamp.time, stamp.time_source
    if stamp.problem:
        ev.data["date_text"] = f["date"].strip()
        ledger.problem(where, stamp.problem, "pasted-date")
    ev.data["form"] = rec.form
    if rec.lang:
        ev.data["label_language"] = rec.lang
    if rec.truncated or message.endswith("..."):
        ev.data["truncated"] = True
    codes = find_codes(message)
    codes.apply(ev)
    if ev.provider is None or "hyper-v" in ev.provider.casefold() or "(" in message:
        ev.vm_name, ev.vm_id = find_vm(message)
    understand(ev, ledger, rec.line, rec.lang)
    return ev


def _join_message(lines: list[str]) -> str:
    """Description lines -> one message: paragraphs kept apart by a space, edges trimmed."""
    parts = [ln.strip() for ln in lines[:MAX_MESSAGE_LINES]]
    return " ".join(p for p in parts if p)


def _int(value: str | None) -> int | None:
    if not value:
        return None
    v = value.strip().split(" ", 1)[0]
    return int(v) if v.isdigit() and len(v) <= 6 else None
