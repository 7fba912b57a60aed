"""A process pool over a bundle's .evtx files, so ``analyze`` uses every core.

Why only evtx: event logs are where the records are (hundreds of thousands per host); text
logs are small and stay in the main process. A worker parses and matches one file (summary
events for records nothing wants, see ``match.evtx_gate.with_evtx_gate``) and sends back only what
the main process needs: the ledger, the hits (bounded as in ``match/store.py``, with the count
of those not kept), and one representative event per distinct (machine, provider, channel,
VM, job) — what the identity table and role detection learn from. Results are merged in
submission order, so a run's output does not depend on timing.
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .events import Event
from .ingest import detect, read_source
from .ingest.bundle import Bundle
from .ingest.source import IngestOptions, Source
from .ledger import FileLedger
from .match.evtx_gate import with_evtx_gate
from .signals import check as check_stop, stop_children

if TYPE_CHECKING:
    from concurrent.futures import Future, ProcessPoolExecutor

#: .evtx files smaller than this are parsed in the main process.
MIN_POOLED_BYTES = 0
#: Consecutive pooled files are sent to a worker together up to about this many bytes (one
#: round trip per ~4 MiB instead of one per small file).
BATCH_BYTES = 4 << 20

_worker_options: IngestOptions | None = None
_worker_matcher: Any = None

#: What a worker sends back for one file: ledger, hits as (signature id, event, fields),
#: representative events, hits counted but not kept.
Result = tuple[FileLedger, list[tuple[str, Event, dict[str, Any]]], list[Event], dict[str, int]]
#: Hits found for an event elsewhere, as (signature id, extracted fields); None = not matched yet.
Found = list[tuple[str, dict[str, Any]]] | None


def default_workers() -> int:
    """Cores this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


#: Input bytes (.evtx and archives) below which ``--workers 0`` runs no pool: starting
#: workers, one round trip per batch and the ordered merge cost more than they save there
#: (on the 115 MB, 450-file corpus two workers were slower than one).
POOL_MIN_BYTES = 256 << 20


def workers_for(paths: list[Path]) -> int:
    """``--workers 0``: one process per core when the input is large enough for a pool to
    pay, else 1 (no pool). Sizes by name from a walk that stops once the bound is reached."""
    n = default_workers()
    if n <= 1:
        return 1
    total = 0
    for top in paths:
        found = [top] if not top.is_dir() else (Path(d) / f for d, _s, fs in os.walk(top) for f in fs)
        for path in found:
            if path.suffix.lower() in (".evtx", ".zip", ".gz"):
                try:
                    total += path.stat().st_size
                except OSError:
                    continue
                if total >= POOL_MIN_BYTES:
                    return n
    return 1


#: The parent's compiled matcher, set just before the pool starts: a forked worker inherits
#: it (no second library load and compile); a spawned one (macOS, Windows) builds its own.
_parent_matcher: Any = None


def _init_worker(options: IngestOptions, signature_dirs: list[Path] | None) -> None:
    """Per worker process: the library and the ``want`` rule, built once."""
    global _worker_options, _worker_matcher
    if _parent_matcher is not None:
        _worker_matcher = _parent_matcher
    else:
        from .match.library import load_library
        from .match.matcher import Matcher

        _worker_matcher = Matcher(load_library(signature_dirs))
    _worker_options = with_evtx_gate(options, _worker_matcher)


def _parse_file(display: str, path: str, size: int | None, host_hint: str | None) -> Result:
    from .match.store import HitStore

    assert _worker_options is not None
    p = Path(path)
    source = Source(display, opener=lambda: p.open("rb"), size=size, fs_path=p,
                    host_hint=host_hint)
    ledger, events = read_source(source, _worker_options)
    store = HitStore()
    reps: dict[tuple[Any, ...], Event] = {}
    n = 0
    for ev in events:
        n += 1
        for hit in _worker_matcher.match(ev):
            store.add(hit)
        key = (ev.host, ev.provider, ev.channel, ev.vm_name, ev.vm_id, ev.job_name)
        if key not in reps:
            reps[key] = ev
        elif ev.message and "vhd" in ev.message.casefold() and len(reps) < 100_000:
            reps[(*key, n)] = ev  # may name a virtual disk the identity table learns
    ledger.records = n + ledger.summarized
    hits = [(h.signature.id, h.event, h.fields) for h in store.hits()]
    return ledger, hits, list(reps.values()), store.not_kept()


