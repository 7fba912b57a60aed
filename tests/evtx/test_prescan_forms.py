"""The hazard pre-scan's two forms give the same answers: ``_prescan.pyx`` (compiled) against
``prescan.py`` (the pure twin, the reference) on every chunk slot of the corpus, the samples,
a generated host log, crafted hazard chunks and Hypothesis-mutated chunks; and the hazards
(looping hash chains, value-multiplying templates) are cut whichever form runs.

Both functions are compared exactly: ``chain_loops`` (chunk offsets of the links that close
a loop) and ``amplifying_templates`` (chunk offsets of templates that use a value twice).
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import struct
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest
from evtx_helpers import loop_every_chain
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope.ingest.evtx import prescan as twin
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE

ROOT = Path(__file__).resolve().parents[2]
NAME = "logscope.ingest.evtx._prescan"

if importlib.util.find_spec(NAME) is None:  # no compiler where it was installed
    pytest.skip("_prescan.pyx is not compiled here (test_accel says whether it should be)",
                allow_module_level=True)
from logscope.ingest.evtx import _prescan as compiled  # noqa: E402


def slots(data: bytes) -> list[bytes]:
    return [data[o:o + CHUNK_SIZE] for o in range(HEADER_SIZE, len(data), CHUNK_SIZE)]


def same(chunk: bytes | bytearray) -> tuple[list[int], list[int] | str]:
    """Both forms' answers for one slot, asserted equal; the twin's returned (a slot over
    the work budget answers with the ``OverBudget`` text, which holds its work count)."""
    want = (twin.chain_loops(chunk), _templates(twin, chunk))
    got = (compiled.chain_loops(chunk), _templates(compiled, chunk))
    assert got == want, f"compiled {got} != twin {want}"
    return want


def _templates(form, chunk: bytes | bytearray) -> list[int] | str:  # noqa: ANN001
    try:
        return form.amplifying_templates(chunk)
    except twin.OverBudget as over:
        return str(over)


@cache
def host_log() -> bytes:
    """A host's log as a bundle holds it (the benchmarks' host mix: service, logon, kernel,
    application noise, Hyper-V VMMS information, backup failures), ~20 chunks, from the
    logscope EVTX writer."""
    from lxml import etree

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        from bench_evtx import _host_shapes
    finally:
        sys.path.remove(str(ROOT / "benchmarks"))
    from logscope.evtxwriter import EvtxWriter

    shapes = _host_shapes()
    out = io.BytesIO()
    writer = EvtxWriter(out)
    for rid in range(1, 4001):
        shape = shapes[rid % len(shapes)]
        xml = shape.replace("{id}", str(rid)).replace("{vm}", f"VM{rid % 997:04d}")
        writer.add(etree.fromstring(xml.encode()))
    writer.close()
    return out.getvalue()


def amplifying_chunk(depth: int, fan: int = 2, inside: bytes = b"") -> bytes:
    """The hostile tests' value-multiplying chunk (a template using its value ``fan`` times,
    nested ``depth`` deep), on the generated log's first chunk header."""
    from tests.hostile.test_evtx import _amplifying_chunk

    return _amplifying_chunk(host_log(), depth, fan, inside=inside)


SID = b"\x05\x13\x01\x01" + bytes(5) + b"\x05\x12\x00\x00\x00"  # a value the walk cannot size


def looped_chunk() -> bytes:
    data = bytearray(host_log()[:HEADER_SIZE + CHUNK_SIZE])
    assert loop_every_chain(data, HEADER_SIZE) > 10
    return bytes(data[HEADER_SIZE:])


@cache
def pool() -> list[bytes]:
    """Chunks to mutate: the samples', the generated log's, the crafted hazards."""
    out = [s for p in sorted((ROOT / "samples").rglob("*.evtx")) for s in slots(p.read_bytes())]
    out += slots(host_log())[:6]
    out += [amplifying_chunk(3), amplifying_chunk(3, fan=1), amplifying_chunk(2, inside=SID),
            looped_chunk()]
    return out


# -- real bytes ------------------------------------------------------------------------------


