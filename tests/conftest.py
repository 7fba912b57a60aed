"""Shared fixtures: paths to the project's samples and to the external corpus (../shared).

Tests that read ../shared/corpus use the ``shared`` fixture, which skips (visibly) when the
corpus is not beside the checkout, as on a plain clone without the support material.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from pathlib import Path

import pytest
from hypothesis import settings

# CI runs the property tests derandomized: the same inputs every run (a failure there is a
# bug to fix, never a flake). Long randomized runs: see fuzz/README.md.
settings.register_profile("ci", derandomize=True)
if os.environ.get("CI"):
    settings.load_profile("ci")

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"


def _shared_dir() -> Path | None:
    env = os.environ.get("LOGSCOPE_SHARED")
    for cand in ([Path(env)] if env else []) + [ROOT.parent / "shared", ROOT / "../shared"]:
        if (cand / "corpus").is_dir():
            return cand.resolve()
    return None


SHARED = _shared_dir()


@pytest.fixture(scope="session")
def shared() -> Path:
    """The ../shared folder; skips the test when it is absent."""
    if SHARED is None:
        pytest.skip("../shared/corpus is not present beside this checkout")
    return SHARED


@pytest.fixture(scope="session")
def samples() -> Path:
    return SAMPLES


#: Seconds a ``logscope`` command started by a test may take (a hunt takes ~10 s alone,
#: a minute on a loaded machine): past that it hangs, and the test fails saying so instead
#: of blocking the whole run.
CLI_BOUND = 300


def kill_when_overdue(proc: subprocess.Popen[str], bound: float = CLI_BOUND) -> threading.Timer:
    """A timer that kills ``proc``'s session (started with ``start_new_session``) after
    ``bound`` seconds, so reads of its pipes end instead of blocking the run; cancel it."""
    def kill() -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)

    timer = threading.Timer(bound, kill)
    timer.daemon = True
    timer.start()
    return timer
