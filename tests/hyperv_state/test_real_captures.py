"""The hyperv-state reader on real public captures of each cmdlet's output (verbatim, with
their paste damage: code fences, comment prefixes), each test naming its source.

Which cmdlets are verified this way and which only against documentation: docs/hyperv-state.md.
"""

from __future__ import annotations

import codecs

from logscope.ingest.hyperv_state import detect, parse_lines
from logscope.ledger import FileLedger


def read(text: str) -> tuple[list, FileLedger]:
    ledger = FileLedger("capture.txt")
    assert detect(text.encode("utf-8"), "capture.txt") == "hyperv-state"
    events = list(parse_lines(list(enumerate(text.splitlines(), 1)), "capture.txt", ledger))
    return events, ledger


# github.com/Cipher-Daemon/PowerShell-Scripts, Hyper-V/Stop-and-revertcheckpoint.md
CIPHER = """\
```powershell
get-vm
```

Example:
```
Name                       State   CPUUsage(%) MemoryAssigned(M) Uptime           Status             Version
----                       -----   ----------- ----------------- ------           ------             -------
RDP-Workstation            Running 1           8192              00:03:07.0560000 Operating normally 9.0
```

Note the name of the VM

## Get The Snapshot

Run the following Command

```powershell
Get-VMSnapshot -VMName "RDP-Workstation"
```

Result:
```
VMName          Name                 SnapshotType CreationTime         ParentSnapshotName
------          ----                 ------------ ------------         ------------------
RDP-Workstation No-Software          Standard     6/2/2023 12:14:05 PM
```
"""


def test_get_vm_and_get_vmsnapshot_tables_cipher_daemon() -> None:
    events, _ = read(CIPHER)
    vm, snap = events
    assert vm.data["cmdlet"] == "Get-VM" and vm.vm_name == "RDP-Workstation"
    assert vm.data["state"] == "Running" and vm.data["status"] == "Operating normally"
    assert vm.locator.line == 9
    assert snap.data["cmdlet"] == "Get-VMSnapshot" and snap.data["snapshot_type"] == "Standard"
    assert snap.data["name"] == "No-Software" and "parent_snapshot" not in snap.data
    # a local wall time of the host (12:14:05 PM), never taken for UTC
    assert snap.time_source == "local" and snap.time.hour == 12 and snap.time.day == 2
    assert snap.locator.line == 26


# A public GitHub markdown page on ZFS in a Hyper-V VM (search index file 33108193513):
# Get-VMHardDiskDrive default table with an IDE boot disk and SCSI data disks.
ZFS = """\
```Powershell
Get-VMHardDiskDrive -VMName zfs_sandbox

VMName      ControllerType ControllerNumber ControllerLocation DiskNumber Path
------      -------------- ---------------- ------------------ ---------- ----
Zfs_Sandbox IDE            0                0                             C:\\Users\\bg\\Documents\\VHD\\Zfs_Sandbox\\Zfs_Sandbox\\zfs_os.vhdx
Zfs_Sandbox SCSI           0                0                             C:\\Users\\bg\\Documents\\VHD\\Zfs_Sandbox\\Zfs_Sandbox\\zfs_1.vhdx
"""


def test_get_vmharddiskdrive_table() -> None:
    events, _ = read(ZFS)
    assert [e.data["controller_type"] for e in events] == ["IDE", "SCSI"]
    assert events[0].data["path"].endswith("zfs_os.vhdx") and "disk_number" not in events[0].data
    assert all(e.vm_name == "Zfs_Sandbox" for e in events)


# A public GitHub script with the table in comments (search index file 49724900983):
# Compare-VM incompatibility sources, i.e. HardDiskDrive objects, as `# `-prefixed lines.
AZSHCI = """\
$report.Incompatibilities.Source | Format-Table
# VMName  ControllerType ControllerNumber ControllerLocation DiskNumber Path
# ------  -------------- ---------------- ------------------ ---------- ----
# azshci1 SCSI           0                0                             C:\\VMs\\azshci\\azshci1\\azshci1_0_0.vhdx
# azshci1 SCSI           1                0                             C:\\VMs\\azshci\\azshci1\\azshci1_1_0.vhdx
"""


