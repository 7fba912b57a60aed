"""Every seed pattern end to end from samples/: the right top hint, with evidence pointing at
the right file and record/line, from the real parsers and the built-in library."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest

from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = ROOT / "samples" / "bundles"


def run(*paths: Path, **opts: object) -> dict:
    return build_report(analyze(list(paths), IngestOptions(**opts)))  # type: ignore[arg-type]


def evidence_at(hint: dict, file_suffix: str) -> list[dict]:
    return [e for e in hint["evidence"] if e["file"].endswith(file_suffix)]


def test_sqlwriter_chain_top_hint_and_evidence() -> None:
    rep = run(BUNDLES / "sqlwriter-chain")
    top = rep["hints"][0]
    assert top["id"] == "chain.sqlwriter-checkpoint"
    assert top["vm"] == "SQL01"
    assert top["severity"] == "critical"
    assert top["confidence"] >= 0.9
    assert {"veeam", "evtx-xml", "vssadmin"} <= set(top["evidence_kinds"])
    assert "SQL Server VSS Writer" in top["remedy"][0] and "SQL01" in top["remedy"][0]
    (vss,) = evidence_at(top, "SQL01/VSS/vss_writers.log")
    assert vss["locator"]["line"] == 20
    (host,) = evidence_at(top, "HV01/Microsoft-Windows-Hyper-V-Worker-Admin.xml")
    assert host["locator"]["record"] == 4711
    assert host["time"] == "2026-03-14T09:02:05.481337+00:00"
    (veeam,) = evidence_at(top, "Job.SQL Backup.Backup.log")
    assert veeam["locator"]["line"] == 23
    # Veeam local 10:02:11 with the header's "UTC offset: 1.00 hours" -> 09:02:11 UTC
    assert veeam["time"] == "2026-03-14T09:02:11+00:00"
    assert veeam["time_source"] == "header"
    assert top["missing_evidence"] == []


def test_sqlwriter_chain_without_guest_logs_lowers_confidence_and_says_what_is_missing(
        tmp_path: Path) -> None:
    full = run(BUNDLES / "sqlwriter-chain")["hints"][0]
    rep = run(BUNDLES / "sqlwriter-chain" / "VBR01", BUNDLES / "sqlwriter-chain" / "HV01")
    top = next(h for h in rep["hints"] if h["id"] == "chain.sqlwriter-checkpoint")
    assert top["confidence"] < full["confidence"]
    missing = {m["step"]: m["collect"] for m in top["missing_evidence"]}
    assert "guest" in missing and "vssadmin list writers" in missing["guest"]
    assert "SQL01" in missing["guest"]


def test_vhds_guest_cluster_chain() -> None:
    rep = run(BUNDLES / "vhds-guest-cluster")
    top = rep["hints"][0]
    assert top["id"] == "chain.vhds-guest-cluster"
    assert top["vm"] == "GCNODE1"
    assert {"veeam", "evtx-xml"} <= set(top["evidence_kinds"])
    sigs = {e["signature"] for e in top["evidence"]}
    assert "hyperv.guestcluster.vhds-owner" in sigs
    assert "guest.icsvc.cluster-disk-not-owned" in sigs
    (icsvc,) = evidence_at(top, "GCNODE1/Microsoft-Windows-Hyper-V-Guest-Drivers-Admin.xml")
    assert icsvc["locator"]["record"] == 311


def test_no_scsi_controller_10103() -> None:
    rep = run(BUNDLES / "no-scsi-controller")
    top = rep["hints"][0]
    assert top["id"] == "hyperv.config.no-scsi-controller"
    assert top["vm"] == "VM001"
    assert [e["locator"]["record"] for e in top["evidence"]] == [9001, 9107]
    # the 13002 record in the same file is read but matches nothing
    (f,) = rep["files"]
    assert f["records"] == 3 and f["kind"] == "evtx-xml"


def test_report_contract_fields() -> None:
    rep = run(BUNDLES / "sqlwriter-chain")
    assert set(rep) >= {"meta", "files", "hits", "hints", "timeline"}
    assert set(rep["meta"]) >= {"logscope_version", "signatures_version", "inputs"}
    (inp,) = rep["meta"]["inputs"]
    assert len(inp["sha256"]) == 64
    for f in rep["files"]:
        assert set(f) >= {"path", "kind", "records", "skipped", "skip_reasons", "problems"}
        assert f["path"].startswith("sqlwriter-chain/")
    for h in rep["hits"]:
        assert set(h) >= {"signature", "time", "file", "locator", "fields"}
    for t in rep["timeline"]:
        assert set(t) >= {"time", "file", "locator", "kind", "text", "signature"}
    kinds = {f["path"].rsplit("/", 1)[-1]: f["kind"] for f in rep["files"]}
    assert kinds["vss_writers.log"] == "vssadmin"
    assert kinds["Job.SQL Backup.Backup.log"] == "veeam"
    json.dumps(rep)  # serialisable as is


def _zip_bundle(tmp_path: Path, extra: dict[str, bytes]) -> Path:
    zpath = tmp_path / "bundle.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((BUNDLES / "sqlwriter-chain").rglob("*")):
            if p.is_file():
                zf.write(p, p.relative_to(BUNDLES).as_posix())
        for name, data in extra.items():
            zf.writestr(name, data)
    return zpath


def test_zip_bundle_with_corrupt_member_and_nested_zip(tmp_path: Path) -> None:
    good = (BUNDLES / "no-scsi-controller" / "HV02" / "Microsoft-Windows-Hyper-V-VMMS-Admin.xml")
    inner = io.BytesIO()
    with zipfile.ZipFile(inner, "w") as zf:
        zf.writestr("HV02/vmms.xml", good.read_bytes())
    corrupt = bytearray(b"ElfFile\x00" + bytes(4088))  # an evtx header with nothing valid behind
    zpath = _zip_bundle(tmp_path, {"broken/System.evtx": bytes(corrupt),
                                   "nested/inner.zip": inner.getvalue(),
                                   "notes/readme.txt": b"customer notes, not a log\n"})
    rep = run(zpath)
    paths = {f["path"]: f for f in rep["files"]}
    bad = paths["bundle.zip/broken/System.evtx"]
    assert bad["kind"] == "evtx"
    assert bad["problems"], "a corrupt evtx must give a problem entry"
    assert any(p["where"] for p in bad["problems"])
    assert "bundle.zip/nested/inner.zip/HV02/vmms.xml" in paths
    unknown = paths["bundle.zip/notes/readme.txt"]
    assert unknown["kind"] == "unknown" and unknown["reason"]
    ids = [h["id"] for h in rep["hints"]]
    assert ids[0] == "chain.sqlwriter-checkpoint"          # the rest is still analysed
    assert "hyperv.config.no-scsi-controller" in ids       # ... including the nested zip


@pytest.mark.parametrize("member", ["../../evil.txt", "/etc/passwd", "C:\\Windows\\x.txt"])
def test_zip_member_names_cannot_escape(tmp_path: Path, member: str) -> None:
    zpath = tmp_path / "b.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr(member, b"hello\n")
    rep = run(zpath)
    (f,) = [f for f in rep["files"] if f["kind"] != "zip"]
    assert ".." not in f["path"].split("/") and not f["path"].startswith("/")
    assert not (tmp_path.parent / "evil.txt").exists()


def test_veeam_log_export_zip_runs_the_sql_chain() -> None:
    """A Veeam 'Export Logs' zip (folder per server), the host's XML export and a Veeam guest
    log collection (``<stamp>_<COMPUTER>/VSS/vss_writers.log``, UTF-16) give the SQL chain."""
    rep = run(BUNDLES / "veeam-export-sqlwriter")
    files = {f["path"]: f for f in rep["files"]}
    job = files["veeam-export-sqlwriter/2026-03-14T101500_VeeamBackupLogs.zip/VBR01/Backup/"
                "SQL_Backup/Job.SQL_Backup.Backup.log"]
    assert job["kind"] == "veeam" and job["records"] == 13
    top = rep["hints"][0]
    assert top["id"] == "chain.sqlwriter-checkpoint" and top["vm"] == "SQL01"
    assert {"veeam", "evtx-xml", "vssadmin"} <= set(top["evidence_kinds"])
    # the guest's Application log is not in this bundle: lower confidence, and it says so
    assert top["confidence"] < run(BUNDLES / "sqlwriter-chain")["hints"][0]["confidence"]
    assert any(m["step"] == "sql" for m in top["missing_evidence"])
