"""Event Viewer and PowerShell CSV exports (written here from the exporters' column sets)."""

from __future__ import annotations

from evtx_helpers import run, source_bytes

from logscope.ingest.eventlog_text import csv_export as evtx_csv

EVENT_VIEWER = (
    "Level,Date and Time,Source,Event ID,Task Category\r\n"
    'Error,3/5/2024 2:14:55 AM,VSS,8229,None,"A VSS writer has rejected an event with error 0x800423F4, '
    "The writer experienced a non-transient error.\r\n\r\nOperation:\r\n   PrepareForSnapshot Event\"\r\n"
    "Information,3/5/2024 2:20:01 PM,VSS,8224,None,The VSS service is shutting down due to idle timeout.\r\n"
)

GET_WINEVENT = (
    '#TYPE System.Diagnostics.Eventing.Reader.EventLogRecord\r\n'
    '"Message","Id","Version","Qualifiers","Level","Task","Opcode","Keywords","RecordId","ProviderName",'
    '"ProviderId","LogName","ProcessId","ThreadId","MachineName","UserId","TimeCreated","LevelDisplayName"\r\n'
    '"The virtual machine \'APP02\' cannot be hot backed up since it has no SCSI controllers attached.","10103",'
    '"0",,"2","0","0","-9223372036854775808","4711","Microsoft-Windows-Hyper-V-VMMS",'
    '"6066f867-7ca1-4418-85fd-36e3f9c0600c","Microsoft-Windows-Hyper-V-VMMS-Admin","3012","5120",'
    '"HV01.corp.example","S-1-5-18","3/5/2024 2:14:07 AM","Error"\r\n'
)


def test_detect():
    assert evtx_csv.detect(EVENT_VIEWER.encode("utf-8-sig"), "a.csv") == "evtx-csv"
    assert evtx_csv.detect(GET_WINEVENT.encode("utf-16"), "a.csv") == "evtx-csv"
    assert evtx_csv.detect(b"a,b,c\r\n1,2,3\r\n", "a.csv") is None


def test_event_viewer_csv():
    events, ledger = run(evtx_csv, source_bytes(EVENT_VIEWER.encode("utf-8-sig"), "app.csv"))
    assert ledger.kind == "evtx-csv" and ledger.records == 2
    e = events[0]
    assert (e.provider, e.event_id, e.level) == ("VSS", 8229, "Error")
    assert e.hresult == "0x800423F4"
    assert e.time_source == "local" and e.time.isoformat() == "2024-03-05T02:14:55+00:00"
    assert e.locator.line == 2 and e.locator.end_line == 5
    assert e.data["message_source"] == "rendering_info"
    assert "PrepareForSnapshot Event" in e.message and "\n" not in e.message
    assert events[1].locator.line == 6 and events[1].time.hour == 14


def test_get_winevent_csv_utf16():
    events, ledger = run(evtx_csv, source_bytes(GET_WINEVENT.encode("utf-16"), "vmms.csv"))
    assert ledger.records == 1
    e = events[0]
    assert (e.provider, e.event_id, e.record_id, e.host) == (
        "Microsoft-Windows-Hyper-V-VMMS", 10103, 4711, "HV01.corp.example")
    assert e.channel == "Microsoft-Windows-Hyper-V-VMMS-Admin" and e.level == "Error"
    assert e.locator.line == 3


def test_oversized_field_stops_with_a_problem():
    data = (EVENT_VIEWER + 'Error,3/5/2024 2:20:01 PM,VSS,8193,None,"' + "x" * (2 << 20) + '"\r\n').encode()
    events, ledger = run(evtx_csv, source_bytes(data, "big.csv"))
    assert len(events) == 2
    assert ledger.problems and ledger.problems[0].code == "csv-error"
