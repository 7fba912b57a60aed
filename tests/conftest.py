"""Shared fixtures: paths to the project's samples and to the external corpus (../shared).

Tests that read ../shared/corpus use the ``shared`` fixture, which skips (visibly) when the
corpus is not beside the checkout, as on a plain clone without the support material.
"""

from __future__ import annotations

import os
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
