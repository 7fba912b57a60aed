"""An .evtx file as ``SlotView`` reads it: its size, and its bytes at an offset, one positioned
read each where the file has a descriptor; and what a skipped slot reads as.

Why: every 64 KiB slot of every file is read once (1,736 on the corpus); a seek and a read
through the buffered file object were two system calls and ~2.5 us a slot more than one
``os.pread``, which also leaves the file's position alone (the completeness check and the
guard seek it before they read). A stream without a descriptor of its own (an in-memory
file, a wrapper) is read by seek and read as before.
"""

from __future__ import annotations

import io
import os
from typing import IO

from .chunks import CHUNK_SIZE

#: What a skipped full slot reads as: one object for them all (a new 64 KiB of zeros for each
#: skipped chunk was ~3% of the corpus's instructions, mostly for slots the engine never read)
_ZERO_SLOT = bytes(CHUNK_SIZE)


def zeros(size: int) -> bytes:
    """``size`` zero bytes (the shared slot of them for a full slot)."""
    return _ZERO_SLOT if size == CHUNK_SIZE else bytes(size)


class SlotFile:
    """``size`` and ``read(offset, n)`` of one open file (``raw``, which stays the caller's)."""

    __slots__ = ("raw", "size", "_fd")

    def __init__(self, raw: IO[bytes]) -> None:
        self.raw = raw
        self._fd = _descriptor(raw)
        self.size = raw.seek(0, io.SEEK_END) if self._fd is None else os.fstat(self._fd).st_size

    def read(self, offset: int, n: int) -> bytes:
        """Up to ``n`` bytes at ``offset``: fewer only at the end of the file (as a buffered
        read gives them)."""
        fd = self._fd
        if fd is None:
            self.raw.seek(offset)
            return self.raw.read(n)
        data = os.pread(fd, n, offset)
        while 0 < len(data) < n:  # a read cut short (a signal): the rest, up to the end
            more = os.pread(fd, n - len(data), offset + len(data))
            if not more:
                break
            data += more
        return data


def _descriptor(raw: IO[bytes]) -> int | None:
    """The descriptor of a plain file opened by ``open`` (buffered or not), else None: only
    then is a read at the descriptor the same as a read of the object."""
    if not hasattr(os, "pread"):
        return None
    inner = raw.raw if type(raw) is io.BufferedReader else raw
    if type(inner) is not io.FileIO:
        return None
    try:
        return inner.fileno()
    except (OSError, ValueError):
        return None
