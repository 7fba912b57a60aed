"""Each real-world case gets the cause its public source established as the top hint.

A case whose form's reader is not in the parser registry yet (computed at run time, so the
mark disappears the moment the reader lands) is an expected failure with that reason, never a
silent pass: once the reader is registered the case must pass. Which kind each file was read
as is part of the failure message and of ``benchmarks/realworld_score.py``'s output (a quoted
WMI error line may be claimed by the Veeam session reader before the message-text fallback:
the hint is what counts).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.realworld.harness import case_dirs, load_case, registered_kinds, run_case

CASES = case_dirs()


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_top_hint_is_the_established_cause(folder: Path) -> None:
    case = load_case(folder)
    if case.form not in registered_kinds():
        pytest.xfail(f"reader for {case.form} not landed")
    out = run_case(case)
    assert out.right, (f"{case.id}: top hint {out.top!r}, expected one of {case.cause} "
                       f"(ranked: {out.ranked[:5]}; read as {out.kinds}; source {case.source})")
