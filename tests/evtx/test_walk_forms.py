"""The compiled record walk (``ingest/evtx/_chunk_keys.pyx``), template parse
(``_template_keys.pyx``) and skip loop (``_skip_runs.pyx``) against their pure-Python twins
(``chunk_keys.py``, ``template_keys.py``, ``skip_runs.py``), the reference: on every chunk
of the samples, the corpus and written host logs, and on mutated, truncated and random
chunks, both give the same walks (record offsets and key ids, or None), the same keys in
the same order, the same epochs, the same ``plan``, ``values_end``, ``shape_of`` and
``hide`` answers, and the same errors where the twin raises one. And ``analyze`` gives the
same report with either form."""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_chunk_skip import comparable
from test_record_skip import host_log

from logscope.ingest.evtx import chunk_keys as twin
from logscope.ingest.evtx import skip_runs, template_keys, walks
from logscope.ingest.evtx.chunks import CHUNK_SIZE
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
from bench_walk import items_of  # noqa: E402 - the benchmark's chunk list: the same chunks

Item = tuple[bytes, int, "int | None"]
#: Hypothesis settings of the drawn-input tests (a fixture gives the compiled module)
FUZZ: dict = {"deadline": None, "suppress_health_check": [HealthCheck.function_scoped_fixture]}


def _built(name: str) -> ModuleType:
    import importlib

    try:
        return importlib.import_module(f"logscope.ingest.evtx.{name}")
    except ImportError:
        pytest.skip(f"{name} is not built here (tests/test_accel.py says whether it should be)")


@pytest.fixture(scope="module")
def compiled() -> ModuleType:
    return _built("_chunk_keys")


@pytest.fixture(scope="module")
def runs_compiled() -> ModuleType:
    return _built("_skip_runs")


@pytest.fixture(scope="module")
def shapes_compiled() -> ModuleType:
    return _built("_template_keys")


def shape(answer: tuple[str, object]) -> object:
    kind, got = answer
    if kind == "raise":
        return answer
    return got.slots, got.names, got.places, got.dlen  # type: ignore[attr-defined]


def same_shapes(shapes_compiled: ModuleType, items: list[Item]) -> int:
    """``shape_of`` of both forms on every template a chunk's table or records point to,
    whole and cut short; returns how many whole templates had the Windows layout."""
    read = 0
    for data, _end, _first in items:
        defines = set(struct.unpack_from("<32I", data, 384))
        at = 512
        while at + 38 <= len(data) and data[at:at + 4] == b"**\x00\x00":
            defines.add(struct.unpack_from("<I", data, at + 34)[0])
            at += max(struct.unpack_from("<I", data, at + 4)[0], 1)
        for define in sorted(d for d in defines if 0 < d and d + 24 <= len(data)):
            body = define + 24
            body_end = min(body + struct.unpack_from("<I", data, define + 20)[0], len(data))
            for stop in (body_end, body_end - 7, body + 40):
                a = shape(outcome(template_keys.shape_of, data, body, stop))
                b = shape(outcome(shapes_compiled.shape_of, data, body, stop))
                assert a == b, (define, stop)
                read += stop == body_end and a[0] not in (None, "raise")  # type: ignore[index]
    return read


def outcome(call: Callable[..., object], *args: object) -> tuple[str, object]:
    """("ok", answer) or ("raise", the exception's type): the twin's errors are answers too."""
    try:
        return "ok", call(*args)
    except Exception as exc:  # noqa: BLE001 - compared, not hidden
        return "raise", type(exc)


def walked(answer: tuple[str, object]) -> object:
    kind, walk = answer
    if kind == "raise" or walk is None:
        return answer
    return walk.positions, walk.kids, walk.end  # type: ignore[attr-defined]


def plans_of(reader: twin.KeyReader, data: bytes, positions: list[int]) -> list[object]:
    """``plan`` of each template the records point to (its layouts dict left out: a memo)."""
    out = []
    for define in sorted({struct.unpack_from("<I", data, p + 34)[0] for p in positions}):
        kind, plan = outcome(reader.plan, data, define)
        out.append((kind, plan if kind == "raise" else (plan[0], plan[2], plan[3])))  # type: ignore[index]
    return out


