"""Each §12 chain from its sample bundle: right top hint, evidence from >= 2 source kinds;
with a source missing, lower confidence and the exact command that collects it."""

from __future__ import annotations

import pytest

from .helpers import BUNDLES, run


@pytest.mark.parametrize(("bundle", "chain", "vm", "kinds"), [
    ("sqlwriter-chain", "chain.sqlwriter-checkpoint", "SQL01", {"veeam", "evtx-xml", "vssadmin"}),
    ("vhds-guest-cluster", "chain.vhds-guest-cluster", "GCNODE1", {"veeam", "evtx-xml"}),
    ("scsi-autorecovery", "chain.scsi-autorecovery", "APP02", {"veeam", "evtx-xml"}),
    ("sharing-violation", "chain.sharing-violation", "APPSRV", {"veeam", "evtx-xml"}),
    ("guest-storage", "chain.guest-storage", "FS01", {"veeam", "evtx-xml"}),
    # issue 17: Hyper-V state listings joined to the logs of the same VM
    ("vhds-locked-chain", "chain.vhds-recovery-never-merges", "FSCL3",
     {"veeam", "evtx-xml", "hyperv-state"}),
    ("no-scsi-state", "chain.no-scsi-controller", "APP05", {"evtx-xml", "hyperv-state"}),
])
def test_chain_is_the_top_hint_with_evidence_from_two_kinds(bundle: str, chain: str, vm: str,
                                                            kinds: set[str]) -> None:
    rep = run(BUNDLES / bundle)
    top = rep["hints"][0]
    assert (top["id"], top["vm"]) == (chain, vm)
    assert kinds <= set(top["evidence_kinds"])
    for ev in top["evidence"]:
        assert ev["file"] and ev["locator"] and ev["text"]


def test_scsi_autorecovery_evidence_points_at_records_and_lines() -> None:
    top = run(BUNDLES / "scsi-autorecovery")["hints"][0]
    where = {(e["signature"], e["file"].rsplit("/", 1)[-1]): e for e in top["evidence"]}
    assert where[("hyperv.config.no-scsi-controller",
                  "Microsoft-Windows-Hyper-V-VMMS-Admin.xml")]["locator"]["record"] == 12001
    assert where[("hyperv.checkpoint.autorecovery-file-exists",
                  "Microsoft-Windows-Hyper-V-Worker-Admin.xml")]["locator"]["record"] == 6120
    veeam = where[("veeam.hv.autorecovery-file-exists", "Job.App Backup.Backup.log")]
    assert veeam["locator"]["line"] == 21
    assert veeam["time"] == "2026-04-07T22:15:14+00:00"  # 00:15:14 local, UTC offset 2.00 hours
    assert top["missing_evidence"] == []
    # the absence rule of the SQL chain must not blame the guest for an explained failure
    assert [h["id"] for h in run(BUNDLES / "scsi-autorecovery")["hints"]] == [
        "chain.scsi-autorecovery"]


def test_scsi_autorecovery_without_the_earlier_10103_asks_for_it() -> None:
    full = run(BUNDLES / "scsi-autorecovery")["hints"][0]
    b = BUNDLES / "scsi-autorecovery"
    rep = run(b / "VBR04", b / "HV04" / "Microsoft-Windows-Hyper-V-Worker-Admin.xml")
    top = rep["hints"][0]
    assert top["id"] == "chain.scsi-autorecovery"
    assert top["confidence"] < full["confidence"]
    (miss,) = top["missing_evidence"]
    assert miss["step"] == "no-scsi"
    assert "HV04.contoso.local" in miss["collect"] or "APP02" in miss["collect"]
    assert "wevtutil" in miss["collect"] and "/q:" in miss["collect"]


def test_sharing_violation_joins_the_csv_event_by_host_and_the_later_merge() -> None:
    top = run(BUNDLES / "sharing-violation")["hints"][0]
    steps = {s["id"]: s["found"] for s in top["steps"]}
    assert steps == {"symptom": 2, "csv": 1, "merge": 1}
    sigs = {e["signature"] for e in top["evidence"]}
    assert {"csv.redirected-io", "hyperv.merge.failed", "veeam.hv.checkpoint-file-in-use",
            "hyperv.checkpoint.file-in-use"} <= sigs


def test_sharing_violation_without_host_logs_lists_each_missing_step() -> None:
    full = run(BUNDLES / "sharing-violation")["hints"][0]
    rep = run(BUNDLES / "sharing-violation" / "VBR05")
    top = rep["hints"][0]
    assert top["id"] == "chain.sharing-violation"
    assert top["confidence"] < full["confidence"]
    assert {m["step"] for m in top["missing_evidence"]} == {"csv", "merge"}
    assert all(m["collect"] for m in top["missing_evidence"])


