"""A VSS code that only a pasted-message signature knew must fire on the same record read from
a real .evtx: VSS 8193 / 12289 / 12290 ("Unexpected error ... hr = %2") say nothing but the
code in Data[2], so the code signature is the only reader. A record another event-log
signature reads (8229, a writer veto) keeps that signature's single hint."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.evtxwriter import xml_to_evtx
from logscope.explain import explain
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

CODES = {
    "0x80042308": ("The specified object was not found.", "vss.object-not-found"),
    "0x800423F2": ("The writer's timeout expired between the Freeze and Thaw events.",
                   "vss.writer-timeout-message"),
    "0x8004231F": ("Insufficient storage available to create either the shadow copy storage "
                   "file or other shadow copy data.", "guest.vss.insufficient-storage"),
}
CALL = (r"DeviceIoControl(\\?\Volume{1a2b3c4d-0000-0000-0000-100000000000} - 0000000000000A8C,"
        r"0x0053c008,0000000000000000,0,0000000000001CC0,4096,[0])")
CONTEXT = ("\n\nOperation:\n   Processing PostSnapshot Event\n\nContext:\n"
           "   Execution Context: Provider\n")


def _event(event_id: int, inserts: list[str], record: int) -> str:
    data = "".join(f"<Data>{v}</Data>" for v in inserts)
    return ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
            f'<Provider Name="VSS"/><EventID Qualifiers="0">{event_id}</EventID>'
            '<Version>0</Version>'
            '<Level>2</Level><Task>0</Task><Opcode>0</Opcode><Keywords>0x80000000000000</Keywords>'
            f'<TimeCreated SystemTime="2026-03-14T10:02:{record % 60:02d}.0000000Z"/>'
            f'<EventRecordID>{record}</EventRecordID><Channel>Application</Channel>'
            f'<Computer>HV01</Computer><Security/></System><EventData>{data}</EventData></Event>')


def _fired(tmp_path: Path, events: list[str]) -> set[str]:
    """Signature ids behind the hints of a bundle holding these events as a real .evtx."""
    src = tmp_path / "app.xml"
    src.write_text("<Events>" + "".join(events) + "</Events>", "utf-8")
    bundle = tmp_path / "bundle"
    bundle.mkdir()
    stats, ledger = xml_to_evtx(src, bundle / "Application.evtx")
    assert stats.records == len(events) and not stats.skipped and not ledger.problems
    report = build_report(analyze([bundle], IngestOptions()))
    return {e["signature"] for h in report["hints"] for e in h["evidence"]}


@pytest.mark.parametrize("event_id", [12289, 8193])
@pytest.mark.parametrize("code", sorted(CODES))
def test_generic_vss_error_in_evtx_fires_the_code_signature(tmp_path: Path, code: str,
                                                            event_id: int) -> None:
    text, sig = CODES[code]
    inserts = [CALL, f"{code.lower()}, {text}", CONTEXT]
    assert sig in _fired(tmp_path, [_event(event_id, inserts, 900)])


@pytest.mark.parametrize("code", sorted(CODES))
def test_evtx_and_its_paste_give_the_same_hint(tmp_path: Path, code: str) -> None:
    text, sig = CODES[code]
    paste = (f"Volume Shadow Copy Service error: Unexpected error {CALL}.  hr = {code.lower()}, "
             f"{text}\n{CONTEXT}")
    report, _note = explain(paste.encode(), "<argument>", IngestOptions(), None)
    pasted = {e["signature"] for h in report["hints"] for e in h["evidence"]}
    assert sig in pasted
    assert _fired(tmp_path, [_event(12289, [CALL, f"{code.lower()}, {text}", CONTEXT], 901)]) \
        == pasted


def test_other_vss_records_keep_their_own_signature(tmp_path: Path) -> None:
    veto = _event(8229, ["0x800423f2, The writer's timeout expired between the Freeze and Thaw "
                         "events.", "\n\nOperation:\n   Freeze Event\n\nContext:\n   Execution "
                         "Context: Writer\n   Writer Name: SqlServerWriter\n"], 902)
    assert _fired(tmp_path, [veto]) == {"guest.vss.writer-vetoed"}