def poolable(source: Source) -> bool:
    """Whether a bundle member goes to the pool: an .evtx file on disk (by content)."""
    return (source.fs_path is not None and (source.size or 0) >= MIN_POOLED_BYTES
            and detect(source).kind == "evtx")


def run_batch(fn: Callable[..., Any], items: list[tuple[Any, ...]]) -> list[Any]:
    """In a worker: ``fn`` over several files in one round trip (small files cost less than a
    pool message each)."""
    return [fn(*item) for item in items]


class Batch:
    """Consecutive pooled files grouped up to about ``BATCH_BYTES`` per pool task."""

    def __init__(self) -> None:
        self.items: list[tuple[Any, ...]] = []
        self.size = 0

    def add(self, item: tuple[Any, ...], size: int | None) -> bool:
        """Add one file; True when the batch is full and should be sent."""
        self.items.append(item)
        self.size += size or 0
        return self.size >= BATCH_BYTES

    def take(self) -> list[tuple[Any, ...]]:
        items, self.items, self.size = self.items, [], 0
        return items


def iter_events_pooled(paths: list[Path], options: IngestOptions, ledgers: list[FileLedger],
                       workers: int, signature_dirs: list[Path] | None,
                       progress: Any = None, matcher: Any = None) -> Iterator[tuple[Event, Found]]:  # noqa: ANN401
    """``(event, found)`` pairs of the bundle: non-evtx files inline, in bundle order, with
    ``found`` None (the caller matches them); then each pooled file's hit events with their
    hits and its representative events with ``[]``, in bundle order. Consecutive .evtx files
    travel in batches of about ``BATCH_BYTES``. ``ledgers`` fills in the same way; a pooled
    file's count of hits not kept travels in ``ledger.info["hits_not_kept"]`` (the caller
    takes it out)."""
    global _parent_matcher
    pending: deque[Future[list[Result]]] = deque()
    pool: ProcessPoolExecutor | None = None
    batch = Batch()
    inline = options
    if matcher is not None:
            inline = with_evtx_gate(options, matcher)
    try:
        with Bundle(paths, options) as bundle:
            for source in bundle.sources():
                if progress:
                    progress(source.display, 0)
                if poolable(source):
                    if pool is None:
                        from concurrent.futures import ProcessPoolExecutor  # only for a pool

                        _parent_matcher = matcher  # kept: forked workers start at the first submit
                        pool = ProcessPoolExecutor(workers, initializer=_init_worker,
                                                   initargs=(options, signature_dirs))
                    path = bundle.keep(source)
                    if batch.add((source.display, str(path), source.size, source.host_hint), source.size):
                        pending.append(pool.submit(run_batch, _parse_file, batch.take()))
                    continue
                ledger, events = read_source(source, inline)
                ledgers.append(ledger)
                n = 0
                for ev in events:
                    n += 1
                    yield ev, None
                ledger.records = n + ledger.summarized
                check_stop()  # one whose raise a finalizer lost
            if batch.items:
                assert pool is not None
                pending.append(pool.submit(run_batch, _parse_file, batch.take()))
            while pending:
                # taken off the list as it is merged: a merged batch's events are not held
                # until the last batch is in (on 32 files of 2 GB the parent's peak RSS grew
                # from 62 to 113 MB with every batch's representative events kept)
                for result in pending.popleft().result():
                    yield from _merge(result, ledgers)
                check_stop()
            ledgers.extend(bundle.ledgers)
    except BaseException as exc:
        # stopped (Ctrl-C, SIGTERM, SIGHUP) or abandoned: the workers go now, not after
        # their current batch
        if pool is not None and not isinstance(exc, Exception):
            stop_children()
        raise
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _merge(result: Result, ledgers: list[FileLedger]) -> Iterator[tuple[Event, Found]]:
    ledger, hits, reps, not_kept = result
    if not_kept:
        ledger.info["hits_not_kept"] = not_kept
    ledgers.append(ledger)
    by_event: dict[int, tuple[Event, list[tuple[str, dict[str, Any]]]]] = {}  # by id
    for sid, ev, fields in hits:
        by_event.setdefault(id(ev), (ev, []))[1].append((sid, fields))
    for ev, found in by_event.values():
        yield ev, found
    for ev in reps:
        if id(ev) not in by_event:
            yield ev, []
