"""The same record read twice (two copies of a log, an export beside its source) counts once."""

from __future__ import annotations

import shutil
from pathlib import Path

from .helpers import BUNDLES, copy_bundle, run


def test_copied_files_count_once_in_timeline_and_hints(tmp_path: Path) -> None:
    base = run(BUNDLES / "sqlwriter-chain")
    b = copy_bundle("sqlwriter-chain", tmp_path)
    extra = b / "copies"
    extra.mkdir()
    shutil.copy(b / "HV01" / "Microsoft-Windows-Hyper-V-Worker-Admin.xml", extra / "worker-export.xml")
    shutil.copy(b / "VBR01" / "Backup" / "SQL Backup" / "Job.SQL Backup.Backup.log",
                extra / "Job.SQL Backup.Backup (copy).log")
    rep = run(b)
    assert len(rep["files"]) == len(base["files"]) + 2          # every file is still read...
    assert rep["meta"]["duplicate_hits"] == 2                     # ...but the records count once
    assert len(rep["timeline"]) == len(base["timeline"])
    assert len(rep["hits"]) == len(base["hits"])
    assert [h["id"] for h in rep["hints"]] == [h["id"] for h in base["hints"]]
    top = rep["hints"][0]
    assert len(top["evidence"]) == len(base["hints"][0]["evidence"])
    assert [h["confidence"] for h in rep["hints"]] == [h["confidence"] for h in base["hints"]]
    worker = next(h for h in rep["hits"] if h["signature"] == "hyperv.checkpoint.guest-writer-failed")
    assert [a["file"] for a in worker["fields"]["also_in"]] == ["sqlwriter-chain/copies/worker-export.xml"]


def test_same_text_from_two_guests_is_two_records(tmp_path: Path) -> None:
    """Two guests whose SqlServerWriter failed alike are two findings, not a duplicate."""
    b = copy_bundle("sqlwriter-chain", tmp_path)
    (b / "SQL02" / "VSS").mkdir(parents=True)
    shutil.copy(b / "SQL01" / "VSS" / "vss_writers.log", b / "SQL02" / "VSS" / "vss_writers.log")
    rep = run(b)
    assert rep["meta"]["duplicate_hits"] == 0
    hosts = {h["fields"].get("host") for h in rep["hits"]
             if h["signature"] == "guest.sqlwriter.nonretryable"}
    assert hosts == {"SQL01", "SQL02"}
