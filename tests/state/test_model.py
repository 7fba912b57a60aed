"""The per-VM state model (logscope/state) on listings in the cmdlets' documented forms and on
the real public captures of tests/hyperv_state: chains, ages on one clock only, SCSI counts
that are unknown rather than zero, the trend across captures."""

from __future__ import annotations

from logscope.ingest.hyperv_state import parse_lines
from logscope.ledger import FileLedger
from logscope.state import StateCollector
from tests.hyperv_state.test_real_captures import CIPHER, DEVVM, IC


def collect(*files: tuple[str, str]) -> StateCollector:
    state = StateCollector()
    for name, text in files:
        for ev in parse_lines(list(enumerate(text.splitlines(), 1)), name, FileLedger(name)):
            state.feed(ev)
    return state


def facts(state: StateCollector, which: str) -> list:
    return [f for f in state.facts() if f.data["fact"] == which]


MARK = "# logscope-collect 2026-11-24T08:00:00+01:00 host=HV31 command=x\n"
SNAPS = """
VMName Name                               SnapshotType CreationTime           ParentSnapshotName
------ ----                               ------------ ------------           ------------------
FSCL1  FSCL1 - (11/21/2026 - 10:00:14 PM) Recovery     11/21/2026 10:00:14 PM
FSCL1  Before patch                       Standard     11/1/2026 9:15:00 AM
"""


def test_recovery_checkpoint_age_against_the_marker_in_utc() -> None:
    state = collect(("c1/snaps.txt", MARK + SNAPS))
    (f,) = facts(state, "recovery-checkpoint")
    # 22:00:14 local at +01:00 = 21:00:14 UTC; capture 07:00 UTC three days later
    assert f.time_source == "header" and f.time.isoformat() == "2026-11-21T21:00:14+00:00"
    assert f.data["age_hours"] == 58.0 and f.data["age_days"] == 2.4
    assert (f.file, f.locator.line) == ("c1/snaps.txt", 5)
    assert f.vm_name == "FSCL1" and f.host == "HV31"


def test_without_marker_ages_are_local_lower_bounds_never_against_utc() -> None:
    json_snap = ('[{"VMName": "FSCL1", "Name": "x", "SnapshotType": 1,'
                 ' "CreationTime": "/Date(1795900000000)/"}]')
    state = collect(("c1/snaps.txt", SNAPS), ("c1/snaps.json", json_snap))
    cap, = state.captures
    assert set(cap.times) == {"local", "utc"}
    ages = {f.data["name"]: f.data.get("age_hours") for f in facts(state, "recovery-checkpoint")}
    # the local one against the newest local time (the Standard one is older: 0 for itself)
    assert ages["FSCL1 - (11/21/2026 - 10:00:14 PM)"] == 0.0
    # the UTC one is measured against UTC only (it is the only UTC time: 0), never the local
    assert ages["x"] == 0.0
    assert "at least" in facts(state, "recovery-checkpoint")[0].message


GET_VHD = """
Path       : D:\\VMs\\SQL01\\SQL01_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx
VhdType    : Differencing
FileSize   : 2147483648
ParentPath : D:\\VMs\\SQL01\\SQL01_A2B3C4D5-E6F7-4A8B-9C0D-1E2F3A4B5C6D.avhdx

Path       : D:\\VMs\\SQL01\\SQL01_A2B3C4D5-E6F7-4A8B-9C0D-1E2F3A4B5C6D.avhdx
VhdType    : Differencing
FileSize   : 1073741824
ParentPath : D:\\VMs\\SQL01\\SQL01.vhdx

Path       : D:\\VMs\\SQL01\\SQL01.vhdx
VhdType    : Dynamic
FileSize   : 42949672960
ParentPath :
"""
DRIVES = """
VMName ControllerType ControllerNumber ControllerLocation DiskNumber Path
------ -------------- ---------------- ------------------ ---------- ----
SQL01  SCSI           0                0                             D:\\VMs\\SQL01\\SQL01_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx
"""


def test_chain_from_get_vhd_parent_paths() -> None:
    state = collect(("c/vhd.txt", GET_VHD), ("c/drives.txt", DRIVES))
    (vm,) = state.vms
    (chain,) = vm.chains
    assert chain.source == "Get-VHD" and chain.depth == 2
    assert chain.base.endswith("SQL01.vhdx") and chain.size == 42949672960 + 3 * 1073741824
    # SCSI disk attached: a controller exists even without a Get-VMScsiController listing
    assert vm.scsi_count == 1


LISTING = """ Directory of D:\\VMs\\SQL01

11/20/2026  10:02 PM     1,073,741,824 SQL01_A2B3C4D5-E6F7-4A8B-9C0D-1E2F3A4B5C6D.avhdx
11/23/2026  08:00 AM     2,147,483,648 SQL01_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx
11/19/2026  10:01 PM    42,949,672,960 SQL01.vhdx
11/21/2026  10:05 PM         4,194,304 SQL01-AutoRecovery.avhdx
"""


