"""SIGINT, SIGTERM and SIGHUP end a run the same way: no partial output, workers stopped,
exit 130 / 143 / 129.

Why: a CI job's timeout, a closed SSH session or ``systemctl stop`` send SIGTERM or SIGHUP,
not SIGINT. Python's default for those is to die at once, leaving worker processes behind
and whatever the run had written; and the CLI framework turns Ctrl-C into "Aborted!" with
exit 1. Here all three raise :class:`Stopped` in the main process (no library code catches
it), so every ``finally`` block runs, the temporary output is removed and the exit code is
the shell's 128 + signal number; a forked worker that inherited the handler goes back to the
default action and dies.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from types import FrameType

#: Signals that stop a run, and their names for the one-line message.
STOP_SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}

_main_pid: int | None = None


class Stopped(BaseException):  # noqa: N818 - like KeyboardInterrupt, not an error of ours
    """The run was stopped by a signal; ``exit_code`` is the shell's 128 + signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum
        self.exit_code = 128 + signum
        self.name = STOP_SIGNALS.get(signal.Signals(signum), f"signal {signum}")


def _handler(signum: int, _frame: FrameType | None) -> None:
    if os.getpid() != _main_pid:  # a forked worker: die as the signal means
        signal.signal(signum, signal.SIG_DFL)
        os.kill(os.getpid(), signum)
        return
    raise Stopped(signum)


def install() -> None:
    """Route SIGINT, SIGTERM and SIGHUP to :class:`Stopped` in this (the main) process."""
    global _main_pid
    _main_pid = os.getpid()
    for sig in STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread / not supported
            signal.signal(sig, _handler)


def stop_children() -> None:
    """Terminate, then kill, every child process still running (pool workers)."""
    mp = sys.modules.get("multiprocessing")
    if mp is None:  # never imported: no pool was started (and importing it costs start-up)
        return
    children = mp.active_children()
    for p in children:
        with contextlib.suppress(Exception):
            p.terminate()
    for p in children:
        p.join(2)
        if p.is_alive():
            with contextlib.suppress(Exception):
                p.kill()
                p.join(1)
