"""Which form of the record walk (``chunk_keys``) a file's chunks are read with.

Why a module: the walk has a compiled form (``_chunk_keys``, ~0.13 us a record, with the
template parse ``_template_keys``) and its pure-Python twin (``chunk_keys``, ~0.85 us),
which runs where nothing was compiled or ``LOGSCOPE_PURE=1`` asks for it. Both go chunk
by chunk as the slot view decides them (the twin's numpy batches, ``key_batch``, went with
the compiled walk: 0.56 us a record, the numpy import ~75 ms and +17 MB RSS).
"""

from __future__ import annotations

from ... import accel
from .chunk_keys import KeyReader

#: The walk's form: ``_chunk_keys`` (compiled) or its twin ``chunk_keys``; the same names.
keys = accel.load("logscope.ingest.evtx._chunk_keys", "logscope.ingest.evtx.chunk_keys")


def key_reader() -> KeyReader:
    """A file's key reader, of the walk's form (``keys``)."""
    return keys.KeyReader()  # type: ignore[no-any-return]
