"""Binary Windows event logs (.evtx) through the Rust ``evtx`` engine, or python-evtx.

Why two engines: ``evtx`` (Rust, JSON parsed with orjson) is the default because it is two
to three orders of magnitude faster; python-evtx (``--engine python``) is an independent
second reading for disputed records. Both feed :mod:`evtx_normalize`, so a record reads the
same whichever engine produced it. Neither engine is trusted to report every loss: after
the records are read, :mod:`evtx_chunks` checks every chunk slot of the file against what
was produced and reports each gap (see ``check_completeness``).
"""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from ..events import Event, Locator
from ..ledger import FileLedger
from . import evtx_chunks
from .evtx_normalize import RawRecord, parse_int, parse_time, summary_event, to_event, to_text
from .source import IngestOptions, Source

KINDS = ("evtx",)
KIND = "evtx"
MAGIC = b"ElfFile\x00"
#: Consecutive failed items after which the Rust iterator is abandoned (never loop forever).
MAX_CONSECUTIVE_ERRORS = 10_000
#: Lost records tried for recovery per file (python-evtx is slow; bounded work).
MAX_RECOVER = 5_000


def detect(head: bytes, name: str) -> str | None:
    """An .evtx starts with the ``ElfFile\\0`` file-header magic."""
    return KIND if head[:8] == MAGIC else None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Every record of the file, then a completeness check over every chunk slot."""
    ledger.kind = KIND
    seen = evtx_chunks.RecordIdSet()
    failed: set[int] = set()  # ids python-evtx already failed on (not retried by recovery)
    skipped: set[int] = set()  # file offsets of chunks kept from every engine (see _prescan)
    if options.engine == "python":
        events = _parse_python(source, ledger, seen, failed)
    else:
        cuts, skipped = _prescan(source, ledger)
        events = _parse_rust(source, ledger, seen, options.extra.get("evtx_want"), cuts)  # type: ignore[arg-type]
    yield from events
    lost: list[tuple[int, int, int]] = []
    try:
        with source.open() as fh:
            evtx_chunks.check_completeness(fh, ledger, seen, lost)
    except OSError as exc:
        ledger.problem("file", f"completeness check not possible: {exc}")
    lost = [frame for frame in lost if frame[0] not in failed and frame[2] not in skipped]
    if lost and options.extra.get("evtx_recover", True):
        yield from _recover(source, ledger, lost, options.engine)


def _recover(source: Source, ledger: FileLedger, lost: list[tuple[int, int, int]],
             engine: str = "rust") -> Iterator[Event]:
    """Render lost but well-framed records; they are marked ``recovered``.

    The Rust engine renders them from a re-framed copy of their chunk (``evtx_reframe``,
    milliseconds); python-evtx (~4 ms a record) only tries those it could not, and is the
    only renderer with ``--engine python``. Each counts in ``records`` and ``recovered``
    and no longer in ``missing``.
    """
    from . import evtx_python
    from .evtx_xml import record_from_xml

    frames = lost[:MAX_RECOVER]
    rendered: set[int] = set()  # ``missing`` counts distinct ids: frames may repeat one
    by_engine = {"evtx": 0, "python-evtx": 0}

    def accept(record_id: int, raw: RawRecord, by: str) -> Event | None:
        if record_id in rendered:
            return None
        if raw.record_id is None:
            raw.record_id = record_id
        event = to_event(raw, kind=KIND, file=source.display, locator=Locator(record=record_id))
        event.data["recovered"] = True
        rendered.add(record_id)
        by_engine[by] += 1
        ledger.records += 1
        ledger.recovered += 1
        ledger.missing -= 1
        return event

    with source.open() as fh:
        if engine != "python":
            from .evtx_reframe import render_lost

            todo: list[tuple[int, int, int]] = []
            chunk_of = {(rid, off): chunk for rid, off, chunk in frames}
            for record_id, offset, text, error in render_lost(fh, frames):
                event = None
                if error is None and text is not None:
                    try:
                        event = accept(record_id, record_from_json(loads_record(text)), "evtx")
                    except Exception:  # noqa: BLE001 - garbage that parsed: python-evtx may do better
                        event = None
                if event is not None:
                    yield event
                elif record_id not in rendered:
                    todo.append((record_id, offset, chunk_of[(record_id, offset)]))
            frames = todo
        for record_id, _offset, xml, error in evtx_python.render_at(fh, frames):
            if error is not None or record_id in rendered:
                continue
            try:
                event = accept(record_id, record_from_xml(xml), "python-evtx")
            except Exception:  # noqa: BLE001 - a recovered record may be garbage: skip it
                continue
            if event is not None:
                yield event
    done = len(rendered)
    summary = ledger.info.get("evtx")
    if isinstance(summary, dict):
        summary["missing"] = ledger.missing
        summary["recovered"] = ledger.recovered
    how = ", ".join(f"{n} by {name}" for name, n in by_engine.items() if n) or "none rendered"
    ledger.problem("file", f"recovered {done} of {len(lost)} lost well-framed record(s) from damaged "
                           f"chunk areas ({how}; marked data.recovered)", "evtx-recovered")


def _prescan(source: Source, ledger: FileLedger) -> tuple[list[int], set[int]]:
    """What evtx 0.14.0 must not read, each reported: looping name/template chain links
    (cut: it would never finish) and chunks with a template that multiplies its values
    (kept from it whole, magic cut, and from recovery: one crafted record asks it for
    gigabytes, growing exponentially with nesting, and aborts the process). Returns the
    4-byte cuts and the skipped chunks' file offsets."""
    try:
        with source.open() as fh:
            cuts, amplifying = evtx_chunks.prescan(fh)
    except OSError:
        return [], set()  # the engine reports the unreadable file
    for at in cuts[:20]:
        chunk = (at - evtx_chunks.HEADER_SIZE) // evtx_chunks.CHUNK_SIZE
        ledger.problem(f"chunk {chunk}, offset 0x{at:X}", "name/template hash chain loops back on itself; "
                       "the link is cut for the engine, which would otherwise never finish", "evtx-chain-loop")
    if len(cuts) > 20:
        ledger.problem("file", f"{len(cuts) - 20} more looping chain links cut", "evtx-chain-loop")
    for at, templates in amplifying[:20]:
        chunk = (at - evtx_chunks.HEADER_SIZE) // evtx_chunks.CHUNK_SIZE
        where = ", ".join(f"0x{t:X}" for t in templates[:4])
        ledger.problem(f"chunk {chunk}, offset 0x{at:X}",
                       f"template(s) at chunk offset {where} use one value more than once "
                       "(rendering would multiply it without bound); chunk not read, its records "
                       "count as missing", "evtx-amplifying-template")
    if len(amplifying) > 20:
        ledger.problem("file", f"{len(amplifying) - 20} more chunks with value-multiplying "
                               "templates not read", "evtx-amplifying-template")
    for at, _templates in amplifying:
        cuts += [at, at + 4]  # the chunk magic reads as zero: the engine skips the slot
    return cuts, {at for at, _templates in amplifying}