def test_get_vmharddiskdrive_table_in_comments() -> None:
    events, _ = read(AZSHCI)
    assert [(e.data["controller_number"], e.data["path"][-14:]) for e in events] == [
        ("0", "azshci1_0_0.vhdx"[-14:]), ("1", "azshci1_1_0.vhdx"[-14:])]


# github.com/dcjulian29/scripts-powershell, Modules/VirtualDevelopment/docs/New-DevVM.md:
# New-VHD's VirtualHardDisk (the object Get-VHD prints) and the VM, as Format-List.
DEVVM = """\
PS C:\\> New-DevVM

Creating a Differencing Disk [HOSTMACHINEDEV.vhdx] based on [C:\\Virtual Machines\\Discs\\base\\Win11BaseInsider-10.0.22533.vhdx]

ComputerName            : HOSTMACHINE
Path                    : C:\\Virtual Machines\\Discs\\HOSTMACHINEDEV.vhdx
VhdFormat               : VHDX
VhdType                 : Differencing
FileSize                : 4194304
Size                    : 107374182400
MinimumSize             : 107373150720
LogicalSectorSize       : 512
PhysicalSectorSize      : 4096
BlockSize               : 2097152
ParentPath              : C:\\Virtual Machines\\Discs\\base\\Win11BaseInsider-10.0.22533.vhdx
DiskIdentifier          : B87479B3-E57C-4029-BE23-F9CD995E325B
FragmentationPercentage :
Alignment               : 1
Attached                : False
DiskNumber              :
IsPMEMCompatible        : False
AddressAbstractionType  : None
Number                  :

Creating HOSTMACHINEDEV VM...

Name             : HOSTMACHINEDEV
State            : Off
CpuUsage         : 0
MemoryAssigned   : 0
MemoryDemand     : 0
MemoryStatus     :
Uptime           : 00:00:00
Status           : Operating normally
ReplicationState : Disabled
Generation       : 2
"""


def test_get_vhd_and_get_vm_format_list_devvm() -> None:
    events, _ = read(DEVVM)
    vhd, vm = events
    assert vhd.data["cmdlet"] == "Get-VHD" and vhd.host == "HOSTMACHINE"
    assert vhd.data["vhd_type"] == "Differencing" and vhd.data["file_size"] == 4194304
    assert vhd.data["parent_path"].endswith("Win11BaseInsider-10.0.22533.vhdx")
    assert vhd.data["attached"] is False
    assert (vhd.locator.line, vhd.locator.end_line) == (5, 23)
    assert vm.data["cmdlet"] == "Get-VM" and vm.vm_name == "HOSTMACHINEDEV"
    assert vm.data["generation"] == "2"


def test_utf16_redirect_of_a_real_capture() -> None:
    """The same capture as PowerShell 5.1 `>` writes it: UTF-16LE with a BOM."""
    from logscope.ingest.source import IngestOptions, Source
    from logscope.ingest.hyperv_state import parse
    import io

    raw = codecs.BOM_UTF16_LE + CIPHER.replace("\n", "\r\n").encode("utf-16-le")
    assert detect(raw, "vm.txt") == "hyperv-state"
    ledger = FileLedger("vm.txt")
    events = list(parse(Source("vm.txt", lambda: io.BytesIO(raw)), ledger, IngestOptions()))
    assert [e.data["cmdlet"] for e in events] == ["Get-VM", "Get-VMSnapshot"]
    assert ledger.info["encoding"] == "utf-16-le"


# learn.microsoft.com / MicrosoftDocs windows-powershell-docs, Get-ClusterSharedVolume Example 1
CSV = """\
PS C:\\>Get-ClusterSharedVolume
Name                       State                      Node 
----                       -----                      ---- 
Cluster Disk 3             Online                     node1 
Cluster Disk 4             Online                     node2
"""


def test_get_clustersharedvolume_table_docs_example() -> None:
    events, _ = read(CSV)
    assert [(e.data["name"], e.data["node"]) for e in events] == [
        ("Cluster Disk 3", "node1"), ("Cluster Disk 4", "node2")]
    assert all(e.data["cmdlet"] == "Get-ClusterSharedVolume" for e in events)