def same_walks(compiled: ModuleType, items: list[Item], deep: bool = True) -> int:
    """Walk the items with a reader of each form (one reader per file, as the slot view
    does); returns how many chunks were read (not None)."""
    one, two = twin.KeyReader(), compiled.KeyReader()
    read = 0
    for data, end, first in items:
        a, b = outcome(one.walk, data, end, first), outcome(two.walk, data, end, first)
        assert walked(a) == walked(b), (end, first)
        assert one.epoch == two.epoch and one.keys == two.keys
        if a[0] == "ok" and a[1] is not None:
            read += 1
            positions = a[1].positions  # type: ignore[attr-defined]
            if deep:
                assert plans_of(one, data, positions) == plans_of(two, data, positions)
            for i, pos in enumerate(positions):
                nxt = positions[i + 1] if i + 1 < len(positions) else end
                for stop in (nxt - 4, nxt, pos + 40):
                    assert (outcome(twin.values_end, data, pos, stop)
                            == outcome(compiled.values_end, data, pos, stop)), (pos, stop)
    assert one.keys == two.keys
    return read


def same_runs(runs_compiled: ModuleType, items: list[Item]) -> int:
    """``hide`` of both forms on each chunk's walk, for wanted sets of each shape: none, each
    key id alone, all but each one, every other one. Returns how many answers hid records."""
    reader = twin.KeyReader()
    hidden = 0
    for data, end, first in items:
        walk = reader.walk(data, end, first)
        if walk is None:
            continue
        distinct = sorted(set(walk.kids))
        choices = [set(), set(distinct[::2])] + [{k} for k in distinct] + [
            set(distinct) - {k} for k in distinct]
        for wanted in choices:
            args = (data, walk.positions, walk.kids, end, wanted, first or 0, twin.values_end)
            a = outcome(skip_runs.hide, *args)
            assert a == outcome(runs_compiled.hide, *args), (first, wanted)
            hidden += a[0] == "ok" and a[1] is not None
    return hidden


def evtx_files(top: Path) -> Iterator[Path]:
    yield from sorted(top.rglob("*.evtx"))


def test_sample_chunks_walk_the_same(compiled: ModuleType, runs_compiled: ModuleType,
                                    shapes_compiled: ModuleType) -> None:
    files = [items_of(p.read_bytes()) for p in evtx_files(ROOT / "samples")]
    assert sum(same_shapes(shapes_compiled, items) for items in files) >= 17
    assert sum(same_walks(compiled, items) for items in files) >= 15  # every sample chunk (17)
    assert sum(same_runs(runs_compiled, items) for items in files) >= 10


def test_host_logs_walk_the_same(compiled: ModuleType, runs_compiled: ModuleType,
                                 shapes_compiled: ModuleType, tmp_path: Path) -> None:
    from bench_evtx import generate

    mixed = generate(tmp_path, 1, "host")[0].read_bytes()  # the benchmark's host mix, 1 MB
    for data in (host_log(3000), host_log(600, first="vmms"), mixed):
        items = items_of(data)
        assert same_walks(compiled, items) == len(items) >= 3
        assert same_runs(runs_compiled, items) > len(items)
        assert same_shapes(shapes_compiled, items) >= len(items)


@pytest.mark.corpus
def test_corpus_chunks_walk_the_same(compiled: ModuleType, runs_compiled: ModuleType,
                                    shapes_compiled: ModuleType, shared: Path) -> None:
    read = total = hidden = templates = 0
    for path in evtx_files(shared / "corpus" / "evtx"):
        items = items_of(path.read_bytes())
        total += len(items)
        read += same_walks(compiled, items)
        hidden += same_runs(runs_compiled, items)
        templates += same_shapes(shapes_compiled, items)
    assert read > 1000 and total > read  # the corpus has chunks of other shapes too
    assert hidden > 1000 and templates > 2000


