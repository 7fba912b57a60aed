"""Repeats of an inert event are counted, not built (``ingest/evtx/repeats.py``, the
``INERT_KEY`` rule from ``match.evtx_gate``): a host log's Hyper-V information records repeat
the same VM, host and message thousands of times, and once the first of them had no hit,
nothing downstream learns from the others. The report must be the one building every repeat
gives (hits, hints, identities, timeline, counts, problems), but for ``summarized``, which
grows by exactly the records counted instead of given: on the samples, a written VMMS log
(read in process and by worker processes), and every corpus file; and a signature that
reads when or which record an event is turns the shortcut off for its events.

The files of one run share the values of the events they built (``Repeats.shared``): a
second file's event of an already seen record is the first file's but for its file, time
and ids, and equal to a fresh build."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from lxml import etree
from test_chunk_skip import comparable

import evtx

from logscope.events import Event
from logscope.evtxwriter import EvtxWriter
from logscope.ingest.evtx import fold as evtx_fold
from logscope.hunt.census import Census
from logscope.ingest.evtx import repeats
from logscope.ingest.evtx.repeats import INERT_KEY
from logscope.ingest.source import IngestOptions
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.matcher import Matcher
from logscope.pipeline import analyze, load_knowledge
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'


def _event(record: int, vm: str, body: str = "", eid: int = 13002, level: int = 4,
           computer: str = "HV01.corp.example") -> bytes:
    return (f'<Event {NS}><System><Provider Name="Microsoft-Windows-Hyper-V-VMMS" '
            'Guid="{6066F867-7CA1-4418-85FD-36E3F9C0600C}"/>'
            f"<EventID>{eid}</EventID><Version>0</Version><Level>{level}</Level>"
            f'<TimeCreated SystemTime="2024-03-05T02:{record // 60 % 60:02d}:{record % 60:02d}.3342116Z"/>'
            f"<EventRecordID>{record}</EventRecordID><Correlation/>"
            '<Execution ProcessID="2004" ThreadID="3120"/>'
            "<Channel>Microsoft-Windows-Hyper-V-VMMS-Admin</Channel>"
            f'<Computer>{computer}</Computer><Security UserID="S-1-5-18"/></System>'
            '<UserData><VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">'
            f"<VmName>{vm}</VmName><VmId>5F0B7D2E-9C41-4E8A-B3D6-7A1E2C4F8B90</VmId>{body}"
            "</VmlEventLog></UserData></Event>").encode()


def _vmms_log(path: Path, records: int = 900) -> Path:
    """Information records of 9 VMs on two hosts (one names a disk), with a failure of a VM
    every 50 records (a hit each time, the same VM and message as earlier failures)."""
    with open(path, "wb") as out:
        writer = EvtxWriter(out)
        for record in range(1, records + 1):
            vm = f"VM{record % 9:02d}"
            host = "HV02.corp.example" if record % 4 == 0 else "HV01.corp.example"
            if record % 50 == 0:
                body = "<ErrorMessage>%%2147754996</ErrorMessage><ErrorCode>0x800423F4</ErrorCode>"
                writer.add(etree.fromstring(_event(record, vm, body, 18012, 2, host)))
            elif record % 9 == 3:
                body = f"<Path>D:\\VMs\\{vm}\\Virtual Hard Disks\\{vm}.vhdx</Path>"
                writer.add(etree.fromstring(_event(record, vm, body, computer=host)))
            else:
                writer.add(etree.fromstring(_event(record, vm, computer=host)))
        writer.close()
    return path


def _summarized(rep: dict) -> int:
    return sum(f.get("summarized", 0) for f in rep["files"])


def _on_off(paths: list[Path], monkeypatch: pytest.MonkeyPatch, **kw: object) -> tuple[dict, dict, int]:
    """(report with the shortcut, without it, records it counted instead of building)"""
    counted: list[int] = []
    event = repeats.Repeats.event

    def spy(self: repeats.Repeats, *args: object) -> object:
        out = event(self, *args)  # type: ignore[arg-type]
        counted.append(out is repeats.FOLDED)
        return out

    monkeypatch.setattr(repeats.Repeats, "event", spy)
    on = build_report(analyze(paths, IngestOptions(), **kw))  # type: ignore[arg-type]
    n = sum(counted)
    off = build_report(analyze(paths, IngestOptions(extra={INERT_KEY: False}), **kw))  # type: ignore[arg-type]
    assert sum(counted) == n, "with the rule off every repeat is built"
    return on, off, n


def _same(on: dict, off: dict, counted: int) -> None:
    assert json.dumps(comparable(on), default=str) == json.dumps(comparable(off), default=str)
    assert _summarized(on) == _summarized(off) + counted


def test_samples_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    on, off, counted = _on_off([ROOT / "samples"], monkeypatch)
    _same(on, off, counted)
    assert on["hits"]


@pytest.mark.parametrize("workers", [1, 2])
def test_written_vmms_log_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                      workers: int) -> None:
    bundle = tmp_path / "case"
    bundle.mkdir()
    _vmms_log(bundle / "Hyper-V-VMMS-Admin.evtx")
    on, off, counted = _on_off([bundle], monkeypatch, workers=workers)
    if workers > 1:  # a worker process counts in its own copy of the spy: from the reports
        counted = _summarized(on) - _summarized(off)
    _same(on, off, counted)
    assert counted > 700, counted
    assert len(on["hits"]) >= 2 and on["identities"]
    row = next(r for r in on["identities"] if r["vm_ids"])
    # both hosts and the disks named in repeated records are still learnt
    assert row["hyperv_hosts"] == ["HV01.corp.example", "HV02.corp.example"]
    assert any(d.endswith("VM03.vhdx") for d in row["disks"]), row["disks"]
    (led,) = [f for f in on["files"] if f["kind"] == "evtx"]
    assert led["records"] == 900


@pytest.mark.corpus
def test_corpus_same_report(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on, off, counted = _on_off([shared / "corpus" / "evtx"], monkeypatch)
    _same(on, off, counted)
    assert on["hits"] and counted > 0


def test_a_signature_on_the_record_id_turns_it_off(tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    """A signature that reads the record id can hit a repeat whose first occurrence it did
    not: that key's repeats are all built (and the one it names is a hit)."""
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    (sigs / "by-record.yml").write_text(
        "id: test.by-record\ntitle: t\nseverity: high\nstatus: test\n"
        "match: {kind: evtx, provider: Microsoft-Windows-Hyper-V-VMMS, event_id: 13002, "
        "record_id: 401}\nhint: {cause: c, remedy: [r]}\n", "utf-8")
    log = _vmms_log(tmp_path / "vmms.evtx")
    on, off, counted = _on_off([log], monkeypatch, signature_dirs=[sigs])
    _same(on, off, counted)
    assert counted == 0
    assert [h["locator"] for h in on["hits"] if h["signature"] == "test.by-record"] == [{"record": 401}]


