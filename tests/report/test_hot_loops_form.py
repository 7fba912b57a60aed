"""The report says which form of the compiled hot loops ran (``accel.FORMS``), next to the engine."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from logscope import accel

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "bundles" / "sqlwriter-chain"


def _all_built() -> bool:
    names = accel.compiled_sources()
    return bool(names) and all(
        (spec := importlib.util.find_spec(n)) is not None and not (spec.origin or "").endswith(".pyx")
        for n in names)


def _analyze(pure: str, fmt: str) -> str:
    env = dict(os.environ, LOGSCOPE_PURE=pure)
    run = subprocess.run([sys.executable, "-m", "logscope", "analyze", str(SAMPLE), "--format", fmt,
                          "--workers", "1"], env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    return run.stdout


@pytest.mark.parametrize("pure", ["1", ""])
def test_every_format_names_the_form_that_ran(pure: str) -> None:
    if not pure and not _all_built():
        pytest.skip("the compiled forms are not built here")
    want = "pure" if pure else "compiled"
    versions = json.loads(_analyze(pure, "json"))["meta"]["versions"]
    assert versions["hot_loops"] == want
    assert versions["engine"] == "rust"  # the keys before it stay as they were
    assert list(versions)[:5] == ["logscope", "python", "evtx", "python-evtx", "engine"]
    for fmt, shown in (("text", f"hot_loops {want}"), ("md", f"hot\\_loops {want}"),
                       ("html", f"hot_loops {want}")):
        out = _analyze(pure, fmt)
        assert shown in out, fmt
        assert "engine rust" in out, fmt


def test_summary_of_mixed_and_of_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accel, "FORMS", {})
    assert accel.summary() is None  # nothing loaded: no hot loop ran
    monkeypatch.setattr(accel, "FORMS", {"logscope.x.prescan": "pure", "logscope.x.chunk_keys": "compiled",
                                         "logscope.x.skip_runs": "pure"})
    assert accel.summary() == "mixed: pure prescan, skip_runs; the rest compiled"
    monkeypatch.setattr(accel, "FORMS", {"logscope.x.prescan": "compiled"})
    assert accel.summary() == "compiled"
