"""``KeyReader.walk`` over many chunks at once, with numpy: the same walks, at a fraction of
the cost per record.

Why: in a large host log the record skip reads every record of every chunk, and a Python
loop costs ~0.7 us a record however little it does, a third of what skipping the record
saves. Records are 8-byte aligned in the logs Windows writes (and logscope's writer), so the
record signatures of a batch of chunks are found in one vector comparison; a chunk counts
as read only when they chain from offset 512 to its free space, one record after another,
with the ids the header promises. The keys then come from the same per-template layouts as
in ``chunk_keys``, gathered for all records of a layout together; only a record that
defines its template, and each new value seen, is read in Python. A chunk of any other
shape (a signature inside a value, records not aligned) is walked by ``KeyReader.walk``.

numpy is imported only here, for files large enough to pay for it (``slots``).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .chunk_keys import UNREAD, KeyReader, Walk, layout

CHUNK = 65536
#: Fragment header and template instance token, as the low 6 bytes of a little-endian u64.
_INSTANCE = int.from_bytes(b"\x0f\x01\x01\x00\x0c\x01", "little")
_MASK = (1 << 48) - 1


def walk_batch(reader: KeyReader, items: list[tuple[bytes, int, int]]) -> list[Walk | None]:
    """The walks of ``(chunk bytes, free-space offset, first record id)`` items, as
    ``reader.walk(data, end, first_id)`` gives them."""
    reader.bound()
    out: list[Walk | None] = [None] * len(items)
    usable = [i for i, (data, end, _first) in enumerate(items) if len(data) == CHUNK and 512 < end <= CHUNK]
    found = _frames(items, usable) if usable else None
    done: set[int] = set()
    if found is not None:
        good, pos, rel, size, chunk, starts, stops, buf = found
        kids = _keys(reader, items, usable, good, pos, rel, size, chunk, buf)
        rel_list, kid_list = rel.tolist(), kids.tolist()
        for c in np.flatnonzero(good).tolist():
            i = usable[c]
            walk = Walk(items[i][1], reader.epoch)
            walk.positions = rel_list[starts[c]:stops[c]]
            walk.kids = kid_list[starts[c]:stops[c]]
            out[i] = walk
            done.add(i)
    for i, (data, end, first) in enumerate(items):
        if i not in done:
            out[i] = reader.walk(data, end, first)
    return out


def _frames(items: list[tuple[bytes, int, int]], usable: list[int]) -> tuple[Any, ...] | None:
    """The record frames of the usable chunks: which chunks chain cleanly (``good``), and
    per record its offset in the batch, in its chunk, its size and its chunk."""
    buf = b"".join(items[i][0] for i in usable)
    k = len(usable)
    u32 = np.frombuffer(buf, "<u4")
    u64 = np.frombuffer(buf, "<u8")
    ends = np.array([items[i][1] for i in usable], np.int64)
    firsts = np.array([items[i][2] for i in usable], np.uint64)
    pos = np.flatnonzero(u32[::2] == 0x2A2A).astype(np.int64) * 8
    rel = pos & (CHUNK - 1)
    chunk = pos >> 16
    inside = (rel >= 512) & (rel < ends[chunk])
    pos, rel, chunk = pos[inside], rel[inside], chunk[inside]
    if not len(pos):
        return None
    size = u32[(pos >> 2) + 1].astype(np.int64)
    which = np.arange(k)
    starts = np.searchsorted(chunk, which)
    stops = np.searchsorted(chunk, which, "right")
    # each record ends where the next one of its chunk starts, the last at the free space
    follows = np.empty_like(rel)
    follows[:-1] = np.where(chunk[:-1] == chunk[1:], rel[1:], ends[chunk[:-1]])
    follows[-1] = ends[chunk[-1]]
    nth = (np.arange(len(pos)) - starts[chunk]).astype(np.uint64)
    fine = (rel + size == follows) & (size >= 46) & (u64[(pos >> 3) + 1] == firsts[chunk] + nth)
    bad = np.bincount(chunk[~fine], minlength=k) > 0
    good = ~bad & (stops > starts)
    good[good] &= rel[starts[good]] == 512
    return good, pos, rel, size, chunk, starts.tolist(), stops.tolist(), buf


def _keys(reader: KeyReader, items: list[tuple[bytes, int, int]], usable: list[int],
          good: Any, pos: Any, rel: Any, size: Any, chunk: Any, buf: bytes) -> Any:
    """The key id of every record of the good chunks (UNREAD elsewhere)."""
    u8 = np.frombuffer(buf, np.uint8)
    u16 = np.frombuffer(buf, "<u2")
    u64 = np.frombuffer(buf, "<u8")
    kids = np.full(len(pos), UNREAD, np.int64)
    take = good[chunk] & ((u64[(pos >> 3) + 3] & _MASK) == _INSTANCE)
    define = u16[(pos + 34) >> 1].astype(np.int64) | (u16[(pos + 36) >> 1].astype(np.int64) << 16)
    idx = np.flatnonzero(take)
    if not len(idx):
        return kids
    codes, inverse = np.unique(chunk[idx] * (1 << 32) + define[idx], return_inverse=True)
    plans: dict[int, dict[int, Any]] = {}  # per chunk: its templates by definition offset
    groups: dict[int, list[Any]] = {}  # layouts (by identity) -> [lays, dlen, slots, plan ids]
    constant = np.full(len(codes), UNREAD - 1, np.int64)
    for u, code in enumerate(codes.tolist()):
        c, d = code >> 32, code & 0xFFFFFFFF
        chunk_plans = plans.setdefault(c, {})
        plan = chunk_plans[d] = reader.plan(items[usable[c]][0], d)
        dlen, lays, kid, slots = plan
        if not dlen:
            constant[u] = kid
        else:
            groups.setdefault(id(lays), [lays, dlen, slots, []])[3].append(u)
    inline = define[idx] == rel[idx] + 38
    kids[idx] = constant[inverse]
    for lays, dlen, slots, members in groups.values():
        sel = idx[np.isin(inverse, members) & ~inline]
        if len(sel):
            kids[sel] = _layout_keys(reader, items, usable, lays, dlen, slots, sel, pos, rel, size, chunk, u8)
    for r in idx[inline].tolist():  # records that define their template: one by one
        c = int(chunk[r])
        kids[r] = reader.slow(items[usable[c]][0], int(rel[r]), int(size[r]), int(define[r]), plans[c])
    return kids


def _layout_keys(reader: KeyReader, items: list[tuple[bytes, int, int]], usable: list[int],
                 lays: dict[bytes, Any], dlen: int, slots: Any, sel: Any, pos: Any, rel: Any,
                 size: Any, chunk: Any, u8: Any) -> Any:
    """Key ids of records ``sel`` whose templates share one slot layout."""
    kids = np.full(len(sel), UNREAD, np.int64)
    at = pos[sel]
    fits = np.flatnonzero(size[sel] >= 38 + dlen)  # else its layout cannot fit it either
    prefixes = _rows(u8, at[fits] + 38, 0, dlen)
    for prefix, members in _alike(prefixes):
        lay = lays.get(prefix) or layout(prefix, dlen, slots, lays)
        a, b, c, d, need, known, _spans = lay
        rows = fits[members]
        rows = rows[size[sel[rows]] >= need]
        if not len(rows):
            continue
        for raw, same in _alike(_rows(u8, at[rows], a, b, c, d)):
            kid = known.get(raw)
            if kid is None:
                r = sel[rows[same[0]]]
                kid = reader.kid_of(items[usable[int(chunk[r])]][0], int(rel[r]), lay)
            kids[rows[same]] = kid
    return kids


#: Distinct rows told apart by comparing with one row at a time, up to this many; past it
#: (a layout whose values vary) by sorting them.
_FEW = 8


def _alike(mat: Any) -> list[tuple[bytes, Any]]:
    """The distinct rows of a byte matrix, each with the indexes of the rows equal to it."""
    out = []
    width = mat.shape[1]
    words = mat
    if width % 8:  # compared as 8-byte words: pad each row with zeros
        words = np.zeros((len(mat), width + 8 - width % 8), np.uint8)
        words[:, :width] = mat
    words = words.view(np.uint64)
    left = np.arange(len(mat))
    while len(left) and len(out) < _FEW:
        rest = words if len(left) == len(mat) else words[left]
        same = (rest == words[left[0]]).all(axis=1)
        out.append((mat[left[0]].tobytes(), left[same]))
        left = left[~same]
    if len(left):
        rest = np.ascontiguousarray(mat[left]).view(np.dtype((np.void, width))).ravel()
        found, which = np.unique(rest, return_inverse=True)
        out += [(raw, left[which == j]) for j, raw in enumerate(found.tolist())]
    return out


def _rows(u8: Any, base: Any, a: int, b: int, c: int = 0, d: int = 0) -> Any:
    """Per offset in ``base``: the bytes ``[a:b] + [c:d]`` from it, one row each."""
    part = sliding_window_view(u8, b - a)[base + a]
    if c == d:
        return part
    return np.concatenate((part, sliding_window_view(u8, d - c)[base + c]), axis=1)
