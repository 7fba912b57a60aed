"""Dask distributed: a LocalCluster of N one-thread worker processes by default, or a
running scheduler (``--scheduler tcp://host:8786``), so the same hunt runs on a cluster.

Results are taken from ``as_completed`` as they come. A task whose worker died (the
scheduler's ``KilledWorker``) is submitted once more; a second death makes the bundle
``lost``. The local scheduler gives up on a task at its first worker death
(``allowed-failures`` 0), so that retry is ours and happens once; a remote scheduler keeps
its own setting and our one retry comes after it.

A stop signal (Ctrl-C, SIGTERM, SIGHUP) is taken between two results, never in the middle
of one's commit: the loop runs under ``signals.deferred()`` and polls for it while it waits.
(A ``KeyboardInterrupt``-style raise can land in a future's ``__del__`` and be lost there.)
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .. import signals
from .task import run_bundle

#: Times a finished bundle is run again because its result was lost with its worker before
#: the driver fetched it (not a fault of the bundle, so it does not use up the retry).
MAX_REGATHER = 3

#: Scheduler settings of the local cluster: one task at a time per one-thread worker (a dead
#: worker takes no queued task with it), and no silent retries of a task that killed one.
LOCAL_CONFIG = {"distributed.scheduler.allowed-failures": 0,
                "distributed.scheduler.worker-saturation": 1.0}

#: Seconds between two looks for a stop signal while no result is ready.
POLL = 0.05


@contextmanager
def client(workers: int, scheduler: str | None) -> Iterator[Any]:
    """A connected ``distributed.Client`` (and its LocalCluster, closed on exit)."""
    import dask
    from distributed import Client, LocalCluster

    if scheduler:
        c = Client(scheduler, timeout="30s")
        try:
            yield c
        finally:
            c.close()
        return
    with dask.config.set(LOCAL_CONFIG):
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR)
    try:
        c = Client(cluster)
        try:
            yield c
        finally:
            c.close()
    finally:
        cluster.close()


def run(c: Any, specs: list[dict[str, Any]],  # noqa: ANN401
        on_result: Callable[[dict[str, Any], dict[str, Any]], None]) -> None:
    """Submit every bundle; ``on_result(spec, result)`` as each one ends (in the driver)."""
    from distributed import as_completed
    from distributed.scheduler import KilledWorker

    by_key: dict[str, tuple[dict[str, Any], int, int]] = {}
    futures = []
    serial = 0

    def submit(spec: dict[str, Any], deaths: int, regathers: int) -> Any:  # noqa: ANN401
        nonlocal serial
        serial += 1
        fut = c.submit(run_bundle, spec, pure=False,
                       key=f"logscope-hunt-{spec['run_id']}-{spec['sha'][:20]}-{serial}")
        by_key[fut.key] = (spec, deaths, regathers)
        return fut

    for spec in specs:
        futures.append(submit(spec, 0, 0))
    ac = as_completed(futures)
    del futures
    with signals.deferred():  # the loop takes a stop signal between two results
        for fut in _completed(ac):
            spec, deaths, regathers = by_key.pop(fut.key)
            status, exc = fut.status, None
            if status == "finished":
                try:
                    result = fut.result()
                except Exception as e:  # noqa: BLE001 - the result went with its worker
                    status, exc = "lost-data", e
            elif status == "error":
                exc = fut.exception()
            if status != "finished":
                killed = isinstance(exc, KilledWorker)
                if killed and deaths == 0:
                    ac.add(submit(spec, 1, regathers))  # the one retry after a worker death
                    fut.release()
                    continue
                if not killed and status != "error" and regathers < MAX_REGATHER:
                    ac.add(submit(spec, deaths, regathers + 1))  # done, but its result was lost
                    fut.release()
                    continue
                if killed:
                    state, msg = "lost", ("the worker process died twice while analysing it "
                                          f"(retried once): {exc}")
                elif status == "error":
                    state, msg = "error", f"the task failed: {type(exc).__name__}: {exc}"
                else:
                    state, msg = "lost", f"its result was lost with its worker ({status}): {exc}"
                result = {"sha": spec["sha"], "status": state, "error": msg, "seconds": None,
                          "result": None, "worker": None}
            fut.release()
            on_result(spec, result)


def _completed(ac: Any) -> Iterator[Any]:  # noqa: ANN401
    """``ac``'s futures as they complete, raising ``signals.Stopped`` between two of them (or
    within ``POLL`` seconds while none is ready) once a stop signal came."""
    while not ac.is_empty():
        signals.check()
        if ac.has_ready():
            yield next(ac)
        else:
            time.sleep(POLL)
    signals.check()
