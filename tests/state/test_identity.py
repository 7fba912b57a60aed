"""State joins the identity table: VM name ↔ VM id ↔ disk path (issue 17)."""

from __future__ import annotations

from logscope.correlate.identity import IdentityTable
from logscope.ingest.hyperv_state import parse_lines
from logscope.ledger import FileLedger

DRIVES = """
VMName ControllerType ControllerNumber ControllerLocation DiskNumber Path
------ -------------- ---------------- ------------------ ---------- ----
FSCL1  SCSI           0                0                             C:\\CSV\\FSCL1\\FSCL1_8D0E6A41-5B2C-4E7F-9A13-2C4D6E8F0A1B.avhdx
FSCL1  SCSI           0                1                             C:\\CSV\\Shared\\FSData.vhds
FSCL2  SCSI           0                1                             C:\\CSV\\Shared\\FSData.vhds
"""
VHD = """
Path       : C:\\CSV\\FSCL1\\FSCL1_8D0E6A41-5B2C-4E7F-9A13-2C4D6E8F0A1B.avhdx
VhdType    : Differencing
ParentPath : C:\\CSV\\FSCL1\\FSCL1.vhdx
"""
VM = """
Name : FSCL1
Id   : a3f1c2d4-5e6f-4a7b-8c9d-0e1f2a3b4c5d
Generation : 2
"""


def table(*texts: str) -> IdentityTable:
    t = IdentityTable()
    for i, text in enumerate(texts):
        for ev in parse_lines(list(enumerate(text.splitlines(), 1)), f"f{i}", FileLedger("x")):
            t.observe(ev)
    t.finish()
    return t


def test_disk_path_joins_name_and_id_but_a_shared_vhd_set_joins_nothing() -> None:
    t = table(DRIVES, VHD, VM)
    vm = t.entity({"vm_name": "FSCL1"}, "veeam")
    assert t.entity({"vm_id": "A3F1C2D4-5E6F-4A7B-8C9D-0E1F2A3B4C5D"}, "evtx") == vm
    # the base disk of its chain, named by a record that names no VM
    assert t.entity({"disk_path": "c:\\csv\\fscl1\\FSCL1.VHDX"}, "evtx") == vm
    # the two guest cluster nodes share a VHD Set: still two machines
    assert t.entity({"vm_name": "FSCL2"}, "veeam") != vm
    assert t.entity({"disk_path": "C:\\CSV\\Shared\\FSData.vhds"}, "evtx") is None
    rows = {r["vm_names"][0]: r for r in t.rows()}
    assert set(rows) == {"FSCL1", "FSCL2"}
    # the machines table lists the disks the state ties to each VM, as written
    assert "C:\\CSV\\FSCL1\\FSCL1.vhdx" in rows["FSCL1"]["disks"]
