"""Event XML: exports (``<Events><Event>…``, or bare concatenated ``<Event>`` elements as
``wevtutil qe`` prints them) and the per-record XML python-evtx renders.

Why streaming with lxml's pull parser: a guest log collection may hold a several-hundred-MB
export; each ``<Event>`` is turned into a record and then dropped from the tree, so memory
stays bounded by the largest single event. Entities are not resolved and nothing is fetched
from the network (untrusted input).
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO, Any

from ...events import Event, Locator
from ...lazy import regex
from ...ledger import FileLedger
from ..evtx.normalize import ARRAY_SEPARATOR, RawRecord, parse_int, parse_time, to_event
from ..source import IngestOptions, Source
from ..textio import head_text, sniff_encoding

KINDS = ("evtx-xml",)
KIND = "evtx-xml"
EVENT_NS = "http://schemas.microsoft.com/win/2004/08/events/event"

_READ = 1 << 16
_DECL = regex(r"^\s*<\?xml[^>]{0,200}\?>")
_EVENT_START = regex(r"<(?:[A-Za-z_][\w.-]{0,40}:)?Event[\s>]")
_EVENTS_START = regex(r"<(?:[A-Za-z_][\w.-]{0,40}:)?Events[\s>]")
_ROOT = "logscope-root"


def detect(head: bytes, name: str) -> str | None:
    """Event XML: an ``<Event>`` (or ``<Events>``) element with a ``<System>`` part."""
    if head[:8] == b"ElfFile\x00":
        return None
    text = head_text(head[: 1 << 16]).lstrip("\ufeff")
    start = _DECL.sub("", text, count=1).lstrip()
    if not start.startswith("<"):
        return None
    if (_EVENT_START.search(text[:4096]) or _EVENTS_START.search(text[:4096])) and (
        "<System>" in text or "<System " in text or ":System>" in text
    ):
        return KIND
    return None


def _local(tag: Any) -> str:
    if not isinstance(tag, str):
        return ""
    return tag.rsplit("}", 1)[-1]


def _text(el: Any) -> str:
    return "".join(el.itertext())


def record_from_element(event: Any) -> RawRecord:
    """Read one ``<Event>`` element (any namespace prefix) into a :class:`RawRecord`."""
    raw = RawRecord()
    for part in event:
        name = _local(part.tag)
        if name == "System":
            _read_system(part, raw)
        elif name == "EventData":
            _read_event_data(part, raw)
        elif name == "UserData":
            for child in part:
                if isinstance(child.tag, str):
                    raw.userdata = _local(child.tag)
                    _flatten(child, raw)
                    break
        elif name == "RenderingInfo":
            for child in part:
                cname = _local(child.tag)
                if cname == "Message":
                    raw.rendered_message = _text(child)
                elif cname == "Level":
                    raw.rendered_level = _text(child)
        elif name == "ProcessingErrorData":
            for child in part:
                if isinstance(child.tag, str):
                    raw.add(_local(child.tag), _text(child))
    return raw


def _read_system(system: Any, raw: RawRecord) -> None:
    for el in system:
        name = _local(el.tag)
        if name == "Provider":
            raw.provider = el.get("Name") or el.get("EventSourceName")
            raw.provider_guid = (el.get("Guid") or "").strip("{}").lower() or None
        elif name == "EventID":
            raw.event_id = parse_int(_text(el))
            raw.qualifiers = parse_int(el.get("Qualifiers"))
        elif name == "Level":
            raw.level = parse_int(_text(el))
        elif name == "Task":
            raw.task = _text(el)
        elif name == "Opcode":
            raw.opcode = _text(el)
        elif name == "Keywords":
            raw.keywords = _text(el)
        elif name == "TimeCreated":
            raw.time = parse_time(el.get("SystemTime"))
        elif name == "EventRecordID":
            raw.record_id = parse_int(_text(el))
        elif name == "Execution":
            raw.process_id = el.get("ProcessID")
            raw.thread_id = el.get("ThreadID")
        elif name == "Channel":
            raw.channel = _text(el)
        elif name == "Computer":
            raw.computer = _text(el)
        elif name == "Security":
            raw.user_id = el.get("UserID")


def _read_event_data(event_data: Any, raw: RawRecord) -> None:
    for el in event_data:
        name = _local(el.tag)
        if name == "Data":
            text = _text(el)
            if ARRAY_SEPARATOR in text:  # a string array from the python-evtx engine:
                # one insert per item, as evtx and Windows render it (Name, Name_1, ...)
                for item in text.split(ARRAY_SEPARATOR):
                    raw.add(el.get("Name"), item)
            else:
                raw.add(el.get("Name"), text)
        elif name == "ComplexData":
            raw.add(el.get("Name") or "ComplexData", _text(el))
        elif name == "Binary":
            raw.binary = _text(el).strip() or None


def _flatten(el: Any, raw: RawRecord) -> None:
    """UserData payload: leaf elements by local name, nested ones flattened in order."""
    for child in el:
        if not isinstance(child.tag, str):
            continue
        if len(child):
            _flatten(child, raw)
        else:
            text = _text(child)
            for item in text.split(ARRAY_SEPARATOR) if ARRAY_SEPARATOR in text else (text,):
                raw.add(_local(child.tag), item)


def record_from_xml(xml: str | bytes) -> RawRecord:
    """One record's XML text (python-evtx's ``record.xml()``) → :class:`RawRecord`."""
    from lxml import etree  # here, not at import: detection needs none of it (~5 ms)

    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False)
    if isinstance(xml, str):
        xml = xml.encode("utf-8", errors="surrogatepass")
    return record_from_element(etree.fromstring(xml, parser))


def _utf8_chunks(fh: Any, ledger: FileLedger) -> Iterator[bytes]:
    """The file re-encoded as UTF-8, leading BOM and XML declaration removed."""
    first = fh.read(_READ)
    codec, bom = sniff_encoding(first)
    decoder = codecs.getincrementaldecoder(codec)(errors="replace")
    text = decoder.decode(first[bom:])
    text = _DECL.sub("", text, count=1)
    replaced = text.count("\ufffd")
    yield text.encode("utf-8")
    while True:
        block = fh.read(_READ)
        if not block:
            break
        text = decoder.decode(block)
        replaced += text.count("\ufffd")
        yield text.encode("utf-8")
    tail = decoder.decode(b"", final=True)
    if tail:
        yield tail.encode("utf-8")
    if replaced:
        ledger.problem("file", f"{replaced} undecodable byte sequence(s) as {codec} replaced by U+FFFD")


def iter_event_elements(fh: IO[bytes], ledger: FileLedger) -> Iterator[tuple[int, Any]]:
    """``(ordinal, <Event> element)`` for every top-level event of an export, streaming.

    The element is cleared (and its predecessors dropped) once the consumer moves on, so
    memory stays bounded. An XML error ends the stream with a problem naming the line.
    """
    from lxml import etree

    parser = etree.XMLPullParser(
        events=("end",), resolve_entities=False, no_network=True, huge_tree=False,
        remove_comments=True, remove_pis=True,
    )
    ordinal = 0
    try:
        parser.feed(f"<{_ROOT}>".encode())
        for chunk in _utf8_chunks(fh, ledger):
            parser.feed(chunk)
            for event in _drain(parser):
                ordinal += 1
                yield ordinal, event
                _release(event)
        parser.feed(f"</{_ROOT}>".encode())
        parser.close()
        for event in _drain(parser):
            ordinal += 1
            yield ordinal, event
            _release(event)
    except etree.XMLSyntaxError as exc:
        # events completed before the error in the same fed block are still queued
        try:
            for event in _drain(parser):
                ordinal += 1
                yield ordinal, event
                _release(event)
        except etree.XMLSyntaxError:
            pass
        line = getattr(exc, "lineno", None) or "?"
        msg = str(exc.msg if hasattr(exc, "msg") else exc)
        if f"</{_ROOT}>" in msg or "Premature end" in msg or "EndTag" in msg:
            msg = f"{msg} (file truncated?)"
        ledger.problem(f"line {line}", f"XML error, reading stopped after {ordinal} event(s): {msg}",
                       "xml-error")
    ledger.info.setdefault("events_in_file", ordinal)


def _release(el: Any) -> None:
    """Drop an event (and everything before it) from the tree: bounded memory."""
    parent = el.getparent()
    el.clear()
    if parent is not None:
        while el.getprevious() is not None:
            del parent[0]


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Every ``<Event>`` of an export, in file order; XML errors end the file with a problem."""
    ledger.kind = KIND
    with source.open() as fh:
        for ordinal, el in iter_event_elements(fh, ledger):
            yield from _emit(el, ordinal, source, ledger)


def _drain(parser: Any) -> Iterator[Any]:
    for _action, el in parser.read_events():
        if _local(el.tag) != "Event":
            continue
        parent = el.getparent()
        # only top-level events (under the synthetic root or <Events>), never a nested
        # element that happens to be called Event inside a UserData payload
        if parent is not None and _local(parent.tag) not in (_ROOT, "Events"):
            continue
        yield el


def _emit(el: Any, ordinal: int, source: Source, ledger: FileLedger) -> Iterator[Event]:
    line = el.sourceline
    try:
        raw = record_from_element(el)
    except Exception as exc:  # noqa: BLE001 - a bad element must not end the file
        ledger.problem(f"line {line}, event {ordinal}", f"unreadable event: {exc}")
        ledger.skip("unreadable event")
        return
    if raw.event_id is None and raw.provider is None:
        ledger.problem(f"line {line}, event {ordinal}", "event without System/Provider and EventID")
        ledger.skip("event without System part")
        return
    ledger.records += 1
    locator = Locator(record=raw.record_id if raw.record_id is not None else ordinal, line=line)
    yield to_event(raw, kind=KIND, file=source.display, locator=locator)
