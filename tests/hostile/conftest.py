"""Helpers for the hostile-input tests: run the whole pipeline over generated bundles.

Every hostile input is built by the test that uses it (no stored bombs in the repository);
a known-good vssadmin capture from samples/ rides along so that each test can check that
the rest of the bundle is still analysed.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest

from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
GOOD_NAME = "SQL01/VSS/vss_writers.log"
GOOD_VSS = (ROOT / "samples" / "bundles" / "sqlwriter-chain" / GOOD_NAME).read_bytes()


def run(*paths: Path, **opts: Any) -> dict[str, Any]:  # noqa: ANN401
    return build_report(analyze(list(paths), IngestOptions(**opts)))


def files(rep: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {f["path"]: f for f in rep["files"]}


def assert_good_read(rep: dict[str, Any], suffix: str = GOOD_NAME) -> None:
    """The known-good capture was read in full (the rest of the bundle is analysed)."""
    found = [f for f in rep["files"] if f["path"].endswith(suffix)]
    assert found, f"{suffix} missing from {[f['path'] for f in rep['files']]}"
    assert found[0]["kind"] == "vssadmin" and found[0]["records"] == 5


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Route tempfile's folder into the test's own folder, to watch what is left behind."""
    d = tmp_path / "systmp"
    d.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(d))
    return d


@pytest.fixture
def small_ratio_floor(monkeypatch: pytest.MonkeyPatch) -> None:
    """Judge compression ratios from 1 MiB on (the default floor is 32 MiB), so that the bombs
    of these tests stay small and quick."""
    from logscope.ingest import archive

    monkeypatch.setattr(archive, "RATIO_FLOOR", 1 << 20)