def test_every_corpus_chunk(shared: Path) -> None:
    files = sorted((shared / "corpus/evtx").rglob("*.evtx"))
    n = loops = 0
    for path in files:
        for chunk in slots(path.read_bytes()):
            loops += len(same(chunk)[0])
            n += 1
    assert n > 1000 and loops > 0  # the corpus holds two looping links (fuzzed samples)


def test_every_sample_and_generated_host_log_chunk() -> None:
    chunks = [s for p in sorted((ROOT / "samples").rglob("*.evtx")) for s in slots(p.read_bytes())]
    chunks += slots(host_log())
    assert len(chunks) > 30
    for chunk in chunks:
        assert same(chunk) == ([], [])  # what Windows and our writer write is never a hazard


def test_crafted_hazards_found_alike() -> None:
    assert same(amplifying_chunk(3)) == ([], [0x226])
    assert same(amplifying_chunk(30)) == ([], [0x226])
    assert same(amplifying_chunk(3, fan=1)) == ([], [])
    assert same(amplifying_chunk(3, inside=SID)) == ([], [0x226])  # found by the fallback scan
    # instance tokens whose definition offset has high bytes set point outside the chunk:
    # they name no template (both scans read the two low bytes only after checking)
    far = amplifying_chunk(3).replace(b"\x0c\x01\x01\x00\x00\x00\x26\x02\x00\x00",
                                      b"\x0c\x01\x01\x00\x00\x00\x26\x02\x00\x01")
    assert far != amplifying_chunk(3) and same(far) == ([], [])
    # a character reference sized wrong would read its value as a second use of one index
    charref = b"\x08\x41\x0d\x03\x04\x21\x0d\x03\x04\x21"
    assert same(amplifying_chunk(3, fan=1, inside=charref)) == ([], [])
    loops, _ = same(looped_chunk())
    assert len(loops) > 10
    # a slot cut inside its header: the buckets it holds
    data = bytearray(0x140)
    struct.pack_into("<I", data, 0x80, 0x100)
    struct.pack_into("<I", data, 0x100, 0x100)
    for cut in (0x140, 0x104, 0x100, 0x84, 0x82, 0x80, 3, 0):
        same(bytes(data[:cut]))
    assert compiled.chain_loops(bytes(data)) == [0x100]


def test_input_kinds_and_long_buffers_alike() -> None:
    chunk = amplifying_chunk(3)
    for kind in (bytes, bytearray, memoryview):
        assert compiled.amplifying_templates(kind(chunk)) == [0x226]
        assert compiled.chain_loops(kind(looped_chunk())) == twin.chain_loops(looped_chunk())
    # longer than one slot (a caller handing a whole file's tail): the twin's answer
    longer = chunk + host_log()[HEADER_SIZE:]
    assert compiled.amplifying_templates(longer) == twin.amplifying_templates(longer) == [0x226]
    assert compiled.chain_loops(longer) == twin.chain_loops(longer)


def test_stamps_wrapping_around_change_nothing() -> None:
    """The compiled form tells its scratch tables' entries apart by a call stamp; when the
    stamp would wrap, the tables are cleared: answers before and after are the same."""
    chunks = [amplifying_chunk(3), looped_chunk(), *slots(host_log())[:3]]
    want = [same(c) for c in chunks]
    for near in (0xFFFFFFFF - 5, 0xFFFFFFFF - 200_000, 0xFFFFFFFF):
        compiled._restamp(near)
        assert [(compiled.chain_loops(c), compiled.amplifying_templates(c)) for c in chunks] == want


# -- mutated bytes ---------------------------------------------------------------------------

