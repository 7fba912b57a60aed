"""The shortcuts ``analyze`` takes on evtx must give the answers of the slow paths.

- ``evtx.fold.Folder`` reads provider, event id, channel and computer from the engine's JSON text with
  two patterns; on every corpus record they fit, they must equal the parsed JSON's fields.
- ``TextGate`` rejects records by substring tests before RE2; it must never reject a record
  whose text writes one of its codes, in any case spelling.
- ``check_completeness`` skips the frame walk of chunks both CRCs vouch for when the engine
  produced their whole id range; the report must equal the one with every chunk walked.
- Records folded into no event are still counted: ``records`` = events + ``summarized``.
"""

from __future__ import annotations

import io
from pathlib import Path

import evtx
import orjson
import pytest

from logscope.events import Event
from logscope.ingest.evtx import chunks as evtx_chunks
from logscope.ingest.evtx import completeness
from logscope.ingest.evtx import fold as evtx_fold
from logscope.ingest.evtx import reader as ev
from logscope.ingest.source import IngestOptions
from logscope.ledger import FileLedger
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher, TextGate
from logscope.pipeline import iter_events

ROOT = Path(__file__).resolve().parents[2]


def _corpus_files(shared: Path) -> list[Path]:
    return sorted((shared / "corpus" / "evtx").rglob("*.evtx"))


def _texts(path: Path):
    it = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
    while True:
        try:
            item = next(it)
        except StopIteration:
            return
        except Exception:  # noqa: BLE001 - damaged records: not this test's subject
            continue
        yield item["data"]


@pytest.mark.corpus
def test_system_patterns_agree_with_the_parsed_json(shared: Path) -> None:
    fitted = total = 0
    for path in _corpus_files(shared):
        for text in _texts(path):
            total += 1
            m = evtx_fold.SYSTEM_KEYS.search(text, 0, 4096)
            if m is None:
                continue
            tail = evtx_fold.SYSTEM_TAIL.search(text, m.end(), m.end() + 4096)
            if tail is None or text.find('Data":', m.end(), tail.start()) >= 0:
                continue
            fitted += 1
            system = orjson.loads(text)["Event"]["System"]
            attrs = system["Provider"]["#attributes"]
            eid = system["EventID"]
            eid = eid["#text"] if isinstance(eid, dict) else eid
            assert (m.group(1), int(m.group(2) or m.group(3))) == (attrs["Name"], eid), path.name
            assert (tail.group(1), tail.group(2)) == (system["Channel"], system["Computer"]), path.name
            # the gate's text starts right after System (the next element of Event, or its end)
            assert text[tail.end():].startswith((',"', "}")), path.name
    assert total > 60_000
    assert fitted / total > 0.99  # the rest take the parsed path, which reads any shape


def test_text_gate_never_rejects_a_written_code() -> None:
    gate = TextGate({"0xC03A0029", "0x800423F4"})
    for form in ("c03a0029", "C03A0029", "c03A0029", "C03a0029", "%%3225026601", "-1069940695",
                 "0x800423f4", "2147754996", "-2147212300"):
        assert gate(f',"EventData":{{"Code":"{form}"}}}}'), form
    assert not gate(',"EventData":{"Code":"0x80070005","Other":"2147024891"}}')
    assert not gate("")


def _full(result: object) -> bool:
    """Built in full: None (the reader builds it) or a full event (a repeat the folder built)."""
    return result is None or (isinstance(result, Event) and "summary_only" not in result.data)


def test_folder_decisions_follow_the_library() -> None:
    """A record no signature wants is folded after its key's first summary; a wanted one is
    built in full; an HRESULT-only key is decided by the record's text."""
    matcher = Matcher(load_library(None))
    want = with_evtx_gate(IngestOptions(), matcher).extra["evtx_want"]
    fold = evtx_fold.Folder(want, "f.evtx")

    def record(provider: str, eid: int, data: str = '"X":"y"', computer: str = "HV01") -> str:
        return ('{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},'
                f'"System":{{"Provider":{{"#attributes":{{"Name":"{provider}"}}}},"EventID":{eid},"Level":4,'
                '"TimeCreated":{"#attributes":{"SystemTime":"2026-03-14T09:02:05.123456Z"}},'
                f'"EventRecordID":7,"Channel":"Application","Computer":"{computer}","Security":null}},'
                f'"EventData":{{{data}}}}}}}')

    first = fold(record("Noise", 1), 7)
    assert first is not None and first is not evtx_fold.FOLDED and first.data == {"summary_only": True}
    assert first.host == "HV01" and first.provider == "Noise" and first.event_id == 1
    assert fold(record("Noise", 1), 8) is evtx_fold.FOLDED
    assert fold(record("Noise", 1, computer="HV02"), 9) is not evtx_fold.FOLDED  # a new machine: summary
    assert _full(fold(record("Noise", 1, '"Code":"0xC03A0029"'), 10))  # an RCT code: built in full
    assert _full(fold(record("VSS", 8229), 11))  # indexed by a signature: built in full
    # the last record's System prefix is reused: an id that only starts like it is another key
    assert fold(record("VSS", 822), 13) is not None and fold(record("VSS", 822), 14) is evtx_fold.FOLDED
    assert _full(fold(record("VSS", 8229), 15))
    assert not _full(fold(record("VSS", 82290), 16))  # not 8229: a summary, not a full event
    assert _full(fold(record("Microsoft-Windows-Hyper-V-VMMS", 1), 12))  # identity provider


