"""The batched walk (``ingest/evtx/key_batch.py``, numpy) must give exactly the walks of
``KeyReader.walk``: the same records and the same (provider, event id, computer) keys, on
every corpus chunk and on written logs; chunks it cannot read vectorised (a record signature
inside a value) are walked one by one. And ``analyze`` must give the same answer with it."""

from __future__ import annotations

import struct
import zlib
from pathlib import Path

import pytest
from test_record_skip import check_records, host_log

from logscope.ingest.evtx import chunk_keys, key_batch, walks
from logscope.ingest.evtx.chunk_keys import KeyReader, Walk
from logscope.ingest.evtx.chunks import CHUNK_MAGIC, CHUNK_SIZE, HEADER_SIZE
from logscope.ingest.evtx.key_batch import walk_batch


def items_of(data: bytes) -> list[tuple[bytes, int, int]]:
    out = []
    for off in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
        chunk = data[off:off + CHUNK_SIZE]
        if chunk[:8] == CHUNK_MAGIC:
            first, free = struct.unpack_from("<24xQ16xI", chunk)
            out.append((chunk, free, first))
    return out


def keyed(reader: KeyReader, walk: Walk | None) -> tuple | None:
    if walk is None:
        return None
    return walk.positions, [reader.key(k) for k in walk.kids]


def same_walks(items: list[tuple[bytes, int, int]], batch: int = 7) -> int:
    """Compare both walks chunk by chunk; returns how many chunks were read."""
    one, many = KeyReader(), KeyReader()
    batched: list[Walk | None] = []
    for start in range(0, len(items), batch):
        batched += walk_batch(many, items[start:start + batch])
    read = 0
    for item, walk in zip(items, batched):
        expected = keyed(one, one.walk(*item))
        assert keyed(many, walk) == expected
        read += expected is not None
    return read


def test_written_log_walks_the_same() -> None:
    items = items_of(host_log(3000))
    assert same_walks(items) == len(items) > 5


def test_signature_inside_a_value_falls_back_to_the_record_loop() -> None:
    data = bytearray(host_log(1200))
    chunk = HEADER_SIZE
    walk = KeyReader().walk(bytes(data[chunk:chunk + CHUNK_SIZE]), struct.unpack_from("<I", data, chunk + 48)[0])
    assert walk is not None
    # a record signature at an 8-byte boundary inside the third record's values
    at = chunk + walk.positions[2] + 48
    at -= at % 8
    data[at:at + 4] = b"**\x00\x00"
    free = struct.unpack_from("<I", data, chunk + 48)[0]
    struct.pack_into("<I", data, chunk + 52, zlib.crc32(data[chunk + 512:chunk + free]))
    items = items_of(bytes(data))
    assert same_walks(items, batch=len(items)) == len(items)


@pytest.mark.corpus
def test_corpus_chunks_walk_the_same(shared: Path) -> None:
    read = 0
    for path in sorted((shared / "corpus" / "evtx").rglob("*.evtx")):
        read += same_walks(items_of(path.read_bytes()))
    assert read > 1000


def test_analyze_with_batched_walks_gives_the_same_records(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(walks, "BATCH_FROM", 2)  # the written log has a dozen chunks
    monkeypatch.setattr(walks, "keys", chunk_keys)  # batches are the twin's (not the compiled walk's)
    batches: list[int] = []
    real = key_batch.walk_batch

    def counting(reader: KeyReader, items: list) -> list:
        batches.append(len(items))
        return real(reader, items)

    monkeypatch.setattr(key_batch, "walk_batch", counting)
    on, _off = check_records(host_log(3000))
    assert on.info["evtx"]["records_skipped"] > 2000
    assert batches and max(batches) > 1  # the chunks were walked in batches
