"""Lost .evtx records rendered by the Rust engine through a re-framed synthetic chunk.

The reference is python-evtx at the same offsets (``evtx.python_engine.render_at``), the engine
recovery used before: on the corpus's damaged files evtx must render at least the same
records and read the same fields from them.
"""

from __future__ import annotations

import io
import json
import random
import struct
import subprocess
import sys
from pathlib import Path

import evtx as evtx_rs
import pytest
from evtx_helpers import loop_every_chain
from test_evtx_writer import events_xml, write

from logscope.ingest.eventlog_text.xml_export import record_from_xml
from logscope.ingest.evtx import python_engine as evtx_python
from logscope.ingest.evtx.chunks import (
    CHUNK_SIZE,
    HEADER_SIZE,
    iter_chunks,
)
from logscope.ingest.evtx.completeness import RecordIdSet, check_completeness
from logscope.ingest.evtx.reader import loads_record, record_from_json
from logscope.ingest.evtx.reframe import render_lost, unrenderable
from logscope.ledger import FileLedger

EVTX = Path("corpus/evtx")
SAMPLES = EVTX / "omerbenamram-evtx/samples"
RDP = "2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS_4Operational.evtx"
RCM = "2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager_4Operational.evtx"

#: file → (lost well-framed frames, rendered by python-evtx, rendered by evtx re-framed)
DAMAGED = {
    SAMPLES / "sample-with-zero-data-size-event.evtx": (114, 114, 114),
    SAMPLES / "sample_with_a_bad_chunk_magic.evtx": (113, 31, 31),
    SAMPLES / RDP: (65, 41, 41),
    SAMPLES / RCM: (21, 21, 21),
    # record 216: python-evtx fails on an unpaired UTF-16 surrogate, evtx renders it
    EVTX / "plaso/test_data/evtx/System2.evtx": (89, 88, 89),
}


def lost_frames(data: bytes) -> list[tuple[int, int, int]]:
    """What ``evtx.parse`` hands to recovery: frames of records the engine did not produce."""
    seen = RecordIdSet()
    records = evtx_rs.PyEvtxParser(io.BytesIO(data), number_of_threads=1).records_json()
    while True:
        try:
            seen.add(next(records)["event_record_id"])
        except StopIteration:
            break
        except Exception:  # noqa: BLE001 - the engine reports each bad record, then goes on
            continue
    lost: list[tuple[int, int, int]] = []
    check_completeness(io.BytesIO(data), FileLedger("t.evtx"), seen, lost)
    return lost


def fields(raw) -> tuple:
    return (raw.record_id, raw.time, raw.provider, raw.event_id, raw.channel, raw.computer,
            raw.inserts, raw.insert_names, raw.data)


def from_json(text: str):
    return record_from_json(loads_record(text))


@pytest.mark.parametrize("rel", list(DAMAGED), ids=lambda p: p.name[:40])
def test_corpus_lost_records_render_like_python_evtx(shared, rel):
    data = (shared / rel).read_bytes()
    lost = lost_frames(data)
    py = list(evtx_python.render_at(io.BytesIO(data), lost))
    rs = list(render_lost(io.BytesIO(data), lost))
    assert [(rid, off) for rid, off, _t, _e in rs] == [(rid, off) for rid, off, _c in lost]
    assert all((text is None) != (error is None) for _r, _o, text, error in rs)
    n_lost, n_py, n_rs = DAMAGED[rel]
    assert (len(lost), sum(x is not None for _r, _o, x, _e in py),
            sum(t is not None for _r, _o, t, _e in rs)) == (n_lost, n_py, n_rs)
    both = 0
    for (rid, off, xml, _pe), (_rid, _off, text, _re) in zip(py, rs):
        if xml is not None:
            assert text is not None, f"record {rid} at 0x{off:X}: python-evtx renders it, evtx not"
            assert fields(from_json(text)) == fields(record_from_xml(xml)), rid
            both += 1
        elif text is not None:
            assert from_json(text).record_id == rid
    assert both == n_py