def test_the_census_still_counts_every_record(tmp_path: Path) -> None:
    """``hunt``'s census counts each event it is given: no repeat may be left out."""
    log = _vmms_log(tmp_path / "vmms.evtx")
    census = Census()
    analyze([log], IngestOptions(), knowledge=load_knowledge(None), census=census)
    rows = {(k, p, e): n for k, p, e, n in census.rows()}
    assert rows == {("evtx", "Microsoft-Windows-Hyper-V-VMMS", 13002): 882,
                    ("evtx", "Microsoft-Windows-Hyper-V-VMMS", 18012): 18}


def _records(path: Path) -> list[tuple[str, int]]:
    it = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
    return [(item["data"], item["event_record_id"]) for item in it]


def test_a_later_file_of_the_run_renews_the_events_an_earlier_one_built(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    records = _records(_vmms_log(tmp_path / "vmms.evtx", 300))
    want = with_evtx_gate(IngestOptions(), Matcher(load_knowledge(None)[0])).extra["evtx_want"]
    builds: list[object] = []
    build = repeats.build
    monkeypatch.setattr(repeats, "build", lambda *a: builds.append(a) or build(*a))
    first = evtx_fold.Folder(want, "a.evtx")
    given_a = [first(text, record_id) for text, record_id in records]
    built = len(builds)
    second = evtx_fold.Folder(want, "b.evtx")
    given_b = [second(text, record_id) for text, record_id in records]
    assert built >= 20 and len(builds) == built  # the second file built none again
    full = 0
    for (text, record_id), a, b in zip(records, given_a, given_b):
        assert type(a) is type(b)
        if isinstance(b, Event) and not b.data.get("summary_only"):
            assert b == build(text, record_id, "evtx", "b.evtx")
            assert a == build(text, record_id, "evtx", "a.evtx")
            full += 1
    assert full == 300


def test_copies_of_a_log_same_report_with_and_without_shared_events(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundle = tmp_path / "case"
    bundle.mkdir()
    for name in ("HV01-VMMS.evtx", "HV01-VMMS-archive.evtx", "HV02/VMMS.evtx"):
        (bundle / name).parent.mkdir(exist_ok=True)
        _vmms_log(bundle / name)
    shared = build_report(analyze([bundle], IngestOptions()))
    monkeypatch.setattr(repeats, "SHARED_CHARS", -1)  # nothing shared: every file builds its own
    alone = build_report(analyze([bundle], IngestOptions()))
    assert json.dumps(shared, default=str) == json.dumps(alone, default=str)
    assert shared["hits"] and [f["records"] for f in shared["files"]] == [900, 900, 900]
    (row,) = [r for r in shared["identities"] if r["vm_ids"]]
    assert len(row["files"]) == 3  # each copy's events name their own file
