"""``logscope events`` over a process pool: every event of every file, in bundle order.

Why a separate pool from ``workers.py``: ``analyze`` needs only hits and a few
representative events back from a worker, but ``events`` needs every event, which can be
gigabytes. So a worker writes its file's events as JSON lines to a private temp file and
sends back only the ledger; the main process copies the files out in bundle order (the
output is byte for byte the one a single process writes). Memory stays flat; the temp
folder holds at most the output's size and is always removed.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from pathlib import Path
from typing import Any

import orjson

from .events import timeline_ready
from .ingest import read_source
from .ingest.bundle import Bundle
from .ingest.source import IngestOptions, Source
from .ledger import FileLedger
from .signals import check as check_stop, stop_children
from .workers import Batch, poolable, run_batch

_options: IngestOptions | None = None


def event_line(ev: Any) -> bytes:  # noqa: ANN401
    """One event as ``logscope events`` writes it (no newline), Timesketch's fields complete."""
    return orjson.dumps(timeline_ready(ev.to_dict()), default=str)


def _init(options: IngestOptions) -> None:
    global _options
    _options = options


def _export(display: str, path: str, size: int | None, host_hint: str | None, out: str) -> FileLedger:
    """One file's events as JSON lines into ``out``; returns its ledger."""
    assert _options is not None
    p = Path(path)
    source = Source(display, opener=lambda: p.open("rb"), size=size, fs_path=p, host_hint=host_hint)
    ledger, events = read_source(source, _options)
    n = 0
    with open(out, "wb") as fh:
        for ev in events:
            fh.write(event_line(ev) + b"\n")
            n += 1
    ledger.records = n + ledger.summarized
    return ledger


def iter_lines_pooled(paths: list[Path], options: IngestOptions, ledgers: list[FileLedger], workers: int,
                      progress: Callable[[str, int], None] | None = None) -> Iterator[bytes]:
    """Every event of the bundle as a JSON line (no newline), in bundle order; .evtx files on
    the pool, everything else in this process. ``ledgers`` fills in, in bundle order."""
    tmp = Path(tempfile.mkdtemp(prefix="logscope-events-"))
    pool: ProcessPoolExecutor | None = None
    # in bundle order: a batch of pooled files (its future, their lines files), or an inline
    # file ([its ledger], [its lines file])
    parts: list[tuple[Future[list[FileLedger]] | list[FileLedger], list[Path]]] = []
    batch = Batch()

    def flush() -> None:
        if batch.items:
            assert pool is not None
            items = batch.take()
            parts.append((pool.submit(run_batch, _export, items), [Path(item[4]) for item in items]))

    try:
        with Bundle(paths, options) as bundle:
            for i, source in enumerate(bundle.sources()):
                if progress:
                    progress(source.display, 0)
                out = tmp / f"{i}.jsonl"
                if poolable(source):
                    if pool is None:
                        pool = ProcessPoolExecutor(workers, initializer=_init, initargs=(options,))
                    kept = bundle.keep(source)
                    if batch.add((source.display, str(kept), source.size, source.host_hint, str(out)),
                                 source.size):
                        flush()
                    continue
                flush()
                ledger, events = read_source(source, options)
                n = 0
                if not parts:  # nothing before it is pending: straight out
                    for ev in events:
                        n += 1
                        yield event_line(ev)
                    ledger.records = n + ledger.summarized
                    ledgers.append(ledger)
                    continue
                with open(out, "wb") as fh:
                    for ev in events:
                        n += 1
                        fh.write(event_line(ev) + b"\n")
                ledger.records = n + ledger.summarized
                parts.append(([ledger], [out]))
            flush()
            for part, outs in parts:
                ledgers.extend(part.result() if isinstance(part, Future) else part)
                for out in outs:
                    with open(out, "rb") as fh:
                        for line in fh:
                            yield line[:-1]
                    out.unlink()
                check_stop()  # one whose raise a finalizer lost
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
        shutil.rmtree(tmp, ignore_errors=True)
