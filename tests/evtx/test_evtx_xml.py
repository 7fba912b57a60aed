"""Event XML exports: a hand-written export from the documented schema and templates."""

from __future__ import annotations

from evtx_helpers import run, source_bytes

from logscope.ingest.eventlog_text import xml_export as evtx_xml

VMMS_10103 = """<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Hyper-V-VMMS" Guid="{6066F867-7CA1-4418-85FD-36E3F9C0600C}" />
    <EventID>10103</EventID>
    <Version>0</Version>
    <Level>2</Level>
    <Task>0</Task>
    <Opcode>0</Opcode>
    <Keywords>0x8000000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-05T02:14:07.3342116Z" />
    <EventRecordID>4711</EventRecordID>
    <Correlation />
    <Execution ProcessID="3012" ThreadID="5120" />
    <Channel>Microsoft-Windows-Hyper-V-VMMS-Admin</Channel>
    <Computer>HV01.corp.example</Computer>
    <Security UserID="S-1-5-18" />
  </System>
  <UserData>
    <VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">
      <VmName>APP02</VmName>
      <VmId>{8A3C1F0E-21B4-4C55-9E7B-0D6F3A2B9C11}</VmId>
    </VmlEventLog>
  </UserData>
</Event>"""

VMMS_18012 = """<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="Microsoft-Windows-Hyper-V-VMMS" Guid="{6066F867-7CA1-4418-85FD-36E3F9C0600C}" />
    <EventID>18012</EventID><Level>2</Level>
    <TimeCreated SystemTime="2024-03-05T02:15:00.0000000Z" />
    <EventRecordID>4712</EventRecordID>
    <Channel>Microsoft-Windows-Hyper-V-VMMS-Admin</Channel><Computer>HV01.corp.example</Computer>
  </System>
  <UserData>
    <VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">
      <VmName>SQL01</VmName><VmId>5F0B7D2E-9C41-4E8A-B3D6-7A1E2C4F8B90</VmId>
      <ErrorMessage>%%2147754996</ErrorMessage><ErrorCode>0x800423F4</ErrorCode>
    </VmlEventLog>
  </UserData>
</Event>"""

# VSS 8229, classic source: unnamed inserts and a Binary payload (hex of "- Code: ...").
BINARY = "- Code: WRTWRTIC00000823- Call: WRTWRTIC00000774- PID:  00001528".encode().hex().upper()
VSS_8229 = f"""<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event">
  <System>
    <Provider Name="VSS" />
    <EventID Qualifiers="0">8229</EventID>
    <Level>3</Level><Task>0</Task>
    <Keywords>0x80000000000000</Keywords>
    <TimeCreated SystemTime="2024-03-05T02:14:55.1000000Z" />
    <EventRecordID>912</EventRecordID>
    <Channel>Application</Channel>
    <Computer>SQL01.corp.example</Computer>
    <Security />
  </System>
  <EventData>
    <Data>0x800423f4, The writer experienced a non-transient error.  If the backup process is retried,
the error is likely to reoccur.
</Data>
    <Data>

Operation:
   PrepareForSnapshot Event

Context:
   Execution Context: Writer
   Writer Class Id: {{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}}
   Writer Name: SqlServerWriter</Data>
    <Binary>{BINARY}</Binary>
  </EventData>
  <RenderingInfo Culture="en-US">
    <Message>A VSS writer has rejected an event with error 0x800423f4 (rendered).</Message>
    <Level>Warning</Level>
  </RenderingInfo>
</Event>"""


def export(*events: str, root: bool = True) -> bytes:
    body = "\r\n".join(events)
    text = f'<?xml version="1.0" encoding="UTF-8"?>\r\n<Events>\r\n{body}\r\n</Events>' if root else body
    return text.encode("utf-8")


def test_detect():
    assert evtx_xml.detect(export(VMMS_10103), "x.txt") == "evtx-xml"
    assert evtx_xml.detect(export(VMMS_10103, root=False), "x") == "evtx-xml"
    assert evtx_xml.detect("\ufeff".encode() + export(VSS_8229), "x") == "evtx-xml"
    assert evtx_xml.detect(export(VSS_8229).decode().encode("utf-16"), "x") == "evtx-xml"
    assert evtx_xml.detect(b"<html><body>Event</body></html>", "x.xml") is None
    assert evtx_xml.detect(b"ElfFile\x00" + bytes(100), "x.xml") is None


