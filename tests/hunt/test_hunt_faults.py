"""A bundle that hangs, one that exhausts memory, one that crashes and one that kills its
worker each leave a status row, while the rest of the archive is indexed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import duckdb

from logscope.hunt.driver import HuntOptions, hunt
from tests.conftest import SAMPLES

from tests.hunt.conftest import CLI_BOUND, copy_bundle, run_cli


def test_failures_are_recorded_and_the_rest_indexed(tmp_path: Path, scheduler: str) -> None:
    root = tmp_path / "archive"
    root.mkdir()
    for name in ("sqlwriter-chain", "no-scsi-controller", "guest-storage"):
        copy_bundle(SAMPLES / "bundles" / name, root / name)
    for name in ("zz-hang", "zz-oom", "zz-crash", "zz-kill", "zz-kill-once"):
        copy_bundle(SAMPLES / "bundles" / "unmerged-checkpoints", root / name)
    db = tmp_path / "fleet.duckdb"
    counts = hunt(HuntOptions([root], db, scheduler=scheduler, timeout=6.0,
                              max_memory=1 << 30))
    con = duckdb.connect(str(db), read_only=True)
    rows = {Path(p).name: (s, e, n) for p, s, e, n in con.execute(
        "SELECT path, status, error, (SELECT count(*) FROM hits h "
        "WHERE h.bundle_sha = b.bundle_sha) FROM bundles b").fetchall()}
    con.close()
    assert {k: v[0] for k, v in rows.items()} == {
        "sqlwriter-chain": "ok", "no-scsi-controller": "ok", "guest-storage": "ok",
        "zz-hang": "timeout", "zz-oom": "oom", "zz-crash": "crash", "zz-kill": "lost",
        "zz-kill-once": "ok"}
    assert counts["failed"] == 4 and counts["analysed"] == 4
    assert "6 s" in rows["zz-hang"][1]
    assert "MemoryError" in rows["zz-oom"][1]
    assert "SIGSEGV" in rows["zz-crash"][1]
    assert "retried once" in rows["zz-kill"][1]
    # the bundles that worked have their hits (the retried one too)
    assert all(rows[n][2] > 0 for n in ("sqlwriter-chain", "no-scsi-controller",
                                         "guest-storage", "zz-kill-once"))
    assert all(rows[n][2] == 0 for n in ("zz-hang", "zz-oom", "zz-crash", "zz-kill"))


def test_strict_exit_and_the_install_hint(tmp_path: Path) -> None:
    """Without --strict a failed bundle still exits 0; with it 1; a missing extra: 2."""
    root = tmp_path / "archive"
    root.mkdir()
    copy_bundle(SAMPLES / "bundles" / "no-scsi-controller", root / "fine")
    copy_bundle(SAMPLES / "bundles" / "no-scsi-controller", root / "zz-crash")
    db = tmp_path / "fleet.duckdb"
    env_cmd = [sys.executable, "-m", "logscope", "hunt", str(root), "--index", str(db),
               "--workers", "1"]
    import os

    env = {**os.environ, "LOGSCOPE_HUNT_TEST_FAULTS": "zz-crash=crash"}
    plain = run_cli(env_cmd, env)
    assert plain.returncode == 0, plain.stderr
    assert "zz-crash: crash" in plain.stderr
    strict = run_cli([*env_cmd, "--strict"], env)
    assert strict.returncode == 1, strict.stderr
    assert "1 failed before" in strict.stderr
    blocked = run_cli(
        [sys.executable, "-c", "import sys; sys.modules['duckdb'] = None; "
         "sys.argv = ['logscope', 'hunt', sys.argv[1], '--index', sys.argv[2]]; "
         "from logscope.cli import main; main()", str(root), str(tmp_path / "x.duckdb")])
    assert blocked.returncode == 2
    assert blocked.stderr.strip().splitlines() == [
        "Error: this command needs duckdb: install the hunt extra with "
        "pip install 'logscope[hunt]'"]


def test_other_commands_do_not_import_dask_or_duckdb() -> None:
    out = subprocess.run(
        [sys.executable, "-c", "import sys, logscope.cli; "
         "print(sorted(m for m in ('dask', 'distributed', 'duckdb') if m in sys.modules))"],
        capture_output=True, text=True, check=True, timeout=CLI_BOUND).stdout
    assert out.strip() == "[]"
