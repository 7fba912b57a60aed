"""The record skip (``ingest/evtx/record_skip.py``, ``slots.py``): inside a chunk the engine
reads, records nothing can use are hidden from it by enlarging the size field of the record
before them. The answer must not change: every full event the same, record by record, the
same machines, and the report (hits, hints, identities, counts, problems) the same as with
every record rendered; skipped records count in ``records`` and ``summarized``."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import pytest
from lxml import etree
from test_chunk_skip import check_same, comparable

from logscope.evtxwriter import EvtxWriter
from logscope.ingest.evtx import reader, walks
from logscope.ingest.evtx.chunk_keys import UNREAD, KeyReader, values_end
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE
from logscope.ingest.evtx.record_skip import RecordSkip
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
NS = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'


def event(provider: str, eid: int, rid: int, body: str, computer: str = "HV01.corp.example") -> str:
    return (f'<Event {NS}><System><Provider Name="{provider}"/><EventID>{eid}</EventID>'
            '<Level>4</Level><TimeCreated SystemTime="2024-03-05T02:14:07.3342116Z"/>'
            f'<EventRecordID>{rid}</EventRecordID><Channel>System</Channel>'
            f'<Computer>{computer}</Computer></System>{body}</Event>')


SCM = ('<EventData><Data Name="param1">Windows Update</Data><Data Name="param2">running</Data>'
       '</EventData>')
VSS_BODY = ("<EventData><Data>0x800423f4, The writer experienced a non-transient error.</Data>"
            "<Data>Operation: PrepareForSnapshot Context: Writer Name: SqlServerWriter</Data></EventData>")
VMMS_BODY = ('<UserData><VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">'
             "<VmName>VM{n}</VmName><VmId>5F0B7D2E-9C41-4E8A-B3D6-7A1E2C4F8B90</VmId></VmlEventLog></UserData>")


def host_log(n: int, first: str = "scm") -> bytes:
    """A host's log as the evtx writer makes it: mostly Service Control Manager noise, a
    VSS 8224 (no rule wants it) before each VSS 8229 failure of the same template, Hyper-V
    VMMS information (the identity table reads it), a second machine now and then."""
    out = io.BytesIO()
    writer = EvtxWriter(out)
    for rid in range(1, n + 1):
        slot = rid % 97
        if rid == 1 and first == "vmms" or slot == 5:
            # names of every length: some records fill their size, with no padding after
            xml = event("Microsoft-Windows-Hyper-V-VMMS", 13002, rid, VMMS_BODY.format(n=rid % 7))
        elif slot in (40, 41):  # 8224 defines the template the failure after it uses;
            # binary data of every length: some records fill their size exactly
            binary = f"<Binary>{'AB' * (rid % 8)}</Binary></EventData>"
            xml = event("VSS", 8224 if slot == 40 else 8229, rid, VSS_BODY.replace("</EventData>", binary))
        elif slot == 70:
            xml = event("Service Control Manager", 7036, rid, SCM, computer="HV02.corp.example")
        else:
            xml = event("Service Control Manager", 7036, rid, SCM)
        writer.add(etree.fromstring(xml.encode()))
    writer.close()
    return out.getvalue()


def parsed(data: bytes, record_skip: bool, name: str = "host.evtx") -> tuple[list[dict], set, FileLedger]:
    """(every full event as a dict, the machines the events name, the ledger)"""
    options = with_evtx_gate(IngestOptions(extra={"evtx_record_skip": record_skip}),
                             Matcher(load_library()))
    source = Source(display=name, opener=lambda: io.BytesIO(data), size=len(data))
    ledger = FileLedger(name)
    full, hosts = [], set()
    for ev in reader.parse(source, ledger, options):
        hosts.add(ev.host)
        if not ev.data.get("summary_only"):
            full.append(ev.to_dict())
    return full, hosts, ledger


def check_records(data: bytes) -> tuple[FileLedger, FileLedger]:
    """The record skip gives every full event and every machine the full rendering gives."""
    full_on, hosts_on, on = parsed(data, True)
    full_off, hosts_off, off = parsed(data, False)
    assert full_on == full_off
    assert hosts_on == hosts_off
    assert on.records + on.summarized == off.records + off.summarized  # same records counted
    assert on.missing == off.missing
    assert [p.as_dict() for p in on.problems] == [p.as_dict() for p in off.problems]
    return on, off


def test_host_log_same_records_with_most_skipped(tmp_path: Path) -> None:
    data = host_log(3000)
    on, off = check_records(data)
    assert on.info["evtx"]["records_skipped"] > 2000  # most records never rendered
    assert "records_skipped" not in off.info["evtx"]
    path = tmp_path / "host.evtx"
    path.write_bytes(data)
    skip = build_report(analyze([path], IngestOptions()))
    full = build_report(analyze([path], IngestOptions(extra={"evtx_record_skip": False})))
    check_same(skip, full)
    assert skip["hits"], "the VSS failures must give hits"


def test_template_defined_in_a_skipped_record_renders_later_records() -> None:
    """Each VSS 8224 (skipped) defines the template the VSS 8229 after it uses."""
    data = host_log(400)
    walk_reader = KeyReader()
    chunk = data[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE]
    free = struct.unpack_from("<I", chunk, 48)[0]
    walk = walk_reader.walk(chunk, free, 1)
    assert walk is not None
    keys = [walk_reader.keys[k] for k in walk.kids]
    defines = [struct.unpack_from("<I", chunk, p + 34)[0] for p in walk.positions]
    first_8224 = keys.index(("VSS", 8224, "HV01.corp.example"))
    first_8229 = keys.index(("VSS", 8229, "HV01.corp.example"))
    assert defines[first_8224] == walk.positions[first_8224] + 38  # defined inline there
    assert defines[first_8229] == defines[first_8224]  # and used by the failure
    full_on, _hosts, on = parsed(data, True)
    full_off, _hosts, _off = parsed(data, False)
    assert full_on == full_off
    assert sum(e["event_id"] == 8229 for e in full_on) == 4


def test_first_record_unwanted_is_rendered_and_folded() -> None:
    on, _off = check_records(host_log(400, first="scm"))
    assert on.summarized > 0
    on, _off = check_records(host_log(400, first="vmms"))


def test_record_without_end_token_is_not_enlarged() -> None:
    """The writer ends a record's BinXML at its size, without an end-of-stream token: the
    engine would read on into the next record if that record were enlarged."""
    data = bytearray(host_log(3000))
    checked = 0
    for off in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
        chunk = bytes(data[off:off + CHUNK_SIZE])
        free = struct.unpack_from("<I", chunk, 48)[0]
        walk = KeyReader().walk(chunk, free)
        assert walk is not None
        for i, pos in enumerate(walk.positions[:-1]):
            nxt = walk.positions[i + 1]
            end = values_end(chunk, pos, nxt - 4)
            assert end is not None and end <= nxt - 4
            if end == nxt - 4:
                checked += 1  # no room for a token: the next record must be rendered
    assert checked > 0, "the writer's log must hold records that end at their size copy"
    check_records(bytes(data))


def _recrc(data: bytearray, chunk: int) -> None:
    free = struct.unpack_from("<I", data, chunk + 48)[0]
    struct.pack_into("<I", data, chunk + 52, zlib.crc32(data[chunk + 512:chunk + free]))
    head = zlib.crc32(data[chunk + 128:chunk + 512], zlib.crc32(data[chunk:chunk + 120]))
    struct.pack_into("<I", data, chunk + 124, head)


def test_damaged_record_sizes_give_the_same_answer() -> None:
    data = bytearray(host_log(3000))
    chunk = HEADER_SIZE + CHUNK_SIZE
    walk = KeyReader().walk(bytes(data[chunk:chunk + CHUNK_SIZE]),
                            struct.unpack_from("<I", data, chunk + 48)[0])
    assert walk is not None
    pos = walk.positions[30]
    struct.pack_into("<I", data, chunk + pos + 4, 8)  # a size no record can have
    check_records(bytes(data))  # CRC mismatch: the chunk is read as before
    _recrc(data, chunk)
    on, _off = check_records(bytes(data))  # CRCs vouch for it, the frames do not
    assert on.problems


def test_engine_error_after_skipped_records_is_placed_as_before() -> None:
    """A wanted record the engine cannot read, after skipped ones: the same problem text
    (placed after the record before it) and the same missing count."""
    data = bytearray(host_log(400))
    chunk = HEADER_SIZE
    reader_ = KeyReader()
    walk = reader_.walk(bytes(data[chunk:chunk + CHUNK_SIZE]), struct.unpack_from("<I", data, chunk + 48)[0])
    assert walk is not None
    i = next(i for i, k in enumerate(walk.kids) if reader_.keys[k][:2] == ("VSS", 8229))
    assert reader_.keys[walk.kids[i - 1]][:2] == ("VSS", 8224)  # skipped: nothing wants it
    data[chunk + walk.positions[i] + 24] = 0x2B  # no fragment header: the engine fails here
    _recrc(data, chunk)
    on, _off = check_records(bytes(data))
    assert any(p.where == f"after record {i}" for p in on.problems)  # ids count from 1
    # a record of a shape not read is rendered and never enlarged (its end is not known)
    options = with_evtx_gate(IngestOptions(), Matcher(load_library()))
    skip = RecordSkip(options.extra["evtx_chunk_gate"], options.extra["evtx_want"])  # type: ignore[arg-type]
    damaged = bytes(data[chunk:chunk + CHUNK_SIZE])
    walked = skip.reader.walk(damaged, walk.end, 1)
    assert walked is not None and walked.kids[i] == UNREAD
    plan = skip.plan(damaged, walked, 1)
    assert plan is not None and plan.skipped > 0
    assert all(at != walk.positions[i] + 4 for at, _size in plan.resized)


def test_samples_same_answer_with_record_skip() -> None:
    paths = [ROOT / "samples"]
    skip = build_report(analyze(paths, IngestOptions()))
    full = build_report(analyze(paths, IngestOptions(extra={"evtx_record_skip": False})))
    check_same(skip, full)
    assert skip["hits"]


@pytest.mark.corpus
def test_corpus_same_records_with_record_skip(shared: Path) -> None:
    skipped = 0
    for path in sorted((shared / "corpus" / "evtx").rglob("*.evtx")):
        on, _off = check_records(path.read_bytes())
        skipped += on.info.get("evtx", {}).get("records_skipped_inside", 0)
    assert skipped > 2_000  # inside the chunks the chunk gate keeps


@pytest.mark.corpus
def test_corpus_same_answer_with_record_skip(shared: Path) -> None:
    paths = [shared / "corpus" / "evtx"]
    skip = build_report(analyze(paths, IngestOptions()))
    full = build_report(analyze(paths, IngestOptions(extra={"evtx_record_skip": False})))
    assert comparable(skip) == comparable(full)
    check_same(skip, full)


def test_a_log_where_every_record_matters_stops_being_walked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Hyper-V VMMS records only (the identity table reads each): after ``SKIP_PATIENCE``
    chunks in a row with nothing to skip, the file's chunks are no longer walked."""
    from logscope.ingest.evtx import slots

    out = io.BytesIO()
    writer = EvtxWriter(out)
    for rid in range(1, 1300):
        xml = event("Microsoft-Windows-Hyper-V-VMMS", 13002, rid, VMMS_BODY.format(n=rid % 7))
        writer.add(etree.fromstring(xml.encode()))
    writer.close()
    walked: list[int] = []
    form = walks.keys.KeyReader  # the walk's form in use (compiled or the twin)
    walk = form.walk

    def counting(self: KeyReader, data: bytes, end: int, first_id: int | None = None) -> object:
        walked.append(first_id or 0)
        return walk(self, data, end, first_id)

    monkeypatch.setattr(form, "walk", counting)
    monkeypatch.setattr(slots, "SKIP_PATIENCE", 2)
    monkeypatch.setattr(slots, "GATE_PATIENCE", 1)
    _full, _hosts, on = parsed(out.getvalue(), True)
    assert on.info["evtx"]["chunks_with_data"] >= 6
    assert "records_skipped" not in on.info["evtx"]
    assert len(walked) == 2  # then no more
    check_records(out.getvalue())
