"""A stop signal ends ``logscope hunt`` with the shell's code wherever it lands (the cluster
starting, a result just committed, the loop waiting), and the next hunt finishes the rest.

Why: a Ctrl-C raised as an exception can land in a Dask future's ``__del__``, where Python
prints "Exception ignored" and goes on: the hunt ran to its end and exited 0.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from logscope.hunt.driver import HuntOptions, hunt
from tests.conftest import SAMPLES
from tests.hunt.conftest import copy_bundle, kill_when_overdue

NAMES = ("sqlwriter-chain", "no-scsi-controller", "guest-storage", "clean-backup")


def _stop_at(cmd: list[str], env: dict[str, str], sig: int, when: str) -> tuple[int, str]:
    """Start the hunt, send ``sig`` at ``when``; its exit code and stderr."""
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE, text=True, env=env,
                            start_new_session=True)
    overdue = kill_when_overdue(proc)
    assert proc.stderr is not None
    wanted = "hunt run " if when == "start" else "hunt: "  # planned / one result committed
    seen = []
    for line in proc.stderr:
        seen.append(line)
        if line.startswith(wanted):
            break
    if when == "waiting":
        time.sleep(1.0)  # the loop waits for the stalled bundle
    proc.send_signal(sig)
    rest = "".join(seen) + proc.stderr.read()
    overdue.cancel()
    return proc.wait(60), rest


@pytest.mark.parametrize("sig,code,when", [(signal.SIGTERM, 143, "start"),
                                           (signal.SIGINT, 130, "result"),
                                           (signal.SIGHUP, 129, "waiting")])
def test_a_stopped_hunt_exits_with_the_signal_and_resumes(
        tmp_path: Path, scheduler: str, sig: int, code: int, when: str) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    for name in NAMES:
        copy_bundle(SAMPLES / "bundles" / name, root / name)
    # stalls in the stopped run only: the shared cluster of the resumed one has no such fault
    copy_bundle(SAMPLES / "bundles" / "unmerged-checkpoints", root / "zz-stall")
    db = tmp_path / "fleet.duckdb"
    cmd = [sys.executable, "-m", "logscope", "hunt", str(root), "--index", str(db),
           "--workers", "1", "--timeout", "120s"]
    rc, err = _stop_at(cmd, {**os.environ, "LOGSCOPE_HUNT_TEST_FAULTS": "zz-stall=hang"},
                       sig, when)
    assert rc == code, err
    assert "run the same command again to resume" in err
    assert "Exception ignored" not in err and "Traceback" not in err
    con = duckdb.connect(str(db), read_only=True)
    done = {Path(p).name for (p,) in con.execute("SELECT path FROM bundles").fetchall()}
    con.close()
    assert "zz-stall" not in done
    if when != "start":
        assert done
    counts = hunt(HuntOptions([root], db, scheduler=scheduler))
    assert counts["analysed"] == len(NAMES) + 1 - len(done)
    assert counts["skipped"] == len(done) and counts["failed"] == 0
    con = duckdb.connect(str(db), read_only=True)
    statuses = con.execute("SELECT status, count(*) FROM bundles GROUP BY status").fetchall()
    con.close()
    assert statuses == [("ok", len(NAMES) + 1)]