@pytest.mark.corpus
def test_trusted_chunks_give_the_same_completeness_report(shared: Path) -> None:
    """Walk skipped (ids as RecordIdSet) vs every chunk walked (ids as a plain set)."""
    skipped_somewhere = False
    for path in _corpus_files(shared):
        led = FileLedger(str(path))
        events = list(ev._parse_rust(_source(path), led, seen := completeness.RecordIdSet()))
        assert len(events) == led.records
        data = path.read_bytes()
        results = []
        for ids in (seen, set(_ids(seen))):
            ledger, lost = FileLedger(str(path)), []
            summary = completeness.check_completeness(io.BytesIO(data), ledger, ids, lost)
            results.append((summary, [p.as_dict() for p in ledger.problems], ledger.missing, lost))
        assert results[0] == results[1], path.name
        skipped_somewhere |= results[0][0]["chunks_with_data"] > 0
    assert skipped_somewhere


def _ids(seen: completeness.RecordIdSet) -> list[int]:
    return [rid for a, b in zip(seen._starts, seen._ends) for rid in range(a, b + 1)]


def _source(path: Path):
    from logscope.ingest.source import Source

    return Source(str(path), opener=lambda: path.open("rb"), size=path.stat().st_size, fs_path=path)


def test_trusted_chunk_walk_is_skipped_only_when_both_crcs_match() -> None:
    data = bytearray((ROOT / "samples" / "evtx" / next(iter(_sample_names()))).read_bytes())
    seen = completeness.RecordIdSet()
    led = FileLedger("x")
    list(ev._parse_rust(_bytes_source(bytes(data)), led, seen))
    walked = []
    chunks = list(evtx_chunks.iter_chunks(io.BytesIO(bytes(data)), trusted=lambda c: walked.append(c) or True))
    assert chunks and not chunks[0].walked and not chunks[0].records
    # a flipped byte in the records area breaks the data CRC: the chunk must be walked again
    data[0x1000 + 0x300] ^= 0xFF
    ledger = FileLedger("x")
    completeness.check_completeness(io.BytesIO(bytes(data)), ledger, seen, [])
    assert any(p.code == "evtx-crc" for p in ledger.problems)
    chunk = next(evtx_chunks.iter_chunks(io.BytesIO(bytes(data)), trusted=lambda c: c.data_crc_ok))
    assert chunk.walked and chunk.records


def _sample_names() -> list[str]:
    base = ROOT / "samples" / "evtx"
    return [p.relative_to(base).as_posix() for p in sorted(base.rglob("*.evtx"))]


def _bytes_source(data: bytes):
    from logscope.ingest.source import Source

    return Source("mem.evtx", opener=lambda: io.BytesIO(data), size=len(data))


@pytest.mark.corpus
def test_records_count_events_and_folded_records(shared: Path) -> None:
    """``records`` = events given + records folded (``summarized``), file by file."""
    paths = _corpus_files(shared)[::10]
    matcher = Matcher(load_library(None))
    opts = with_evtx_gate(IngestOptions(extra={"evtx_recover": False}), matcher)
    ledgers: list[FileLedger] = []
    given: dict[int, int] = {}  # by ledger (display names repeat across folders)
    for _ in iter_events(paths, opts, ledgers):
        given[id(ledgers[-1])] = given.get(id(ledgers[-1]), 0) + 1
    full: list[FileLedger] = []
    list(iter_events(paths, IngestOptions(extra={"evtx_recover": False}), full))
    folded = 0
    assert len(ledgers) == len(full)
    for led, whole in zip(ledgers, full):
        assert led.records == given.get(id(led), 0) + led.summarized
        assert (led.path, led.records, led.missing) == (whole.path, whole.records, whole.missing)
        folded += led.summarized
    assert folded > sum(given.values())  # most records are folded
    assert "summarized" in ledgers[0].as_dict() or not ledgers[0].summarized


def test_folder_memory_is_bounded_on_endless_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """A crafted log can name a new provider in every record: the folder's caches start over
    instead of growing with the file."""
    monkeypatch.setattr(evtx_fold, "MAX_KEYS", 50)
    fold = evtx_fold.Folder(lambda name, eid: False, "f.evtx")
    for n in range(500):
        text = ('{"Event":{"System":{"Provider":{"#attributes":{"Name":"P%d"}},"EventID":1,'
                '"EventRecordID":%d,"Channel":"Application","Computer":"H","Security":null}}}' % (n, n))
        assert fold(text, n) is not None
    assert len(fold.verdicts) <= 50 and len(fold.reps) <= 50
