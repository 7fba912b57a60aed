"""``ChunkGate.scan`` (the byte test and the ``Computer`` name structures in one pass, the
first match's shortcut) must answer as the full byte test and ``computer_names`` do on every chunk of the corpus and of the samples
(written by ``logscope.evtxwriter``), and a chunk it lets be skipped must hold no record the
fold's rule can use (each record's key read from its BinXML, ``chunk_keys``)."""

from __future__ import annotations

from pathlib import Path

import pytest
import re2
from evtx_helpers import full_chunks

from logscope.ingest.evtx.chunk_gate import ChunkGate, GateSpec, computer_names
from logscope.ingest.evtx.chunk_gate_scan import COMPUTER_NAME, _find
from logscope.ingest.evtx.chunk_keys import record_keys
from logscope.ingest.evtx.chunks import CHUNK_HEADER
from logscope.ingest.source import IngestOptions
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]


def check_every_chunk(paths: list[Path]) -> tuple[int, int]:
    """(chunks seen, chunks the gate would skip), each checked against the old answers."""
    extra = with_evtx_gate(IngestOptions(), Matcher(load_library(None))).extra
    gate, want = extra["evtx_chunk_gate"], extra["evtx_want"]
    assert isinstance(gate, ChunkGate)
    seen = skipped = 0
    for where, raw, free in full_chunks(paths):
        used = memoryview(raw)[:free]
        kept, starts = gate.scan(used, CHUNK_HEADER)
        seen += 1
        assert kept == gate.keeps(used[CHUNK_HEADER:]), where
        # the first match's shortcut answers as the full test (every name, id and code)
        full = (gate._forms.first(used[CHUNK_HEADER:]) is not None
                and gate._full(raw[CHUNK_HEADER:free]))
        assert kept == full, where
        if kept:
            assert starts is None, where
            continue
        skipped += 1
        assert computer_names(used, starts) == computer_names(used), where
        keys = record_keys(raw, free)
        if keys is not None:  # what the records carry: nothing the fold's rule wants
            assert not gate.wants_any(keys, used[CHUNK_HEADER:], want), where
    return seen, skipped


@pytest.mark.corpus
def test_scan_answers_as_keeps_on_every_corpus_chunk(shared: Path) -> None:
    seen, skipped = check_every_chunk(sorted((shared / "corpus" / "evtx").rglob("*.evtx")))
    assert seen > 1000 and skipped > 500  # the corpus: ~1,150 chunks, most of them skipped


def test_scan_answers_as_keeps_on_every_sample_chunk() -> None:
    seen, _skipped = check_every_chunk(sorted((ROOT / "samples").rglob("*.evtx")))
    assert seen >= 19


def test_a_form_inside_the_name_structure_is_still_found() -> None:
    """The joint search meets ``Computer``'s name structure first; a wanted form that starts
    inside it (``er`` in UTF-16) is still seen, as ``keeps`` sees it."""
    data = b"\xff" * 16 + COMPUTER_NAME + b"\xff" * 16
    hidden = ChunkGate(GateSpec({"er": None}))
    assert hidden.keeps(data) and hidden.scan(data, 0) == (True, None)
    other = ChunkGate(GateSpec({"vss": None}))
    assert other.scan(data, 0) == (False, (16 - 6,))  # the structure starts 6 bytes earlier
    assert other.scan(data, 20) == (False, (16 - 6,))  # a structure that starts in the header
    assert other.scan(data.replace(b"C\x00", b"c\x00"), 0) == (False, ())  # the exact name only


def test_a_google_re2_without_the_internals_gives_the_same_answers(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """``_find`` reaches into the wrapper for speed; a google-re2 that moved those internals
    (pyproject allows any >= 1.1) takes the public search and every sample chunk gets the
    same answers (the RE2 twin, whichever form the gate runs)."""
    from logscope.ingest.evtx import chunk_gate, chunk_gate_scan

    monkeypatch.setattr(chunk_gate, "scanner", chunk_gate_scan)
    before = check_every_chunk(sorted((ROOT / "samples").rglob("*.evtx")))
    monkeypatch.setattr(chunk_gate_scan, "_UNANCHORED", None)
    assert _find(re2.compile(b"b.d"), b"abcdbxd", 2) == (4, 7)
    assert _find(re2.compile(b"zz"), b"abcd") is None
    assert check_every_chunk(sorted((ROOT / "samples").rglob("*.evtx"))) == before
