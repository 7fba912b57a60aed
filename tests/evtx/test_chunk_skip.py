"""The chunk-level skip (``ingest/evtx/chunk_gate.py``, ``slots.py``) must not change the
answer: hits, hints, identities, timeline, per-file counts and problems are the same with
and without it, on the samples and on every corpus file. Records of skipped chunks still
count in ``records``; ``summarized`` may only grow (a skipped chunk gives no summary event)."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from logscope.ingest.evtx.chunk_gate import ChunkGate, GateSpec, chunk_computers, computer_names
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]


def comparable(rep: dict) -> dict:
    """The report without what may differ: per-file skip statistics and ``summarized``."""
    rep = copy.deepcopy(rep)
    for f in rep["files"]:
        f.pop("summarized", None)
        evtx = f.get("info", {}).get("evtx")
        if isinstance(evtx, dict):
            evtx.pop("chunks_skipped", None)
            evtx.pop("records_skipped", None)
            evtx.pop("records_skipped_inside", None)
    rep["meta"].pop("versions", None)
    return rep


def reports(paths: list[Path], **extra: object) -> tuple[dict, dict]:
    """(with the chunk skip, without it)"""
    skip = build_report(analyze(paths, IngestOptions(extra=dict(extra))))
    full = build_report(analyze(paths, IngestOptions(extra={**extra, "evtx_chunk_skip": False})))
    return skip, full


def skipped_chunks(rep: dict) -> int:
    return sum(f.get("info", {}).get("evtx", {}).get("chunks_skipped", 0) for f in rep["files"])


def check_same(skip: dict, full: dict) -> None:
    assert comparable(skip) == comparable(full)
    by_path = {f["path"]: f for f in full["files"]}
    for f in skip["files"]:
        assert f.get("summarized", 0) >= by_path[f["path"]].get("summarized", 0), f["path"]


def test_samples_same_answer_with_chunk_skip() -> None:
    skip, full = reports([ROOT / "samples"])
    check_same(skip, full)
    assert skip["hits"], "the samples must give hits"


@pytest.mark.corpus
def test_corpus_same_answer_with_chunk_skip(shared: Path) -> None:
    skip, full = reports([shared / "corpus" / "evtx"])
    check_same(skip, full)
    assert skipped_chunks(skip) > 0, "the corpus has chunks nothing can use"
    assert skip["meta"]["events"] == full["meta"]["events"]


def test_gate_reads_names_ids_and_codes_in_their_written_forms() -> None:
    gate = ChunkGate(GateSpec({"vss": frozenset({8229}), "microsoft-windows-hyper-v": None},
                              frozenset({"0x80042306"})))
    u16 = lambda s: s.encode("utf-16-le")  # noqa: E731
    assert not gate.keeps(u16("Service Control Manager") + (7036).to_bytes(2, "little"))
    assert gate.keeps(u16("VSS") + (8229).to_bytes(2, "little"))  # name any case, UInt16 id
    assert gate.keeps(u16("vss") + u16("8229"))  # the id as text in a template
    assert not gate.keeps(u16("VSS") + (8224).to_bytes(2, "little"))  # another id
    assert gate.keeps(u16("Microsoft-Windows-Hyper-V-VMMS"))  # any id of an identity provider
    assert gate.keeps(b"Microsoft-Windows-Hyper-V-Worker")  # an ANSI string
    assert gate.keeps(u16("Noise") + u16("hr = 0x80042306"))
    assert gate.keeps(u16("Noise") + u16("-2147212538"))  # signed decimal
    assert gate.keeps(u16("Noise") + (0x80042306).to_bytes(4, "little"))  # HexInt32 value
    assert not gate.keeps(u16("Noise") + (0x80042307).to_bytes(4, "little"))
    assert ChunkGate(GateSpec({}, frozenset(), skippable=False)).keeps(b"")
    # a view of a chunk's bytes (what the slot reader passes: no copy) answers the same
    framed = b"\xff" * 7 + u16("VSS") + (8229).to_bytes(2, "little") + b"\xff" * 5
    assert gate.keeps(memoryview(framed)[7:-5])
    assert not gate.keeps(memoryview(framed)[7:-7])  # the id cut off


def test_hosts_are_read_from_the_templates(shared: Path) -> None:
    """Windows writes Computer as template text: the names a chunk's records carry."""
    path = shared / "corpus" / "evtx" / "4renwald-evtx-python" / "samples" / "System.evtx"
    data = path.read_bytes()[4096:4096 + 65536]
    assert computer_names(data) == ["DESKTOP-SFBTEFS"]  # as the records write it
    assert chunk_computers(data) == {"desktop-sfbtefs"}
    assert computer_names(b"\x00" * 4096) == []
    used = memoryview(data)  # a view up to a cut: as the bytes up to it
    cut = data.index("DESKTOP".encode("utf-16-le")) + 4
    assert computer_names(used) == computer_names(data) and computer_names(used[:cut]) is None
    assert computer_names(data[:cut]) is None
    # the Computer element's value as a substitution: a record's own value, unknown here
    at = data.index(b"\x02\x05\x01", data.index("Computer".encode("utf-16-le")))
    assert computer_names(data[:at + 1] + b"\x0e" + data[at + 2:]) is None


