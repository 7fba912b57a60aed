"""A process pool over a bundle's .evtx files, so ``analyze`` uses every core.

Why only evtx: event logs are where the records are (hundreds of thousands per host); text
logs are small and stay in the main process. A worker parses one file with summary events
(see ``pipeline._with_evtx_want``) and returns its ledger, the full events and one
representative summary event per (host, provider, channel) — all that the identity table and
role detection read from records no signature wants — plus how many events the file gave.
Results are merged in submission order, so a run's output does not depend on timing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

from .events import Event
from .ingest import detect, read_source
from .ingest.bundle import Bundle
from .ingest.source import IngestOptions, Source
from .ledger import FileLedger

#: Files smaller than this are parsed in the main process (a pool round trip costs more).
MIN_POOLED_BYTES = 1 << 20

_worker_options: IngestOptions | None = None


def default_workers() -> int:
    """Cores this process may use, at most 8."""
    try:
        n = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        n = os.cpu_count() or 1
    return max(1, min(n, 8))


def _init_worker(options: IngestOptions, signature_dirs: list[Path] | None) -> None:
    """Per worker process: the library and the ``want`` rule, built once."""
    global _worker_options
    from .match.library import load_library
    from .match.matcher import Matcher
    from .pipeline import _with_evtx_want

    _worker_options = _with_evtx_want(options, Matcher(load_library(signature_dirs)))


def _parse_file(display: str, path: str, size: int | None,
                host_hint: str | None) -> tuple[FileLedger, list[Event], int]:
    assert _worker_options is not None
    p = Path(path)
    source = Source(display, opener=lambda: p.open("rb"), size=size, fs_path=p,
                    host_hint=host_hint)
    ledger, events = read_source(source, _worker_options)
    kept: list[Event] = []
    seen_keys: set[tuple[Any, ...]] = set()
    n = 0
    for ev in events:
        n += 1
        if ev.data.get("summary_only"):
            key = (ev.host, ev.provider, ev.channel)
            if key in seen_keys:
                continue
            seen_keys.add(key)
        kept.append(ev)
    ledger.records = n
    return ledger, kept, n


def iter_events_pooled(paths: list[Path], options: IngestOptions, ledgers: list[FileLedger],
                       workers: int, signature_dirs: list[Path] | None,
                       progress: Any = None) -> Iterator[Event]:  # noqa: ANN401
    """Events of the bundle: small and non-evtx files inline, in bundle order, then the pooled
    evtx files' events in submission order. ``ledgers`` fills in the same way."""
    pending: list[Future[tuple[FileLedger, list[Event], int]]] = []
    pool: ProcessPoolExecutor | None = None
    try:
        with Bundle(paths, options) as bundle:
            for source in bundle.sources():
                if progress:
                    progress(source.display, 0)
                if (source.fs_path is not None and (source.size or 0) >= MIN_POOLED_BYTES
                        and detect(source).kind == "evtx"):
                    if pool is None:
                        pool = ProcessPoolExecutor(workers, initializer=_init_worker,
                                                   initargs=(options, signature_dirs))
                    path = bundle.keep(source)
                    pending.append(pool.submit(_parse_file, source.display, str(path),
                                               source.size, source.host_hint))
                    continue
                ledger, events = read_source(source, options)
                ledgers.append(ledger)
                n = 0
                for ev in events:
                    n += 1
                    yield ev
                ledger.records = n
            for fut in pending:
                ledger, events, _n = fut.result()
                ledgers.append(ledger)
                yield from events
            ledgers.extend(bundle.ledgers)
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)
