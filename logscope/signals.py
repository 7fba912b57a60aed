"""SIGINT, SIGTERM and SIGHUP end a run the same way: no partial output, workers stopped,
exit 130 / 143 / 129.

Why: a CI job's timeout, a closed SSH session or ``systemctl stop`` send SIGTERM or SIGHUP,
not SIGINT. Python's default for those is to die at once, leaving worker processes behind
and whatever the run had written; and the CLI framework turns Ctrl-C into "Aborted!" with
exit 1. Here all three raise :class:`Stopped` in the main process (no library code catches
it), so every ``finally`` block runs, the temporary output is removed and the exit code is
the shell's 128 + signal number; a forked worker that inherited the handler goes back to the
default action and dies.

The signal is also recorded (:func:`received`), because a raise can be lost: when the
handler runs inside a finalizer (a ``__del__``, e.g. a Dask future's), Python prints
"Exception ignored" and carries on (here it prints nothing for a stop: see
``_quiet_unraisable``); when it runs in Python code that a native library called (our
``SlotView.readinto`` under the Rust evtx engine), the library turns it into an error of its
own ("Reached EOF ..."). A loop that must not miss a stop, or be cut in the middle of a
step, runs under :func:`deferred`: the handler only records, and the loop calls
:func:`check` between steps. Other code calls :func:`check` where a lost raise would show:
after each file, where an engine error is caught, and before any output is written.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
from collections.abc import Iterator
from types import FrameType
from typing import Any

#: Signals that stop a run, and their names for the one-line message.
STOP_SIGNALS = {signal.SIGINT: "SIGINT", signal.SIGTERM: "SIGTERM", signal.SIGHUP: "SIGHUP"}

_main_pid: int | None = None
_received: int | None = None  # the first stop signal the main process got
_deferred = False  # inside deferred(): record only, the loop raises at check()
_unraisable = sys.unraisablehook  # the hook install() chains to for every other exception


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
    global _received
    if _deferred and _received is None:  # the loop stops at its next check()
        _received = signum
        return
    _received = _received or signum
    raise Stopped(signum)  # a second signal does not wait for the loop


def received() -> int | None:
    """The stop signal received so far, even one whose :class:`Stopped` was swallowed."""
    return _received


def check() -> None:
    """Raise :class:`Stopped` if a stop signal was received: a loop's safe point."""
    if _received is not None:
        raise Stopped(_received)


@contextlib.contextmanager
def deferred() -> Iterator[None]:
    """Within: a stop signal is only recorded, and raised by the next :func:`check`."""
    global _deferred
    before, _deferred = _deferred, True
    try:
        yield
    finally:
        _deferred = before


def install() -> None:
    """Route SIGINT, SIGTERM and SIGHUP to :class:`Stopped` in this (the main) process."""
    global _main_pid
    _main_pid = os.getpid()
    global _unraisable
    if sys.unraisablehook is not _quiet_unraisable:
        _unraisable, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable
    for sig in STOP_SIGNALS:
        with contextlib.suppress(ValueError, OSError):  # not the main thread / not supported
            signal.signal(sig, _handler)


def _quiet_unraisable(unraisable: Any) -> None:  # noqa: ANN401 - sys.UnraisableHookArgs
    """A stop raised in a finalizer is lost but recorded (:func:`check` takes it up): no
    "Exception ignored" traceback for it, so the run still ends with one line."""
    if not isinstance(unraisable.exc_value, Stopped):
        _unraisable(unraisable)


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
