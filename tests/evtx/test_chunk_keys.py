"""(provider, event id) of each record read from a chunk's BinXML (``ingest/evtx/chunk_keys.py``)
must be what the engine renders, on every corpus chunk it answers for; any other shape is
answered None (the chunk is then decided by the byte test alone)."""

from __future__ import annotations

import re
import struct
from pathlib import Path

import orjson
import pytest

from logscope.ingest.evtx.chunk_keys import record_keys
from logscope.ingest.evtx.chunks import CHUNK_MAGIC, CHUNK_SIZE, HEADER_SIZE


def chunks(path: Path) -> list[tuple[bytes, int, int, int]]:
    """(chunk bytes, free-space offset, first id, last id) of each full chunk with a magic."""
    data = path.read_bytes()
    out = []
    for off in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
        chunk = data[off:off + CHUNK_SIZE]
        if chunk[:8] == CHUNK_MAGIC:
            first, last = struct.unpack_from("<QQ", chunk, 24)
            out.append((chunk, struct.unpack_from("<I", chunk, 48)[0], first, last))
    return out


def engine_keys(path: Path) -> dict[int, tuple[str | None, int | None]]:
    import evtx

    out = {}
    try:
        for rec in evtx.PyEvtxParser(str(path), number_of_threads=1).records_json():
            system = orjson.loads(rec["data"])["Event"]["System"]
            eid = system.get("EventID")
            eid = eid.get("#text") if isinstance(eid, dict) else eid
            name = (system.get("Provider") or {}).get("#attributes", {}).get("Name")
            out[rec["event_record_id"]] = (name, None if eid is None else int(eid))
    except (OSError, RuntimeError):
        pass  # a file the engine cannot open: its chunks are compared where it rendered them
    return out


@pytest.mark.corpus
def test_keys_are_the_engines_on_every_corpus_chunk(shared: Path) -> None:
    compared = unread = 0
    for path in sorted((shared / "corpus" / "evtx").rglob("*.evtx")):
        rendered = engine_keys(path)
        cache: dict = {}
        for chunk, free, first, last in chunks(path):
            if not 512 < free <= CHUNK_SIZE:
                continue
            keys = record_keys(chunk, free, cache)
            if keys is None:
                unread += 1
                continue
            ids = range(first, last + 1)
            if len(ids) < 10_000 and all(i in rendered for i in ids):
                assert keys == {rendered[i] for i in ids}, (path, first)
                compared += 1
    assert compared > 1000 and unread < 20, (compared, unread)


def test_a_record_of_another_shape_is_not_read(shared: Path) -> None:
    path = shared / "corpus" / "evtx" / "4renwald-evtx-python" / "samples" / "System.evtx"
    chunk, free, _first, _last = chunks(path)[0]
    keys = record_keys(chunk, free)
    assert keys is not None
    assert ("Microsoft-Windows-Kernel-General", 1) in keys and ("EventLog", 6013) in keys
    # the first record without its template instance token: no answer for the chunk
    assert record_keys(chunk[:512 + 28] + b"\x0b" + chunk[512 + 29:], free) is None
    # a record frame cut short of its size copy: no answer either
    assert record_keys(chunk, free - 1) is None
    # EventID's content, a UInt16 substitution (close start, token, index, type, end),
    # declared as a string instead: not read
    found = re.search(rb"\x02[\x0d\x0e][\s\S]\x00\x06\x04", chunk[512:free])
    assert found is not None
    at = 512 + found.start() + 4
    assert record_keys(chunk[:at] + b"\x01" + chunk[at + 1:], free) is None
