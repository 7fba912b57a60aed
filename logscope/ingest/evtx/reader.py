"""Binary Windows event logs (.evtx) through the Rust ``evtx`` engine, or python-evtx.

Why two engines: ``evtx`` (Rust, JSON parsed with orjson) is the default because it is two
to three orders of magnitude faster; python-evtx (``--engine python``) is an independent
second reading for disputed records. Both feed :mod:`normalize`, so a record reads the
same whichever engine produced it. Neither engine is trusted to report every loss: after
the records are read, :mod:`chunks` checks every chunk slot of the file against what
was produced and reports each gap (see ``check_completeness``).

The Rust pass, module by module: :mod:`slots` (the file as the engine reads it, each slot
read once: :mod:`guard` / :mod:`prescan` for what the engine must not read, and in
``analyze`` :mod:`chunk_gate` / :mod:`chunk_keys` for chunks no record of which can matter),
:mod:`fold` (in ``analyze``: which records become events at all), :mod:`engine_json` (the
engine's JSON → RawRecord), :mod:`reframe` (lost records rendered again). Here: the record
loop (not started when every chunk is skipped), recovery, and the python-evtx pass.
"""

from __future__ import annotations

import io
import re
from collections.abc import Iterator

from ...events import Event, Locator
from ...ledger import FileLedger
from ...signals import check as check_stop
from ..source import IngestOptions, Source
from . import completeness, guard
from .engine_json import loads_record, record_from_json
from .fold import FOLDED, Folder, Want
from .guard import CHUNK_READ
from .chunks import CHUNK_SIZE, HEADER_SIZE
from .normalize import RawRecord, summary_event, to_event
from .repeats import INERT_KEY, Inert, build
from .slots import SlotView

KINDS = ("evtx",)
KIND = "evtx"
MAGIC = b"ElfFile\x00"
#: Consecutive failed items after which the Rust iterator is abandoned (never loop forever).
MAX_CONSECUTIVE_ERRORS = 10_000
#: The engine's name for the chunk a read error is about (the evtx crate's message).
_CHUNK_NUMBER = re.compile(r"chunk number (\d+)\b")
#: Lost records tried for recovery per file (python-evtx is slow; bounded work).
MAX_RECOVER = 5_000


