"""Exits are part of the contract (issues 21 and 22): nothing analysed is never "no known
failure found", an output path never replaces evidence or leaves half a report, signature
problems stop the run, and SIGINT / SIGTERM / SIGHUP stop it cleanly with no worker left."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logscope.cli import app
from logscope.outfile import OutputError, atomic_output

ROOT = Path(__file__).resolve().parent.parent
SQL = ROOT / "samples" / "bundles" / "sqlwriter-chain"
runner = CliRunner()


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "logscope", *args], capture_output=True,
                          text=True, cwd=ROOT, timeout=300)


# -- nothing to read -------------------------------------------------------------------------

def test_empty_folder_is_exit_2_naming_the_path(tmp_path: Path) -> None:
    empty = tmp_path / "bundle"
    empty.mkdir()
    res = _cli("analyze", str(empty))
    assert res.returncode == 2
    assert f"nothing analysed in {empty}: no file to read" in res.stderr
    assert "No known failure found" not in res.stdout
    assert "Nothing was analysed" in res.stdout
    assert "Traceback" not in res.stderr


def test_dev_null_is_exit_2() -> None:
    res = _cli("analyze", "/dev/null", "--format", "json")
    assert res.returncode == 2
    rep = json.loads(res.stdout)
    assert rep["meta"]["analysed"] is False
    assert "not a regular file" in rep["meta"]["nothing_analysed"]


@pytest.mark.parametrize("fmt,marker", [("text", "Nothing was analysed"),
                                        ("md", "**Nothing was analysed**"),
                                        ("html", "id='nothing'")])
def test_only_unknown_files_say_so_in_every_format(tmp_path: Path, fmt: str, marker: str) -> None:
    (tmp_path / "notes.txt").write_text("call the customer back on Monday\n")
    res = runner.invoke(app, ["analyze", str(tmp_path), "--format", fmt])
    assert res.exit_code == 2
    assert marker in res.stdout
    assert "No known failure found" not in res.stdout


def _refuse_listing(monkeypatch: pytest.MonkeyPatch, locked: Path) -> None:
    """Root reads every folder, so the refusal is injected where the walk lists ``locked``
    (``os.scandir`` is global: every other listing goes on)."""
    from logscope.ingest import bundle

    real_scandir = os.scandir

    def scandir(path):  # noqa: ANN001, ANN202
        if Path(path) == locked:
            raise PermissionError(13, "Permission denied", os.fspath(path))
        return real_scandir(path)

    monkeypatch.setattr(bundle.os, "scandir", scandir)


def test_unreadable_top_folder_is_exit_2(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "System.evtx").write_bytes(b"x")
    _refuse_listing(monkeypatch, tmp_path)
    res = runner.invoke(app, ["analyze", str(tmp_path), "--format", "json"])
    monkeypatch.undo()
    assert res.exit_code == 2
    rep = json.loads(res.stdout)
    assert "folder cannot be listed: Permission denied" in rep["meta"]["nothing_analysed"]


def test_unreadable_folder_inside_a_bundle_is_a_problem_entry(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    shutil.copytree(SQL, tmp_path / "b")
    (tmp_path / "b" / "locked").mkdir()
    _refuse_listing(monkeypatch, tmp_path / "b" / "locked")
    res = runner.invoke(app, ["analyze", str(tmp_path / "b"), "--format", "json"])
    monkeypatch.undo()
    assert res.exit_code == 0
    rep = json.loads(res.stdout)
    locked = [f for f in rep["files"] if f["path"].endswith("/locked")]
    assert locked and locked[0]["problems"][0]["code"] == "io-error"
    assert rep["meta"]["analysed"] is True and rep["hints"]


# -- output paths ----------------------------------------------------------------------------

def _bundle_copy(tmp_path: Path) -> tuple[Path, Path, bytes]:
    b = tmp_path / "b"
    shutil.copytree(SQL, b)
    evidence = next(b.rglob("*.xml"))
    return b, evidence, evidence.read_bytes()


@pytest.mark.parametrize("cmd", ["analyze", "events"])
def test_output_inside_an_input_is_refused_and_evidence_kept(tmp_path: Path, cmd: str) -> None:
    b, evidence, before = _bundle_copy(tmp_path)
    for target, why in ((evidence, "lies inside the input folder"),
                        (b / "report.json", "lies inside the input folder")):
        res = _cli(cmd, str(b), "--format", "json", "--output", str(target))
        assert res.returncode == 2, res.stderr
        assert why in res.stderr and len(res.stderr.strip().splitlines()) == 1
    assert evidence.read_bytes() == before
    assert not (b / "report.json").exists()
    single = _cli(cmd, str(evidence), "--format", "json", "--output", str(evidence))
    assert single.returncode == 2 and "is one of the inputs" in single.stderr
    assert evidence.read_bytes() == before


@pytest.mark.parametrize("target,why", [("missing/r.json", "does not exist"),
                                        (".", "is a folder"),
                                        ("/dev/full", "No space left on device")])
@pytest.mark.parametrize("cmd", ["analyze", "events"])
def test_unwritable_output_is_one_line_exit_2(tmp_path: Path, target: str, why: str,
                                              cmd: str) -> None:
    if target == "/dev/full" and not Path("/dev/full").exists():
        pytest.skip("no /dev/full here")
    out = target if target.startswith("/") else str(tmp_path / target)
    res = _cli(cmd, str(SQL), "--format", "json", "--output", out)
    assert res.returncode == 2
    lines = res.stderr.strip().splitlines()
    assert len(lines) == 1 and why in lines[0] and "Traceback" not in res.stderr
    assert not list(tmp_path.rglob("*.partial"))


def test_a_report_replaces_an_old_report_whole(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_text("old report")
    res = _cli("analyze", str(SQL), "--format", "json", "--output", str(out))
    assert res.returncode == 0
    assert json.loads(out.read_text())["hints"]
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_atomic_output_leaves_the_target_untouched_when_interrupted(tmp_path: Path) -> None:
    out = tmp_path / "r.json"
    out.write_bytes(b"previous")
    with pytest.raises(KeyboardInterrupt), atomic_output(out) as fh:
        fh.write(b"half a rep")
        raise KeyboardInterrupt
    assert out.read_bytes() == b"previous"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]


def test_atomic_output_never_writes_into_a_file_or_link_already_there(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # the temporary name is drawn at random and created exclusively (as tempfile.mkstemp
    # does): a file or a link someone put under the drawn name is skipped, never written
    import os

    from logscope import outfile

    draws = iter([b"\x01" * 6, b"\x01" * 6, b"\x02" * 6])
    monkeypatch.setattr(outfile.os, "urandom", lambda n: next(draws))
    out = tmp_path / "r.json"
    planted = tmp_path / f".r.json.{'01' * 6}.partial"
    victim = tmp_path / "victim"
    victim.write_bytes(b"keep")
    planted.symlink_to(victim)
    with atomic_output(out) as fh:
        (partial,) = [p for p in tmp_path.iterdir() if p.name.endswith(f"{'02' * 6}.partial")]
        assert partial.stat().st_mode & 0o777 == 0o600
        fh.write(b"report")
    assert out.read_bytes() == b"report" and victim.read_bytes() == b"keep"
    assert planted.is_symlink() and not partial.exists()
    assert out.stat().st_mode & 0o777 == 0o666 & ~_umask()


def _umask() -> int:
    import os

    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_atomic_output_on_a_missing_folder_names_it(tmp_path: Path) -> None:
    with pytest.raises(OutputError, match="cannot be written"), \
            atomic_output(tmp_path / "no" / "r.json"):
        pass


# -- signature problems ----------------------------------------------------------------------

def test_broken_signature_folder_stops_the_run(tmp_path: Path) -> None:
    (tmp_path / "bad.yml").write_text("id: [broken\n")
    res = _cli("analyze", str(SQL), "--signatures", str(tmp_path))
    assert res.returncode == 2
    assert f"error: {tmp_path / 'bad.yml'}:" in res.stderr
    assert "--allow-signature-errors" in res.stderr
    assert res.stdout == ""
    ok = _cli("analyze", str(SQL), "--signatures", str(tmp_path), "--allow-signature-errors",
              "--format", "json")
    assert ok.returncode == 0
    assert f"warning: {tmp_path / 'bad.yml'}:" in ok.stderr
    assert json.loads(ok.stdout)["hints"]


# -- signals ---------------------------------------------------------------------------------

def _slow_bundle(tmp_path: Path) -> Path:
    """Many copies of the sample .evtx files: with python-evtx that takes many seconds."""
    big = tmp_path / "slow-bundle"
    for i in range(30):
        shutil.copytree(ROOT / "samples" / "evtx", big / f"copy{i}")
    return big


def _processes() -> list[tuple[int, int, str, bytes]]:
    """(pid, parent pid, state, command line) of every live process, from /proc."""
    out = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                fields = (d / "stat").read_text().rsplit(")", 1)[1].split()
                cmd = (d / "cmdline").read_bytes()
            except OSError:
                continue
            out.append((int(d.name), int(fields[1]), fields[0], cmd))
    return out


def _children(pid: int) -> list[int]:
    return [p for p, ppid, _state, _cmd in _processes() if ppid == pid]


def _with_marker(marker: str) -> list[int]:
    """Live processes whose command line names ``marker`` (forked workers keep the argv)."""
    return [p for p, _ppid, state, cmd in _processes()
            if marker.encode() in cmd and state != "Z"]


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")
@pytest.mark.parametrize("sig,code", [(signal.SIGTERM, 143), (signal.SIGHUP, 129),
                                      (signal.SIGINT, 130)])
def test_stop_signals_leave_no_output_and_no_worker(tmp_path: Path, sig: int, code: int) -> None:
    big = _slow_bundle(tmp_path)
    out = tmp_path / "r.json"
    proc = subprocess.Popen([sys.executable, "-m", "logscope", "analyze", str(big),
                             "--engine", "python", "--workers", "2", "--format", "json",
                             "--output", str(out)], cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not _children(proc.pid) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the pool's workers exist: the run is under way
    assert proc.poll() is None, "the run ended before it could be stopped"
    time.sleep(0.5)
    proc.send_signal(sig)
    _stdout, stderr = proc.communicate(timeout=60)
    assert proc.returncode == code, stderr
    assert "stopped by" in stderr and "Traceback" not in stderr
    assert not out.exists()
    assert not list(tmp_path.glob("*.partial"))
    time.sleep(0.2)
    assert _with_marker(str(big)) == []


#: A stop signal whose handler runs inside a finalizer: the raise is "ignored" by Python.
_SWALLOWED = """
import os, signal, sys
from logscope import signals
signals.install()
class Finalized:
    def __del__(self):
        os.kill(os.getpid(), signal.SIG{name})
        for _ in range(10000): pass  # the handler runs here, in __del__
