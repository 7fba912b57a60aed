"""The hazard pre-scan's work budget: a slot whose template check would read more body bytes
than ``prescan.WORK_BUDGET`` is hidden from the engine unchecked, reported with its chunk and
offset, its records counted as skipped; no real slot comes near the budget; both forms
(compiled ``_prescan.pyx``, pure ``prescan.py``) cut the same slots with the same words.

Crafted slots are written into the free space of a real chunk (a sample's, records intact),
so the records they hide are real ones.
"""

from __future__ import annotations

import io
import json
import os
import struct
import subprocess
import sys
from pathlib import Path

import pytest

from evtx_helpers import source_bytes

from logscope.events import Event
from logscope.ingest import evtx
from logscope.ingest.evtx import guard
from logscope.ingest.evtx import prescan as twin
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE, read_chunk
from logscope.ingest.source import IngestOptions
from logscope.ledger import FileLedger

ROOT = Path(__file__).resolve().parents[2]
#: A sample whose one chunk holds 3 records in its first 5,320 bytes: room for crafted bytes.
SAMPLE = ROOT / "samples/evtx/sqlwriter-chain/SQL01/Application.evtx"
INTACT = ROOT / "samples/evtx/clean-backup/HV03/Microsoft-Windows-Hyper-V-VMMS-Admin.evtx"

try:
    from logscope.ingest.evtx import _prescan as compiled
except ImportError:  # no compiler where it was installed (test_accel says whether it should be)
    compiled = None
FORMS = [twin] if compiled is None else [twin, compiled]


def _slots(data: bytes) -> list[bytes]:
    return [data[o:o + CHUNK_SIZE] for o in range(HEADER_SIZE, len(data), CHUNK_SIZE)]


def _instances(chunk: bytearray, offsets: list[int]) -> None:
    """Instance tokens naming ``offsets``, written in the chunk's free space."""
    free = struct.unpack_from("<I", chunk, 48)[0]
    for k, off in enumerate(offsets):
        at = free + 16 + 10 * k
        assert at + 10 <= 0x8000
        chunk[at:at + 10] = b"\x0c" + bytes(5) + struct.pack("<H", off) + bytes(2)


def costly_slot(walked: bool, instances: int = 2700) -> bytes:
    """The sample's chunk with ``instances`` tokens naming distinct offsets 4 bytes apart in
    its upper half, each reading a ~16 KB body there (``bench_prescan.crafted_slot``'s
    shape): 44 MB to read. ``walked``: a repeated substitution every 256 bytes, so every
    body is walked, not only scanned."""
    chunk = bytearray(SAMPLE.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE])
    for at in range(0x8000, CHUNK_SIZE - 4, 4):
        chunk[at:at + 4] = b"\x0d\x00\x00\x21" if walked and at % 256 == 0 else b"\x0f\x3f\x00\x00"
    _instances(chunk, list(range(0x8000, 0x8000 + 4 * instances, 4)))
    return bytes(chunk)


