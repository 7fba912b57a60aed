"""The fuzz targets (fuzz/targets.py) under hypothesis, with a fixed small budget for CI.

Seeds come from ../shared/corpus and samples/ (fuzz/seeds.py); each input is a seed with up
to a dozen byte-level mutations, or plain random bytes. ``LOGSCOPE_FUZZ_EXAMPLES`` raises
the budget per target for a long run (fuzz/README.md).
"""

from __future__ import annotations

import os

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.mutate import mutated
from fuzz.seeds import seeds
from fuzz.targets import RUNS, TARGETS
from logscope.report.escape import csv_cell, markdown, terminal

BUDGET = {"textio": 400, "vssadmin": 400, "veeam": 400, "evtx-rust": 300, "evtx-python": 60,
          "evtx-gated": 200,
          "detect": 400, "bundle": 200}
SCALE = int(os.environ.get("LOGSCOPE_FUZZ_EXAMPLES", "0"))


def _settings(name: str) -> settings:
    return _settings_for(SCALE or BUDGET[name])


def _settings_for(examples: int) -> settings:
    return settings(max_examples=examples, deadline=None, database=None,
                    derandomize=not SCALE, print_blob=True,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                           HealthCheck.large_base_example])


def _inputs(name: str) -> st.SearchStrategy[bytes]:
    return st.one_of(mutated(seeds(name)), st.binary(max_size=4096))


@pytest.mark.parametrize("name", list(TARGETS))
def test_fuzz_target(name: str) -> None:
    before = RUNS[name]

    @_settings(name)
    @given(data=_inputs(name))
    def run(data: bytes) -> None:
        TARGETS[name](data)

    run()
    assert RUNS[name] > before
    print(f"fuzz {name}: {RUNS[name] - before} inputs")  # shown with -s (long runs)


_BAD = "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"


@settings(max_examples=SCALE or 300, deadline=None, derandomize=not SCALE, database=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=200)
       | st.lists(st.sampled_from(["\x1b", "[", "]", "0", ";", "\x07", "\\", "m", "P", "x",
                                   "\x9b", "\x9d", "\u202e", "=", "-", " ", "\t"]),
                  max_size=40).map("".join))
def test_fuzz_escapes(text: str) -> None:
    import re

    for out in (terminal(text), csv_cell(text), markdown(text)):
        assert "\x1b" not in out and not re.search(_BAD, out), repr(out)
    c = csv_cell(text)
    assert not c.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@") or c.startswith("'")
