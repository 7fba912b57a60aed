"""The JSON, CSV, directory-listing and wrapped Format-List forms, written by us from the
documented shapes (ConvertTo-Json of the objects, Export-Csv with its #TYPE line, cmd `dir /s`
and Get-ChildItem), and the bad-input paths."""

from __future__ import annotations

from logscope.ingest.hyperv_state import detect, parse_lines
from logscope.ledger import FileLedger


def read(text: str, name: str = "state.txt") -> tuple[list, FileLedger]:
    assert detect(text.encode(), name) == "hyperv-state"
    ledger = FileLedger(name)
    return list(parse_lines(list(enumerate(text.splitlines(), 1)), name, ledger)), ledger


JSON = """[
    {
        "VMName":  "SQL01",
        "VMId":  "5a9e6f0b-4d1e-4c55-9c1a-0e6a7d2f1b11",
        "Name":  "SQL01 - Backup - (12/01/2026 - 22:00:12)",
        "SnapshotType":  1,
        "CreationTime":  "/Date(1796162412000)/",
        "ParentSnapshotName":  null,
        "ComputerName":  "HV21"
    },
    {
        "VMName":  "SQL01",
        "Name":  "Before patch",
        "SnapshotType":  0,
        "CreationTime":  "/Date(1796248812000)/"
    }
]
"""


def test_convertto_json_snapshots() -> None:
    events, _ = read(JSON, "snaps.json")
    rec, std = events
    assert rec.data["snapshot_type"] == "Recovery" and std.data["snapshot_type"] == "Standard"
    assert rec.time_source == "utc" and rec.time.isoformat() == "2026-12-01T22:00:12+00:00"
    assert rec.vm_id == "5a9e6f0b-4d1e-4c55-9c1a-0e6a7d2f1b11" and rec.host == "HV21"
    assert (rec.locator.line, rec.locator.end_line) == (2, 10)
    assert std.locator.line == 11


def test_bad_json_is_reported_at_its_line() -> None:
    text = '[\n {"VMName": "A", "SnapshotType": 1, "Name": "x"},\n {"VMName": "B", "SnapshotType": \n'
    events, ledger = read(text, "bad.json")
    assert len(events) == 1
    assert ledger.problems[0].code == "bad-json" and ledger.problems[0].where == "line 3"


CSV = """#TYPE Microsoft.HyperV.PowerShell.VMSnapshot
"VMName","Name","SnapshotType","CreationTime","ParentSnapshotName","ComputerName"
"SQL01","SQL01 - Backup - (12/01/2026 - 22:00:12)","Recovery","12/1/2026 10:00:12 PM","","HV21"
"SQL01","Before patch","Standard","12/2/2026 9:15:00 AM","SQL01 - Backup - (12/01/2026 - 22:00:12)","HV21"
"""


def test_export_csv_with_type_line() -> None:
    events, _ = read(CSV, "snaps.csv")
    assert [e.data["snapshot_type"] for e in events] == ["Recovery", "Standard"]
    assert events[0].time.hour == 22 and events[0].time_source == "local"
    assert events[1].data["parent_snapshot"].startswith("SQL01 - Backup")
    assert [e.locator.line for e in events] == [3, 4]


DIR_CMD = """ Volume in drive D is VMS
 Volume Serial Number is 1A2B-3C4D

 Directory of D:\\VMs\\SQL01\\Virtual Hard Disks

12/04/2026  02:00 AM    <DIR>          .
12/04/2026  02:00 AM    <DIR>          ..
11/20/2026  10:00 PM    85,899,345,920 SQL01.vhdx
12/04/2026  01:59 AM     2,147,483,648 SQL01_6E1F2A9C-0F1B-4E0B-9E55-3D2C9B7A1F10.avhdx
12/01/2026  10:05 PM         4,194,304 SQL01-AutoRecovery.avhdx
               3 File(s) 88,051,023,872 bytes
"""


def test_cmd_dir_listing() -> None:
    events, ledger = read(DIR_CMD, "dir.txt")
    names = [e.data["name"] for e in events]
    assert names == ["SQL01.vhdx", "SQL01_6E1F2A9C-0F1B-4E0B-9E55-3D2C9B7A1F10.avhdx",
                     "SQL01-AutoRecovery.avhdx"]
    assert events[0].data["file_size"] == 85899345920
    assert events[2].data["path"] == "D:\\VMs\\SQL01\\Virtual Hard Disks\\SQL01-AutoRecovery.avhdx"
    assert events[2].time.hour == 22 and events[2].locator.line == 10