def test_records_evtx_finds_without_their_template_are_not_rendered_by_python_evtx(shared):
    """Why recovery does not ask python-evtx for them: on every damaged corpus file, each
    lost record evtx parsed and found its template missing from the chunk fails in python-evtx
    too (the other lost records are still its to try)."""
    counted = 0
    for rel in DAMAGED:
        data = (shared / rel).read_bytes()
        lost = lost_frames(data)
        rs = list(render_lost(io.BytesIO(data), lost))
        gone = [(rid, off, chunk) for (rid, off, chunk), (_r, _o, _t, error) in zip(lost, rs)
                if unrenderable(error)]
        py = list(evtx_python.render_at(io.BytesIO(data), gone))
        assert [xml for _r, _o, xml, _e in py] == [None] * len(gone), rel
        counted += len(gone)
    assert counted == 105  # 82 of the wiped-magic sample, 23 of the VSS copy's RdpCoreTS
    assert not unrenderable(None) and not unrenderable("not rendered by evtx")
    assert not unrenderable("no well-framed record at this offset")


def _record_offsets(data: bytes) -> list[tuple[int, int, int]]:
    return [(rid, off, chunk.offset)
            for chunk in iter_chunks(io.BytesIO(data)) for rid, off in chunk.records]


def _engine_json(data: bytes) -> dict[int, str]:
    return {r["event_record_id"]: r["data"]
            for r in evtx_rs.PyEvtxParser(io.BytesIO(data), number_of_threads=1).records_json()}


def test_records_after_a_broken_size_field_come_back():
    data = bytearray(write(events_xml(40)))
    intact = _engine_json(bytes(data))
    frames = _record_offsets(bytes(data))
    assert len(frames) == 40 and {f[2] for f in frames} == {HEADER_SIZE}
    broken_id, broken_at, _c = frames[11]
    struct.pack_into("<I", data, broken_at + 4, 0xFFFF)  # the walk cannot go on from here
    lost = lost_frames(bytes(data))
    assert [rid for rid, _o, _c in lost] == [rid for rid, _o, _c in frames[12:]]
    assert broken_id == 1011
    out = list(render_lost(io.BytesIO(bytes(data)), lost))
    assert [error for *_x, error in out] == [None] * 28
    for rid, _off, text, _error in out:
        assert text == intact[rid]  # the very JSON the intact file gives
    # python-evtx agrees on every recovered record
    python = evtx_python.render_at(io.BytesIO(bytes(data)), lost)
    for (_rid, _o, xml, error), (_r, _o2, text, _e) in zip(python, out):
        assert error is None and fields(record_from_xml(xml)) == fields(from_json(text))


def test_fillers_span_records_the_engine_produced_and_a_bad_magic():
    data = bytearray(write(events_xml(40)))
    intact = _engine_json(bytes(data))
    data[HEADER_SIZE:HEADER_SIZE + 8] = b"ElfChnK\x00"  # the engine skips the whole chunk
    frames = _record_offsets(bytes(data))
    assert lost_frames(bytes(data)) == frames
    wanted = frames[1::3]  # gaps of two records each, so every lost frame needs a filler
    out = list(render_lost(io.BytesIO(bytes(data)), wanted))
    assert [(rid, off) for rid, off, _t, _e in out] == [(rid, off) for rid, off, _c in wanted]
    assert [text for _r, _o, text, _e in out] == [intact[rid] for rid, _o, _c in wanted]


def test_truncated_chunk_is_padded():
    data = write(events_xml(40))
    frames = _record_offsets(data)
    cut = frames[30][1] + 8  # inside record 30: records 0..29 are whole
    out = list(render_lost(io.BytesIO(data[:cut]), frames))
    rendered = [rid for rid, _o, text, _e in out if text is not None]
    assert rendered == [rid for rid, _o, _c in frames[:30]]
    assert all(error for _r, _o, text, error in out[30:])