def sized_slot(work: int) -> bytes:
    """The sample's chunk with nine more templates named: its bodies ``work`` bytes in all."""
    chunk = bytearray(SAMPLE.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE])
    work -= twin.slot_work(bytes(chunk))  # the records' own templates
    offsets = [0x8000 + 32 * i for i in range(9)]
    sizes = [work // 9] * 8 + [work - 8 * (work // 9)]
    for off, size in zip(offsets, sizes):
        assert off + 24 + size <= CHUNK_SIZE
        struct.pack_into("<I", chunk, off + 20, size)
    _instances(chunk, offsets)
    return bytes(chunk)


def parse_bytes(data: bytes, name: str) -> tuple[list[Event], FileLedger]:
    led = FileLedger(name)
    return list(evtx.parse(source_bytes(data, name), led, IngestOptions())), led


def outcome(form, slot: bytes) -> list[int] | int:  # noqa: ANN001
    """A form's answer for a slot: the templates found, or the work of a slot over budget."""
    try:
        return form.amplifying_templates(slot)
    except twin.OverBudget as over:
        return over.work


# -- the budget against real slots -----------------------------------------------------------


def test_no_corpus_slot_comes_near_the_budget(shared: Path) -> None:
    """Every corpus slot (450 real logs): its work is at most the measured maximum the budget
    is set from, the budget is over 4 times that, and neither form cuts the slot."""
    works = []
    for path in sorted((shared / "corpus/evtx").rglob("*.evtx")):
        for slot in _slots(path.read_bytes()):
            works.append(twin.slot_work(slot))
            for form in FORMS:
                assert not isinstance(outcome(form, slot), int), path
    assert len(works) > 1000
    assert max(works) == twin.MEASURED_WORK  # re-measure (bench_prescan --work) if it moves
    assert twin.WORK_BUDGET > 4 * twin.MEASURED_WORK


def test_no_sample_slot_comes_near_the_budget() -> None:
    slots = [s for p in sorted((ROOT / "samples").rglob("*.evtx")) for s in _slots(p.read_bytes())]
    assert len(slots) > 15
    for slot in slots:
        assert twin.slot_work(slot) <= twin.MEASURED_WORK
        for form in FORMS:
            assert outcome(form, slot) == []


# -- crafted slots: cut alike ---------------------------------------------------------------


@pytest.mark.parametrize("walked", [False, True])
def test_costly_slot_cut_by_both_forms_with_the_same_count(walked: bool) -> None:
    slot = costly_slot(walked)
    work = twin.slot_work(slot)
    assert work > 100 * twin.WORK_BUDGET  # 44 MB
    assert [outcome(form, slot) for form in FORMS] == [work] * len(FORMS)


def test_budget_boundary_alike() -> None:
    """Exactly the budget is checked (and a template found if one repeats a value); one byte
    more is cut, in both forms."""
    at = sized_slot(twin.WORK_BUDGET)
    over = sized_slot(twin.WORK_BUDGET + 1)
    assert twin.slot_work(at) == twin.WORK_BUDGET and twin.slot_work(over) == twin.WORK_BUDGET + 1
    for form in FORMS:
        assert outcome(form, at) == []
        assert outcome(form, over) == twin.WORK_BUDGET + 1


def test_over_budget_chunk_hidden_its_records_skipped_the_next_read() -> None:
    """In process: the costly chunk's 3 records are skipped with the reason (not missing, not
    rendered, not recovered), the problem names its chunk and offset, the next chunk is read."""
    sample = SAMPLE.read_bytes()
    nxt = INTACT.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE]
    data = sample[:HEADER_SIZE] + costly_slot(True) + nxt
    events, led = parse_bytes(data, "costly.evtx")
    costly_ids = {rid for rid, _off in read_chunk(costly_slot(True), 0, HEADER_SIZE).records}
    assert len(costly_ids) == 3
    intact_ids = {rid for rid, _off in read_chunk(nxt, 1, HEADER_SIZE + CHUNK_SIZE).records}
    assert {e.record_id for e in events} == intact_ids
    assert led.skip_reasons == {guard.OVER_BUDGET_SKIP: 3} and led.missing == 0
    budget = [p for p in led.problems if p.code == "evtx-prescan-budget"]
    assert [p.where for p in budget] == ["chunk 0, offset 0x1000"]
    assert "pre-scan work over budget" in budget[0].message
    assert f"{twin.slot_work(costly_slot(True)):,}" in budget[0].message


def test_whole_file_prescan_reports_the_same() -> None:
    sample = SAMPLE.read_bytes()
    data = sample + costly_slot(False)
    cuts, amplifying, over = twin.prescan(io.BytesIO(data))
    assert (cuts, amplifying) == ([], [])
    at = HEADER_SIZE + CHUNK_SIZE
    assert over == [(at, twin.slot_work(costly_slot(False)))]
    # the whole-file pass for other callers: the chunk's magic cut, the problem in the ledger
    led = FileLedger("costly.evtx")
    assert guard.prescan(source_bytes(data, "costly.evtx"), led) == ([at, at + 4], {at})
    assert [(p.where, p.code) for p in led.problems] == [("chunk 1, offset 0x11000",
                                                          "evtx-prescan-budget")]


# -- a file of many costly slots, in a child: bounded, and the same words in both forms ------

_CHILD = """
import io, json, resource, sys
resource.setrlimit(resource.RLIMIT_CPU, (int(sys.argv[2]), int(sys.argv[2]) + 5))
from logscope import accel
from logscope.ingest import evtx
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger
data = open(sys.argv[1], 'rb').read()
led = FileLedger('m.evtx')
src = Source('m.evtx', opener=lambda: io.BytesIO(data), size=len(data))
events = [e.record_id for e in evtx.parse(src, led, IngestOptions())]
print(json.dumps([accel.FORMS['logscope.ingest.evtx.prescan'], events, led.missing,
                  dict(led.skip_reasons), [p.as_dict() for p in led.problems],
                  led.problems_dropped]))
"""

