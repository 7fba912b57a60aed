"""What the .evtx files of one run share (``ingest/evtx/run_memo.py``): the fold's answers
per key and the record skip's decisions per record key. A file must read the same whatever
was read before it in the run: every event, every count, every problem as when it is the
run's only file, also where files number the same keys differently and where a file's key
reader starts over (a new epoch of key ids)."""

from __future__ import annotations

import io
import struct
from pathlib import Path

import pytest
from test_record_skip import host_log

from logscope.ingest.evtx import chunk_keys, reader
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE
from logscope.ingest.evtx.record_skip import RecordSkip
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]


def _read(data: bytes, name: str, options: IngestOptions) -> tuple[list[dict], dict]:
    """(every event as a dict, the ledger as a dict) of one file."""
    source = Source(display=name, opener=lambda: io.BytesIO(data), size=len(data))
    ledger = FileLedger(name)
    events = [ev.to_dict() for ev in reader.parse(source, ledger, options)]
    return events, ledger.as_dict()


def _same_alone_and_in_a_run(files: list[tuple[str, bytes]]) -> IngestOptions:
    """Read ``files`` in order with one run's options (one gate, one memo) and each with
    options of its own: the same events and ledgers. Returns the run's options."""
    matcher = Matcher(load_library())
    run = with_evtx_gate(IngestOptions(), matcher)
    for name, data in files:
        alone = _read(data, name, with_evtx_gate(IngestOptions(), matcher))
        assert _read(data, name, run) == alone, name
    return run


def _sample_files() -> list[tuple[str, bytes]]:
    paths = sorted((ROOT / "samples").rglob("*.evtx"))
    assert len(paths) >= 5
    return [(str(p.relative_to(ROOT)), p.read_bytes()) for p in paths]


def test_samples_read_the_same_alone_and_after_others() -> None:
    files = _sample_files() + [("host.evtx", host_log(3000)), ("vmms.evtx", host_log(400, "vmms"))]
    run = _same_alone_and_in_a_run(files + files[::-1])  # each file again, after all others
    memo = run.extra["evtx_chunk_gate"].memo(run.extra["evtx_want"])  # type: ignore[union-attr]
    assert memo.verdicts and memo.static  # shared, so asked once a run


def test_a_reader_that_starts_over_reads_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """A file's key reader starts over when its memory is full (``KeyReader.bound``): its key
    ids change, the run's decisions (by key) still hold."""
    monkeypatch.setattr(chunk_keys, "MAX_MEMO", 3)
    files = [("host.evtx", host_log(3000)), ("vmms.evtx", host_log(400, "vmms")),
             *_sample_files()[:4], ("host2.evtx", host_log(1500))]
    run = _same_alone_and_in_a_run(files)
    memo = run.extra["evtx_chunk_gate"].memo(run.extra["evtx_want"])  # type: ignore[union-attr]
    assert 0 < len(memo.static) <= 3  # bounded as a file's memory is


def test_a_run_with_another_rule_gets_its_own_answers() -> None:
    """The memo belongs to one rule: a gate asked for another ``want`` keeps no answer of
    the first."""
    matcher = Matcher(load_library())
    run = with_evtx_gate(IngestOptions(), matcher)
    gate, want = run.extra["evtx_chunk_gate"], run.extra["evtx_want"]
    _read(host_log(400), "host.evtx", run)
    first = gate.memo(want)  # type: ignore[union-attr]
    assert first.verdicts and gate.memo(want) is first  # type: ignore[union-attr]
    other = gate.memo(lambda provider, eid: True)  # type: ignore[union-attr]
    assert other is not first and not other.verdicts and not other.static


def _first_chunk(data: bytes) -> tuple[bytes, int]:
    chunk = data[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE]
    return chunk, struct.unpack_from("<I", chunk, 48)[0]


def _plan(skip: RecordSkip, data: bytes) -> tuple[object, ...] | None:
    chunk, free = _first_chunk(data)
    walk = skip.reader.walk(chunk, free, 1)
    assert walk is not None
    plan = skip.plan(chunk, walk, 1)
    return None if plan is None else (plan.resized, plan.runs, plan.skipped, plan.hosts)


def test_decisions_are_by_key_not_by_a_files_key_ids() -> None:
    """Key id 0 is Service Control Manager (rendered only where a code it needs is) in the
    first file and VMMS (always rendered) in the next: the next file's VMMS records must not
    be skipped by the first file's decision for its key id 0."""
    options = with_evtx_gate(IngestOptions(), Matcher(load_library()))
    gate, want = options.extra["evtx_chunk_gate"], options.extra["evtx_want"]
    memo = gate.memo(want)  # type: ignore[union-attr]
    scm_first, vmms_first = host_log(400, "scm"), host_log(400, "vmms")
    first = RecordSkip(gate, want, memo)  # type: ignore[arg-type]
    assert _plan(first, scm_first) is not None
    assert first.reader.keys[0][0] == "Service Control Manager"
    assert memo.static[first.reader.keys[0]] is not True  # rendered only for a code
    fresh = _plan(RecordSkip(gate, want), vmms_first)  # type: ignore[arg-type]
    second = RecordSkip(gate, want, memo)  # type: ignore[arg-type]
    assert _plan(second, vmms_first) == fresh
    assert second.reader.keys[0][0] == "Microsoft-Windows-Hyper-V-VMMS"


@pytest.mark.corpus
def test_corpus_files_read_the_same_alone_and_in_one_run(shared: Path) -> None:
    paths = sorted((shared / "corpus" / "evtx").rglob("*.evtx"))
    _same_alone_and_in_a_run([(str(p.relative_to(shared)), p.read_bytes()) for p in paths])
