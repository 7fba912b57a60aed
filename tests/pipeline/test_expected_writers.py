"""An expected writer missing from a guest's capture is reported when the guest runs SQL Server."""

from __future__ import annotations

import shutil
from pathlib import Path

from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
APP = ROOT / "samples" / "bundles" / "sqlwriter-chain" / "SQL01" / "Application.xml"

CAPTURE = """vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool
(C) Copyright 2001-2013 Microsoft Corp.

Writer name: 'System Writer'
   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}
   Writer Instance Id: {8e2b6d0a-4c1f-4d3e-b5a6-0f1e2d3c4b5a}
   State: [1] Stable
   Last error: No error

"""


def _bundle(tmp_path: Path, with_sql_logs: bool) -> Path:
    guest = tmp_path / "case" / "SQL01"
    guest.mkdir(parents=True)
    (guest / "vss_writers.txt").write_text(CAPTURE, encoding="utf-8")
    if with_sql_logs:
        shutil.copy(APP, guest / "Application.xml")
    return tmp_path / "case"


def _problems(rep: dict) -> list[dict]:
    (f,) = [f for f in rep["files"] if f["path"].endswith("vss_writers.txt")]
    return [p for p in f["problems"] if p["code"] == "vss-writer-missing"]


def test_missing_sqlserverwriter_reported_when_guest_runs_sql(tmp_path: Path) -> None:
    rep = build_report(analyze([_bundle(tmp_path, True)], IngestOptions()))
    (p,) = _problems(rep)
    assert "SqlServerWriter" in p["message"]
    assert p["where"].startswith("line ")


def test_no_expectation_without_evidence_of_sql(tmp_path: Path) -> None:
    rep = build_report(analyze([_bundle(tmp_path, False)], IngestOptions()))
    assert _problems(rep) == []