def test_sqlwriter_chain_without_guest_logs_names_guest_and_window() -> None:
    b = BUNDLES / "sqlwriter-chain"
    rep = run(b / "VBR01", b / "HV01")
    top = next(h for h in rep["hints"] if h["id"] == "chain.sqlwriter-checkpoint")
    (guest,) = [m for m in top["missing_evidence"] if m["step"] == "guest"]
    assert "Inside guest SQL01" in guest["collect"]
    assert "vssadmin list writers" in guest["collect"]
    assert "@SystemTime>='2026-03-14T08:" in guest["collect"]


def test_clean_bundle_says_so_and_lists_what_was_checked() -> None:
    rep = run(BUNDLES / "clean-backup")
    assert rep["hints"] == []
    kinds = {k["kind"]: k for k in rep["checked"]["kinds"]}
    assert set(kinds) == {"evtx-xml", "veeam", "vssadmin"}
    assert kinds["vssadmin"]["records"] == 5 and kinds["vssadmin"]["signatures"] > 0
    assert "chain.sqlwriter-checkpoint" in rep["checked"]["chains"]


def test_guest_storage_chain_and_its_missing_guest_variant() -> None:
    rep = run(BUNDLES / "guest-storage")
    (top,) = rep["hints"]  # the generic "prepare guest failed" is folded into the chain
    assert top["id"] == "chain.guest-storage" and top["vm"] == "FS01"
    assert {"veeam", "evtx-xml"} <= set(top["evidence_kinds"])
    assert "veeam.aap.prepare-guest-failed" in top["related_signatures"]
    (volsnap,) = [e for e in top["evidence"] if e["file"].endswith("FS01/System.xml")]
    assert volsnap["locator"]["record"] == 77120
    part = run(BUNDLES / "guest-storage" / "VBR06")
    low = part["hints"][0]
    assert low["id"] == "chain.guest-storage" and low["confidence"] < top["confidence"]
    (miss,) = low["missing_evidence"]
    assert miss["step"] == "volsnap" and "FS01" in miss["collect"]
    assert "wevtutil epl System" in miss["collect"] and "2026-06-09T22:02:19" in miss["collect"]


def test_unmerged_checkpoints_chain_joins_a_csv_export_by_vm_id() -> None:
    rep = run(BUNDLES / "unmerged-checkpoints")
    (top,) = rep["hints"]  # the SCSI/AutoRecovery absence reading of the same error is dropped
    assert (top["id"], top["vm"]) == ("chain.unmerged-checkpoints", "ERP01")
    assert set(top["evidence_kinds"]) == {"evtx-xml", "evtx-csv"}
    merge = next(e for e in top["evidence"] if e["signature"] == "hyperv.merge.failed")
    assert merge["time_source"] == "local" and merge["locator"]["line"] == 3


def test_vhds_chain_reports_the_19100_acl_follow_up(tmp_path) -> None:  # noqa: ANN001
    from .helpers import copy_bundle

    b = copy_bundle("vhds-guest-cluster", tmp_path)
    assert {m["step"] for m in run(b)["hints"][0]["missing_evidence"]} == {"acl"}
    (b / "HV11" / "VMMS-19100.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n<Event xmlns="http://schemas.microsoft.com/'
        'win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Hyper-V-VMMS" '
        'Guid="{6066f867-7ca1-4418-85fd-36e3f9c0600c}"/><EventID>19100</EventID><Version>0</Version>'
        "<Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8000000000000000</Keywords>"
        '<TimeCreated SystemTime="2026-06-22T21:40:02.0000000Z"/><EventRecordID>5388</EventRecordID>'
        "<Channel>Microsoft-Windows-Hyper-V-VMMS-Admin</Channel><Computer>HV11.contoso.local</Computer>"
        '<Security UserID="S-1-5-18"/></System><UserData><VmlEventLog xmlns="http://www.microsoft.com/'
        'Windows/Virtualization/Events"><VmName>GCNODE1</VmName><VmId>8B0D6E3A-2F41-4C7B-9A5E-61D2C8F0A7B3'
        "</VmId><ErrorMessage>%%2147942405</ErrorMessage><ErrorCode>0x80070005</ErrorCode></VmlEventLog>"
        "</UserData></Event>\n</Events>\n", encoding="utf-8")
    top = run(b)["hints"][0]
    assert top["id"] == "chain.vhds-guest-cluster" and top["missing_evidence"] == []
    assert {s["id"]: s["found"] for s in top["steps"]}["acl"] == 1
    assert any(e["locator"].get("record") == 5388 for e in top["evidence"])


def test_vhds_chain_without_the_guest_node_logs_asks_for_them() -> None:
    b = BUNDLES / "vhds-guest-cluster"
    full = run(b)["hints"][0]
    top = run(b / "VBR02", b / "HV11")["hints"][0]
    assert top["id"] == "chain.vhds-guest-cluster" and top["confidence"] < full["confidence"]
    guest = next(m for m in top["missing_evidence"] if m["step"] == "guest")
    assert "GCNODE1" in guest["collect"] and "wevtutil epl" in guest["collect"]
    assert "/q:" in guest["collect"]