def detect(head: bytes, name: str) -> str | None:
    """An .evtx starts with the ``ElfFile\\0`` file-header magic."""
    return KIND if head[:8] == MAGIC else None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Every record of the file, then a completeness check over every chunk slot."""
    ledger.kind = KIND
    seen = completeness.RecordIdSet()
    failed: set[int] = set()  # ids python-evtx already failed on (not retried by recovery)
    skipped: set[int] = set()  # file offsets of chunks kept from every engine (guard)
    lost: list[tuple[int, int, int]] = []
    if options.engine == "python":
        yield from _parse_python(source, ledger, seen, failed)
        try:
            with source.open() as fh:
                completeness.check_completeness(fh, ledger, seen, lost)
        except OSError as exc:
            ledger.problem("file", f"completeness check not possible: {exc}")
    else:
        want: Want | None = options.extra.get("evtx_want")  # type: ignore[assignment]
        gate = options.extra.get("evtx_chunk_gate") if want is not None else None
        at = len(ledger.problems)
        hosts: set[str] = set()  # computer names the file's events gave
        try:
            view = SlotView(source.open(), gate, seen, want,  # type: ignore[arg-type]
                            record_skip=bool(options.extra.get("evtx_record_skip", True)))
        except OSError as exc:
            ledger.problem("file header", f"evtx engine could not open the file: {exc}", "evtx-open")
            return
        try:
            if gate is None or not _engine_reads_nothing(view):
                yield from _parse_rust(source, ledger, seen, want, view, hosts,
                                       options.extra.get(INERT_KEY) or None)
            yield from _host_events(view, hosts, source, ledger)
            try:
                view.drain()
                guard.insert_problems(ledger, at, guard.hazard_problems(
                    view.guard.cuts, view.guard.amplifying, view.guard.over_budget))
                # a skipped chunk's records count as summarized, but for those that stand
                # for a host in a summary event of their own (``_host_events``)
                ledger.summarized += view.skipped_records - view.hosts_given
                guard.skip_over_budget(view.raw, view.guard.over_budget, ledger, seen)
                skipped = view.guard.hidden
                summary = completeness.check_completeness(view.raw, ledger, seen, lost,
                                                          slots=view.chunk_list(), head=view.header,
                                                          header=view.file_header)
                if view.skipped:  # chunks nothing could use: counted, never rendered
                    summary["chunks_skipped"] = len(view.skipped)
                if view.skipped_records:
                    summary["records_skipped"] = view.skipped_records
                if view.records_skipped:  # of those, inside chunks the engine read
                    summary["records_skipped_inside"] = view.records_skipped
            except OSError as exc:
                ledger.problem("file", f"completeness check not possible: {exc}")
        finally:
            view.release()
    lost = [frame for frame in lost if frame[0] not in failed and frame[2] not in skipped]
    if lost and options.extra.get("evtx_recover", True):
        yield from _recover(source, ledger, lost, options.engine)


def _recover(source: Source, ledger: FileLedger, lost: list[tuple[int, int, int]],
             engine: str = "rust") -> Iterator[Event]:
    """Render lost but well-framed records; they are marked ``recovered``.

    The Rust engine renders them from a re-framed copy of their chunk (``reframe``,
    milliseconds); python-evtx (~4 ms a record) only tries those it could not, but for
    those whose template evtx found missing from the chunk (``reframe.unrenderable``), and
    is the only renderer with ``--engine python``. Each counts in ``records`` and ``recovered``
    and no longer in ``missing``.
    """
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
            from .reframe import render_lost, unrenderable

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
                elif record_id not in rendered and not unrenderable(error):
                    todo.append((record_id, offset, chunk_of[(record_id, offset)]))
            frames = todo
        if frames:  # python-evtx (import ~6 ms: pyevtx_import) only for what evtx did not render
            from . import python_engine

            for record_id, _offset, xml, error in python_engine.render_at(fh, frames):
                if error is not None or record_id in rendered:
                    continue
                # the text readers (~8 ms of imports) only once python-evtx rendered one: on
                # the corpus it renders none of what evtx could not
                from ..eventlog_text.xml_export import record_from_xml

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


# --- Rust engine ---------------------------------------------------------------------


def _engine_reads_nothing(view: SlotView) -> bool:
    """Every chunk slot is skipped (or all zeros) and the file header is whole and intact:
    the engine, given only zeros after the header, would give no record and no error."""
    return len(view.header) == HEADER_SIZE and view.file_header.checksum_ok and view.predecide()


def _host_events(view: SlotView, hosts: set[str], source: Source,
                 ledger: FileLedger) -> Iterator[Event]:
    """A summary event for each computer name of a skipped chunk that no event of the file
    gave (as a record of that chunk would have: the identity table learns machines from
    summary events). Given last, so a name some read record gives is never given twice."""
    for name, first_id in view.skipped_hosts.items():
        if name in hosts:
            continue
        raw = RawRecord(computer=name, record_id=first_id)
        ledger.records += 1
        view.hosts_given += 1
        yield summary_event(raw, kind=KIND, file=source.display, locator=Locator(record=first_id))


def _parse_rust(source: Source, ledger: FileLedger, seen: completeness.RecordIdSet,
                want: Want | None = None, view: SlotView | None = None,
                hosts: set[str] | None = None, inert: Inert | None = None) -> Iterator[Event]:
    """The engine's records through ``view`` (default: the whole file, no chunk skipped);
    ``inert``: which repeated events need not be built (``repeats.INERT_KEY``)."""
    if view is None:
        view = SlotView(source.open(), seen=seen)
        try:
            yield from _parse_rust(source, ledger, seen, want, view, hosts, inert)
        finally:
            view.release()
        return
    import evtx  # deferred: importing the extension costs time for non-evtx runs

    hosts = set() if hosts is None else hosts
    target = io.BufferedReader(view, CHUNK_READ)
    try:
        parser = evtx.PyEvtxParser(target, number_of_threads=1)
        records = parser.records_json()
    except Exception as exc:  # noqa: BLE001 - the engine raises RuntimeError/OSError
        check_stop()  # a stop raised in our reader comes back as the engine's read error
        ledger.problem("file header", f"evtx engine could not open the file: {exc}", "evtx-open")
        return
    fold = Folder(want, source.display, KIND, inert) if want is not None else None
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
            check_stop()  # a stop raised in our reader comes back as the engine's read error
            consecutive += 1
            if view.skipped_tail is not None:  # records counted in a skipped chunk came last
                last_id, view.skipped_tail = view.skipped_tail, None
            where = f"after record {last_id}" if last_id is not None else "before first record"
            if _guard_hid(exc, view):
                # counted, not listed: the guard's own entry names the chunk and why
                info = ledger.info
                info["engine_errors_on_hidden_chunks"] = info.get("engine_errors_on_hidden_chunks", 0) + 1
            else:
                ledger.problem(where, f"evtx engine: {_short(exc)}", "evtx-record")
            if consecutive >= MAX_CONSECUTIVE_ERRORS:
                ledger.problem(where, "too many consecutive errors; reading stopped")
                break
            continue
        consecutive = 0
        if view.skipped_tail is not None:
            view.skipped_tail = None
        record_id = item.get("event_record_id")
        skipped = view.take_run(record_id) if view.runs else None
        try:
            text = item["data"]
            event = None
            if fold is not None:
                event = fold(text, record_id)
                if event is FOLDED:
                    last_id = record_id
                    folded += 1
                    if record_id == run_last + 1:
                        run_last = record_id
                    elif type(record_id) is int:
                        seen.add_range(run_first, run_last)
                        run_first = run_last = record_id
                    if skipped is not None:  # records the engine skipped after this one
                        run_last = last_id = skipped[1]
                    continue
            if event is None:
                event = build(text, record_id, KIND, source.display)
        except Exception as exc:  # noqa: BLE001 - a damaged record must not end the file
            ledger.problem(f"record {record_id}", f"unreadable record: {_short(exc)}")
            if skipped is not None:
                view.runs[record_id] = skipped  # taken as read at the end
            continue  # counted in ``missing`` by the completeness check
        last_id = record_id
        if record_id == run_last + 1:
            run_last = record_id
        elif type(record_id) is int:
            seen.add_range(run_first, run_last)
            run_first = run_last = record_id
        if skipped is not None:
            run_last = last_id = skipped[1]
        ledger.records += 1
        if event.host is not None:
            hosts.add(event.host)  # names of skipped chunks given none: ``_host_events``
        yield event
    seen.add_range(run_first, run_last)
    for first, last in view.untaken_runs():  # after a record the engine gave as an error
        seen.add_range(first, last)
    ledger.summarized += folded


def _guard_hid(exc: BaseException, view: SlotView) -> bool:
    """Whether the engine's error is its complaint about a chunk the guard hid by zeroing its
    magic: that chunk already has its own problem entry saying why (``guard``), and a second
    one ("Invalid EVTX chunk header magic") would blame the file for our own cut."""
    text = str(exc)
    found = _CHUNK_NUMBER.search(text)
    if found is None or "header magic" not in text:
        return False
    return HEADER_SIZE + int(found.group(1)) * CHUNK_SIZE in view.guard.hidden


def _short(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text if len(text) <= 300 else text[:297] + "..."


# --- python-evtx engine -------------------------------------------------------------


def _parse_python(source: Source, ledger: FileLedger, seen: completeness.RecordIdSet,
                  failed: set[int]) -> Iterator[Event]:
    """python-evtx over EVERY chunk slot (its normal API stops at the header's chunk count)."""
    from ..eventlog_text.xml_export import record_from_xml
    from . import python_engine

    with source.open() as fh:
        for record_id, offset, xml, error in python_engine.records(fh, ledger):
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
