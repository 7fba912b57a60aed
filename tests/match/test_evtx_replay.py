"""Match outcome replay on evtx events (``match/replay.py``): a host's logs repeat the same
events (Hyper-V information records the identity table reads, matched against the
any-provider HRESULT signatures); the report must be the one matching every event in full
gives, on the samples, a generated host log and every corpus file."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from lxml import etree

from logscope.evtxwriter import EvtxWriter
from logscope.ingest.evtx.repeats import INERT_KEY
from logscope.ingest.source import IngestOptions
from logscope.match import matcher as matcher_mod
from logscope.match import replay
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'


def _report(paths: list[Path]) -> dict:
    # repeats of an event with no hit are not even built (``INERT_KEY``): this test's subject
    # is the matcher's replay, which sees them only with that rule off
    rep = build_report(analyze(paths, IngestOptions(extra={INERT_KEY: False})))
    rep = copy.deepcopy(rep)
    rep["meta"].pop("versions", None)
    return rep


def _on_and_off(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> tuple[dict, dict, int]:
    """(report with replay, without, events replayed)"""
    stats: list[dict[str, int]] = []
    init = matcher_mod.Matcher.__init__
    chars = matcher_mod.REPLAY_CHARS

    def counted(self: matcher_mod.Matcher, *args: object) -> None:
        init(self, *args)  # type: ignore[arg-type]
        stats.append(self.replay_stats)

    monkeypatch.setattr(matcher_mod.Matcher, "__init__", counted)
    on = _report(paths)
    replayed, cleared = stats[-1]["replayed"], stats[-1]["cleared"]
    monkeypatch.setattr(replay, "ENABLED", False)
    off = _report(paths)
    monkeypatch.undo()
    # a memory of a few hundred characters starts over again and again
    assert (cleared > 10) is (chars < 1000), (chars, cleared)
    return on, off, replayed


def _event(record: int, vm: str, body: str, eid: int = 13002, level: int = 4) -> bytes:
    return (f'<Event {NS}><System><Provider Name="Microsoft-Windows-Hyper-V-VMMS" '
            'Guid="{6066F867-7CA1-4418-85FD-36E3F9C0600C}"/>'
            f"<EventID>{eid}</EventID><Level>{level}</Level>"
            '<TimeCreated SystemTime="2024-03-05T02:14:07.3342116Z"/>'
            f"<EventRecordID>{record}</EventRecordID><Channel>Microsoft-Windows-Hyper-V-VMMS-Admin"
            "</Channel><Computer>HV01.corp.example</Computer><Security UserID=\"S-1-5-18\"/></System>"
            '<UserData><VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">'
            f"<VmName>{vm}</VmName><VmId>5F0B7D2E-9C41-4E8A-B3D6-7A1E2C4F8B90</VmId>{body}"
            "</VmlEventLog></UserData></Event>").encode()


@pytest.mark.parametrize("chars", [None, 400])
def test_generated_host_log_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                        chars: int | None) -> None:
    """Information records repeat (replayed) between failures of the same VMs: each failure
    is still a hit of its own, with its own VM name; so when the memory of outcomes is so
    small that it keeps starting over (``REPLAY_CHARS``)."""
    if chars is not None:
        monkeypatch.setattr(matcher_mod, "REPLAY_CHARS", chars)
    path = tmp_path / "vmms.evtx"
    with open(path, "wb") as out:
        writer = EvtxWriter(out)
        for record in range(1, 601):
            vm = f"VM{record % 7:02d}"
            if record % 50 == 0:
                body = "<ErrorMessage>%%2147754996</ErrorMessage><ErrorCode>0x800423F4</ErrorCode>"
                writer.add(etree.fromstring(_event(record, vm, body, 18012, 2)))
            else:
                writer.add(etree.fromstring(_event(record, vm, "")))
        writer.close()
    on, off, replayed = _on_and_off([path], monkeypatch)
    assert on == off
    assert len(on["hits"]) >= 1 and replayed >= (500 if chars is None else 0), (len(on["hits"]), replayed)


def test_samples_same_report(monkeypatch: pytest.MonkeyPatch) -> None:
    on, off, _replayed = _on_and_off([ROOT / "samples"], monkeypatch)
    assert on == off
    assert on["hits"]


@pytest.mark.corpus
def test_corpus_same_report(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    on, off, replayed = _on_and_off([shared / "corpus" / "evtx"], monkeypatch)
    assert on == off
    assert on["hits"] and replayed > 0


def test_failures_with_an_hresult_list_are_replayed(tmp_path: Path,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure's ``data.hresults`` is a list: its replay key holds it as a tuple (the key's
    types still say list). Failures of the same VMs with two different codes: each is still
    the hit matching it in full gives, its own code's signature."""
    path = tmp_path / "vmms.evtx"
    codes = ("0x800423F4", "0x80070005")
    with open(path, "wb") as out:
        writer = EvtxWriter(out)
        for record in range(1, 201):
            code = codes[record % 2]
            body = f"<ErrorMessage>%%2147754996</ErrorMessage><ErrorCode>{code}</ErrorCode>"
            writer.add(etree.fromstring(_event(record, f"VM{record % 3:02d}", body, 18012, 2)))
        writer.close()
    on, off, replayed = _on_and_off([path], monkeypatch)
    assert on == off
    assert replayed >= 190, replayed
    sigs = {h["signature"] for h in on["hits"]}
    assert {"hyperv.checkpoint.access-denied", "hyperv.checkpoint.guest-writer-failed"} <= sigs
    assert on["meta"]["hits_total"] >= 200
