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


def test_a_csv_export_of_an_evtx_record_counts_once(tmp_path: Path) -> None:
    """Get-WinEvent | Export-Csv of the Worker record beside its XML export: local time, same
    record id, host and channel: one record."""
    b = copy_bundle("sqlwriter-chain", tmp_path)
    (b / "HV01" / "worker.csv").write_bytes((
        '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n'
        '"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId",'
        '"ProviderName","ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId",'
        '"TimeCreated","LevelDisplayName"\r\n'
        '"\'SQL01\' could not initiate a checkpoint operation: %%2147754996 (0x800423F4). '
        '(Virtual machine ID 4E4FD04E-B8CE-42C0-BC6E-3D9F554C4670)","3280","0",,"2","0","0",'
        '"-9223372036854775808","4711","Microsoft-Windows-Hyper-V-Worker",'
        '"51ddfa29-d5c8-4803-be4b-2ecb715570fe","Microsoft-Windows-Hyper-V-Worker-Admin","3012",'
        '"5120","HV01.contoso.local","S-1-5-18","3/14/2026 10:02:05 AM","Error"\r\n'
    ).encode("utf-16"))
    base = run(BUNDLES / "sqlwriter-chain")
    rep = run(b)
    assert any(f["kind"] == "evtx-csv" and f["records"] == 1 for f in rep["files"])
    assert rep["meta"]["duplicate_hits"] >= 1
    assert len(rep["timeline"]) == len(base["timeline"])
    top = rep["hints"][0]
    assert len(top["evidence"]) == len(base["hints"][0]["evidence"])
    (worker,) = [e for e in top["evidence"] if e["signature"] == "hyperv.checkpoint.guest-writer-failed"]
    assert worker["kind"] == "evtx-xml"  # the first read is kept, the copy is listed
    assert [a["file"] for a in worker["also_in"]] == ["sqlwriter-chain/HV01/worker.csv"]



def test_reports_name_the_copies_of_an_evidence_record(tmp_path: Path) -> None:
    from logscope.report import render

    b = copy_bundle("sqlwriter-chain", tmp_path)
    shutil.copy(b / "HV01" / "Microsoft-Windows-Hyper-V-Worker-Admin.xml", b / "worker-copy.xml")
    rep = run(b)
    (ev,) = [e for e in rep["hints"][0]["evidence"] if e["locator"].get("record") == 4711]
    (copy,) = ev["also_in"]  # whichever file was read first is kept, the other is named
    assert {ev["file"], copy["file"]} == {
        "sqlwriter-chain/worker-copy.xml",
        "sqlwriter-chain/HV01/Microsoft-Windows-Hyper-V-Worker-Admin.xml"}
    assert f"same record also in {copy['file']} record 4711" in render(rep, "html")
    assert "same record also in" in render(rep, "text")
