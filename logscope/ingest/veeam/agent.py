"""Veeam Agent, data mover (``Agent.*.Source.log``, ``Agent.*.Index.log``), deployment service
and installer logs (kind ``veeam-agent``) as Events.

Times are the wall clock of the machine that wrote the log: a run header's ``UTC offset``
(or ``UTC Time`` with the first entry) converts them (``header``), else
``--veeam-utc-offset`` (``flag``), else they stay ``local`` -- the same rule and code as the
server logs (``server._resolve_time``), so correlation treats both alike.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from functools import partial
from datetime import timedelta

from ...events import Event, Locator
from ...ledger import FileLedger
from ..codes import apply_codes
from ..source import IngestOptions, Source
from . import entities
from .agent_lines import AgentEntry, iter_agent_records
from .fold import Folded
from .header import RunHeader
from .paths import classify
from .repeats import Repeats, rule_for
from .server import MAX_RUNS_LISTED, _resolve_time, count_folded, derive_offset

#: Components counted in ``info.components`` (the first ones seen; then counting stops).
MAX_COMPONENTS = 64


def parse_agent_log(
    lines: Iterator[tuple[int, str] | Folded], source: Source, ledger: FileLedger,
    options: IngestOptions
) -> Iterator[Event]:
    """Events for every entry of an agent-format log (a folded stretch: counted)."""
    path = classify(source.display)
    host = source.host_hint
    runs: list[dict[str, object]] = []
    sources: dict[str, int] = {}
    components: dict[str, int] = {}
    run: RunHeader | None = None
    fresh_run = False
    quote_warned = False
    hits_of = rule_for("veeam-agent", options.extra)
    repeats = Repeats(ledger, hits_of) if hits_of is not None else None
    for rec in iter_agent_records(lines, ledger):
        if type(rec) is Folded:
            count_folded(rec, run, options, ledger, sources)
            if rec.tags and _count_components(components, rec.tags):
                ledger.info["components"] = components
            continue
        if isinstance(rec, RunHeader):
            run, fresh_run = rec, True
            host = rec.machine or host
            if len(runs) < MAX_RUNS_LISTED:
                runs.append(rec.as_dict())
                ledger.info["runs"] = runs
            continue
        if fresh_run and run is not None:
            fresh_run = False
            derive_offset(run, rec.wall, ledger)
        if rec.wall is None:
            ledger.problem(f"line {rec.line}",
                           f"impossible date [{rec.stamp}]; entry kept without time", "bad-time")
        if rec.quoted and not quote_warned:
            quote_warned = True
            ledger.problem(f"line {rec.line}",
                           f"log prefix after quoted text {rec.quoted!r}: a pasted log",
                           "quoted-log")
        ledger.records += 1
        if rec.component and len(components) < MAX_COMPONENTS:
            components[rec.component] = components.get(rec.component, 0) + 1
            ledger.info["components"] = components
        if repeats is not None:
            text = rec.text
            key = (text, rec.level, rec.component, rec.marker, rec.traces, rec.quoted,
                   rec.thread, rec.header.index if rec.header else 0, host, rec.wall is None)
            if repeats.counted(key, text, partial(_event, rec, source, options, host,
                                                  path.log_type), rec.end_line - rec.line + 1):
                tsource = _resolve_time(rec.wall, rec.header, options)[1]
                sources[tsource] = sources.get(tsource, 0) + 1
                continue
        ev = _event(rec, source, options, host, path.log_type)
        sources[ev.time_source] = sources.get(ev.time_source, 0) + 1
        ledger.info["time_sources"] = sources
        yield ev
    if repeats is not None:
        yield from repeats.finish()


def _count_components(components: dict[str, int], names: list[bytes]) -> bool:
    """Count a folded stretch's components (in file order, b"" for none) as the line-by-line
    read does: each while fewer than MAX_COMPONENTS are known. Whether any was counted."""
    if len(components) >= MAX_COMPONENTS:
        return False
    counts = Counter(names)
    counts.pop(b"", None)
    found = {n.decode("ascii"): k for n, k in counts.items()}  # plain lines are ASCII
    if len(components) + sum(1 for n in found if n not in components) < MAX_COMPONENTS:
        for n, k in found.items():  # the cap is never reached: counting order does not matter
            components[n] = components.get(n, 0) + k
        return bool(found)
    counted = False
    for raw in names:
        if raw and len(components) < MAX_COMPONENTS:
            n = raw.decode("ascii")
            components[n] = components.get(n, 0) + 1
            counted = True
    return counted


def _event(entry: AgentEntry, source: Source, options: IngestOptions, host: str | None,
           log_type: str | None) -> Event:
    time, time_source, offset = _resolve_time(entry.wall, entry.header, options)
    text = entry.text
    ev = Event(
        kind="veeam-agent",
        file=source.display,
        locator=Locator(line=entry.line, end_line=entry.end_line),
        time=time,
        time_source=time_source,
        timestamp_desc="Veeam agent log entry written",
        message=text,
        host=host,
        level=entry.level,
        utc_offset=offset if isinstance(offset, timedelta) else None,
    )
    d = ev.data
    d["thread"] = entry.thread
    if entry.component:
        d["component"] = entry.component
    if entry.marker and entry.marker != ">>":
        d["marker"] = entry.marker
    if entry.traces:
        d["trace_lines"] = entry.traces
    if entry.quoted:
        d["quoted_by"] = entry.quoted
    if log_type:
        d["log_type"] = log_type
    if entry.header is not None:
        d["run"] = entry.header.index
        if entry.header.version:
            d["product_version"] = entry.header.version
    entities.apply(ev, entities.extract(text))
    apply_codes(ev, text)
    return ev