# A public GitHub markdown note on a Docker Hyper-V VM (search index file 15069639665): the
# default Get-VMIntegrationService table with a cut SecondaryStatusDescription ("...").
IC = """\
```powershell
PS C:\\WINDOWS\\system32> Get-VMIntegrationService nsUB2404hv

VMName     Name                    Enabled PrimaryStatusDescription SecondaryStatusDescription
------     ----                    ------- ------------------------ --------------------------
nsUb2404hv Guest Service Interface False   OK
nsUb2404hv Heartbeat               True    OK
nsUb2404hv Key-Value Pair Exchange True    No Contact
nsUb2404hv Shutdown                True    OK
nsUb2404hv Time Synchronization    True    OK
nsUb2404hv VSS                     True    OK                       The protocol version of the component installed in the virtual machine does not match the version expected by t...

PS C:\\WINDOWS\\system32> Enable-VMIntegrationService -VMName nsUB2404hv
"""


def test_get_vmintegrationservice_table() -> None:
    events, _ = read(IC)
    by_name = {e.data["name"]: e for e in events}
    assert len(events) == 6
    assert by_name["Guest Service Interface"].data["enabled"] is False
    assert by_name["VSS"].data["enabled"] is True
    assert by_name["Key-Value Pair Exchange"].data["status"] == "No Contact"
    assert by_name["VSS"].data["secondary_status"].endswith("by t...")


# github.com/hashicorp/vagrant, test/unit/plugins/providers/hyperv/cap/configure_disks_test.rb
# (the `val` heredoc at its end): a Hyper-V VMScsiController object as ConvertTo-Json wrote it
# on a real host (DESKTOP-GICAJ17), with the drives nested in it and enums as numbers.
VAGRANT_SCSI = """\
{
    "ControllerNumber":  0,
    "IsTemplate":  false,
    "Drives":  [
                   {
                       "Path":  "C:\\\\Users\\\\vagrant\\\\project\\\\.vagrant\\\\machines\\\\default\\\\hyperv\\\\Virtual Hard Disks\\\\ubuntu-18.04-amd64.vhdx",
                       "DiskNumber":  null,
                       "MaximumIOPS":  0,
                       "MinimumIOPS":  0,
                       "QoSPolicyID":  "00000000-0000-0000-0000-000000000000",
                       "SupportPersistentReservations":  false,
                       "WriteHardeningMethod":  0,
                       "ControllerLocation":  0,
                       "ControllerNumber":  0,
                       "ControllerType":  1,
                       "Name":  "Hard Drive on SCSI controller number 0 at location 0",
                       "PoolName":  "Primordial",
                       "Id":  "Microsoft:6F225311-B793-49CF-98A3-0A32108E49BB\\\\6AEC67E1-3135-401C-BB23-9FE1C4E34560\\\\0\\\\0\\\\D",
                       "VMId":  "6f225311-b793-49cf-98a3-0a32108e49bb",
                       "VMName":  "project_default_1744059721263_2993",
                       "VMSnapshotId":  "00000000-0000-0000-0000-000000000000",
                       "VMSnapshotName":  "",
                       "CimSession":  {
                                          "ComputerName":  null,
                                          "InstanceId":  "899e8c1f-5c4f-4ba4-86a4-f72dc887885f"
                                      },
                       "ComputerName":  "DESKTOP-GICAJ17",
                       "IsDeleted":  false
                   },
                   {
                       "DvdMediaType":  1,
                       "Path":  "C:\\\\Users\\\\Vagrant\\\\deb2.iso",
                       "ControllerLocation":  2,
                       "ControllerNumber":  0,
                       "ControllerType":  1,
                       "Name":  "DVD Drive on SCSI controller number 0 at location 2",
                       "PoolName":  "Primordial",
                       "Id":  "Microsoft:6F225311-B793-49CF-98A3-0A32108E49BB\\\\6AEC67E1-3135-401C-BB23-9FE1C4E34560\\\\0\\\\2\\\\D",
                       "VMId":  "6f225311-b793-49cf-98a3-0a32108e49bb",
                       "VMName":  "project_default_1744059721263_2993",
                       "VMSnapshotId":  "00000000-0000-0000-0000-000000000000",
                       "VMSnapshotName":  "",
                       "CimSession":  {
                                          "ComputerName":  null,
                                          "InstanceId":  "899e8c1f-5c4f-4ba4-86a4-f72dc887885f"
                                      },
                       "ComputerName":  "DESKTOP-GICAJ17",
                       "IsDeleted":  false
                   }
               ],
    "Name":  "SCSI Controller",
    "Id":  "Microsoft:6F225311-B793-49CF-98A3-0A32108E49BB\\\\6AEC67E1-3135-401C-BB23-9FE1C4E34560\\\\0",
    "VMId":  "6f225311-b793-49cf-98a3-0a32108e49bb",
    "VMName":  "project_default_1744059721263_2993",
    "VMSnapshotId":  "00000000-0000-0000-0000-000000000000",
    "VMSnapshotName":  "",
    "CimSession":  {
                       "ComputerName":  null,
                       "InstanceId":  "899e8c1f-5c4f-4ba4-86a4-f72dc887885f"
                   },
    "ComputerName":  "DESKTOP-GICAJ17",
    "IsDeleted":  false,
    "VMCheckpointId":  "00000000-0000-0000-0000-000000000000",
    "VMCheckpointName":  ""
}
"""


