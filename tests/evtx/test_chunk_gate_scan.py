"""The compiled chunk gate scan (``_chunk_gate_scan.pyx``) answers as its RE2 twin
(``chunk_gate_scan.py``), span for span: on every chunk of the corpus, of the samples and of a
generated host log (the gate's own forms, each code set's alone), and on Hypothesis-made bytes
with forms planted at odd offsets, across the header's end, truncated, in other cases. The
gate built on either form gives the same keeps, scan, wants_any and computer names."""

from __future__ import annotations

import importlib.util
import random
from collections.abc import Iterator
from pathlib import Path

import pytest
import re2
from evtx_helpers import full_chunks
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope.ingest.evtx import chunk_gate
from logscope.ingest.evtx import chunk_gate_scan as twin
from logscope.ingest.evtx.chunk_gate import ChunkGate, GateSpec
from logscope.ingest.evtx.chunk_gate_scan import COMPUTER_NAME
from logscope.ingest.evtx.chunks import CHUNK_HEADER
from logscope.match.evtx_gate import gate_spec
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

try:
    from logscope.ingest.evtx import _chunk_gate_scan as compiled
except ImportError:  # no compiler where this was installed: tests/test_accel.py says so
    compiled = None  # type: ignore[assignment]

ROOT = Path(__file__).resolve().parents[2]
needs_compiled = pytest.mark.skipif(compiled is None, reason="_chunk_gate_scan is not built")
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def test_re2_folds_only_ascii_letters_in_latin1() -> None:
    """The compiled scan ignores ASCII case only: that is all RE2's case-insensitive Latin-1
    search pairs (no À/à, no Kelvin sign), byte for byte."""
    options = twin._latin1()
    options.case_sensitive = False
    for b in range(256):
        regex = re2.compile(re2.escape(bytes([b])), options)
        hits = {c for c in range(256) if regex.search(bytes([c]))}
        assert hits == {b, b ^ 0x20} if chr(b).isascii() and chr(b).isalpha() else {b}, b


def used_chunks(paths: list[Path]) -> Iterator[tuple[str, bytes]]:
    """(where, the chunk's bytes up to its free-space offset) of every full chunk."""
    for where, raw, free in full_chunks(paths):
        yield where.rsplit("/", 1)[-1], raw[:free]


def gate_forms(spec: GateSpec) -> set[bytes]:
    gate = ChunkGate(spec)
    return set(gate._form_of) | {r.lower() for r in gate._hr_bytes}


def same_search(forms: set[bytes], data: bytes, start: int, where: str = "") -> None:
    """Both forms answer alike: first (from a few places), scan, structures, ref hits."""
    ours, theirs = compiled.Forms(forms, True), twin.Forms(forms, computer=True)
    for pos in sorted({0, 1, start, max(0, len(data) - 5), len(data)}):
        assert ours.first(data, pos) == theirs.first(data, pos), (where, pos)
    assert compiled.Forms(forms).first(data[start:]) == theirs.first(data[start:]), where
    assert ours.scan(data, start) == theirs.scan(data, start), where
    found = twin.structures(data)
    assert compiled.structures(data) == found, where
    refs = tuple({(at - 6 + k).to_bytes(4, "little") for at in found if at >= 6 for k in (0, 1)})
    assert compiled.ref_hits(data, refs) == twin.ref_hits(data, refs), where
    assert compiled.computer_names(data, refs) == twin.computer_names(data, refs), where


def gates_of(spec: GateSpec, monkeypatch: pytest.MonkeyPatch) -> dict[object, ChunkGate]:
    """A gate on each form of the scan."""
    gates = {}
    for form in (compiled, twin):
        monkeypatch.setattr(chunk_gate, "scanner", form)
        gates[form] = ChunkGate(spec)
    return gates