def test_vmms_10103_userdata():
    events, ledger = run(evtx_xml, source_bytes(export(VMMS_10103, VMMS_18012), "VMMS-Admin.xml"))
    assert ledger.kind == "evtx-xml" and ledger.records == 2 and not ledger.problems
    e = events[0]
    assert (e.provider, e.event_id, e.record_id) == ("Microsoft-Windows-Hyper-V-VMMS", 10103, 4711)
    assert e.channel == "Microsoft-Windows-Hyper-V-VMMS-Admin"
    assert e.host == "HV01.corp.example"
    assert e.level == "Error"
    assert e.vm_name == "APP02"
    assert e.vm_id == "8a3c1f0e-21b4-4c55-9e7b-0d6f3a2b9c11"
    assert e.time.isoformat() == "2024-03-05T02:14:07.334211+00:00"
    assert e.time_source == "utc" and e.timestamp_desc == "Event Recorded"
    assert e.locator.record == 4711 and e.locator.line == 3  # line of <Event>
    assert e.message.startswith("The virtual machine 'APP02' cannot be hot backed up since it has no SCSI")
    assert e.data["message_source"] == "template"
    f = events[1]
    assert f.hresult == "0x800423F4"
    assert f.data["hresults"] == ["0x800423F4"]
    assert f.data["ErrorCode"] == "0x800423F4" and f.data["ErrorMessage"] == "%%2147754996"
    assert "VSS_E_WRITERERROR_NONRETRYABLE" in f.message


def test_vss_8229_classic_binary_and_rendering():
    events, ledger = run(evtx_xml, source_bytes(export(VSS_8229, root=False), "app.xml"))
    assert ledger.records == 1
    e = events[0]
    assert e.event_id == 8229 and e.level == "Warning"
    assert e.hresult == "0x800423F4"
    assert e.data["1"].startswith("0x800423f4, The writer")
    assert "Writer Name: SqlServerWriter" in e.data["2"]
    assert e.data["Binary"] == BINARY
    assert e.data["BinaryText"].startswith("- Code: WRTWRTIC00000823- Call:")
    # a known template wins over RenderingInfo (which may be localized); both are kept
    assert e.data["message_source"] == "template"
    assert e.data["RenderedMessage"] == "A VSS writer has rejected an event with error 0x800423f4 (rendered)."
    assert e.message.startswith("A VSS writer has rejected an event with error 0x800423f4, The writer")
    assert "\n" not in e.message


def test_rendering_info_used_when_no_template():
    other = VSS_8229.replace('<Provider Name="VSS" />', '<Provider Name="SomeApp" />')
    events, _ = run(evtx_xml, source_bytes(export(other), "a.xml"))
    assert events[0].data["message_source"] == "rendering_info"
    assert events[0].message == "A VSS writer has rejected an event with error 0x800423f4 (rendered)."


def test_utf16_bare_events():
    data = ("\ufeff" + VMMS_10103 + "\r\n" + VSS_8229).encode("utf-16-le")
    events, ledger = run(evtx_xml, source_bytes(data, "wevtutil.txt"))
    assert [e.event_id for e in events] == [10103, 8229]
    assert not ledger.problems


def test_truncated_export_keeps_events_and_reports():
    data = export(VMMS_10103, VSS_8229)
    cut = data[: data.index(b"<EventData>") + 20]
    events, ledger = run(evtx_xml, source_bytes(cut, "cut.xml"))
    assert [e.event_id for e in events] == [10103]
    assert ledger.problems and ledger.problems[0].code == "xml-error"
    assert "after 1 event(s)" in ledger.problems[0].message


def test_entities_not_expanded():
    bomb = b'<?xml version="1.0"?><!DOCTYPE Events [<!ENTITY a "AAAAAAAAAA"><!ENTITY b "&a;&a;&a;&a;">]>' + export(
        VMMS_10103.replace("<VmName>APP02</VmName>", "<VmName>&b;</VmName>"), root=True
    ).split(b"?>", 1)[1]
    events, ledger = run(evtx_xml, source_bytes(bomb, "bomb.xml"))
    assert all("AAAA" not in (e.vm_name or "") for e in events)


def test_trailing_garbage_keeps_events():
    data = export(VMMS_10103) + b"\x00\xff garbage <<<"
    events, ledger = run(evtx_xml, source_bytes(data, "g.xml"))
    assert [e.event_id for e in events] == [10103]
    assert ledger.problems and ledger.problems[0].code == "xml-error"


def test_huge_text_node_is_bounded():
    big = VSS_8229.replace("PrepareForSnapshot Event", "A" * (12 << 20))
    events, ledger = run(evtx_xml, source_bytes(export(VMMS_10103, big), "big.xml"))
    assert [e.event_id for e in events] == [10103]  # lxml refuses text nodes over 10 MB
    assert ledger.problems


def test_event_without_system_is_skipped():
    data = export("<Event><EventData><Data>x</Data></EventData></Event>", VMMS_10103)
    events, ledger = run(evtx_xml, source_bytes(data, "s.xml"))
    assert [e.event_id for e in events] == [10103]
    assert ledger.skipped == 1 and ledger.skip_reasons["event without System part"] == 1
