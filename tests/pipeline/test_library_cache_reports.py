"""The checked-library cache changes no report: every sample bundle analysed with the cache
turned off, cold and warm gives the same hints, hits, positions and library warnings."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

SAMPLES = Path(__file__).resolve().parents[2] / "samples"
SIGS_WITH_PROBLEMS = """id: user.loud
title: t
severity: loud
status: test
match: {kind: veeam, message|contains: x}
hint: {cause: c, remedy: [r]}
"""


def _report(paths: list[Path], sigs: list[Path] | None) -> str:
    rep = build_report(analyze(paths, IngestOptions(), sigs))
    rep["meta"].pop("generated", None)
    return json.dumps(rep, sort_keys=True, default=str)


def test_cache_off_cold_and_warm_give_the_same_reports(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    user = tmp_path / "sigs"
    user.mkdir()
    (user / "loud.yml").write_text(SIGS_WITH_PROBLEMS, "utf-8")
    bundles = [SAMPLES / "bundles", SAMPLES / "evtx"]
    monkeypatch.setenv("LOGSCOPE_NO_CACHE", "1")
    off = [_report(bundles, None), _report(bundles, [user])]
    monkeypatch.delenv("LOGSCOPE_NO_CACHE")
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    cold = [_report(bundles, None), _report(bundles, [user])]
    assert len(list((tmp_path / "cache").glob("library-v*.json"))) == 2  # built-in; + user
    warm = [_report(bundles, None), _report(bundles, [user])]
    assert off == cold == warm
    assert json.loads(off[0])["hints"] and "user.loud" not in off[0] and "severity must be" in off[1]