def test_get_vmscsicontroller_json_vagrant() -> None:
    from logscope.state import StateCollector

    events, _ = read(VAGRANT_SCSI)
    (ctl,) = events
    assert ctl.data["cmdlet"] == "Get-VMScsiController" and ctl.data["form"] == "json"
    assert ctl.vm_name == "project_default_1744059721263_2993" and ctl.host == "DESKTOP-GICAJ17"
    assert ctl.data["controller_number"] == 0
    assert [d.rsplit("\\", 1)[-1] for d in ctl.data["drives"]] == ["ubuntu-18.04-amd64.vhdx", "deb2.iso"]
    # one controller for this VM: the state model counts it (never "no SCSI controller")
    state = StateCollector()
    state.feed(ctl)
    (fact,) = [f for f in state.facts() if f.data["fact"] == "scsi-controllers"]
    assert fact.vm_name == ctl.vm_name and fact.data["count"] == 1


# A public GitHub markdown page "Hyper-V Tips and tricks" (search index file 36541391048): a
# Get-VMSnapshot table whose row is shifted two columns right of its header (paste damage).
TIPS = """\
## Get Snapshot 

```powershell
Get-VMSnapshot *

VMName         Name                       SnapshotType CreationTime         ParentSnapshotName
------         ----                       ------------ ------------         ------------------
TPL_W2012R2_01 Before update                Standard     3/8/2016 4:22:36 PM
```
"""


def test_get_vmsnapshot_row_shifted_from_its_header() -> None:
    events, ledger = read(TIPS)
    (snap,) = events
    assert snap.vm_name == "TPL_W2012R2_01" and snap.data["name"] == "Before update"
    assert snap.data["snapshot_type"] == "Standard" and "parent_snapshot" not in snap.data
    assert (snap.time.month, snap.time.day, snap.time.hour) == (3, 8, 16)
    assert snap.time_source == "local" and snap.locator.line == 8 and ledger.skipped == 0


# A public GitHub markdown post on Vagrant's Hyper-V provider (search index file 5661347922): the
# Get-VMIntegrationService table of a CentOS 7 guest, indented under its prompt in a code
# fence, three rows cut at "The protocol version of..." (a Linux guest's older IC protocol).
CENTOS_IC = """\
```code
  PS C:\\vagrant_selfhost\\centos>  Get-VMIntegrationService -VMName "centos-7-1-1.x86_64"
    VMName              Name                    Enabled PrimaryStatusDescription SecondaryStatusDescription
    ------              ----                    ------- ------------------------ --------------------------
    centos-7-1-1.x86_64 Guest Service Interface True    OK
    centos-7-1-1.x86_64 Heartbeat               True    OK
    centos-7-1-1.x86_64 Key-Value Pair Exchange True    OK                       The protocol version of...
    centos-7-1-1.x86_64 Shutdown                True    OK
    centos-7-1-1.x86_64 Time Synchronization    True    OK                       The protocol version of...
    centos-7-1-1.x86_64 VSS                     True    OK                       The protocol version of...
```
"""