def _open_target(source: Source, cuts: list[int] | None = None) -> Any:  # noqa: ANN401
    if cuts:
        return io.BufferedReader(_ZeroedLinks(source.open(), cuts), CHUNK_READ)
    return str(source.fs_path) if source.fs_path is not None else source.open()


#: Read size of the patched view (one chunk).
CHUNK_READ = 1 << 16


class _ZeroedLinks(io.RawIOBase):
    """A read-only view of a file in which the 4-byte links at ``cuts`` read as zero."""

    def __init__(self, raw: Any, cuts: list[int]) -> None:  # noqa: ANN401
        super().__init__()
        self._raw = raw
        self._cuts = sorted(cuts)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def seek(self, offset: int, whence: int = 0) -> int:
        return self._raw.seek(offset, whence)

    def tell(self) -> int:
        return self._raw.tell()

    def readinto(self, buf: Any) -> int:  # noqa: ANN401
        start = self._raw.tell()
        data = self._raw.read(len(buf))
        n = len(data)
        buf[:n] = data
        for at in self._cuts:
            lo, hi = max(at, start), min(at + 4, start + n)
            if lo < hi:
                buf[lo - start:hi - start] = bytes(hi - lo)
        return n

    def close(self) -> None:
        self._raw.close()
        super().close()