#: Costly slots in the child's file: before the budget the pure form needed ~1 CPU-s for each
#: (66 CPU-s for the file, measured: over 3 times the child's CPU limit); now 0.15 CPU-s in all.
COSTLY = 64
#: The child's CPU limit (SIGXCPU past it): the whole child now takes 0.15 CPU-s.
CPU_LIMIT = 20


def _run(path: Path, pure: str) -> list:
    env = dict(os.environ, LOGSCOPE_PURE=pure)
    try:
        done = subprocess.run([sys.executable, "-c", _CHILD, str(path), str(CPU_LIMIT)],
                              capture_output=True, text=True, timeout=10 * CPU_LIMIT, cwd=ROOT,
                              env=env)
    except subprocess.TimeoutExpired:
        pytest.fail("the pre-scan never finished")
    assert done.returncode == 0, f"child ended {done.returncode} (SIGXCPU: over the CPU limit)"
    return json.loads(done.stdout.splitlines()[-1])


def test_file_of_costly_slots_is_bounded_and_told_alike(tmp_path: Path) -> None:
    """A 4 MB file of 64 costly slots and one intact chunk finishes inside a CPU limit the
    pure form without the budget exceeded 3 times; every costly chunk is reported (20 in
    full, then a count), its records skipped; the intact chunk is read; and the compiled
    form says exactly the same."""
    sample = SAMPLE.read_bytes()
    nxt = INTACT.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE]
    path = tmp_path / "costly.evtx"
    path.write_bytes(sample[:HEADER_SIZE] + costly_slot(True) * COSTLY + nxt)
    runs = [_run(path, "1")] + ([_run(path, "0")] if compiled is not None else [])
    form, events, missing, skips, problems, _dropped = runs[0]
    assert form == "pure"
    intact_ids = [rid for rid, _off in read_chunk(nxt, COSTLY, 0).records]
    assert events == intact_ids and missing == 0
    assert skips == {guard.OVER_BUDGET_SKIP: 3 * COSTLY}
    budget = [p for p in problems if p["code"] == "evtx-prescan-budget"]
    assert len(budget) == 21 and budget[-1]["message"].startswith(f"{COSTLY - 20} more chunks")
    assert budget[1]["where"] == f"chunk 1, offset 0x{HEADER_SIZE + CHUNK_SIZE:X}"
    for other in runs[1:]:
        assert other[0] == "compiled" and other[1:] == runs[0][1:]


def test_bundle_beside_a_costly_file_is_analysed(tmp_path: Path) -> None:
    from tests.hostile.conftest import GOOD_VSS, assert_good_read, files, run

    sample = SAMPLE.read_bytes()
    (tmp_path / "HV01").mkdir()
    (tmp_path / "HV01/costly.evtx").write_bytes(sample[:HEADER_SIZE] + costly_slot(False))
    (tmp_path / "HV01/VMMS.evtx").write_bytes(INTACT.read_bytes())
    (tmp_path / "SQL01/VSS").mkdir(parents=True)
    (tmp_path / "SQL01/VSS/vss_writers.log").write_bytes(GOOD_VSS)
    rep = run(tmp_path)
    fs = {Path(k).name: v for k, v in files(rep).items()}
    costly = fs["costly.evtx"]
    assert costly["records"] == 0 and costly["skip_reasons"] == {guard.OVER_BUDGET_SKIP: 3}
    assert any(p["code"] == "evtx-prescan-budget" and p["where"] == "chunk 0, offset 0x1000"
               for p in costly["problems"])
    intact_ids = read_chunk(INTACT.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE], 0, 0).records
    assert fs["VMMS.evtx"]["records"] == len(intact_ids) > 0
    assert_good_read(rep)


@pytest.mark.parametrize("at", [0, 1])
def test_hidden_chunk_has_one_problem_not_the_engines_complaint_too(at: int) -> None:
    """A chunk the guard hides (its magic zeroed) is told once, by the guard; the engine's
    "Invalid EVTX chunk header magic" about it is our own cut, counted in the file's info."""
    sample = SAMPLE.read_bytes()
    nxt = INTACT.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE]
    slots = [nxt] * 2
    slots.insert(at, costly_slot(True))
    _events, led = parse_bytes(sample[:HEADER_SIZE] + b"".join(slots), "costly.evtx")
    assert [p.code for p in led.problems if p.code == "evtx-prescan-budget"] == ["evtx-prescan-budget"]
    assert not [p for p in led.problems if "header magic" in p.message], led.problems
    assert led.info.get("engine_errors_on_hidden_chunks") == 1