def same_gate_answers(gates: dict[object, ChunkGate], used: bytes, where: str,
                      monkeypatch: pytest.MonkeyPatch) -> None:
    """A gate on either form: keeps, scan, each code's own gate, computer names."""
    answers = []
    for form, gate in gates.items():
        monkeypatch.setattr(chunk_gate, "scanner", form)
        body = memoryview(used)[CHUNK_HEADER:]
        kept, starts = gate.scan(memoryview(used), CHUNK_HEADER)
        answers.append((gate.keeps(body), kept, starts,
                        [gate._codes(frozenset({c})).keeps(body) for c in _CODES],
                        gate._codes(frozenset(_CODES)).keeps(body),
                        chunk_gate.computer_names(used), chunk_gate.computer_names(used, starts)))
    assert answers[0] == answers[1], where


def check_chunks(chunks: list[tuple[str, bytes]], monkeypatch: pytest.MonkeyPatch) -> int:
    spec = gate_spec(Matcher(load_library(None)))
    joint = gate_forms(spec)
    codes = gate_forms(GateSpec({}, spec.hresults))
    gates = gates_of(spec, monkeypatch)
    ours, theirs = compiled.Forms(codes), twin.Forms(codes)
    for where, used in chunks:
        same_search(joint, used, CHUNK_HEADER, where)
        assert ours.first(used, CHUNK_HEADER) == theirs.first(used, CHUNK_HEADER), where
        same_gate_answers(gates, used, where, monkeypatch)
    return len(chunks)


