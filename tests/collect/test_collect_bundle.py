"""What a ``logscope collect`` run leaves in its folder is read back as the kinds logscope
expects: each file built in the exact form the script writes it (names, marker line, the
Format-List of the script's own property list, the listing layout, UTF-8 with a BOM and CRLF as
Windows PowerShell 5.1's ``Set-Content -Encoding UTF8`` writes), with values from real captures,
then ingested as a bundle."""

from __future__ import annotations

import codecs
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from collect_helpers import evtx_exports, listing_layout, script, state_files, text_files

from logscope.events import Event
from logscope.ingest.hyperv_state import parse_lines
from logscope.ingest.hyperv_state.tables import objects
from logscope.ingest.hyperv_state.tables import table as state_table
from logscope.ingest.source import IngestOptions
from logscope.ledger import FileLedger
from logscope.pipeline import iter_events
from tests.hyperv_state import test_real_captures as real

ROOT = Path(__file__).resolve().parents[2]
HOST_OFFSET = timezone(timedelta(hours=1))  # the collecting host's zone in this test

# Objects with no public capture in tests/hyperv_state, written by us as Format-List from the
# documented properties (Get-VMScsiController; Get-VHDSet / Get-VHDSnapshot: VHDSetInfo and
# Msvm_VHDSnapshotInformation).
OURS = """\
VMName           : GCNODE1
ControllerNumber : 0
Drives           : {Hard Drive on SCSI controller number 0 at location 0, Hard Drive on SCSI controller number 0 at location 1}

ComputerName   : HV11
Path           : C:\\ClusterStorage\\Volume1\\GC\\Quorum.vhds
SnapshotIdList : {9f1c6a52-0a0e-4b2f-9a59-3f5d3c8e7b10}
AllPaths       : {C:\\ClusterStorage\\Volume1\\GC\\Quorum.vhds, C:\\ClusterStorage\\Volume1\\GC\\Quorum_9F1C6A52-0A0E-4B2F-9A59-3F5D3C8E7B10.avhdx}

ComputerName              : HV11
FilePath                  : C:\\ClusterStorage\\Volume1\\GC\\Quorum.vhds
SnapshotId                : 9f1c6a52-0a0e-4b2f-9a59-3f5d3c8e7b10
CreationTime              : 12/1/2026 10:00:12 PM
ParentPathsList           : {}
SnapshotPath              : C:\\ClusterStorage\\Volume1\\GC\\Quorum_9F1C6A52-0A0E-4B2F-9A59-3F5D3C8E7B10.avhdx
ResilientChangeTrackingId : rctX:c2eb01d9:ccb1:405d:acb6:f0e76d055906:00000001
"""
CAPTURES = [real.CIPHER, real.ZFS, real.AZSHCI, real.DEVVM, real.CSV, real.IC, OURS]


def _read(text: str, name: str = "capture.txt") -> list[Event]:
    return list(parse_lines(list(enumerate(text.splitlines(), 1)), name, FileLedger(name)))


def _captured() -> dict[str, list[Event]]:
    """The events of the captures, by object key."""
    out: dict[str, list[Event]] = {}
    for text in CAPTURES:
        for ev in _read(text):
            out.setdefault(ev.data["object"], []).append(ev)
    return out


def _value(ev: Event, field: str) -> Any:  # noqa: ANN401
    if field in ("vm_name", "vm_id", "host"):
        return getattr(ev, field)
    return ev.data.get(field)


def _ps_text(v: Any) -> str:  # noqa: ANN401
    """A value as Format-List prints it."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "True" if v else "False"
    return str(v)


def _as_host_time(iso: str) -> str:
    """The reader's local time (zero offset) as the script's ``ToString('o')`` writes it on a
    host at HOST_OFFSET."""
    t = datetime.fromisoformat(iso).replace(tzinfo=HOST_OFFSET)
    return t.strftime("%Y-%m-%dT%H:%M:%S.0000000") + "+01:00"


def _format_list(objs: list[dict[str, str]], names: list[str]) -> str:
    """Windows PowerShell's Format-List of Select-Object output, through Out-String."""
    width = max(len(n) for n in names)
    lines = ["", ""]
    for o in objs:
        lines += [f"{n.ljust(width)} : {o.get(n, '')}" for n in names] + [""]
    return "\r\n".join(lines + ["", ""])


def _set_content(path: Path, lines: list[str]) -> None:
    """``Set-Content -Encoding UTF8`` in Windows PowerShell 5.1: BOM, CRLF after every line."""
    path.write_bytes(codecs.BOM_UTF8 + "".join(line + "\r\n" for line in lines).encode("utf-8"))


