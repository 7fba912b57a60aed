"""The record walks (``chunk_keys``) of one file's chunks, as the slot view asks for them.

Why a module: it picks the walk's form, compiled (``_chunk_keys``, ~0.13 us a record) or
its pure-Python twin (``chunk_keys``, ~0.8 us). With the twin, a large file's chunks are
walked in batches with numpy (``key_batch``: a third less per record than the Python loop),
which means reading slots ahead of the engine; the slots read ahead are kept here until
the view serves them, so each slot is still read from disk once. The compiled walk, and
the twin on a small file (the corpus: at most 48 chunks), go chunk by chunk and never
import numpy (~80 ms, +20 MB).
"""

from __future__ import annotations

import struct
from collections.abc import Callable

from ... import accel
from . import chunk_keys
from .chunk_keys import KeyReader, Walk
from .chunks import CHUNK_MAGIC, CHUNK_SIZE

#: The walk's form: ``_chunk_keys`` (compiled) or its twin ``chunk_keys``; the same names.
keys = accel.load("logscope.ingest.evtx._chunk_keys", "logscope.ingest.evtx.chunk_keys")

#: Chunk slots a file must have for its walks to be read in batches (the twin only: the
#: compiled walk is faster chunk by chunk than numpy's batches).
BATCH_FROM = 64
#: Chunks walked in one batch (2 MiB read ahead).
BATCH = 32
_HEAD = struct.Struct("<24xQ16xI")  # first record id, free-space offset


def key_reader() -> KeyReader:
    """A file's key reader, of the walk's form (``keys``)."""
    return keys.KeyReader()  # type: ignore[no-any-return]


class ChunkWalks:
    """Walks by slot index; ``ahead`` holds the slots read ahead, for the view to take."""

    def __init__(self, reader: KeyReader, read_slot: Callable[[int], bytes], slots: int) -> None:
        self.reader = reader
        self._read_slot = read_slot
        self._batched = slots >= BATCH_FROM and type(reader) is chunk_keys.KeyReader
        self._walks: dict[int, Walk | None] = {}
        #: slot index -> its bytes, read ahead for a batch and not served yet
        self.ahead: dict[int, bytes] = {}

    def forget(self, index: int) -> None:
        """The slot is decided: its walk, if it was read ahead, is no longer needed."""
        self._walks.pop(index, None)

    def get(self, index: int, data: bytes, end: int, first_id: int) -> Walk | None:
        """The walk of the chunk in slot ``index`` (``data``: its bytes)."""
        if index in self._walks:
            walk = self._walks.pop(index)
            if walk is None or walk.epoch == self.reader.epoch:
                return walk
        if not self._batched:
            return self.reader.walk(data, end, first_id)
        from .key_batch import walk_batch  # numpy: only for files that pay for it

        indexes, items = [index], [(data, end, first_id)]
        for nxt in range(index + 1, index + BATCH):
            slot = self.ahead.get(nxt)
            if slot is None:
                slot = self.ahead[nxt] = self._read_slot(nxt)
            if len(slot) < CHUNK_SIZE:
                break
            if slot[:8] == CHUNK_MAGIC and nxt not in self._walks:
                first, free = _HEAD.unpack_from(slot)
                indexes.append(nxt)
                items.append((slot, free, first))
        walks = walk_batch(self.reader, items)
        self._walks.update(zip(indexes[1:], walks[1:]))
        return walks[0]
