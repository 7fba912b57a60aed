"""Issue 17 samples end to end: Hyper-V state listings (and the logs beside them) give their
hint, with evidence pointing at file and line, and the chain trend across two captures."""

from __future__ import annotations

from pathlib import Path

from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report import render
from logscope.report.build import build_report

BUNDLES = Path(__file__).resolve().parents[2] / "samples" / "bundles"


def run(*paths: Path) -> dict:
    return build_report(analyze(list(paths), IngestOptions()))


def at(hint: dict, signature: str) -> list[tuple[str, dict]]:
    return [(e["file"].split("/", 1)[1], e["locator"]) for e in hint["evidence"]
            if e["signature"] == signature]


def test_never_merging_vhd_set_recovery_chain_two_captures() -> None:
    rep = run(BUNDLES / "vhds-recovery-chain")
    top = rep["hints"][:2]
    assert {(h["id"], h["vm"]) for h in top} == {("chain.vhds-recovery-never-merges", "FSCL1"),
                                                 ("chain.vhds-recovery-never-merges", "FSCL2")}
    h = next(h for h in top if h["vm"] == "FSCL1")
    assert h["severity"] == "critical" and h["evidence_kinds"] == ["hyperv-state"]
    assert at(h, "hyperv.state.chain-growing") == [
        ("2026-11-27T080000_HV31/Get-VHD.txt", {"line": 3, "end_line": 21})]
    # recovery checkpoints older than 26 h, at their Get-VMSnapshot rows of the newest
    # capture (the older one is history: its state shows in the trend)
    rows = at(h, "hyperv.state.recovery-checkpoint-unmerged")
    assert rows[:5] == [("2026-11-27T080000_HV31/Get-VMSnapshot.txt", {"line": n})
                        for n in (5, 6, 7, 8, 9)]  # line 10: last night's, 10 h old
    # ... and the snapshots of the shared VHD Set (Get-VHDSnapshot, Format-List records)
    assert ("2026-11-27T080000_HV31/Get-VHDSnapshot.txt", {"line": 3, "end_line": 9}) in rows
    assert all(f.startswith("2026-11-27") for f, _ in rows)
    assert at(h, "hyperv.state.vhds-guest-cluster")[0][0].endswith("Get-VMHardDiskDrive.txt")
    assert "shut down every node of the guest cluster" in " ".join(h["remedy"])
    assert any("Do not delete" in r for r in h["remedy"])
    # the trend: 3 → 6 levels between the captures, ordered by their (UTC) marker times
    (t1,) = [t for t in rep["hyperv_state"]["trends"] if t["vm"] == "FSCL1"]
    assert t1["growing"] and [p["depth"] for p in t1["series"]] == [3, 6]
    assert [p["time"] for p in t1["series"]] == ["2026-11-24T07:00:00+00:00",
                                                 "2026-11-27T07:00:00+00:00"]
    text = render(rep, "text")
    assert "Chain trend across captures" in text and "GROWING" in text


def test_locked_chain_after_the_first_backup_is_one_finding() -> None:
    rep = run(BUNDLES / "vhds-locked-chain")
    top = rep["hints"][0]
    assert (top["id"], top["vm"]) == ("chain.vhds-recovery-never-merges", "FSCL3")
    assert {"veeam", "evtx-xml", "hyperv-state"} <= set(top["evidence_kinds"])
    # the Veeam failures, the host's 3280s, the 19100 after the first backup, the state
    assert at(top, "veeam.hv.checkpoint-file-in-use") == [
        ("VBR07/Backup/GC Backup/Job.GC Backup.Backup.log", {"line": 41, "end_line": 49}),
        ("VBR07/Backup/GC Backup/Job.GC Backup.Backup.log", {"line": 70, "end_line": 78})]
    assert [loc["record"] for _, loc in at(top, "hyperv.checkpoint.file-in-use")] == [9310, 9347]
    assert [loc["record"] for _, loc in at(top, "hyperv.merge.failed")] == [51207]
    assert at(top, "hyperv.state.recovery-checkpoint-unmerged") == [
        ("2026-11-13T090000_HV33/Get-VMSnapshot.txt", {"line": 5})]
    # the other stories of the same records are folded in, not raised again
    assert "chain.unmerged-checkpoints" in top["related_signatures"]
    assert [h["id"] for h in rep["hints"] if h["vm"] == "FSCL3"] == [top["id"]]
    # the other node: a low configuration hint naming its partner and the shared VHD Set
    (other,) = [h for h in rep["hints"] if h["vm"] == "FSCL4"]
    assert other["title"] == "FSCL4 is a guest cluster node on a VHD Set shared with FSCL3"
    assert "ClusterData.vhds with FSCL3" in other["cause"] and other["severity"] == "low"


def test_vm_without_scsi_controller_state_and_10103() -> None:
    rep = run(BUNDLES / "no-scsi-state")
    top = rep["hints"][0]
    assert (top["id"], top["vm"]) == ("chain.no-scsi-controller", "APP05")
    (state,) = at(top, "hyperv.state.no-scsi-controller")
    assert state[0].startswith("2026-11-20T090000_HV34/")
    (vmms,) = at(top, "hyperv.config.no-scsi-controller")
    assert vmms == ("HV34/Microsoft-Windows-Hyper-V-VMMS-Admin.xml", {"record": 14021, "line": 3})
    assert len(rep["hints"]) == 1
    # the state alone, before any backup failed, already names the cause
    alone = run(BUNDLES / "no-scsi-state" / "2026-11-20T090000_HV34")
    (h,) = alone["hints"]
    assert (h["id"], h["vm"]) == ("hyperv.state.no-scsi-controller", "APP05")
    rows = {r["vm"]: r["scsi_controllers"] for r in alone["hyperv_state"]["vms"]}
    assert rows == {"APP05": 0, "WEB05": 1}