@pytest.fixture(scope="module")
def bundle(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    text = script(("host",))
    folder = tmp_path_factory.mktemp("collect") / "logscope-host-HV21-20261204-030000"
    folder.mkdir()
    marker = f"{state_table()['collected_marker']} 2026-12-04T03:00:00.1234567+01:00 host=HV21"
    captured = _captured()
    by_file = {e["file"]: str(e["object"]) for e in state_table_entries()}
    expected: dict[str, list[Event]] = {}
    for file, props, _objs in state_files(text):
        key = by_file[file]
        spec = next(s for s in objects() if s.key == key)
        names = [n for n, _ in props]
        time_props = {n for n, e in props if e and "ToString('o')" in e}
        rows = []
        for ev in captured[key]:
            row: dict[str, str] = {}
            for field, prop_names in spec.fields.items():
                v = _value(ev, field)
                for p in prop_names:
                    if p in names and v is not None:
                        row[p] = _as_host_time(v) if p in time_props else _ps_text(v)
            rows.append(row)
        _set_content(folder / file, [f"{marker} command={file}", _format_list(rows, names)])
        expected[file] = captured[key]
    layout = listing_layout(text)
    stamp = datetime(2026, 12, 4, 2, 0, 11)
    files = [("-a----", stamp, 42949672960, "SQL01.vhdx"),
             ("-a----", stamp + timedelta(hours=1), 1073741824,
              "SQL01_8C3F1D2E-5B7A-4C19-9E0D-2A6F4B8C1E3D.avhdx"),
             ("-a-h--", stamp, 4194304, "SQL01-AutoRecovery.avhdx"),
             ("-a----", stamp, 81920, "notes.txt")]
    rows = [layout["row"].format(m, t.strftime(layout["time"]), n, name)
            for m, t, n, name in files if not name.endswith(".txt")]
    _set_content(folder / layout["file"], [f"{marker} command={layout['file']}", "",
                                           layout["folder"] + "D:\\VMs\\SQL01", "",
                                           *layout["heads"], *rows])
    writers = (ROOT / "samples/bundles/clean-backup/WEB01/VSS/vss_writers.log").read_bytes().decode("utf-16")
    vss_files = text_files(text)
    _set_content(folder / vss_files[0][0], writers.splitlines())
    evtx = ROOT / "samples/evtx/clean-backup/HV03/Microsoft-Windows-Hyper-V-VMMS-Admin.evtx"
    exports = evtx_exports(text)
    for _channel, file, _rest in exports:
        shutil.copyfile(evtx, folder / file)
    ledgers: list[FileLedger] = []
    events = list(iter_events([folder], IngestOptions(), ledgers))
    return {"folder": folder, "ledgers": {Path(led.path).name: led for led in ledgers},
            "events": events, "expected": expected, "layout": layout, "exports": exports,
            "vssadmin": vss_files[0][0]}


def state_table_entries() -> list[dict[str, Any]]:
    from logscope.collect.data import table

    return list(table()["state"])


def _of(bundle: dict[str, Any], file: str) -> list[Event]:
    return [e for e in bundle["events"] if Path(e.file).name == file]


def test_every_file_is_detected_as_its_kind(bundle: dict[str, Any]) -> None:
    kinds = {name: led.kind for name, led in bundle["ledgers"].items()}
    state = {f: "hyperv-state" for f in bundle["expected"]}
    evtx = {file: "evtx" for _, file, _ in bundle["exports"]}
    assert kinds == {**state, bundle["layout"]["file"]: "hyperv-state",
                     bundle["vssadmin"]: "vssadmin", **evtx}


def test_state_files_read_back_as_the_captured_objects(bundle: dict[str, Any]) -> None:
    for file, originals in bundle["expected"].items():
        got = _of(bundle, file)
        led = bundle["ledgers"][file]
        # nothing skipped but the marker and the blank lines around the objects
        assert led.skip_reasons["collection marker line"] == 1, file
        assert set(led.skip_reasons) <= {"collection marker line",
                                         "line in no record (banner, blank or framing)"}, file
        assert not led.problems, file
        assert led.info["capture_time"] == "2026-12-04T02:00:00+00:00"  # the marker, in UTC
        assert len(got) == len(originals), file
        for ev, orig in zip(got, originals, strict=True):
            assert ev.data["cmdlet"] == orig.data["cmdlet"] and ev.data["form"] == "format-list"
            assert (ev.vm_name, ev.vm_id) == (orig.vm_name, orig.vm_id)
            assert ev.host == (orig.host or "HV21")
            times = {k for k, v in orig.data.items() if k.endswith("_time") and k != "capture_time"}
            same = {k: v for k, v in orig.data.items() if k not in times | {"form"}}
            assert {k: v for k, v in ev.data.items() if k in same} == same, file
            for k in times:  # the host's local time with its offset: now UTC, exactly
                local = datetime.fromisoformat(orig.data[k]).replace(tzinfo=HOST_OFFSET)
                assert ev.data[k] == local.astimezone(timezone.utc).isoformat(), (file, k)
                assert ev.time_source == "utc"


def test_listing_gives_the_disk_files_with_sizes_and_times(bundle: dict[str, Any]) -> None:
    got = _of(bundle, bundle["layout"]["file"])
    assert [(e.data["path"], e.data["file_size"], e.data["last_write"]) for e in got] == [
        ("D:\\VMs\\SQL01\\SQL01.vhdx", 42949672960, "2026-12-04T02:00:11+00:00"),
        ("D:\\VMs\\SQL01\\SQL01_8C3F1D2E-5B7A-4C19-9E0D-2A6F4B8C1E3D.avhdx", 1073741824,
         "2026-12-04T03:00:11+00:00"),
        ("D:\\VMs\\SQL01\\SQL01-AutoRecovery.avhdx", 4194304, "2026-12-04T02:00:11+00:00")]
    assert {e.host for e in got} == {"HV21"}


def test_vssadmin_and_event_logs_give_events(bundle: dict[str, Any]) -> None:
    assert {e.kind for e in _of(bundle, bundle["vssadmin"])} >= {"vssadmin"}
    for _, file, _ in bundle["exports"]:
        assert bundle["ledgers"][file].records > 0 and _of(bundle, file)


def test_guest_folder_is_read_as_its_kinds(tmp_path: Path) -> None:
    """The guest block's files: event logs, the vssadmin listings, SQL's VSS writer log."""
    import re

    text = script(("guest",))
    folder = tmp_path / "logscope-guest-SQL01-20261204-030000"
    folder.mkdir()
    evtx = (ROOT / "samples/evtx/vhds-guest-cluster/GCNODE1"
            / "Microsoft-Windows-Hyper-V-Guest-Drivers-Admin.evtx")
    exports = evtx_exports(text)
    for _channel, file, _rest in exports:
        shutil.copyfile(evtx, folder / file)
    writers = (ROOT / "samples/bundles/clean-backup/WEB01/VSS/vss_writers.log").read_bytes()
    vss_file = text_files(text)[0][0]
    _set_content(folder / vss_file, writers.decode("utf-16").splitlines())
    glob = re.search(r"\\Shared\\(SqlWriterLogger\*\.txt)", text)
    assert glob, "the guest block copies no SqlWriterLogger"
    sql_log = glob.group(1).replace("*", "")
    shutil.copyfile(ROOT / "samples/veeam/SqlWriterLogger.txt", folder / sql_log)  # copied as is
    ledgers: list[FileLedger] = []
    list(iter_events([folder], IngestOptions(), ledgers))
    assert {Path(led.path).name: led.kind for led in ledgers} == {
        **{file: "evtx" for _, file, _ in exports}, vss_file: "vssadmin",
        sql_log: "sqlwriter-log"}


VSS_CAPTURES = {  # ../shared/corpus/text/vssadmin: real captures of the other three listings
    "vssadmin list providers": "fr_burp753_list_providers.txt",
    "vssadmin list shadows": "en_htb_writeup_list_shadows_clientaccessible.txt",
    "vssadmin list shadowstorage": "en_fixture_verbatim_list_shadowstorage_full.txt",
}


def test_the_other_vssadmin_listings_are_read_as_vssadmin(shared: Path, tmp_path: Path) -> None:
    text = script(("host",))
    files = dict((cmd, f) for f, cmd in text_files(text))
    for cmd, capture in VSS_CAPTURES.items():
        lines = (shared / "corpus/text/vssadmin" / capture).read_text("utf-8").splitlines()
        _set_content(tmp_path / files[cmd], lines)
    ledgers: list[FileLedger] = []
    events = list(iter_events([tmp_path], IngestOptions(), ledgers))
    assert {Path(led.path).name: led.kind for led in ledgers} == {
        files[c]: "vssadmin" for c in VSS_CAPTURES}
    assert {Path(e.file).name for e in events} == {files[c] for c in VSS_CAPTURES}