def test_get_vmintegrationservice_indented_linux_guest() -> None:
    from logscope.state import StateCollector

    events, ledger = read(CENTOS_IC)
    assert [e.locator.line for e in events] == list(range(5, 11)) and ledger.skipped == 0
    assert all(e.vm_name == "centos-7-1-1.x86_64" and e.data["enabled"] is True for e in events)
    cut = [e.data["name"] for e in events if e.data.get("secondary_status") == "The protocol version of..."]
    assert cut == ["Key-Value Pair Exchange", "Time Synchronization", "VSS"]
    # the backup (VSS) service is enabled: the state fact says so, nothing to report
    state = StateCollector()
    for ev in events:
        state.feed(ev)
    (fact,) = [f for f in state.facts() if f.data["fact"] == "backup-integration"]
    assert fact.data["name"] == "VSS" and fact.data["enabled"] is True


# Folder listings of disk files. No public capture with .avhdx/.vhds/AutoRecovery rows was found
# (what was searched: docs/hyperv-state.md); these show .vhdx rows in each listing form.

# A public GitHub PowerShell module, Get-ObsoleteVHD's comment-based help (search index file
# 8383303734): two Get-ChildItem listings from a Hyper-V host (CHI-HVR2) in the PowerShell 3
# layout, a five-letter Mode column ("-a---") and a row wider than its header (Length).
OBSOLETE = """\
.Example
PS C:\\> get-obsoletevhd -computer chi-hvr2


    Directory: C:\\Users\\Public\\Documents\\Hyper-V\\Virtual Hard Disks


Mode                LastWriteTime     Length Name
----                -------------     ------ ----
-a---         6/26/2013   8:51 PM 9399435264 Win8.1PreviewBase.vhdx

Getting unused virtual disk files on server CHI-HVR2 in the default location.
.Example
PS C:\\> get-obsoletevhd -computer chi-hvr2 -Path c:\\vhd


    Directory: C:\\vhd


Mode                LastWriteTime      Length Name
----                -------------      ------ ----
-a---          5/9/2014   1:59 PM 10842275840 Essentials.vhdx
                                           
An unused file in a different location on server CHI-HVR2.
"""


def test_get_childitem_listing_five_letter_mode() -> None:
    events, ledger = read(OBSOLETE)
    a, b = events
    assert a.data["path"] == (
        "C:\\Users\\Public\\Documents\\Hyper-V\\Virtual Hard Disks\\Win8.1PreviewBase.vhdx")
    assert (a.data["file_size"], a.locator.line) == (9399435264, 10)
    assert (a.time.year, a.time.month, a.time.day, a.time.hour, a.time.minute) == (
        2013, 6, 26, 20, 51)
    assert (b.data["directory"], b.data["name"], b.data["file_size"]) == (
        "C:\\vhd", "Essentials.vhdx", 10842275840)
    assert (b.time.month, b.time.day, b.time.hour) == (5, 9, 13)
    assert all(e.time_source == "local" and e.data["form"] == "dir" for e in events)
    assert ledger.skipped == 0


# A public GitHub markdown post on building Hyper-V base images (search index file 34159230636):
# `dir` of the images folder in a code fence, two .vhdx rows of the same day.
BASE_IMAGES = """\
This gives us the two files. 

```
    Directory: G:\\Blog_Example\\BaseImage


Mode                LastWriteTime         Length Name
----                -------------         ------ ----
-a----         9/6/2016   8:55 PM     4874829824 Srv2012r2_Core_base.vhdx
-a----         9/6/2016   8:28 PM     8250195968 Srv2012r2_Source_base.vhdx
```

Next up I'm going to update both to WMF5. 
"""


def test_get_childitem_listing_of_base_images() -> None:
    events, ledger = read(BASE_IMAGES)
    assert [(e.data["name"], e.data["file_size"], e.locator.line) for e in events] == [
        ("Srv2012r2_Core_base.vhdx", 4874829824, 9), ("Srv2012r2_Source_base.vhdx", 8250195968, 10)]
    assert [(e.time.hour, e.time.minute) for e in events] == [(20, 55), (20, 28)]
    assert all(e.data["directory"] == "G:\\Blog_Example\\BaseImage" for e in events)
    assert ledger.skipped == 0