def test_chain_from_a_folder_listing_and_the_autorecovery_file() -> None:
    state = collect(("c/dir.txt", LISTING), ("c/drives.txt", DRIVES))
    (vm,) = state.vms
    (chain,) = vm.chains
    assert chain.source == "folder listing" and chain.depth == 2
    assert [d.path.rsplit("\\", 1)[1][:8] for d in chain.disks] == [
        "SQL01_6F", "SQL01_A2", "SQL01.vh"]
    (ar,) = facts(state, "autorecovery-file")
    assert ar.data["path"].endswith("SQL01-AutoRecovery.avhdx") and ar.locator.line == 6
    # last written 11/21 22:05; the newest time in the capture (no marker) 11/23 08:00
    assert ar.data["age_hours"] == 33.9 and "at least" in ar.message
    (ch,) = facts(state, "disk-chain")
    # the oldest level stopped changing 11/20 22:02; newest time in the capture 11/23 08:00
    assert ch.data["oldest_level_age_hours"] == 58.0


SCSI = """
VMName ControllerNumber Drives
------ ---------------- ------
WEB05  0                {Hard Drive on SCSI controller number 0 at location 0}
"""
IDE = """
VMName ControllerType ControllerNumber ControllerLocation DiskNumber Path
------ -------------- ---------------- ------------------ ---------- ----
APP05  IDE            0                0                             D:\\Hyper-V\\APP05\\APP05.vhdx
"""


def test_scsi_count_is_zero_only_when_the_capture_lists_controllers() -> None:
    with_listing = collect(("c/scsi.txt", SCSI), ("c/drives.txt", IDE))
    counts = {f.vm_name: f.data["count"] for f in facts(with_listing, "scsi-controllers")}
    assert counts == {"APP05": 0, "WEB05": 1}
    without = collect(("c/drives.txt", IDE))
    assert facts(without, "scsi-controllers") == []
    assert without.vms[0].notes == ["no Get-VMScsiController listing in this capture"]


def test_trend_across_two_captures_in_time_order() -> None:
    later = GET_VHD.replace("SQL01_6F1C", "SQL01_0000").replace(
        "ParentPath : D:\\VMs\\SQL01\\SQL01_A2B3", "ParentPath : D:\\VMs\\SQL01\\SQL01_6F1C", 1)
    later = ("Path       : D:\\VMs\\SQL01\\SQL01_0000" + "0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx\n"
             "VhdType    : Differencing\nFileSize   : 536870912\n"
             "ParentPath : D:\\VMs\\SQL01\\SQL01_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx\n\n"
             + GET_VHD)
    drives2 = DRIVES.replace("SQL01_6F1C", "SQL01_0000")
    m2 = MARK.replace("11-24", "11-27")
    # the later capture is read first: the order comes from the capture times
    state = collect(("b/vhd.txt", m2 + later), ("b/drives.txt", m2 + drives2),
                    ("a/vhd.txt", MARK + GET_VHD), ("a/drives.txt", MARK + DRIVES))
    (g,) = facts(state, "chain-growth")
    assert (g.data["depth_first"], g.data["depth_last"], g.data["days_between"]) == (2, 3, 3.0)
    assert g.data["first_capture"] == "a" and g.file == "b/vhd.txt" and g.locator.line == 2
    assert g.data["ordered_by"] == "capture time"


def test_real_captures_give_state_without_inventing_facts() -> None:
    """Public captures: a Standard checkpoint is no recovery checkpoint; the VSS service of
    the Docker capture is enabled; New-VHD's differencing disk is a one-level chain source."""
    state = collect(("p/cipher.md", CIPHER), ("p/ic.md", IC), ("p/devvm.md", DEVVM))
    assert facts(state, "recovery-checkpoint") == []
    (bi,) = facts(state, "backup-integration")
    assert bi.vm_name == "nsUb2404hv" and bi.data["enabled"] is True and bi.data["name"] == "VSS"
    assert {vm.name for vm in state.vms} >= {"RDP-Workstation", "nsUb2404hv", "HOSTMACHINEDEV"}


def test_csv_listed_inside_a_guest_that_uses_a_vhd_set() -> None:
    """Microsoft's documented Get-ClusterSharedVolume output, collected inside guest FSCL1
    (the marker names it), and the host's capture attaching a VHD Set to FSCL1."""
    from logscope.match.library import load_library
    from logscope.match.matcher import Matcher
    from tests.hyperv_state.test_real_captures import CSV

    host = MARK + """
VMName ControllerType ControllerNumber ControllerLocation DiskNumber Path
------ -------------- ---------------- ------------------ ---------- ----
FSCL1  SCSI           0                1                             C:\\CSV\\Shared\\FSData.vhds
"""
    guest = MARK.replace("host=HV31", "host=FSCL1") + CSV
    state = collect(("hv31/drives.txt", host), ("fscl1/csv.txt", guest))
    (f,) = facts(state, "guest-csv")
    assert f.vm_name == "FSCL1" and f.data["vhds"] is True
    assert f.data["names"] == "Cluster Disk 3, Cluster Disk 4" and f.file == "fscl1/csv.txt"
    hits = Matcher(load_library(None)).match(f)
    assert [h.signature.id for h in hits] == ["hyperv.state.vhds-csv-in-guest"]
    # the same listing collected on the Hyper-V host itself says nothing about a guest
    alone = collect(("hv31/drives.txt", host), ("hv31/csv.txt", MARK + CSV))
    assert facts(alone, "guest-csv") == []
