"""SHA-256 over a run of files, each behind a prefix: the reading and hashing half of
``input_hash`` (which says what is hashed, and in which order).

``_file_digest.pyx`` is the compiled form of :func:`digest` (what ``input_hash`` runs where
it was built): the same loop in C with the GIL released over the whole run of files, so the
hash thread beside the parse no longer takes the GIL back several times per file (thousands
of times on the corpus, each a wait for the main thread to let go of it). This module is its
pure twin and the reference; tests/test_input_hash.py compares the two.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable

#: Bytes read at a time: one buffer, reused (a new object per read costs more), and small
#: enough to stay in the core's L2 cache between the read and the hash.
BUFFER = 1 << 18
#: Most bytes hashed between two calls of ``stop``: a Ctrl-C waits for this thread (it was
#: 5.8 s with a 6 GB file in the bundle when nothing was checked). 4 MiB is ~2.5 ms from the
#: page cache, 40 ms from a 100 MB/s disk; each call takes the GIL (29 times for the corpus).
STOP_EVERY = 1 << 22

#: (index in ``items``, errno (0: none), size when opened (-1: not opened), bytes read)
Irregular = tuple[int, int, int, int]


def digest(items: list[tuple[bytes, bytes]], stop: Callable[[], None]) -> tuple[bytes, list[Irregular]]:
    """SHA-256 of ``prefix + contents`` of each ``(prefix, path)`` in ``items`` (both ``bytes``),
    in order, and what did not read as it should.

    A file that cannot be opened (gone since it was listed, or unreadable) adds nothing, not
    even its prefix; a read error keeps what was read before it; a file that grew or shrank
    while it was read is hashed as read, to its end. Each of these is listed as irregular,
    for the caller to tell; only ``stop`` (called between reads) raises.
    """
    h = hashlib.sha256()
    buf = bytearray(BUFFER)
    view = memoryview(buf)
    odd: list[Irregular] = []
    since_stop = 0
    for i, (prefix, path) in enumerate(items):
        try:
            fh = open(path, "rb", buffering=0)  # noqa: SIM115 - closed below
        except OSError as exc:
            odd.append((i, exc.errno or 0, -1, 0))
            continue
        with fh:
            try:
                size = os.fstat(fh.fileno()).st_size
            except OSError:
                size = -1  # unknown: told as irregular whatever is read
            h.update(prefix)
            done = 0
            err = 0
            while True:
                try:
                    n = fh.readinto(buf)
                except OSError as exc:
                    err = exc.errno or 0
                    break
                if not n:
                    break
                h.update(view[:n])
                done += n
                since_stop += n
                if since_stop >= STOP_EVERY:
                    since_stop = 0
                    stop()
        if err or done != size:
            odd.append((i, err, size, done))
    return h.digest(), odd