# --- Rust engine ---------------------------------------------------------------------


#: ``want(provider, event_id)``: whether anything downstream can use a record's full event:
#: True, False, or a test of the record's raw JSON text (an HRESULT written in it). Set by
#: ``analyze``; ``None`` = always build it, as ``logscope events`` needs. Asked once per
#: (provider, event id) of a file, so it may be slow.
Want = Callable[[str | None, int | None], "bool | Callable[[str], bool]"]


def _parse_rust(source: Source, ledger: FileLedger, seen: evtx_chunks.RecordIdSet,
                want: Want | None = None, cuts: list[int] | None = None) -> Iterator[Event]:
    import evtx  # deferred: importing the extension costs time for non-evtx runs

    target = _open_target(source, cuts)
    try:
        try:
            parser = evtx.PyEvtxParser(target, number_of_threads=1)
            records = parser.records_json()
        except Exception as exc:  # noqa: BLE001 - the engine raises RuntimeError/OSError
            ledger.problem("file header", f"evtx engine could not open the file: {exc}", "evtx-open")
            return
        fold = _Folder(want, source.display) if want is not None else None
        folded = 0
        # ids read so far as one open run (first, last), added to ``seen`` when it breaks
        run_first = run_last = -2
        consecutive = 0
        last_id: int | None = None
        while True:
            try:
                item = next(records)
            except StopIteration:
                break
            except Exception as exc:  # noqa: BLE001 - one bad record or chunk, keep going
                consecutive += 1
                where = f"after record {last_id}" if last_id is not None else "before first record"
                ledger.problem(where, f"evtx engine: {_short(exc)}", "evtx-record")
                if consecutive >= MAX_CONSECUTIVE_ERRORS:
                    ledger.problem(where, "too many consecutive errors; reading stopped")
                    break
                continue
            consecutive = 0
            record_id = item.get("event_record_id")
            try:
                text = item["data"]
                event = None
                if fold is not None:
                    event = fold(text, record_id)
                    if event is _FOLDED:
                        last_id = record_id
                        folded += 1
                        if record_id == run_last + 1:
                            run_last = record_id
                        elif type(record_id) is int:
                            seen.add_range(run_first, run_last)
                            run_first = run_last = record_id
                        continue
                if event is None:
                    raw = record_from_json(loads_record(text))
                    if raw.record_id is None:
                        raw.record_id = record_id
                    event = to_event(raw, kind=KIND, file=source.display,
                                     locator=Locator(record=record_id))
            except Exception as exc:  # noqa: BLE001 - a damaged record must not end the file
                ledger.problem(f"record {record_id}", f"unreadable record: {_short(exc)}")
                continue  # counted in ``missing`` by the completeness check
            last_id = record_id
            if record_id == run_last + 1:
                run_last = record_id
            elif type(record_id) is int:
                seen.add_range(run_first, run_last)
                run_first = run_last = record_id
            ledger.records += 1
            yield event
        seen.add_range(run_first, run_last)
        ledger.summarized += folded
    finally:
        if not isinstance(target, str):
            target.close()


#: Keys a :class:`_Folder` remembers (verdicts, summaries made) before it starts over: bounded
#: memory on a crafted log; a real one has a few hundred (provider, event id) pairs.
_MAX_KEYS = 10_000
#: Returned by :class:`_Folder` for a record that only counts (``ledger.summarized``).
_FOLDED: Any = object()