def test_state_hints_fill_every_placeholder() -> None:
    """Ages, checkpoint names, partners: the hint texts of state findings are filled in, alone
    (single-signature hints) and in chains."""
    import re

    left = re.compile(r"\{[a-z_]+\}")
    b = BUNDLES
    for paths in ([b / "vhds-recovery-chain"], [b / "vhds-locked-chain"],
                  [b / "vhds-locked-chain" / "2026-11-13T090000_HV33" / "Get-VMSnapshot.txt"],
                  [b / "no-scsi-state" / "2026-11-20T090000_HV34"]):
        hints = run(*paths)["hints"]
        assert hints
        for h in hints:
            texts = [h["title"], h["cause"], *h["remedy"]]
            assert not [t for t in texts if left.search(t)], (h["id"], texts)


def test_veeam_failure_merge_error_and_growing_chain_of_one_vm_are_one_finding(
        tmp_path: Path) -> None:
    """The locked-chain bundle plus an earlier capture of HV33 (before the first backup, FSCL3
    on its base disk): the chain grew 0 → 1 level, and that trend joins the Veeam failures, the
    host's 3280s and the 19100 of the same VM in one finding."""
    import shutil

    b = tmp_path / "bundle"
    shutil.copytree(BUNDLES / "vhds-locked-chain", b)
    later = b / "2026-11-13T090000_HV33"
    early = b / "2026-11-10T090000_HV33"
    early.mkdir()
    for name in ("Get-VMHardDiskDrive.txt", "Get-VHD.txt"):
        text = (later / name).read_text("utf-8").replace("2026-11-13T09:00", "2026-11-10T09:00")
        if name == "Get-VMHardDiskDrive.txt":  # before any checkpoint: the base disk
            text = text.replace("FSCL3_D7A9C1E3-5B7D-4F9A-8C1E-3B5D7F9A1C3E.avhdx", "FSCL3.vhdx")
        else:  # only the base disk's record
            text = text[:text.index("ComputerName")] + text[text.index(
                "ComputerName", text.index("ComputerName") + 1):]
        (early / name).write_text(text, "utf-8")
    rep = run(b)
    top = rep["hints"][0]
    assert (top["id"], top["vm"]) == ("chain.vhds-recovery-never-merges", "FSCL3")
    sigs = {e["signature"] for e in top["evidence"]}
    assert {"hyperv.state.chain-growing", "veeam.hv.checkpoint-file-in-use",
            "hyperv.merge.failed", "hyperv.checkpoint.file-in-use"} <= sigs
    assert [h["id"] for h in rep["hints"] if h["vm"] == "FSCL3"] == [top["id"]]
    (trend,) = [t for t in rep["hyperv_state"]["trends"] if t["vm"] == "FSCL3"]
    assert [p["depth"] for p in trend["series"]] == [0, 1] and trend["growing"]


def test_backup_integration_disabled_state_and_worker_4093_are_one_finding(
        tmp_path: Path) -> None:
    cap = tmp_path / "2026-11-20T090000_HV34"
    cap.mkdir()
    ic = (BUNDLES / "no-scsi-state" / "2026-11-20T090000_HV34" / "Get-VMIntegrationService.txt")
    lines = ic.read_text("utf-8").splitlines()
    vss = next(i for i, t in enumerate(lines) if t.startswith("APP05") and " VSS " in t)
    lines[vss] = lines[vss].replace("True ", "False")
    (cap / "Get-VMIntegrationService.txt").write_text("\n".join(lines) + "\n", "utf-8")
    (tmp_path / "HV34").mkdir()
    (tmp_path / "HV34" / "Microsoft-Windows-Hyper-V-Worker-Admin.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<Events>\n<Event xmlns="http://schemas.'
        'microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-'
        'Hyper-V-Worker" Guid="{51ddfa29-d5c8-4803-be4b-2ecb715570fe}"/><EventID>4093</EventID>'
        '<Level>3</Level><TimeCreated SystemTime="2026-11-20T21:15:01.0000000Z"/>'
        '<EventRecordID>7001</EventRecordID><Channel>Microsoft-Windows-Hyper-V-Worker-Admin'
        '</Channel><Computer>HV34.contoso.local</Computer></System><UserData><VmlEventLog '
        'xmlns="http://www.microsoft.com/Windows/Virtualization/Events"><VmName>APP05</VmName>'
        '<VmId>E2B4D6F8-0A2C-4E4F-8A6C-8E0A2C4E6A8C</VmId></VmlEventLog></UserData></Event>\n'
        '</Events>\n', "utf-8")
    rep = run(tmp_path)
    (top,) = rep["hints"]
    assert (top["id"], top["vm"]) == ("chain.backup-integration-disabled", "APP05")
    where = {e["signature"]: (e["file"].rsplit("/", 1)[-1], e["locator"]) for e in top["evidence"]}
    assert where["hyperv.state.backup-integration-disabled"] == (
        "Get-VMIntegrationService.txt", {"line": vss + 1})
    assert where["hyperv.ic.backup-service-unavailable"][1]["record"] == 7001