Finalized()
class Broken:
    def __del__(self):
        raise ValueError("a finalizer's own error")
Broken()
print("finalized")
try:
    signals.check()
except signals.Stopped as stop:
    sys.exit(stop.exit_code)
"""


@pytest.mark.parametrize("name,code", [("INT", 130), ("TERM", 143)])
def test_a_stop_swallowed_by_a_finalizer_is_still_taken(name: str, code: int) -> None:
    """Python loses the raise in ``__del__`` (and would print "Exception ignored"); the stop
    was recorded, and the next safe point (a loop's ``check()``) raises it. Only the lost
    stop goes unprinted: a finalizer's own error still shows."""
    proc = subprocess.run([sys.executable, "-c", _SWALLOWED.format(name=name)], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == code, proc.stderr
    assert proc.stdout == "finalized\n"  # not stopped in __del__: stopped at check()
    assert "Stopped" not in proc.stderr
    assert proc.stderr.count("Exception ignored") == 1
    assert "ValueError: a finalizer's own error" in proc.stderr


# -- empty paths -----------------------------------------------------------------------------
# Path("") is Path("."): an empty shell variable must not turn into "the current folder"
# (``analyze ""`` once walked the whole repository for minutes; ``export sigma -o ""`` would
# write rules into it).

EMPTY_PATH_CASES = [
    (["analyze", ""], "PATHS"),
    (["analyze", str(SQL), "", "--format", "json"], "PATHS"),
    (["analyze", str(SQL), "--signatures", ""], "--signatures"),
    (["analyze", str(SQL), "--output", ""], "--output"),
    (["events", ""], "PATHS"),
    (["events", str(SQL), "-o", ""], "--output"),
    (["explain", "VSS error 0x80042308", "-o", ""], "--output"),
    (["validate", ""], "PATHS"),
    (["validate", "--baseline", ""], "--baseline"),
    (["collect", "--output", ""], "--output"),
    (["collect", "--signatures", ""], "--signatures"),
    (["export", "sigma", "--output", ""], "--output"),
    (["signatures", "list", "--signatures", ""], "--signatures"),
    (["vssadmin", "diff", "", str(SQL)], "A"),
    (["hunt", "", "--index", "fleet.duckdb"], "ARCHIVES"),
    (["hunt", str(SQL), "--index", ""], "--index"),
    (["fleet", "query", "", "select 1"], "INDEX_PATH"),
]


@pytest.mark.parametrize("args,name", EMPTY_PATH_CASES,
                         ids=[" ".join(a) for a, _ in EMPTY_PATH_CASES])
def test_empty_path_is_refused_like_a_missing_one(args: list[str], name: str, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # were "" taken as ".", it would be this folder
    (tmp_path / "notes.txt").write_text("call the customer back on Monday\n")
    res = runner.invoke(app, args)
    assert res.exit_code == 2, res.output
    lines = res.stderr.strip().splitlines()
    assert lines == [f"Error: {name}: empty path (name a file or folder; '.' is the current "
                     "folder)"], res.stderr
    assert res.stdout == ""
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_empty_path_refused_by_the_installed_command(tmp_path: Path) -> None:
    res = subprocess.run([sys.executable, "-m", "logscope", "analyze", ""], capture_output=True,
                         text=True, cwd=tmp_path, timeout=120)
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        "Error: PATHS: empty path (name a file or folder; '.' is the current folder)"]
