"""Fixtures for the hunt tests: a copy of the sample archive and a shared Dask cluster.

The shared cluster (2 one-thread workers, started once per module) is reached through
``--scheduler`` like a remote one; its workers carry ``LOGSCOPE_HUNT_TEST_FAULTS`` (the test
hook of ``logscope/hunt/child.py``) so that bundles named ``zz-hang``, ``zz-oom``,
``zz-crash``, ``zz-kill`` and ``zz-kill-once`` misbehave for real in their analysis process.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("distributed")
pytest.importorskip("duckdb")

from tests.conftest import SAMPLES  # noqa: E402

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
