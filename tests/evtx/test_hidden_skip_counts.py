"""A chunk hidden over the pre-scan budget counts as skipped what the engine would have read
from it: one per record frame, as ``records`` counts (``guard.skip_over_budget``).

Crafted: the sample chunk's three record frames all carry one record id (the engine gives
three records for them), in a readable chunk and in a chunk over the budget.
"""

from __future__ import annotations

import struct

from test_prescan_budget import SAMPLE, costly_slot, parse_bytes

from logscope.ingest.evtx import guard
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE, read_chunk


def one_id(slot: bytes) -> bytes:
    """The slot with every record frame's id set to the first frame's."""
    chunk = bytearray(slot)
    frames = read_chunk(slot, 0, HEADER_SIZE).records
    for _rid, at in frames:
        struct.pack_into("<Q", chunk, at - HEADER_SIZE + 8, frames[0][0])
    out = bytes(chunk)
    assert len(read_chunk(out, 0, HEADER_SIZE).records) == 3
    assert len({rid for rid, _at in read_chunk(out, 0, HEADER_SIZE).records}) == 1
    return out


def test_hidden_chunk_counts_its_frames_as_the_engine_counts_records() -> None:
    head = SAMPLE.read_bytes()[:HEADER_SIZE]
    readable = one_id(SAMPLE.read_bytes()[HEADER_SIZE:HEADER_SIZE + CHUNK_SIZE])
    events, read = parse_bytes(head + readable, "readable.evtx")
    assert read.records == len(events) == 3  # one record per frame, the id repeated

    _none, hidden = parse_bytes(head + one_id(costly_slot(True)), "hidden.evtx")
    assert any(p.code == "evtx-prescan-budget" for p in hidden.problems)
    assert hidden.records == 0 and hidden.missing == 0
    assert hidden.skip_reasons == {guard.OVER_BUDGET_SKIP: read.records}


def test_repeated_hidden_chunks_each_count() -> None:
    """Two hidden chunks with the same ids: six frames not read, six skipped (not three)."""
    head = SAMPLE.read_bytes()[:HEADER_SIZE]
    _none, led = parse_bytes(head + costly_slot(True) * 2, "twice.evtx")
    assert led.skip_reasons == {guard.OVER_BUDGET_SKIP: 6} and led.missing == 0