TOKENS = [0x00, 0x01, 0x41, 0x02, 0x03, 0x04, 0x05, 0x45, 0x06, 0x46, 0x07, 0x08, 0x09, 0x0A,
          0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x4D, 0x21, 0xFF]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    """A pool chunk with token bytes, links, template instances and substitution copies
    written at random places (where the two forms' walks branch), then maybe cut short."""
    b = bytearray(draw(st.sampled_from(pool())))
    for _ in range(draw(st.integers(0, 16))):
        kind = draw(st.sampled_from(["byte", "token", "link", "instance", "substitution", "size"]))
        at = draw(st.integers(0, len(b) - 1))
        if kind == "byte":
            b[at] = draw(st.integers(0, 255))
        elif kind == "token":
            b[at] = draw(st.sampled_from(TOKENS))
        elif kind == "link":  # a bucket head or a chain node pointing anywhere (into itself)
            at = draw(st.sampled_from([0x80 + 4 * draw(st.integers(0, 95)), at]))
            target = draw(st.one_of(st.integers(0, len(b) + 8), st.just(at)))
            b[at:at + 4] = struct.pack("<I", target)[:len(b[at:at + 4])]
        elif kind == "instance":  # a template instance token nested anywhere: in a value too
            offs = [o for o in (0x226, 0x200 + 38, draw(st.integers(0, 0xFFFF)))]
            token = b"\x0c\x01" + struct.pack("<II", 1, draw(st.sampled_from(offs)))
            b[at:at + len(token)] = token[:len(b) - at]
        elif kind == "substitution":  # a copy of a 4-byte substitution token elsewhere
            at = draw(st.sampled_from([at, 0x226 + 24 + draw(st.integers(0, 80))])) % len(b)
            start = draw(st.integers(0, max(0, len(b) - 4)))
            src = b.find(b"\x0d", start)
            if src >= 0:
                b[at:at + 4] = b[src:src + 4][:len(b) - at]
        else:  # a template's body size
            off = draw(st.sampled_from([0x226, at]))
            if off + 24 <= len(b):
                b[off + 20:off + 24] = struct.pack("<I", draw(st.sampled_from(
                    [0, 3, 64, 0x400, len(b) - off - 24, 0xFFFFFFFF])) & 0xFFFFFFFF)
    if draw(st.booleans()):
        b = b[:draw(st.integers(0, len(b)))]
    return bytes(b)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow,
                                                                   HealthCheck.data_too_large])
@given(mutated())
def test_mutated_chunks_alike(chunk: bytes) -> None:
    same(chunk)


#: Where ``amplifying_chunk``'s ``inside`` bytes start in the chunk (template at 0x226: 24
#: bytes of definition head, a fragment header, the root element's 11 bytes, its close).
INSIDE = 0x226 + 24 + 4 + 11 + 1


#: Payload bytes that read as tokens when a walk loses sync (a substitution of index 0x0303).
PAYLOAD = [0x00, 0x0D, 0x03, 0x03, 0x21, 0x41, 0x0D, 0x03, 0x03, 0x21]