@needs_compiled
@pytest.mark.corpus
def test_same_answers_on_every_corpus_chunk(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = list(used_chunks(sorted((shared / "corpus" / "evtx").rglob("*.evtx"))))
    assert check_chunks(chunks, monkeypatch) > 1000


@needs_compiled
def test_same_answers_on_every_sample_chunk(monkeypatch: pytest.MonkeyPatch) -> None:
    chunks = list(used_chunks(sorted((ROOT / "samples").rglob("*.evtx"))))
    assert check_chunks(chunks, monkeypatch) >= 19


@needs_compiled
def test_same_answers_on_a_generated_host_log(tmp_path: Path,
                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """The host mix of benchmarks/bench_evtx.py (the 64 MB file's records), a few chunks."""
    from lxml import etree

    from logscope.evtxwriter import EvtxWriter

    spec = importlib.util.spec_from_file_location("bench_evtx",
                                                  ROOT / "benchmarks" / "bench_evtx.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    shapes = bench._host_shapes()
    path = tmp_path / "host.evtx"
    with open(path, "wb") as out:
        writer = EvtxWriter(out)
        for record in range(1, 1200):
            xml = shapes[record % len(shapes)].replace("{id}", str(record))
            writer.add(etree.fromstring(xml.replace("{vm}", f"VM{record % 997:04d}").encode()))
        writer.close()
    assert check_chunks(list(used_chunks([path])), monkeypatch) >= 3


# -- made-up bytes ---------------------------------------------------------------------------

_FORM = st.binary(min_size=1, max_size=12)


def _recased(form: bytes, flips: list[bool]) -> bytes:
    return bytes(b ^ 0x20 if flip and chr(b).isascii() and chr(b).isalpha() else b
                 for b, flip in zip(form, flips + [False] * len(form)))


@st.composite
def planted(draw: st.DrawFn) -> tuple[set[bytes], bytes, int]:
    """Forms, bytes with some of them (recased, truncated) and name structures planted at
    any offset, and a start (the header's end) anywhere in them."""
    forms = set(draw(st.lists(_FORM, max_size=8)))
    if draw(st.booleans()):  # the gate's own kind of forms: UTF-16 names, 4-byte codes
        forms |= {b"vss", "vss".encode("utf-16-le"), (0x80042306).to_bytes(4, "little")}
    data = bytearray(draw(st.binary(max_size=600)))
    for _ in range(draw(st.integers(0, 10))):
        piece = draw(st.sampled_from(sorted(forms) + [COMPUTER_NAME, COMPUTER_NAME[:-1]]))
        piece = _recased(piece, draw(st.lists(st.booleans(), max_size=len(piece))))
        piece = piece[:draw(st.integers(1, len(piece)))] if draw(st.booleans()) else piece
        at = draw(st.integers(0, len(data)))
        data[at:at + len(piece)] = piece
    return forms, bytes(data), draw(st.integers(0, len(data)))


@needs_compiled
@SETTINGS
@given(planted())
def test_same_spans_on_planted_bytes(case: tuple[set[bytes], bytes, int]) -> None:
    forms, data, start = case
    same_search(forms, data, start)


@needs_compiled
@SETTINGS
@given(st.data())
def test_same_answers_on_mutated_sample_chunks(data: st.DataObject) -> None:
    """A real chunk with bytes changed (a code's 4 bytes, a name, noise) and cut short."""
    chunks = _sample_chunks()
    where, used = chunks[data.draw(st.integers(0, len(chunks) - 1))]
    raw = bytearray(used)
    for _ in range(data.draw(st.integers(0, 6))):
        piece = data.draw(st.sampled_from([
            (0x80042306).to_bytes(4, "big"), "0X800423FB".encode("utf-16-le"), b"2147754758",
            "Microsoft-Windows-Hyper-V".encode("utf-16-le"), b"VSS", COMPUTER_NAME,
            data.draw(st.binary(min_size=1, max_size=8))]))
        at = data.draw(st.integers(0, len(raw)))
        raw[at:at + len(piece)] = piece
    raw = raw[:data.draw(st.integers(0, len(raw)))]
    same_search(_FORMS, bytes(raw), min(CHUNK_HEADER, len(raw)), where)
    with pytest.MonkeyPatch.context() as monkeypatch:
        if not _GATES:
            _GATES.update(gates_of(_SPEC, monkeypatch))
        if len(raw) >= CHUNK_HEADER:
            same_gate_answers(_GATES, bytes(raw), where, monkeypatch)


_SAMPLES: list[tuple[str, bytes]] = []
_SPEC = gate_spec(Matcher(load_library(None)))
_FORMS = gate_forms(_SPEC)
_GATES: dict[object, ChunkGate] = {}
#: the library's any-provider HRESULTs (what ``wants_any``'s code sets are made of)
_CODES = sorted(_SPEC.hresults)


def _sample_chunks() -> list[tuple[str, bytes]]:
    if not _SAMPLES:
        _SAMPLES.extend(used_chunks(sorted((ROOT / "samples").rglob("*.evtx"))))
    return _SAMPLES


@needs_compiled
def test_the_portable_block_test_answers_the_same(monkeypatch: pytest.MonkeyPatch) -> None:
    """Where there is no AVX2 (another CPU, another compiler) the 32-byte test is a byte
    table's: the same spans on every sample chunk and on overlapping made-up forms."""
    compiled._portable(True)
    try:
        check_chunks(list(used_chunks(sorted((ROOT / "samples").rglob("*.evtx")))), monkeypatch)
        test_short_forms_and_edges()
    finally:
        compiled._portable(False)


@needs_compiled
def test_short_forms_and_edges() -> None:
    """Forms shorter than the 4-byte window, a buffer shorter than a form, a form that ends
    at the buffer's last byte, letters in both cases, bytes above 0x7F (not case-folded)."""
    cases = [
        ({b"a"}, b"xxAx"), ({b"ab", b"b"}, b"aB"), ({b"vss"}, b"VS"), ({b"vss"}, b"..vSs"),
        ({b"\xc0\x3a"}, b"\xe0\x3a\xc0\x3a"), ({b"abcd", b"ABCD"}, b"zabcd"),
        ({b"abc", b"abcdef"}, b"abcdefabc"), (set(), b"abc" + COMPUTER_NAME),
    ]
    for forms, data in cases:
        for start in range(len(data) + 1):
            same_search(forms, data, start, repr((forms, data)))
    # forms over a small alphabet overlap everywhere: a form found by its anchor must not hide
    # one that starts before it and is anchored further on
    rng = random.Random(21)
    for _ in range(400):
        forms = {bytes(rng.choices(b"aB\x99\x00", k=rng.randint(1, 14))) for _ in range(4)}
        data = b"".join(rng.sample(sorted(forms), len(forms)) * 2)[rng.randint(0, 5):]
        same_search(forms, data, rng.randint(0, len(data)), repr((forms, data)))
    assert compiled.Forms({b"vss"}).first(b"..vSs") == (2, 5)
    assert compiled.Forms({b"\xc0\x3a"}).first(b"\xe0\x3a\xc0\x3a") == (2, 4)
    with pytest.raises(ValueError):
        compiled.Forms({b""})
    with pytest.raises(ValueError):
        compiled.ref_hits(b"abcd", (b"abc",))


def _computer_element(name: str, inline: bool, at: int, token: bytes = b"\x01") -> bytes:
    """A ``Computer`` element start at ``at`` naming its structure (inline, or by reference
    to the structure at 0x20), then a text value: the layout Windows writes."""
    text = name.encode("utf-16-le", "surrogatepass")
    ref = at + 11 if inline else 0x20
    head = token + b"\xff\xff" + (0x40).to_bytes(4, "little") + ref.to_bytes(4, "little")
    if inline:
        head += bytes(6) + COMPUTER_NAME
    return head + b"\x02\x05\x01" + len(name).to_bytes(2, "little") + text


@needs_compiled
def test_computer_names_alike_cut_anywhere() -> None:
    """The compiled loop over the element starts reads as the twin's: names inline and by
    reference, attributes (0x41), an empty name, a broken character, cut at every byte."""
    for variant in range(5):
        data = bytearray(0x20) + bytes(6) + COMPUTER_NAME + bytes(10)
        names = ["HV01.corp.example", "", "SQL\ud800", "HV02"]
        refs = [(0x20).to_bytes(4, "little"), (len(data) + 400).to_bytes(4, "little")]
        for k, name in enumerate(names[:2 + variant % 3]):
            at = len(data) + 3
            inline = k == 0 and variant != 4
            if inline:
                refs.append((at + 11).to_bytes(4, "little"))
            data += bytes(3) + _computer_element(name, inline, at,
                                                 token=b"\x41" if variant == 3 and k else b"\x01")
        refs = tuple(refs)
        for cut in range(len(data) + 1):
            piece = bytes(data[:cut])
            assert compiled.computer_names(piece, refs) == twin.computer_names(piece, refs), \
                (variant, cut)
        written = names[:2 + variant % 3]
        broken = variant == 3 or any("\ud800" in name for name in written)
        assert twin.computer_names(bytes(data), refs) == (None if broken else written)
    assert compiled.computer_names(b"", refs) == twin.computer_names(b"", refs) == []
    with pytest.raises(ValueError):
        compiled.computer_names(b"abcd", (b"abc",))


def test_every_form_is_anchored_inside_its_window() -> None:
    """The compiled scan finds a form only through its anchor byte at its shift in its
    window: each must lie in the form, and a letter stand for both cases when case is
    ignored (else a recased form would be missed)."""
    from logscope.ingest.evtx.gate_anchors import pick_anchors

    entries = [(f.lower(), False) for f in sorted(_FORMS)] + [(COMPUTER_NAME, True)]
    entries += [(b"AbC", True), (b"zz9", False)]
    for width in (3, 2, 1):
        for (form, exact), (window, anchor, values) in zip(entries, pick_anchors(entries, width)):
            assert 0 <= window <= len(form) - width and window <= anchor < window + width
            byte = form[anchor]
            cased = not exact and chr(byte).isascii() and chr(byte).isalpha()
            assert values == ((byte, byte - 32) if cased else (byte,)), (form, anchor)
    with pytest.raises(ValueError):
        pick_anchors([(b"ab", False)], 3)
