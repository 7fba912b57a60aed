"""A stop signal ends ``analyze`` with the shell's code wherever it lands, even where its
raise is lost: exit 130 / 143 / 129, one line on stderr, no output file, no worker left.

Why: the handler raises ``signals.Stopped`` in whatever Python code runs. Two places lose
that raise: a finalizer (Python prints "Exception ignored" and goes on), and our own reader
(``SlotView.readinto``) called by the Rust evtx engine, which turns the exception into a
read error ("Reached EOF while trying to allocate chunk"): the run then went on to its end,
exit 0, with a whole report and a made-up problem in it (seen on the corpus, one stop in
eight). The signal is recorded either way; these tests inject it at exactly those places,
then send real signals at several moments of a corpus run.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, SAMPLES, kill_when_overdue
from tests.test_exits import _slow_bundle, _with_marker

SIGNALS = [("SIGINT", 130), ("SIGTERM", 143), ("SIGHUP", 129)]
LINUX = pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc (Linux)")

#: Runs ``logscope`` (argv from the command line) with ``SIGNAL`` sent to itself from inside
#: ``WHERE``: under the Rust engine (our reader's ``readinto``) or in a finalizer.
_INJECT = """
import os, signal, sys
sig, where = getattr(signal, os.environ["SIGNAL"]), os.environ["WHERE"]
calls = [0]

def send_here():
    os.kill(os.getpid(), sig)
    for _ in range(10000): pass  # the handler runs here

if where == "engine":
    from logscope.ingest.evtx import slots
    real = slots.SlotView.readinto
    def readinto(self, buf):
        calls[0] += 1
        if calls[0] == 3:
            send_here()
        return real(self, buf)
    slots.SlotView.readinto = readinto
else:
    from logscope.correlate import identity
    class Finalized:
        def __del__(self):
            send_here()
    real = identity.IdentityTable.observe
    def observe(self, ev):
        calls[0] += 1
        if calls[0] == 5:
            Finalized()  # dropped at once: the raise is "ignored" in __del__
        return real(self, ev)
    identity.IdentityTable.observe = observe
sys.argv = ["logscope", *sys.argv[1:]]
from logscope.cli import main
main()
"""


def _assert_stopped(rc: int, stderr: str, code: int, name: str, out: Path) -> None:
    assert rc == code, stderr[-2000:]
    assert stderr.strip().splitlines() == [f"logscope: stopped by {name}; nothing was written"]
    assert not out.exists()
    assert not list(out.parent.glob("*.partial"))


@pytest.mark.parametrize("name,code", SIGNALS)
@pytest.mark.parametrize("where,workers", [("engine", "1"), ("finalizer", "1"),
                                           ("finalizer", "2")])
def test_a_stop_whose_raise_is_lost_still_ends_the_run(tmp_path: Path, name: str, code: int,
                                                       where: str, workers: str) -> None:
    out = tmp_path / "r.json"
    bundle = SAMPLES / "evtx" / "sqlwriter-chain"
    res = subprocess.run([sys.executable, "-c", _INJECT, "analyze", str(bundle), "--workers",
                          workers, "--format", "json", "--output", str(out)],
                         env={**os.environ, "SIGNAL": name, "WHERE": where}, cwd=ROOT,
                         capture_output=True, text=True, timeout=300)
    assert "evtx engine" not in res.stderr  # not a made-up problem of the file
    _assert_stopped(res.returncode, res.stderr, code, name, out)
    time.sleep(0.2)
    assert _with_marker(str(out)) == []  # forked pool workers keep the command line


# -- real signals at several moments ---------------------------------------------------------

def _handler_installed(pid: int) -> bool:
    """Whether ``pid`` catches all three stop signals (``signals.install`` ran), from /proc."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    caught = next(int(line.split()[1], 16) for line in status.splitlines()
                  if line.startswith("SigCgt:"))
    return all(caught & (1 << (sig - 1)) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP))


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of ``pid`` so far, from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@pytest.fixture(scope="module")
def corpus_cpu(shared: Path) -> float:
    """CPU seconds of a whole corpus run, the less of two, measured here: the moments are
    shares of it (a clock that load does not stretch, and one that follows the run as it gets
    faster)."""
    import resource

    runs = []
    for _ in range(2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        subprocess.run([sys.executable, "-m", "logscope", "analyze",
                        str(shared / "corpus" / "evtx"), "--workers", "1", "--format", "json"],
                       cwd=ROOT, capture_output=True, timeout=300, check=True)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        runs.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return min(runs)


def _wait_for(proc: subprocess.Popen[str], ready: object, what: str) -> None:
    deadline = time.monotonic() + 240
    while not ready() and proc.poll() is None and time.monotonic() < deadline:  # type: ignore[operator]
        time.sleep(0.005)
    assert proc.poll() is None, f"the run ended before {what}"


def _stop_at(tmp_path: Path, args: list[str], sig: int, moment: object) -> tuple[int, str]:
    """Start ``analyze``, wait for ``moment(pid)``, send ``sig``; exit code and stderr."""
    proc = subprocess.Popen([sys.executable, "-m", "logscope", "analyze", *args, "--format",
                             "json", "--output", str(tmp_path / "r.json")], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    overdue = kill_when_overdue(proc)
    _wait_for(proc, lambda: moment(proc.pid), "the moment to stop it")  # type: ignore[operator]
    proc.send_signal(sig)
    _out, err = proc.communicate()
    overdue.cancel()
    return proc.returncode, err


@LINUX
@pytest.mark.parametrize("name,code", SIGNALS)
@pytest.mark.parametrize("share", [0.0, 0.35, 0.7])
def test_a_corpus_run_stopped_at_any_moment(tmp_path: Path, shared: Path, corpus_cpu: float,
                                            name: str, code: int, share: float) -> None:
    """One process (the corpus is under the pool's threshold), stopped once its handler is
    in and then at a share of a whole run's CPU time: the Rust engine reads through our
    ``SlotView``, where a stop lands about a third of the time."""
    corpus = shared / "corpus" / "evtx"

    def at(pid: int) -> bool:
        return _handler_installed(pid) and _cpu_seconds(pid) >= share * corpus_cpu

    rc, err = _stop_at(tmp_path, [str(corpus), "--workers", "1"], getattr(signal, name), at)
    _assert_stopped(rc, err, code, name, tmp_path / "r.json")


@LINUX
@pytest.mark.parametrize("name,code", SIGNALS)
def test_a_pooled_run_stopped_as_it_starts(tmp_path: Path, name: str, code: int) -> None:
    """``--workers 2`` before its pool exists (``test_exits`` stops it while workers run)."""
    big = _slow_bundle(tmp_path)
    rc, err = _stop_at(tmp_path, [str(big), "--engine", "python", "--workers", "2"],
                       getattr(signal, name), _handler_installed)
    _assert_stopped(rc, err, code, name, tmp_path / "r.json")
    time.sleep(0.2)
    assert _with_marker(str(big)) == []


def test_input_hashing_ends_at_a_stop(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The inputs are hashed in a thread beside the parse, and the exit waits for that thread:
    with a 6 GB file in the bundle a Ctrl-C took 5.8 s to end the run. It stops at the next
    4 MiB (file_digest.STOP_EVERY) once a stop is received."""
    from logscope import signals
    from logscope.input_hash import sha256_of

    big = tmp_path / "big.log"
    with big.open("wb") as fh:
        fh.truncate(64 << 20)  # sparse: no disk used
    assert len(sha256_of(big)) == 64
    monkeypatch.setattr(signals, "_received", signal.SIGTERM)
    with pytest.raises(signals.Stopped):
        sha256_of(big)