@st.composite
def body_tokens(draw: st.DrawFn) -> bytes:
    """A template body's content as BinXML tokens, each sized as MS-EVEN6 says (names inline
    or by offset, values fixed-size or counted, substitutions of a few indexes so some repeat),
    with now and then a junk byte: every branch of the token walk, and its loss of sync."""
    out = bytearray()
    for _ in range(draw(st.integers(1, 12))):
        pos = INSIDE + len(out)
        kind = draw(st.sampled_from(["close", "fragment", "substitution", "element", "named",
                                     "fixed", "counted", "charref", "junk"]))
        if kind == "close":
            out.append(draw(st.sampled_from([0x02, 0x03, 0x04, 0x42, 0x43, 0x44])))
        elif kind == "fragment":
            out += b"\x0f\x01\x01\x00"
        elif kind == "substitution":
            out += bytes([draw(st.sampled_from([0x0D, 0x0E, 0x4D]))])
            index = draw(st.sampled_from([0, 1, 2, 0x0303]))
            out += struct.pack("<HB", index, draw(st.sampled_from([0x01, 0x08, 0x21, 0x81, 0x13])))
        elif kind in ("element", "named"):
            tok = (draw(st.sampled_from([0x01, 0x41])) if kind == "element"
                   else draw(st.sampled_from([0x06, 0x46, 0x09, 0x49, 0x0A, 0x4A])))
            head = 7 if tok & 0x3F == 0x01 else 1
            inline = draw(st.booleans())
            name_at = pos + head + 4 if inline else draw(st.sampled_from([0xFF00, 0x300]))
            out += bytes([tok]) + (b"\xff\xff" + struct.pack("<I", 0) if head == 7 else b"")
            out += struct.pack("<I", name_at)
            if inline:
                text = "n" * draw(st.integers(0, 6))
                out += struct.pack("<IHH", 0, 0, len(text)) + text.encode("utf-16-le") + b"\0\0"
            if tok == 0x41:
                out += struct.pack("<I", draw(st.integers(0, 64)))
        elif kind == "fixed":
            vtype = draw(st.sampled_from(sorted(twin._FIXED)))
            size = twin._FIXED[vtype]
            out += bytes([draw(st.sampled_from([0x05, 0x45])), vtype]) + bytes(draw(st.lists(
                st.sampled_from(PAYLOAD), min_size=size, max_size=size)))
        elif kind == "counted":
            tok = draw(st.sampled_from([0x05, 0x07, 0x47, 0x0B]))
            text = "v" * draw(st.integers(0, 5))
            out += bytes([tok]) + (b"\x01" if tok == 0x05 else b"")
            out += struct.pack("<H", len(text)) + text.encode("utf-16-le")
        elif kind == "charref":
            out += bytes([draw(st.sampled_from([0x08, 0x48]))]) + bytes(draw(st.lists(
                st.sampled_from(PAYLOAD), min_size=2, max_size=2)))
        else:
            out.append(draw(st.integers(0, 255)))
    return bytes(out)


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body_tokens(), st.integers(1, 2))
def test_generated_template_bodies_alike(inside: bytes, fan: int) -> None:
    same(amplifying_chunk(2, fan=fan, inside=inside))


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=4096), st.integers(0, CHUNK_SIZE))
def test_random_bytes_alike(head: bytes, size: int) -> None:
    # random bytes repeated to a slot's size: links, instances and bodies made of noise
    same((head * (size // max(1, len(head)) + 1))[:size] if head else bytes(size))


# -- the hazards are cut whichever form runs ----------------------------------------------

_CHILD = """
import io, json, resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))  # an amplification aborts the child
from logscope import accel
from logscope.ingest import evtx
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger
data = open(sys.argv[1], 'rb').read()
led = FileLedger('m.evtx')
src = Source('m.evtx', opener=lambda: io.BytesIO(data), size=len(data))
events = [e.record_id for e in evtx.parse(src, led, IngestOptions())]
print(json.dumps([accel.FORMS['logscope.ingest.evtx.prescan'], len(events), led.missing,
                  sorted({p.code for p in led.problems})]))
"""


@pytest.mark.parametrize("pure", ["0", "1"])
def test_hazards_cut_under_both_forms(tmp_path: Path, pure: str) -> None:
    """A file with every hash chain of a chunk looping and a chunk whose template multiplies
    its value 2 ** 30 times, between intact chunks: the engine finishes (60 s), in 2 GB,
    reads every intact record, and the ledger names both hazards, compiled or pure."""
    log = host_log()
    looped = bytearray(log)
    assert loop_every_chain(looped, HEADER_SIZE + CHUNK_SIZE) > 10
    data = bytes(looped[:HEADER_SIZE + 3 * CHUNK_SIZE]) + amplifying_chunk(30)
    path = tmp_path / "hazards.evtx"
    path.write_bytes(data)
    env = dict(os.environ, LOGSCOPE_PURE=pure)
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                              text=True, timeout=60, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the evtx engine never finished: a looping chain was not cut")
    assert done.returncode == 0, done.stderr[-800:]
    form, events, missing, codes = json.loads(done.stdout.splitlines()[-1])
    assert form == ("pure" if pure == "1" else "compiled")
    intact = sum(1 for _ in _records(data[:HEADER_SIZE + 3 * CHUNK_SIZE]))
    assert events == intact and missing == 1  # the crafted chunk's one record
    assert {"evtx-chain-loop", "evtx-amplifying-template", "evtx-missing"} <= set(codes)


def _records(data: bytes):  # noqa: ANN202 - record ids of the chunks' frames
    from logscope.ingest.evtx.chunks import iter_chunks

    for chunk in iter_chunks(io.BytesIO(data)):
        yield from chunk.records
