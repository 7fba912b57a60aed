"""Hand-written event shorthand: ``Microsoft-Windows-Hyper-V-VMMS-Admin/19100: <message>``.

People quote an event in tickets and forums as ``<log or provider>/<id>: message`` (or
``<provider> <id>: message``, ``VSS 8193 - message``). Only names of known providers or their
channels count, so an ordinary ``Note 1: ...`` line is never read as an event. Lines that follow
without a blank line continue the message.
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
from .labels import is_known_provider, provider_of
from .pasted_record import KIND, MAX_MESSAGE_LINES, PastedRecord, read_events

KINDS = (KIND,)
_LINE = regex(
    r"^\s*(?P<name>[A-Za-z][A-Za-z0-9 ._-]{1,80}?(?:/(?:Admin|Operational|Analytic|Debug))?)"
    r"\s*(?:/|\s)\s*(?:(?:Event\s*)?ID\s*[:#]?\s*)?(?P<id>\d{1,5})\s*(?:[:\u2013\u2014]|\s-)\s*(?P<msg>\S.*)$",
    re.IGNORECASE)
_CHANNEL_SUFFIX = regex(r"[-/](?:Admin|Operational|Analytic|Debug)$", re.IGNORECASE)


def detect(head: bytes, name: str) -> str | None:
    return KIND if any(match(cl.text) for cl in sniff_clean(head).lines) else None


def match(text: str) -> tuple[str, str | None, int, str] | None:
    """``(provider, channel, event_id, message)`` of a shorthand line, or None."""
    m = _LINE.match(text)
    if not m:
        return None
    name = m.group("name").strip()
    base = _CHANNEL_SUFFIX.sub("", name)
    if not (is_known_provider(base) or is_known_provider(name)):
        return None
    channel = name if base != name else None
    return provider_of(base), channel, int(m.group("id")), m.group("msg").strip()


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    return read_events(source, ledger, options, lambda lines, _: records(lines),
                       starts_record=lambda t: match(t) is not None)


def records(lines: list[CleanLine]) -> Iterator[PastedRecord]:
    rec: PastedRecord | None = None
    block = 0
    for cl in lines:
        found = match(cl.text)
        if found:
            if rec is not None:
                yield rec
            provider, channel, event_id, msg = found
            rec = PastedRecord(cl.line, cl.end_line, "shorthand",
                               fields={"provider": provider, "event_id": str(event_id)})
            if channel:
                rec.fields["log_name"] = channel
            rec.message.append(msg)
            block = cl.block
            continue
        if rec is None:
            continue
        if not cl.text.strip() or cl.block != block:
            yield rec
            rec = None
            continue
        if len(rec.message) < MAX_MESSAGE_LINES:
            rec.message.append(cl.text)
            rec.end_line = cl.end_line
    if rec is not None:
        yield rec
