"""Which records of a chunk the engine renders, and the size fields that hide the others
from it: the per-record part of the record skip (``record_skip``, which decides per key id
which records are wanted).

Why its own module: it is the one loop of the skip that runs per record (~190 a chunk on a
host's logs), so it has a compiled form (``_skip_runs.pyx``) beside this twin, the reference.
"""

from __future__ import annotations

from collections.abc import Callable

from .chunk_keys import UNREAD

#: (size fields to write: (chunk offset, new size); id of a rendered record -> (first, last)
#: id of the records skipped after it; how many were skipped)
Runs = tuple[list[tuple[int, int]], dict[int, tuple[int, int]], int]


def hide(data: bytes, positions: list[int], kids: list[int], end: int, wanted: set[int],
         first_id: int, values_end: Callable[[bytes, int, int], int | None]) -> Runs | None:
    """The runs of records to hide in a chunk whose records start at ``positions`` (the last
    one ends at ``end``) with key ids ``kids``; None when no size field is to be written.

    The first record is always rendered (the engine starts there), and so is the record after
    one whose values have no end-of-stream token right after them (``values_end``; enlarged,
    the engine would read on into the next record), or that is of a shape not read."""
    rendered = [i for i, kid in enumerate(kids) if kid in wanted]
    if not rendered or rendered[0]:
        rendered.insert(0, 0)
    n = len(kids)
    resized: list[tuple[int, int]] = []
    runs: dict[int, tuple[int, int]] = {}
    skipped = 0
    k = 0
    while k < len(rendered):
        r = rendered[k]
        nxt = rendered[k + 1] if k + 1 < len(rendered) else n
        k += 1
        if nxt == r + 1:
            continue
        pos = positions[r]
        # a record of a shape not read (no template instance) is never enlarged
        stream_end = values_end(data, pos, positions[r + 1] - 4) if kids[r] != UNREAD else None
        if stream_end is None or data[stream_end] != 0:
            rendered.insert(k, r + 1)  # no end-of-stream token: the next one is read too
            continue
        resized.append((pos + 4, (positions[nxt] if nxt < n else end) - pos))
        runs[first_id + r] = (first_id + r + 1, first_id + nxt - 1)
        skipped += nxt - r - 1
    return (resized, runs, skipped) if resized else None
