"""Fixtures for the hunt tests: a copy of the sample archive and a shared Dask cluster.

The shared cluster (2 one-thread workers, started once per module) is reached through
``--scheduler`` like a remote one; its workers carry ``LOGSCOPE_HUNT_TEST_FAULTS`` (the test
hook of ``logscope/hunt/child.py``) so that bundles named ``zz-hang``, ``zz-oom``,
``zz-crash``, ``zz-kill`` and ``zz-kill-once`` misbehave for real in their analysis process.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("duckdb")

from tests.conftest import CLI_BOUND, SAMPLES, kill_when_overdue  # noqa: E402, F401

FAULTS = {"zz-hang": "hang", "zz-oom": "oom", "zz-crash": "crash", "zz-kill": "kill-worker",
          "zz-kill-once": "kill-worker-once"}


@pytest.fixture(scope="module")
def scheduler() -> Iterator[str]:
    import logging

    import dask
    from distributed import LocalCluster

    from logscope.hunt.engine import LOCAL_CONFIG
    from logscope.hunt.child import FAULTS_ENV

    faults = ",".join(f"{k}={v}" for k, v in FAULTS.items())
    with dask.config.set(LOCAL_CONFIG):
        # env: every worker process, restarted ones too, carries the hook
        cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                               dashboard_address=":0", silence_logs=logging.ERROR,
                               env={FAULTS_ENV: faults})
    try:
        yield cluster.scheduler_address
    finally:
        cluster.close()


def copy_bundle(src: Path, dst: Path) -> Path:
    """A copy of a sample bundle under another name, made distinct in content (a note file),
    so the content hash differs from the original's."""
    shutil.copytree(src, dst)
    (dst / "case-note.txt").write_text(f"case {dst.name}\n", encoding="utf-8")
    return dst


@pytest.fixture()
def archive(tmp_path: Path) -> Path:
    """The sample bundles, copied (the tests edit and add bundles)."""
    root = tmp_path / "archive"
    shutil.copytree(SAMPLES / "bundles", root)
    return root


def run_cli(args: list[str], env: dict[str, str] | None = None, *, check: bool = False,
            bound: float = CLI_BOUND) -> subprocess.CompletedProcess[str]:
    """Run a command (``python -m logscope ...``) to its end, at most ``bound`` seconds.

    It runs in a session of its own so that, when it hangs, its Dask workers and zygotes
    are killed with it (they hold its stderr pipe open, and ``subprocess.run``'s own
    timeout kills the first process only); the failure shows the stderr it wrote so far.
    """
    proc = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            env=env, start_new_session=True)
    try:
        out, err = proc.communicate(timeout=bound)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        out, err = proc.communicate(timeout=30)
        pytest.fail(f"hung: {' '.join(args[1:])} still ran after {bound} s; its stderr:\n"
                    f"{err[-3000:]}")
    if check and proc.returncode != 0:
        pytest.fail(f"exit {proc.returncode}: {' '.join(args[1:])}; its stderr:\n{err[-3000:]}")
    return subprocess.CompletedProcess(args, proc.returncode, out, err)