def test_memo_bounds_start_over_the_same(compiled: ModuleType,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """With tiny memo bounds the readers start over (a new epoch) at the same walks."""
    for mod in (twin, compiled):
        monkeypatch.setattr(mod, "MAX_MEMO", 2)
    items = items_of(host_log(3000)) + [
        item for p in evtx_files(ROOT / "samples") for item in items_of(p.read_bytes())]
    assert same_walks(compiled, items, deep=False) > 20
    one = twin.KeyReader()
    for item in items:
        one.walk(*item)
    assert one.epoch > 3  # the bound was reached, more than once


def test_calls_the_loop_was_not_written_for_take_the_twins_answer(compiled: ModuleType) -> None:
    data, end, first = items_of(host_log(600))[0]
    for args in ((bytearray(data), end, first), (data, len(data) + 10, first), (data, -1, first),
                 (data, end, -5), (data, end, 1 << 64), (data, end, None), (data[:500], 600, None),
                 (data[:520], end, None), (data, end, first + 1)):
        one, two = twin.KeyReader(), compiled.KeyReader()
        assert walked(outcome(one.walk, *args)) == walked(outcome(two.walk, *args)), args[1:]
    for pos, stop in ((-40, 100), (len(data) - 30, len(data) + 100), (512, 1 << 50),
                      (1 << 45, 1 << 46)):
        args = (data, pos, stop)
        assert outcome(twin.values_end, *args) == outcome(compiled.values_end, *args)


_BASES = items_of(host_log(400))[:2] + items_of(
    (ROOT / "samples/evtx/sharing-violation/HV05/System.evtx").read_bytes())[:1]


@settings(max_examples=300, **FUZZ)
@given(
    base=st.sampled_from(range(len(_BASES))),
    edits=st.lists(st.tuples(st.one_of(st.integers(512, 4096), st.integers(512, CHUNK_SIZE - 1)),
                            st.binary(min_size=1, max_size=6)), max_size=6),
    cut=st.one_of(st.none(), st.integers(0, CHUNK_SIZE)),
    shift=st.integers(-64, 64),
)
def test_mutated_and_truncated_chunks_walk_the_same(compiled: ModuleType, base: int,
                                                    edits: list[tuple[int, bytes]],
                                                    cut: int | None, shift: int) -> None:
    data, end, first = _BASES[base]
    buf = bytearray(data)
    for at, raw in edits:  # the records' frames, templates and values: where the walk reads
        buf[at:at + len(raw)] = raw
    chunk = bytes(buf if cut is None else buf[:cut])
    same_walks(compiled, [(chunk, max(0, min(end + shift, len(chunk))), first)])
    same_walks(compiled, [(chunk, end + shift, None)], deep=False)


@settings(max_examples=300, **FUZZ)
@given(base=st.sampled_from(range(len(_BASES))), data=st.data())
def test_mutated_templates_read_the_same(shapes_compiled: ModuleType, base: int,
                                         data: st.DataObject) -> None:
    chunk = bytearray(_BASES[base][0])
    define = struct.unpack_from("<I", chunk, 512 + 34)[0]  # the first record's template
    body = define + 24
    body_end = body + struct.unpack_from("<I", chunk, define + 20)[0]
    for _ in range(data.draw(st.integers(1, 6))):  # its tokens, name links, sizes and names
        at = data.draw(st.one_of(st.integers(body, min(body + 200, body_end)),
                                 st.integers(0, len(chunk) - 1)))
        surrogates = st.sampled_from([b"\x00\xd8", b"\x00\xdc\x00\xd8", b"\x3d\xd8\x00\xde"])
        raw = data.draw(st.one_of(st.binary(min_size=1, max_size=4), surrogates))
        chunk[at:at + len(raw)] = raw
    stop = data.draw(st.integers(body, len(chunk)))
    args = (bytes(chunk), body, stop)
    expected = shape(outcome(template_keys.shape_of, *args))
    assert expected == shape(outcome(shapes_compiled.shape_of, *args))


def test_an_event_id_of_endless_digits_is_not_read() -> None:
    """A template's EventID written as text of 5,000 digits: not read (int() of it raises)."""
    digits = "9" * 5000
    tok = bytes([0x05, 0x01]) + len(digits).to_bytes(2, "little") + digits.encode("utf-16-le")
    assert template_keys._slot(tok, 0, len(tok), template_keys.UINT16) == (None, len(tok))
    cut = tok[:4] + tok[-10:]  # the text cut short
    assert template_keys._slot(cut, 0, 14, template_keys.UINT16) == (None, 0)
    five = tok[:2] + b"\x05\x00" + "65535".encode("utf-16-le")
    assert template_keys._slot(five, 0, len(five), template_keys.UINT16) == (("text", 65535), 14)


@settings(max_examples=150, **FUZZ)
@given(body=st.binary(min_size=0, max_size=2048), end=st.integers(0, 3000), first=st.integers(0, 3))
def test_random_chunks_walk_the_same(compiled: ModuleType, body: bytes, end: int,
                                     first: int) -> None:
    # a record frame at 512 (signature, size, id) so the walk goes past the first check
    head = b"\x00" * 512 + struct.pack("<IIQ", 0x2A2A, 46 + len(body) // 2, first)
    chunk = head + body
    same_walks(compiled, [(chunk, min(end, len(chunk)), first), (chunk, end, None)], deep=False)


@settings(max_examples=200, **FUZZ)
@given(base=st.sampled_from(range(len(_BASES))), data=st.data())
def test_hide_on_drawn_key_ids_and_odd_arguments_is_the_same(runs_compiled: ModuleType, base: int,
                                                            data: st.DataObject) -> None:
    chunk, end, first = _BASES[base]
    walk = twin.KeyReader().walk(chunk, end, first)
    assert walk is not None
    n = len(walk.kids)
    kids = data.draw(st.lists(st.integers(-3, 6), min_size=n, max_size=n))
    wanted = data.draw(st.sets(st.one_of(st.integers(-3, 6), st.integers(), st.booleans()),
                               max_size=20))
    positions = list(walk.positions)
    if data.draw(st.booleans()):  # an offset out of place (not where a record is)
        positions[data.draw(st.integers(0, n - 1))] = data.draw(st.integers(-10, 1 << 70))
    cut = data.draw(st.integers(0, len(chunk)))
    args = (chunk[:cut], positions, kids, end, wanted, first)
    expected = outcome(skip_runs.hide, *args, twin.values_end)
    assert expected == outcome(runs_compiled.hide, *args, twin.values_end)
    # a values_end answering anything (out of the chunk, negative, huge): the same answers
    # in the same order to both forms
    replay = data.draw(st.lists(st.one_of(st.none(), st.integers(-(1 << 70), 1 << 70),
                                          st.integers(0, len(chunk) + 5)), min_size=n, max_size=n))
    assert (outcome(skip_runs.hide, *args, _replayed(replay))
            == outcome(runs_compiled.hide, *args, _replayed(replay)))


def _replayed(answers: list[object]) -> Callable[..., object]:
    it = iter(answers)
    return lambda *_args: next(it, None)


def test_the_compiled_forms_are_the_ones_run(compiled: ModuleType, runs_compiled: ModuleType,
                                            shapes_compiled: ModuleType) -> None:
    """Where they are built, the slot view's reader, the skip loop and the template parse
    are the compiled ones (``LOGSCOPE_PURE=1``: the twins)."""
    from logscope import accel
    from logscope.ingest.evtx import record_skip

    pure = accel.pure_only()
    assert type(walks.key_reader()) is (twin.KeyReader if pure else compiled.KeyReader)
    assert record_skip._runs is (skip_runs if pure else runs_compiled)
    assert twin.shape_of is (template_keys.shape_of if pure else shapes_compiled.shape_of)


def test_analyze_gives_the_same_report_with_either_form(compiled: ModuleType, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "host.evtx").write_bytes(host_log(3000))
    paths = [tmp_path / "host.evtx", ROOT / "samples" / "evtx"]
    reports = []
    for form in (compiled, twin):
        monkeypatch.setattr(walks, "keys", form)
        reports.append(build_report(analyze(paths, IngestOptions())))
    assert comparable(reports[0]) == comparable(reports[1])
    assert reports[0]["hits"]


def test_the_pure_environment_gives_the_same_json(tmp_path: Path) -> None:
    """``LOGSCOPE_PURE=1`` (the twins everywhere) against the default forms, whole process."""
    path = tmp_path / "host.evtx"
    path.write_bytes(host_log(3000))
    outs = []
    for pure in ("1", ""):
        env = dict(os.environ, LOGSCOPE_PURE=pure)
        command = [sys.executable, "-m", "logscope", "analyze", str(path), "--format", "json",
                   "--workers", "1"]
        run = subprocess.run(command, env=env, capture_output=True, text=True, timeout=300)
        assert run.returncode == 0, run.stderr
        outs.append(json.loads(run.stdout))
    assert comparable(outs[0]) == comparable(outs[1])