class _Folder:
    """Decides, per record, between a full event, a summary event, or no event at all.

    Why: in ``analyze`` almost every record is one no signature and no identity rule can
    use; building an event for each costs ~10x the parse. Such a record becomes a summary
    event (System fields) only when it is the first of its (provider, event id, channel,
    computer) in the file (what the identity table and role detection learn from); the
    others are counted in ``ledger.summarized`` (part of ``records``).

    The keys are read from the engine's JSON text by two patterns (the engine writes System
    in a fixed layout), not by parsing it: that is the per-record cost that
    matters. Any record the patterns do not fit takes the parsed path, which copes with
    every shape. The decision per (provider, event id) is cached; for keys whose signatures
    all need an HRESULT, a substring test on the record's EventData/UserData text decides.
    """

    __slots__ = ("want", "file", "verdicts", "reps")

    def __init__(self, want: Want, file: str) -> None:
        self.want = want
        self.file = file
        self.verdicts: dict[Any, Any] = {}
        self.reps: set[Any] = set()

    def __call__(self, text: str, record_id: Any) -> Event | None:  # noqa: ANN401
        """``_FOLDED``, a summary event, or None (build the full event)."""
        m = _SYSTEM_KEYS.search(text, 0, 4096)
        if m is None:
            return self._parsed(text, record_id)
        end = m.end()
        tail = _SYSTEM_TAIL.search(text, end, end + 4096)
        if tail is None:
            return self._parsed(text, record_id)
        if tail.start() - end > _SYSTEM_SPAN and text.find('Data":', end, tail.start()) >= 0:
            return self._parsed(text, record_id)  # Channel/Computer not where System has them
        name, plain, qualified = m.groups()
        key = (name, plain or qualified)
        verdict = self.verdicts.get(key)
        if verdict is None:
            if len(self.verdicts) >= _MAX_KEYS:  # a crafted log with endless provider names
                self.verdicts.clear()
            verdict = self.verdicts[key] = self.want(name or None, int(plain or qualified))
        if verdict is True or (verdict is not False and verdict(text[tail.end():])):
            return None
        rep = (key, tail.groups())
        if rep in self.reps:
            return _FOLDED
        if len(self.reps) < _MAX_KEYS:
            self.reps.add(rep)
        return self._summary(orjson.loads(text)["Event"]["System"], record_id)

    def _parsed(self, text: str, record_id: Any) -> Event | None:  # noqa: ANN401
        """The same decision from the parsed JSON (any layout; damaged records too)."""
        obj = orjson.loads(text)
        event = obj.get("Event") if type(obj) is dict else None
        system = event.get("System") if type(event) is dict else None
        if type(system) is not dict:
            return None
        provider = _attrs(system.get("Provider"))
        name = provider.get("Name") or provider.get("EventSourceName")
        eid = system.get("EventID")
        if type(eid) is dict:
            eid = eid.get("#text")
        if type(name) not in (str, type(None)) or type(eid) not in (int, str, type(None)):
            return None  # a damaged System block: the full path copes with any shape
        eid = eid if type(eid) is int else parse_int(eid)
        gate = self.want(name or None, eid)
        if gate is True or (gate is not False and gate(text)):
            return None
        return self._summary(system, record_id)  # rare: no folding without the fast keys

    def _summary(self, system: dict[str, Any], record_id: Any) -> Event:  # noqa: ANN401
        raw = RawRecord()
        _read_system(system, raw)
        if raw.record_id is None:
            raw.record_id = record_id
        return summary_event(raw, kind=KIND, file=self.file, locator=Locator(record=record_id))


#: Provider name and event id as the engine writes System (Guid / EventSourceName
#: optional, EventID plain or with Qualifiers). Linear: no nested repetition.
_SYSTEM_KEYS = re.compile(
    r'"System":\{"Provider":\{"#attributes":\{"Name":"([^"\\]*)"'
    r'(?:,"Guid":"[^"\\]*")?(?:,"EventSourceName":"[^"\\]*")?\}\},'
    r'"EventID":(?:(\d{1,10})\b|\{"#attributes":\{"Qualifiers":[^{}"]*\},"#text":(\d{1,10})\})')