def test_bad_frames_and_offsets_are_errors_not_exceptions():
    data = write(events_xml(5))
    frames = _record_offsets(data)
    rid, off, chunk = frames[2]
    bad = [
        (rid, off + 2, chunk),            # not a record signature
        (rid, off, chunk + CHUNK_SIZE),   # chunk slot past the end of the file
        (rid, 100, 0),                    # inside the file header
        (rid, off + CHUNK_SIZE, chunk),   # outside its chunk
        frames[2], frames[2],             # the same frame twice
        frames[4], frames[3],             # out of order: both still render
    ]
    out = list(render_lost(io.BytesIO(data), bad))
    assert len(out) == len(bad)
    rendered = sorted((off, text is not None) for _r, off, text, _e in out)
    assert rendered == sorted((off, i >= 4) for i, (_r, off, _c) in enumerate(bad))
    assert all(error for _r, _o, text, error in out if text is None)


def test_hostile_chunk_bytes_give_errors():
    data = write(events_xml(40))
    frames = _record_offsets(data)
    rng = random.Random(7)
    for _ in range(12):
        buf = bytearray(data)
        start = rng.randrange(HEADER_SIZE, HEADER_SIZE + CHUNK_SIZE - 512)
        span = rng.choice((16, 512, 4096, 65536))
        buf[start:start + span] = rng.randbytes(65536)[:len(buf) - start]
        buf = buf[:len(data)]
        buf[HEADER_SIZE:HEADER_SIZE + 512] = rng.randbytes(512)  # header, bucket tables too
        out = list(render_lost(io.BytesIO(bytes(buf)), frames))
        assert len(out) == len(frames)
        assert all((text is None) != (error is None) for _r, _o, text, error in out)
    # frames forged over random bodies: well-framed, unrenderable
    buf = bytearray(HEADER_SIZE) + bytearray(rng.randbytes(CHUNK_SIZE))
    forged = []
    pos = 512
    for n in range(20):
        size = 8 * rng.randrange(4, 200)
        at = HEADER_SIZE + pos
        struct.pack_into("<IIQ", buf, at, 0x2A2A, size, 500 + n)
        struct.pack_into("<I", buf, at + size - 4, size)
        forged.append((500 + n, at, HEADER_SIZE))
        pos += size + 8 * rng.randrange(0, 8)
    out = list(render_lost(io.BytesIO(bytes(buf)), forged))
    assert len(out) == 20
    assert all((text is None) != (error is None) for _r, _o, text, error in out)
    assert sum(error is not None for *_x, error in out) >= 15


def test_looping_name_and_template_chains_do_not_hang_the_engine(tmp_path):
    """evtx follows the chunk's hash chains without a loop check: render_lost cuts loops."""
    data = bytearray(write(events_xml(40)))
    intact = _engine_json(bytes(data))
    frames = _record_offsets(bytes(data))
    assert loop_every_chain(data, HEADER_SIZE) > 10
    # in a child process: evtx holds the GIL while it loops, so only a process can time out
    path = tmp_path / "looped.evtx"
    path.write_bytes(bytes(data))
    code = ("import io, json, sys\n"
            "from logscope.ingest.evtx.reframe import render_lost\n"
            "frames = json.loads(sys.argv[2])\n"
            "with open(sys.argv[1], 'rb') as fh:\n"
            "    out = render_lost(fh, [tuple(f) for f in frames])\n"
            "    print(json.dumps([text for _r, _o, text, _e in out]))\n")
    try:
        done = subprocess.run([sys.executable, "-c", code, str(path), json.dumps(frames)],
                              capture_output=True, text=True, timeout=60, check=True,
                              cwd=Path(__file__).resolve().parents[2])
    except subprocess.TimeoutExpired:
        pytest.fail("evtx hung on a looping chain")
    assert json.loads(done.stdout) == [intact[rid] for rid, _o, _c in frames]
