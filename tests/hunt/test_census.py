"""The census counts every record of a real .evtx, also those ``analyze`` folds away."""

from __future__ import annotations

from pathlib import Path

from logscope.evtxwriter import xml_to_evtx
from logscope.hunt.census import Census, can_match
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze, load_knowledge

EVENT = ("<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'><System>"
         "<Provider Name='{p}'/><EventID Qualifiers='16384'>{e}</EventID><Version>0</Version>"
         "<Level>4</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x8080000000000000"
         "</Keywords><TimeCreated SystemTime='2026-03-14T09:00:{s:02d}.0000000Z'/>"
         "<EventRecordID>{r}</EventRecordID><Correlation/><Execution ProcessID='0' "
         "ThreadID='0'/><Channel>System</Channel><Computer>HV01.contoso.local</Computer>"
         "<Security/></System><EventData><Data Name='param1'>Windows Update</Data>"
         "<Data Name='param2'>running</Data></EventData></Event>")


def test_census_counts_folded_evtx_records(tmp_path: Path) -> None:
    xml = tmp_path / "System.xml"
    events = [EVENT.format(p="Service Control Manager", e=7036, s=i, r=i + 1) for i in range(5)]
    events += [EVENT.format(p="Microsoft-Windows-Kernel-General", e=16, s=10 + i, r=10 + i)
               for i in range(2)]
    xml.write_text("<Events>" + "".join(events) + "</Events>", encoding="utf-8")
    bundle = tmp_path / "case"
    bundle.mkdir()
    xml_to_evtx(xml, bundle / "System.evtx")
    census = Census()
    knowledge = load_knowledge(None)
    a = analyze([bundle], IngestOptions(), knowledge=knowledge, census=census)
    (led,) = [led for led in a.ledgers if led.kind == "evtx"]
    assert led.records == 7 and led.summarized > 0  # most records never became events
    rows = {(k, p, e): n for k, p, e, n in census.rows()}
    assert rows == {("evtx", "Service Control Manager", 7036): 5,
                    ("evtx", "Microsoft-Windows-Kernel-General", 16): 2}
    sigs = knowledge[0].signatures
    assert not can_match(sigs["hyperv.config.no-scsi-controller"], rows)
    assert can_match(sigs["hyperv.config.no-scsi-controller"],
                     [("evtx", "microsoft-windows-hyper-v-vmms", 10103)])