#: Characters System's own fields between EventID and Channel take at most (Version, Level,
#: Task, Opcode, Keywords, TimeCreated, EventRecordID, Correlation, Execution: ~450 written
#: out in full). A longer gap is checked for a body element before Channel is trusted.
_SYSTEM_SPAN = 600
#: Channel, Computer and Security, which close System. Outside a JSON string (where quotes
#: are escaped) only the engine's own System can write this sequence before the body.
_SYSTEM_TAIL = re.compile(r'"Channel":(?:"([^"\\]*)"|null),"Computer":(?:"([^"\\]*)"|null),'
                          r'"Security":(?:null|\{"#attributes":\{[^{}]*\}\})\}')


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


def loads_record(text: str, obj: Any = None) -> dict[str, Any]:  # noqa: ANN401
    """The engine's JSON for one record (``obj``: already parsed), keeping repeated
    ``EventData`` names.

    evtx renders repeated named ``<Data>`` (a named string array: AppReadiness
    ``PackageInfo`` x50, Security 4648 ``LogonGuid`` x2) as a repeated JSON key; a plain
    parse keeps only the last value. A cheap count of keys in the raw text detects that
    case, which is then parsed again keeping every value (``Name``, ``Name_1``, ...).
    """
    if obj is None:
        obj = orjson.loads(text)
    event = obj.get("Event") if type(obj) is dict else None
    data = event.get("EventData") if type(event) is dict else None
    if type(data) is dict:
        at = text.find('"EventData":')
        raw_keys = text.count('":', at + 12) if at >= 0 else 0
        if raw_keys > len(data) and raw_keys > _count_keys(data):
            return json.loads(text, object_pairs_hook=_keep_repeats)
    return obj


def _count_keys(value: Any) -> int:
    if type(value) is dict:
        return len(value) + sum(_count_keys(v) for v in value.values() if type(v) in (dict, list))
    if type(value) is list:
        return sum(_count_keys(v) for v in value if type(v) in (dict, list))
    return 0


def _keep_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        name, n = key, 1
        while name in out:
            name = f"{key}_{n}"
            n += 1
        out[name] = value
    return out


def record_from_json(obj: dict[str, Any]) -> RawRecord:
    """The Rust engine's JSON rendering of one record → :class:`RawRecord`."""
    raw = RawRecord()
    event = obj.get("Event") or {}
    if not isinstance(event, dict):
        return raw
    system = event.get("System") or {}
    if isinstance(system, dict):
        _read_system(system, raw)
    event_data = event.get("EventData")
    if isinstance(event_data, dict):
        _read_event_data(event_data, raw)
    elif event_data not in (None, ""):
        raw.add(None, to_text(event_data))
    user_data = event.get("UserData")
    if isinstance(user_data, dict):
        for name, payload in user_data.items():
            if name == "#attributes":
                continue
            raw.userdata = name.split(":")[-1]
            if isinstance(payload, dict):
                _flatten(payload, raw)
            else:
                raw.add(raw.userdata, to_text(payload))
            break
    errors = event.get("ProcessingErrorData")
    if isinstance(errors, dict):
        _flatten(errors, raw)
    rendering = event.get("RenderingInfo")
    if isinstance(rendering, dict):
        raw.rendered_message = to_text(rendering.get("Message")) or None
        raw.rendered_level = to_text(rendering.get("Level")) or None
    return raw


def _attrs(value: Any) -> dict[str, Any]:
    if type(value) is dict:
        attrs = value.get("#attributes")
        if type(attrs) is dict:
            return attrs
    return _EMPTY


_EMPTY: dict[str, Any] = {}


def _str(value: Any) -> str:
    """Text of a JSON value (fast path for the usual string)."""
    return value if type(value) is str else to_text(value)


