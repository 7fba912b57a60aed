"""The process that analyses one bundle, forked by the worker's zygote (``zygote.py``).

Why a process of its own: a bundle may hang a parser, exhaust memory or crash the Rust
engine, and a Dask task that holds the GIL cannot be stopped from outside. Here the
address-space limit (``RLIMIT_AS``) turns an explosion into a ``MemoryError`` (or an
allocation abort), and the task kills the process at its wall-clock timeout. The result
goes to a file as JSON; the exit code says what happened (``EXIT_*``).

Test hook: ``LOGSCOPE_HUNT_TEST_FAULTS="NAME=FAULT,..."`` makes the bundle whose folder or
file name is NAME misbehave for real inside this process: ``hang`` (sleeps), ``oom``
(allocates until the address-space limit stops it), ``crash`` (a segmentation fault),
``kill-worker`` (SIGKILL to the Dask worker process) or ``kill-worker-once`` (the same on
the first attempt of a run only, marked by a file in the temp folder). Only this module reads it;
the tests set it. Nothing else in logscope changes behaviour with it.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import traceback
from pathlib import Path
from typing import Any

EXIT_OK = 0
EXIT_OOM = 3
EXIT_ERROR = 4
EXIT_LIBRARY = 5
FAULTS_ENV = "LOGSCOPE_HUNT_TEST_FAULTS"


def die_with_parent(parent: int | None = None) -> None:
    """Ask Linux to SIGKILL this process when its parent dies (no orphaned analyses).

    ``parent``: the pid the parent had at the fork. A parent killed between the fork and
    this call (the task kills a zygote whose reply was malformed right after the fork) sends
    no signal any more: then this process ends here."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the task's timeout still bounds it
        pass
    if parent is not None and os.getppid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)


def run(spec: dict[str, Any], knowledge: Any,  # noqa: ANN401
        result_path: str, stderr_path: str) -> int:
    """Analyse ``spec["path"]`` and write the compact result; returns the exit code."""
    die_with_parent()
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)  # the zygote's pipes carry its protocol: never read or write them
    os.dup2(null, 1)
    os.close(null)
    fd = os.open(stderr_path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.dup2(fd, 2)
    os.close(fd)
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    limit = int(spec["max_memory"])
    if limit > 0:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    try:
        if knowledge is None:
            sys.stderr.write(spec.get("library_error") or "signature library not loaded\n")
            return EXIT_LIBRARY
        if knowledge[0].version != spec["signatures_version"]:
            sys.stderr.write(f"the signature library on this worker is "
                             f"{knowledge[0].version}, the driver's is "
                             f"{spec['signatures_version']}: the --signatures folders differ\n")
            return EXIT_LIBRARY
        _test_fault(spec, result_path)
        return _analyse(spec, knowledge, result_path)
    except MemoryError:
        os.write(2, b"\nMemoryError: the address-space limit (--max-memory) was reached\n")
        return EXIT_OOM
    except BaseException:  # noqa: BLE001 - every failure becomes the bundle's error row
        traceback.print_exc()
        return EXIT_ERROR
    finally:
        sys.stderr.flush()


def _analyse(spec: dict[str, Any], knowledge: Any, result_path: str) -> int:  # noqa: ANN401
    import orjson

    from ..ingest.source import IngestOptions
    from ..pipeline import analyze
    from .census import Census
    from .result import compact

    census = Census()
    opts = IngestOptions(engine=spec.get("engine", "rust"))
    analysis = analyze([Path(spec["path"])], opts, knowledge=knowledge, census=census)
    data = orjson.dumps(compact(analysis, census))
    with open(result_path, "wb") as fh:
        fh.write(data)
    return EXIT_OK


def _test_fault(spec: dict[str, Any], result_path: str) -> None:
    faults = os.environ.get(FAULTS_ENV)
    if not faults:
        return
    name = Path(spec["path"]).name
    for item in faults.split(","):
        target, _, fault = item.partition("=")
        if target.strip() != name:
            continue
        fault = fault.strip()
        if fault == "hang":
            import time

            time.sleep(3600)
        elif fault == "oom":
            hog = []
            while True:
                hog.append(bytearray(64 << 20))
        elif fault == "crash":
            import ctypes

            ctypes.string_at(0)  # SIGSEGV: a real crash, as a broken native parser would
        elif fault in ("kill-worker", "kill-worker-once"):
            import tempfile

            mark = Path(tempfile.gettempdir(), f"logscope-hunt-killed-{spec['run_id']}-"
                        f"{spec['sha'][:16]}")
            if fault == "kill-worker" or not mark.exists():
                mark.touch()
                os.kill(int(spec["worker_pid"]), signal.SIGKILL)
                import time

                time.sleep(60)  # the worker's death takes this process with it