# A public GitHub markdown lab write-up (search index file 13450453792): `ls` of one VM's disk on
# a Hyper-V host, the command echoed (its quoted .vhdx path is no file row).
VAULT = """\
Detect VM virtual Hard Disk:
```
PS C:\\> ls 'C:\\Users\\Public\\Documents\\Hyper-V\\Virtual hard disks\\vault-dc.vhdx'
ls 'C:\\Users\\Public\\Documents\\Hyper-V\\Virtual hard disks\\vault-dc.vhdx'


    Directory: C:\\Users\\Public\\Documents\\Hyper-V\\Virtual hard disks


Mode                LastWriteTime         Length Name
----                -------------         ------ ----
-a----        7/26/2024   2:26 AM    14063501312 vault-dc.vhdx

```
"""


def test_ls_of_one_vm_disk() -> None:
    events, ledger = read(VAULT)
    (disk,) = events
    assert disk.data["path"] == (
        "C:\\Users\\Public\\Documents\\Hyper-V\\Virtual hard disks\\vault-dc.vhdx")
    assert disk.data["file_size"] == 14063501312 and disk.locator.line == 12
    assert (disk.time.day, disk.time.hour, disk.time.minute) == (26, 2, 26)
    assert disk.time_source == "local" and ledger.skipped == 0


# A public GitHub markdown note on a leftover WSL2 disk (search index file 67015085587): cmd
# `dir` with its volume lines, `<DIR>` rows, a thousands-separated size and the summary lines.
CMD_DIR = """\
```cmd
dir "%LOCALAPPDATA%\\Packages\\CanonicalGroupLimited.Ubuntu_79rhkp1fndgsc\\LocalState"
```
```text
 Volume in drive C is Windows-SSD
 Volume Serial Number is 3C37-0A74

 Directory of C:\\Users\\kouzm\\AppData\\Local\\Packages\\CanonicalGroupLimited.Ubuntu_79rhkp1fndgsc\\LocalState

02/13/2025  08:19 PM    <DIR>          .
02/13/2025  08:19 PM    <DIR>          ..
04/23/2023  05:16 PM     1,197,473,792 ext4.vhdx
               1 File(s)  1,197,473,792 bytes
               2 Dir(s)  150,638,940,160 bytes free
```
"""


def test_cmd_dir_listing() -> None:
    events, ledger = read(CMD_DIR)
    (disk,) = events
    assert disk.data["name"] == "ext4.vhdx" and disk.data["file_size"] == 1197473792
    assert disk.data["directory"].endswith(
        "\\CanonicalGroupLimited.Ubuntu_79rhkp1fndgsc\\LocalState")
    assert (disk.time.year, disk.time.month, disk.time.day, disk.time.hour) == (2023, 4, 23, 17)
    assert disk.time_source == "local" and disk.locator.line == 12 and ledger.skipped == 0


# A public GitHub markdown note in Japanese on moving a WSL2 disk (search index file 30230956830):
# a ja-JP Get-ChildItem listing, header "ディレクトリ:" and year-first dates without seconds.
# Before this capture the reader knew neither (the file was not detected at all).
JA_JP = """\
```powershell
# D:\\wsl\\ubuntu-focal ディレクトリを D:\\wsl\\ubuntu-2004 ディレクトリにコピーする
> copy -r D:\\wsl\\ubuntu-focal D:\\wsl\\ubuntu-2004

# 確認
> dir D:\\wsl\\ubuntu-2004\\
    ディレクトリ: D:\\wsl\\ubuntu-2004
Mode                 LastWriteTime         Length Name
----                 -------------         ------ ----
d-----        2021/01/21     12:14                temp
-a----        2021/02/23      9:04    83722502144 ext4.vhdx
-a----        2021/01/21      9:58              0 fsserver

# コピーした仮想ディスク（Linux環境）を WSL2 にインポート
"""


def test_get_childitem_listing_ja_jp() -> None:
    events, ledger = read(JA_JP)
    (disk,) = events
    assert disk.data["path"] == "D:\\wsl\\ubuntu-2004\\ext4.vhdx"
    assert disk.data["file_size"] == 83722502144
    assert (disk.time.year, disk.time.month, disk.time.day, disk.time.hour, disk.time.minute) == (
        2021, 2, 23, 9, 4)
    assert disk.time_source == "local" and disk.locator.line == 11
    # the folder row and the non-disk file: read as a table of no known cmdlet, counted
    assert ledger.skip_reasons == {"object of no cmdlet logscope reads": 2}
