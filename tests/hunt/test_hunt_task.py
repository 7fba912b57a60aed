"""How the Dask task reads its zygote's replies (``logscope/hunt/task.py``)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from logscope.hunt.task import ReplyError, _Zygote


class FakeZygote:
    """A stand-in for the zygote process: its stdout is a real pipe whose write end the test
    holds open (a live zygote keeps it open too, so EOF never wakes the reader)."""

    def __init__(self) -> None:
        r, self.w = os.pipe()
        self.stdout = os.fdopen(r, "rb")

    def write(self, data: bytes) -> None:
        os.write(self.w, data)

    def end(self) -> None:
        if self.w >= 0:
            os.close(self.w)
            self.w = -1


def within(seconds: float, call: Callable[[], Any]) -> Any:  # noqa: ANN401
    """``call()``'s value, failing (not hanging the run) when it takes over ``seconds``."""
    done: list[Any] = []
    t = threading.Thread(target=lambda: done.append(call()), daemon=True)
    t.start()
    t.join(seconds)
    assert done, f"no answer after {seconds} s: the reader is stuck"
    return done[0]


@pytest.fixture()
def pipe() -> Iterator[FakeZygote]:
    fake = FakeZygote()
    try:
        yield fake
    finally:
        fake.end()
        fake.stdout.close()


@pytest.fixture()
def z() -> Iterator[_Zygote]:
    zygote = _Zygote()  # not started: reply() only reads the pipe it is given
    try:
        yield zygote
    finally:
        shutil.rmtree(zygote.scratch, ignore_errors=True)


def test_both_lines_in_the_pipe_before_the_first_read(pipe: FakeZygote, z: _Zygote) -> None:
    """A child that crashes at once: the zygote has written the pid line and the status line
    before the (slow) task reads the first. The second must come at once, not after the
    timeout (it used to sit in a read buffer that select() cannot see: an hour's hang)."""
    proc = pipe
    proc.write(b'{"pid": 41}\n{"pid": 41, "status": 139}\n')
    assert z.reply(proc, None) == {"pid": 41}
    # the bug waited the whole 30 s for it, then returned None (a timeout)
    assert within(10, lambda: z.reply(proc, 30.0, "status", 41)) == {"pid": 41, "status": 139}


def test_a_line_in_pieces_and_the_timeout(pipe: FakeZygote, z: _Zygote) -> None:
    proc = pipe
    proc.write(b'{"pid": 7')
    assert within(10, lambda: z.reply(proc, 0.05, "status", 7)) is None  # half a line: none yet
    proc.write(b', "status": 0}\n')
    assert z.reply(proc, 5.0, "status", 7) == {"pid": 7, "status": 0}
    assert z.reply(proc, 0.05, "status", 7) is None  # nothing more: the wait ends at its timeout


def test_eof_is_the_zygote_gone(pipe: FakeZygote, z: _Zygote) -> None:
    proc = pipe
    proc.write(b'{"pid": 9}\n')
    proc.end()
    assert z.reply(proc, None) == {"pid": 9}
    with pytest.raises(EOFError, match="zygote process ended"):
        z.reply(proc, 5.0)


def test_a_hung_command_fails_the_test_at_its_bound() -> None:
    """The hunt tests' runner ends a hung command, and the grandchild that holds its stderr
    open (as Dask workers do), within the bound, and says so."""
    import sys
    import time

    from tests.hunt.conftest import run_cli

    code = ("import subprocess, sys, time; print('started', file=sys.stderr, flush=True); "
            "subprocess.Popen([sys.executable, '-c', 'import time; time.sleep(120)']); "
            "time.sleep(120)")
    t0 = time.monotonic()
    with pytest.raises(pytest.fail.Exception, match=r"(?s)hung: .* after 2 s.*started"):
        run_cli([sys.executable, "-c", code], bound=2)
    assert time.monotonic() - t0 < 60


# -- a malformed reply: the zygote is killed, the bundle is a crash naming the reply ---------

