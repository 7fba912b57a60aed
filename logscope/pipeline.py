"""Wire the stages: bundle → events → hits → findings → report dict.

Kept apart from the CLI so tests and other tools can run an analysis in-process. Events are
streamed: only hits (and the per-file ledgers and identity table) are kept in memory.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from .correlate.chains import Chain, load_chains
from .correlate.engine import Correlation, correlate
from .correlate.expected import ExpectedWriters
from .correlate.filters import Filters
from .correlate.identity import IdentityTable
from .events import Event
from .ingest import read_source
from .ingest.bundle import Bundle
from .ingest.source import KNOWS_KEY, SIGNATURE_DIRS_KEY, TEXT_FOLD_KEY, IngestOptions
from .input_hash import start_hashing
from .ledger import FileLedger
from .signals import check as check_stop
from .match.evtx_gate import with_evtx_gate
from .match.library import Library, load_library
from .match.matcher import Matcher
from .match.model import Hit
from .match.store import HitStore
from .state import StateCollector
from .throughput import Collector

if TYPE_CHECKING:
    from .workers import Found

Progress = Callable[[str, int], None]


class Census(Protocol):
    """Counts records by key (``logscope hunt``): every event fed, and the evtx records the
    fast path folds away, seen through the wrapped ``evtx_want`` gate."""

    def feed(self, ev: Event) -> None: ...

    def wrap(self, want: Any) -> Any: ...  # noqa: ANN401


@dataclass
class Analysis:
    """Everything one run produced, before rendering."""

    inputs: list[dict[str, Any]]
    ledgers: list[FileLedger]
    library: Library
    chains: dict[str, Chain]
    identity: IdentityTable
    correlation: Correlation
    events_seen: int = 0
    warnings: list[str] = field(default_factory=list)
    filters: Filters = field(default_factory=Filters)
    #: Every event, kept only when asked (``keep_events``: the jsonl report lists them).
    events: list[Event] | None = None
    engine: str = "rust"
    #: Veeam job/task session throughput figures (issue 11), fed every event.
    throughput: Collector = field(default_factory=Collector)
    #: Per signature: hits beyond the per-machine bound, counted but not kept (match/store.py).
    hits_not_kept: dict[str, int] = field(default_factory=dict)
    #: Hyper-V state listings (issue 17), fed every event; its facts were matched like events.
    state: StateCollector = field(default_factory=StateCollector)


def iter_events(paths: list[Path], options: IngestOptions, ledgers: list[FileLedger],
                progress: Progress | None = None) -> Iterator[Event]:
    """Every event of every file of the bundle; ``ledgers`` fills in as it goes."""
    with Bundle(paths, options) as bundle:
        for source in bundle.sources():
            ledger, events = read_source(source, options)
            ledgers.append(ledger)
            if progress:
                progress(source.display, 0)
            n = 0
            for ev in events:
                n += 1
                yield ev
            # the contract: records == events this file gave (+ those folded into a summary)
            ledger.records = n + ledger.summarized
            check_stop()  # one whose raise a finalizer lost
        ledgers.extend(bundle.ledgers)


def load_knowledge(signature_dirs: list[Path] | None) -> tuple[Library, dict[str, Chain]]:
    library = load_library(signature_dirs)
    chains = load_chains(library.chains_dirs, library.issues, set(library.signatures),
                         key=library.cache_key)
    return library, chains


def analyze(paths: list[Path], options: IngestOptions, signature_dirs: list[Path] | None = None,
            progress: Progress | None = None, filters: Filters | None = None,
            keep_events: bool = False, workers: int = 1,
            knowledge: tuple[Library, dict[str, Chain]] | None = None,
            census: Census | None = None) -> Analysis:
    """Run the whole pipeline over the given PATHs (``workers`` > 1: a process pool over the
    bundle's larger .evtx files; ``keep_events`` always reads in this process).

    ``knowledge``: an already loaded library and chains (``logscope hunt`` loads them once per
    worker). ``census``: counts every record by (kind, provider, event id), folded ones too
    (in-process reading only).
    """
    library, chains = knowledge or load_knowledge(signature_dirs)
    matcher = Matcher(library)
    # message-text keeps a file only when a signature knows one of its messages: it asks
    # this matcher in-process, or rebuilds one from the directories in a worker process
    options = replace(options, extra={**options.extra, SIGNATURE_DIRS_KEY: tuple(
        str(p) for p in signature_dirs or ())})
    in_process = replace(options, extra={**options.extra,
                                         KNOWS_KEY: lambda ev: bool(matcher.match(ev))})
    # hash while the files are parsed (the compiled digest holds no GIL while it reads and
    # hashes the files: on a machine with a second core the hash costs no wall time)
    hashing = start_hashing(paths)
    ledgers: list[FileLedger] = []
    stream: Iterator[tuple[Event, Found]]
    if keep_events:
        stream = ((ev, None) for ev in iter_events(paths, in_process, ledgers, progress))
    elif workers > 1:
        from .workers import iter_events_pooled  # a pool only when asked for

        stream = iter_events_pooled(paths, options, ledgers, workers, signature_dirs, progress, matcher)
    else:
        gated = in_process
        if census is not None:  # the census counts every record's key: no chunk skipped unseen
            gated = replace(in_process, extra={**in_process.extra, "evtx_chunk_skip": False,
                                               TEXT_FOLD_KEY: False})
        read = with_evtx_gate(gated, matcher)
        if census is not None:
            read = replace(read, extra={**read.extra,
                                        "evtx_want": census.wrap(read.extra["evtx_want"])})
        stream = ((ev, None) for ev in iter_events(paths, read, ledgers, progress))
    identity = IdentityTable()
    store = HitStore()
    throughput = Collector()
    expected = ExpectedWriters()
    state = StateCollector()
    kept: list[Event] | None = [] if keep_events else None
    for ev, found in stream:
        identity.observe(ev)
        if census is not None:
            census.feed(ev)
        if found is None:
            for hit in matcher.match(ev):
                store.add(hit)
        else:  # matched in a worker process
            for sid, fields in found:
                store.add(Hit(library.signatures[sid], ev, fields))
        throughput.feed(ev)
        expected.feed(ev)
        state.feed(ev)
        if kept is not None:
            kept.append(ev)
    # state facts (a chain, a checkpoint's age, a trend) need every listing read first; they
    # are matched and joined like any event
    for fact in state.facts() if state else ():
        identity.observe(fact)
        for hit in matcher.match(fact):
            store.add(hit)
        if kept is not None:
            kept.append(fact)
    identity.finish()
    # events = records of parsed files (archive ledgers count members, not events)
    seen = sum(led.records for led in ledgers if led.kind != "zip")
    for led in ledgers:
        store.count_not_kept(led.info.pop("hits_not_kept", {}))
    expected.report(ledgers)
    filters = filters or Filters()
    corr = correlate(store.hits(), identity, chains, filters)
    if kept is not None:
        kept = _events_in_scope(kept, corr, filters)
    inputs = hashing()
    warnings = [str(i) for i in library.issues]
    return Analysis(inputs, ledgers, library, chains, identity, corr, seen, warnings,
                    filters, kept, options.engine,
                    throughput=throughput, hits_not_kept=store.not_kept(), state=state)


def _events_in_scope(events: list[Event], corr: Correlation, f: Filters) -> list[Event]:
    """Kept events with the inferred Veeam offsets applied and the time filter honoured."""
    from .events import parse_offset

    offsets = {o["file"]: parse_offset(o["offset"]) for o in corr.offsets}
    out = []
    for ev in events:
        off = offsets.get(ev.file)
        if off is not None and ev.time_source == "local" and ev.time is not None:
            ev.time, ev.time_source, ev.utc_offset = ev.time - off, "inferred", off
        if ev.time is not None and ev.time_source != "none":
            if (f.since and ev.time < f.since) or (f.until and ev.time > f.until):
                continue
        out.append(ev)
    return out
