"""How the Dask task reads its zygote's replies (``logscope/hunt/task.py``)."""

from __future__ import annotations

import os
import shutil
import threading
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from logscope.hunt.task import _Zygote


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
    assert within(10, lambda: z.reply(proc, 30.0)) == {"pid": 41, "status": 139}


def test_a_line_in_pieces_and_the_timeout(pipe: FakeZygote, z: _Zygote) -> None:
    proc = pipe
    proc.write(b'{"pid": 7')
    assert within(10, lambda: z.reply(proc, 0.05)) is None  # half a line: no answer yet
    proc.write(b', "status": 0}\n')
    assert z.reply(proc, 5.0) == {"pid": 7, "status": 0}
    assert z.reply(proc, 0.05) is None  # nothing more: the wait ends at its timeout


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