def _read_system(system: dict[str, Any], raw: RawRecord) -> None:
    # _str everywhere: a damaged record can put any JSON type in any place
    get = system.get
    provider = _attrs(get("Provider"))
    raw.provider = _str(provider.get("Name") or provider.get("EventSourceName")) or None
    guid = provider.get("Guid")
    if guid:
        raw.provider_guid = _str(guid).strip("{}").lower() or None
    event_id = get("EventID")
    if type(event_id) is dict:
        raw.qualifiers = parse_int(_attrs(event_id).get("Qualifiers"))
        event_id = event_id.get("#text")
    raw.event_id = event_id if type(event_id) is int else parse_int(event_id)
    level = get("Level")
    raw.level = level if type(level) is int else parse_int(level)
    raw.time = parse_time(_str(_attrs(get("TimeCreated")).get("SystemTime")))
    record_id = get("EventRecordID")
    raw.record_id = record_id if type(record_id) is int else parse_int(record_id)
    raw.channel = _str(get("Channel")) or None
    raw.computer = _str(get("Computer")) or None
    user = _attrs(get("Security")).get("UserID")
    raw.user_id = _str(user) if user else None
    # Task, Opcode, Keywords and Execution are not used downstream (skipped for speed)


_SPECIAL_KEYS = frozenset(("#attributes", "Binary", "Data", "ComplexData"))


def _read_event_data(event_data: dict[str, Any], raw: RawRecord) -> None:
    data, inserts, names = raw.data, raw.inserts, raw.insert_names
    for key, value in event_data.items():
        if type(value) is str and key not in _SPECIAL_KEYS and key not in data and value.isprintable():
            # the common case inlined (hot loop): a named Data with plain text
            inserts.append(value)
            names.append(key)
            data[key] = value
            continue
        if key == "#attributes":
            continue
        if key == "Binary":
            text = to_text(value).strip()
            raw.binary = text or None
        elif key == "Data" and isinstance(value, dict):
            # unnamed <Data>: {"#text": [..]} for several, {"#text": v} for one; a bare
            # value under "Data" is a <Data Name="Data"> (handled as named below)
            text = value.get("#text", "")
            for item in text if isinstance(text, list) else [text]:
                raw.add(None, to_text(item))
        elif key == "ComplexData" or key.startswith("ComplexData_"):  # evtx suffixes repeats
            for item in value if isinstance(value, list) else [value]:
                raw.add(_attrs(item).get("Name") or "ComplexData", to_text(item))
        else:
            raw.add(key, value if type(value) is str else to_text(value))


def _flatten(payload: dict[str, Any], raw: RawRecord) -> None:
    """UserData payload: leaf values by name, nested elements flattened in order."""
    for key, value in payload.items():
        if key in ("#attributes", "#text"):
            continue
        name = key.split(":")[-1]
        if isinstance(value, dict) and any(k not in ("#attributes", "#text") for k in value):
            _flatten(value, raw)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and any(k not in ("#attributes", "#text") for k in item):
                    _flatten(item, raw)
                else:
                    raw.add(name, to_text(item))
        else:
            raw.add(name, to_text(value))


# --- python-evtx engine -------------------------------------------------------------


def _parse_python(source: Source, ledger: FileLedger, seen: evtx_chunks.RecordIdSet,
                  failed: set[int]) -> Iterator[Event]:
    """python-evtx over EVERY chunk slot (its normal API stops at the header's chunk count)."""
    from . import evtx_python
    from .evtx_xml import record_from_xml

    with source.open() as fh:
        for record_id, offset, xml, error in evtx_python.records(fh, ledger):
            where = f"offset 0x{offset:X}, record {record_id}"
            if error is not None:
                ledger.problem(where, f"python-evtx: {error}", "evtx-record")
                if isinstance(record_id, int):
                    failed.add(record_id)
                continue
            try:
                raw = record_from_xml(xml)
                if raw.record_id is None:
                    raw.record_id = record_id
                event = to_event(raw, kind=KIND, file=source.display, locator=Locator(record=record_id))
            except Exception as exc:  # noqa: BLE001 - python-evtx can emit broken XML
                ledger.problem(where, f"python-evtx rendered unreadable XML: {_short(exc)}")
                if isinstance(record_id, int):
                    failed.add(record_id)
                continue  # counted in ``missing`` by the completeness check
            if isinstance(record_id, int):
                seen.add(record_id)
            ledger.records += 1
            yield event