DIR_DE = """ Verzeichnis von D:\\VMs\\SQL01

04.12.2026  02:00    2.147.483.648 SQL01_6E1F.avhdx
"""


def test_localized_dir_header() -> None:
    events, _ = read(DIR_DE, "dir.txt")
    assert events[0].data["file_size"] == 2147483648 and events[0].time.day == 4


GCI = """

    Directory: D:\\VMs\\SQL01\\Virtual Hard Disks


Mode                 LastWriteTime         Length Name
----                 -------------         ------ ----
-a----        11/20/2026  10:00 PM    85899345920 SQL01.vhdx
-a----         12/4/2026   1:59 AM     2147483648 SQL01_6E1F.avhdx
"""


def test_get_childitem_listing() -> None:
    events, ledger = read(GCI, "gci.txt")
    assert [e.data["file_size"] for e in events] == [85899345920, 2147483648]
    assert events[1].time.hour == 1 and events[1].locator.line == 9
    assert ledger.skipped == 0  # the rows are files, not "objects of no cmdlet"


WRAPPED = """
ComputerName            : HV21
Path                    : C:\\ClusterStorage\\Volume1\\SQL01\\Virtual Hard Disks\\SQL01_6E1F2A9C-0F1B
                          -4E0B-9E55-3D2C9B7A1F10.avhdx
VhdFormat               : VHDX
VhdType                 : Differencing
FileSize                : 2147483648
ParentPath              : C:\\ClusterStorage\\Volume1\\SQL01\\Virtual Hard Disks\\SQL01.vhdx
"""


def test_format_list_wrapped_path_is_joined() -> None:
    events, _ = read(WRAPPED)
    assert events[0].data["path"].endswith("SQL01_6E1F2A9C-0F1B-4E0B-9E55-3D2C9B7A1F10.avhdx")
    assert (events[0].locator.line, events[0].locator.end_line) == (2, 8)


def test_marker_line_gives_capture_time_and_host() -> None:
    text = "# logscope-collect 2026-12-04T03:00:00+01:00 host=HV21 command=Get-VMSnapshot\n" + CSV
    events, ledger = read(text, "snaps.csv")
    assert ledger.info["capture_time"] == "2026-12-04T02:00:00+00:00"
    assert events[0].data["capture_time"] == "2026-12-04T02:00:00+00:00"


def test_other_text_is_not_claimed() -> None:
    assert detect(b"Writer name: 'System Writer'\r\n   Writer Id: {e8132975}\r\n", "x") is None
    assert detect(b"TimeCreated  : 1/1/2026 1:00:00 AM\nProviderName : VSS\nId : 8193\n", "x") is None


# Get-VMSnapshot's default table on an en-AU console (short date d/MM/yyyy, 12-hour time):
# the first snapshot's day (29) cannot be a month, the second's (9/02) could be either.
EN_AU = """\
VMName Name            SnapshotType CreationTime          ParentSnapshotName
------ ----            ------------ ------------          ------------------
DC01   Before update   Standard     29/07/2019 3:48:12 pm
DC01   After update    Standard     9/02/2020 3:48:12 PM  Before update
"""


def test_day_first_twelve_hour_dates() -> None:
    """A day above 12 makes the date day-first with AM/PM as without it; an ambiguous one keeps
    the month-first reading a 24-hour date gets, so the two never disagree."""
    from logscope.ingest.hyperv_state.times import parse_time

    events, ledger = read(EN_AU)
    first, second = events
    assert first.locator.line == 3 and first.time is not None
    assert (first.time.year, first.time.month, first.time.day, first.time.hour) == (2019, 7, 29, 15)
    assert first.time_source == "local" and first.time.utcoffset().total_seconds() == 0
    assert (second.time.month, second.time.day, second.time.hour) == (9, 2, 15)
    assert parse_time("9/02/2020 15:48:12")[0] == second.time  # same rule as without AM/PM
    assert parse_time("29/07/2019 12:05 AM")[0].hour == 0
    assert parse_time("29/13/2019 3:48 PM") is None  # neither reading is a date
    assert not ledger.problems