@pytest.mark.corpus
def test_a_file_nothing_can_use_is_not_given_to_the_engine(shared: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Every chunk skipped (19 chunks, records of two machines): the engine is not started,
    the records still count and both machines are learnt, from the chunks' templates."""
    import evtx

    path = (shared / "corpus" / "evtx" / "aaronthopliss-hello-world"
            / "Microsoft-Windows-AppXDeploymentServer_4Operational.evtx")
    started: list[object] = []
    engine = evtx.PyEvtxParser

    def counting(*args: object, **kwargs: object) -> object:
        started.append(args[0])
        return engine(*args, **kwargs)

    monkeypatch.setattr(evtx, "PyEvtxParser", counting)
    skip = build_report(analyze([path], IngestOptions()))
    assert started == []
    full = build_report(analyze([path], IngestOptions(extra={"evtx_chunk_skip": False})))
    assert len(started) == 1
    check_same(skip, full)
    [f] = skip["files"]
    assert f["records"] == 975 and f["info"]["evtx"]["chunks_skipped"] == 19
    assert {"MINWINPC", "WIN-2TO3V41EH3L"} <= {h for e in skip["identities"] for h in e["guest_hosts"]}


def test_keys_read_from_the_chunk_decide_with_the_folds_rule() -> None:
    """A chunk the byte test keeps is read only if some record's key can be wanted."""
    from logscope.match.matcher import text_gate

    gate = ChunkGate(GateSpec({"vss": frozenset({8229}), "microsoft-windows-hyper-v": None},
                              frozenset()))
    codes = text_gate(frozenset({"0x80042306"}))

    def want(provider: str | None, eid: int | None) -> object:
        if (provider, eid) == ("VSS", 8229):
            return True
        return codes if provider == "Application Error" else False

    u16 = lambda s: s.encode("utf-16-le")  # noqa: E731
    body = u16("VSS") + u16("vssvc.exe")
    assert not gate.wants_any({("VSS", 8224), ("Service Control Manager", 7036)}, body, want)
    assert gate.wants_any({("VSS", 8224), ("VSS", 8229)}, body, want)
    # any id of an identity (or role) provider: its summaries teach the machine's role
    assert gate.wants_any({("Microsoft-Windows-Hyper-V-VMMS", 1)}, body, want)
    # a rule that needs an HRESULT in the text: only when the chunk writes that code
    assert not gate.wants_any({("Application Error", 1000)}, body, want)
    assert gate.wants_any({("Application Error", 1000)}, body + u16("0x80042306"), want)
    assert gate.wants_any({("Application Error", 1000)}, body + (0x80042306).to_bytes(4, "little"),
                          want)