@pytest.mark.parametrize("line,want,pid,why", [
    (b"Traceback (most recent call last):\n", "pid", None, "reply 1 (the child's pid): not JSON"),
    (b"[41]\n", "pid", None, 'not an object with a "pid" number'),
    (b'{"pid": "41"}\n', "pid", None, 'not an object with a "pid" number'),
    (b'{"pid": 41, "status": 0}\n', "pid", None, 'a pid reply has only "pid"'),
    (b'{"pid": 41}\n', "status", 41, "reply 2 (the child's end status): no \"status\" number"),
    (b'{"pid": 41, "status": "139"}\n', "status", 41, 'no "status" number'),
    (b'{"pid": 42, "status": 0}\n', "status", 41, "the status of pid 42, not of the child 41"),
])
def test_a_malformed_reply_is_an_error_naming_it(pipe: FakeZygote, z: _Zygote, line: bytes,
                                                  want: str, pid: int | None, why: str) -> None:
    pipe.write(line)
    with pytest.raises(ReplyError, match=re.escape(why)) as err:
        z.reply(pipe, 5.0, want, pid)
    assert repr(line[:-1].decode())[1:-1] in str(err.value)  # the line itself, quoted


#: The real zygote, but ``orjson.dumps`` garbles reply ``GARBLE`` ("pid" or "status").
_GARBLING_ZYGOTE = """
import os, sys, orjson
from logscope.hunt import zygote
class Garbling:
    loads = staticmethod(orjson.loads)
    @staticmethod
    def dumps(reply):
        if os.environ["GARBLE"] in reply and ("status" in reply) == (os.environ["GARBLE"] == "status"):
            return b'{"pid": %d, "status": "finished"' % reply["pid"]
        return orjson.dumps(reply)
zygote.orjson = Garbling
zygote.serve()
"""


#: Where each garbled reply is, as the bundle's error names it.
_REPLY_PLACES = {"pid": "reply 1 (the child's pid)", "status": "reply 2 (the child's end status)"}


def _spec(path: Path, sha: str) -> dict[str, Any]:
    from logscope.match.library import load_library

    return {"path": str(path), "sha": sha, "run_id": 1, "signature_dirs": [],
            "signatures_version": load_library(None).version, "timeout": 120.0,
            "max_memory": 4 << 30, "engine": "rust"}


@pytest.mark.parametrize("garble", ["pid", "status"])
def test_a_zygote_that_garbles_a_reply_is_replaced(tmp_path: Path, z: _Zygote, garble: str,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """Reply 1 garbled: the child hangs on (``zz-hang``) and must die with the zygote.
    Reply 2 garbled: the child has ended. Either way the next bundle runs on a new zygote."""
    from logscope.hunt import task
    from tests.conftest import ROOT, SAMPLES
    from tests.test_exits import _with_marker

    marker = f"garbling-zygote-{tmp_path.name}"
    name = "zz-hang" if garble == "pid" else "clean"
    shutil.copytree(SAMPLES / "bundles" / "clean-backup", tmp_path / name)
    z.proc = subprocess.Popen([sys.executable, "-c", _GARBLING_ZYGOTE, marker], cwd=ROOT,
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL,
                              env={**os.environ, "GARBLE": garble,
                                   "LOGSCOPE_HUNT_TEST_FAULTS": "zz-hang=hang"})
    garbling = z.proc
    monkeypatch.setattr(task, "_ZYGOTE", z)
    row = within(120, lambda: task.run_bundle(_spec(tmp_path / name, "a" * 64)))
    assert garbling.poll() is not None and z.proc is None  # killed, not kept out of step
    assert row["status"] == "crash"
    assert f"broke its protocol, {_REPLY_PLACES[garble]}" in row["error"]
    assert "'{\"pid\": " in row["error"] and "it was killed" in row["error"]
    deadline = time.monotonic() + 10
    while _with_marker(marker) and time.monotonic() < deadline:  # the child, by PDEATHSIG
        time.sleep(0.05)
    assert _with_marker(marker) == []
    try:  # the hunt goes on: the worker's next bundle, on a new zygote
        row = within(180, lambda: task.run_bundle(_spec(SAMPLES / "bundles" / "sqlwriter-chain",
                                                        "b" * 64)))
        assert row["status"] == "ok", row["error"]
        assert row["result"]["hints"]
    finally:
        z.stop()
