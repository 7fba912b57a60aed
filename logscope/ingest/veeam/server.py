"""Veeam server logs (kind ``veeam``) as Events: entries in UTC when the offset is known.

Time rule (issue 6): each run's header states the offset (``header``), following DST changes
from run to run; a run header without the ``UTC offset`` line but with ``UTC Time`` gives it
from its first entry; otherwise ``--veeam-utc-offset`` (``flag``); otherwise the wall time is
kept, tagged UTC, as ``local`` for the correlation stage to infer.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

from ...events import UTC, Event, Locator
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from . import entities
from .fold import Folded
from .header import RunHeader
from .lines import Entry, iter_records
from .paths import classify

#: A folded entry's time is valid (plain.SERVER_LINE): only how it would be converted matters.
_ANY_WALL = datetime(2000, 1, 1)
#: Run headers kept in ``ledger.info["runs"]`` (a long log has one per job run).
MAX_RUNS_LISTED = 50


class _Context:
    """What earlier lines of the same file told us (job, sessions, task → VM)."""

    def __init__(self, source: Source) -> None:
        self.path = classify(source.display)
        self.job_name = self.path.job_name
        self.job_named_in_log = False
        self.job_id: str | None = None
        self.job_session_id: str | None = None
        self.task_vms: dict[str, str] = {}
        self.task_vm = self.path.vm_name
        self.host = source.host_hint
        #: the export's per-server folder, else the folder the bundle walker saw
        self.server = self.path.server or source.host_hint


def _resolve_time(
    wall: datetime | None, run: RunHeader | None, options: IngestOptions
) -> tuple[datetime | None, str, timedelta | None]:
    if wall is None:
        return None, "none", None
    if run is not None and run.utc_offset is not None:
        return (wall - run.utc_offset).replace(tzinfo=UTC), "header", run.utc_offset
    if options.veeam_utc_offset is not None:
        off = options.veeam_utc_offset
        return (wall - off).replace(tzinfo=UTC), "flag", off
    return wall.replace(tzinfo=UTC), "local", None


def parse_server_log(
    lines: Iterator[tuple[int, str] | Folded], source: Source, ledger: FileLedger, options: IngestOptions
) -> Iterator[Event]:
    """Events for every entry of a Job/Task/Agent/Svc log."""
    ctx = _Context(source)
    runs: list[dict[str, object]] = []
    sources: dict[str, int] = {}
    if ctx.server:
        ledger.info["server"] = ctx.server
    ledger.info["log_type"] = ctx.path.log_type
    last_offset: timedelta | None = None
    run: RunHeader | None = None
    fresh_run = False
    for rec in iter_records(lines, ledger):
        if type(rec) is Folded:
            count_folded(rec, run, options, ledger, sources)
            continue
        if isinstance(rec, RunHeader):
            run, fresh_run = rec, True
            _take_header(rec, ctx)
            if len(runs) < MAX_RUNS_LISTED:
                runs.append(rec.as_dict())
                ledger.info["runs"] = runs
            continue
        if fresh_run and run is not None:
            fresh_run = False
            derive_offset(run, rec.wall, ledger)
            if run.utc_offset is not None:
                if last_offset is not None and run.utc_offset != last_offset:
                    ledger.info.setdefault("offset_changes", []).append(
                        {"line": run.line, "from_minutes": int(last_offset.total_seconds() // 60),
                         "to_minutes": int(run.utc_offset.total_seconds() // 60)})
                last_offset = run.utc_offset
        if rec.wall is None:
            ledger.problem(f"line {rec.line}",
                           f"impossible date [{rec.stamp}]; entry kept without time",
                           "bad-time")
        ledger.records += 1
        ev = _event(rec, ctx, source, options)
        sources[ev.time_source] = sources.get(ev.time_source, 0) + 1
        ledger.info["time_sources"] = sources
        yield ev


def count_folded(rec: Folded, run: RunHeader | None, options: IngestOptions, ledger: FileLedger,
                 sources: dict[str, int]) -> None:
    """Entries counted, not parsed: each would have been an event of this run, its time
    converted as the run's are (also used by the agent logs)."""
    rec.count_in(ledger)
    kind = _resolve_time(_ANY_WALL, run, options)[1]
    sources[kind] = sources.get(kind, 0) + rec.count
    ledger.info["time_sources"] = sources


def derive_offset(run: RunHeader, first_wall: datetime | None, ledger: FileLedger) -> None:
    """A run header without ``UTC offset`` but with ``UTC Time``: the offset from the first
    entry after it (also used by the agent logs, which share the header)."""
    if run.utc_offset is None and first_wall is not None:
        derived = run.offset_from_first_entry(first_wall)
        if derived is not None:
            run.utc_offset = derived
            ledger.problem(f"line {run.line}",
                           "run header has no 'UTC offset' line; offset taken from its "
                           "'UTC Time' and the first entry", "offset-derived")


def _take_header(run: RunHeader, ctx: _Context) -> None:
    if run.machine:
        ctx.host = run.machine
    if run.job_id:
        ctx.job_id = run.job_id
    if run.job_session_id:
        ctx.job_session_id = run.job_session_id


def _event(entry: Entry, ctx: _Context, source: Source, options: IngestOptions) -> Event:
    run = entry.header
    time, time_source, offset = _resolve_time(entry.wall, run, options)
    text = entry.text
    ev = Event(
        kind="veeam",
        file=source.display,
        locator=Locator(line=entry.line, end_line=entry.end_line),
        time=time,
        time_source=time_source,
        timestamp_desc="Veeam log entry written",
        message=text,
        host=ctx.host or ctx.server,
        level=entry.level,
        utc_offset=offset,
    )
    d = ev.data
    d["thread"] = entry.thread
    if entry.tag:
        d["tag"] = entry.tag
    d["indent"] = entry.indent
    if entry.frames:
        d["stack_frames"] = entry.frames
    if entry.prefix_tag:
        d["prefix_tag"] = entry.prefix_tag
    if entry.quoted:
        d["quoted_by"] = entry.quoted
    if ctx.server:
        d["server"] = ctx.server
    d["log_type"] = ctx.path.log_type
    if run is not None:
        d["run"] = run.index
        if run.version:
            d["product_version"] = run.version
    found = entities.extract(text)
    entities.apply(ev, found)
    # context: names seen earlier in the file apply to later entries
    if "job" in found:
        ctx.job_name = found["job"]
        ctx.job_named_in_log = True
    elif ev.job_name is None:
        ev.job_name = ctx.job_name
    if "job_id" in d:
        ctx.job_id = str(d["job_id"])
    elif ctx.job_id:
        d["job_id"] = ctx.job_id
    if "job_session_id" in d:
        ctx.job_session_id = str(d["job_session_id"])
    elif ctx.job_session_id:
        d["job_session_id"] = ctx.job_session_id
    task = d.get("task_session_id")
    if task and ev.vm_name:
        ctx.task_vms[str(task)] = ev.vm_name
    elif task and ev.vm_name is None:
        ev.vm_name = ctx.task_vms.get(str(task))
    if ev.vm_name is None and ctx.path.log_type == "task":
        ev.vm_name = ctx.task_vm
    return ev
