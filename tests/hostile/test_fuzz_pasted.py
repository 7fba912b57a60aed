"""The pasted-text fuzz targets (fuzz/pasted_targets.py) under hypothesis, with a fixed
small budget for CI: event text, PowerShell errors, DiskShadow, free message text, Veeam
agent sessions, Hyper-V state captures and ``logscope explain``, each through
``read_source`` and seeded with the real captures of the tests (fuzz/pasted_seeds.py).
``LOGSCOPE_FUZZ_EXAMPLES`` raises the budget for a long run (fuzz/README.md).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fuzz.mutate import mutated
from fuzz.pasted_seeds import families, pasted_seeds
from fuzz.pasted_targets import FAMILIES, TARGETS
from fuzz.targets import RUNS

from .test_fuzz import SCALE, _settings_for

BUDGET = {"explain": 40}


def test_every_family_has_seeds_of_its_own() -> None:
    """A family fuzzed only from the other families' seeds would reach little of its reader."""
    fams = families()
    assert [f for f in FAMILIES if not fams.get(f)] == []


@pytest.mark.parametrize("name", list(TARGETS))
def test_fuzz_pasted_target(name: str) -> None:
    before = RUNS[name]

    @_settings_for(SCALE or BUDGET.get(name, 120))
    @given(data=st.one_of(mutated(pasted_seeds(name)), st.binary(max_size=2048)))
    def run(data: bytes) -> None:
        TARGETS[name](data)

    run()
    assert RUNS[name] > before
