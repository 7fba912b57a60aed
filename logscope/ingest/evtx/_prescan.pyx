# cython: language_level=3
"""Compiled form of ``prescan.py``'s per-chunk loops: ``chain_loops`` and
``amplifying_templates`` (same arguments, same answers; ``prescan.py`` is the reference and
tests/evtx/test_prescan_forms.py compares the two on real and mutated chunks).

Why compiled: both run on every chunk slot the engine reads, before it reads it; in Python
they were the largest per-chunk cost after the record walk (~55 ms of a 64 MB host log).

Reading attacker bytes: bytes are read through a bounds-checked typed memoryview (an index
past the buffer raises IndexError, as ``bytes`` does in the twin), but in the two scans over
many bytes (instance tokens by ``memchr``, a body's substitution bytes), which read through a
pointer only inside a range compared with the buffer length just before; offsets and sizes
read from the file are held in 64-bit ``Py_ssize_t`` and compared with the buffer length
before use. Per-call scratch (which node, substitution index or template offset was seen)
lives in fixed tables indexed by 16-bit values (a chunk offset below 64 KiB, a
substitution index) and told apart by a call stamp, so nothing is cleared per call; a
buffer longer than a chunk slot goes to the twin. The GIL is held throughout and no Python
code runs while a table is in use.
"""

from libc.stdint cimport uint8_t, uint32_t
from libc.string cimport memchr, memset

from . import prescan as _twin

cdef Py_ssize_t CHUNK_HEADER = _twin.CHUNK_HEADER
cdef Py_ssize_t MAX_FAN = _twin.MAX_FAN
cdef Py_ssize_t WORK_BUDGET = _twin.WORK_BUDGET
#: Longest buffer the 64 Ki-entry tables serve (one chunk slot); longer ones: the twin.
cdef Py_ssize_t SLOT = 65536
cdef Py_ssize_t TABLE = 65536

# -- per-call scratch, told apart by stamps (a stamp is never reused before a reset) --------
cdef uint32_t _node_seen[65536]   # chain_loops: stamp of the bucket walk that visited a node
cdef uint32_t _index_seen[65536]  # _may_repeat / _template_fan: stamp of the body per index
cdef uint32_t _index_uses[65536]  # _template_fan: uses of an index in the current body
cdef uint32_t _off_seen[65536]    # amplifying_templates: template offsets met in this chunk
cdef uint32_t _offs[65536]        # ... in the order met
cdef uint32_t _stamp = 0

#: Fixed-size value types (``prescan._FIXED``): size, or -1 for a type not there.
cdef int _fixed[256]
#: Inline-name tokens (``prescan._NAMED``): bytes before the name offset, or 0.
cdef int _named[256]
#: Bytes a substitution token's index high byte / value type may be, where the walk lost
#: sync (read off ``prescan._SUBSTITUTION`` itself: one definition).
cdef uint8_t _subst_high[256]
cdef uint8_t _subst_type[256]


cdef void _tables():
    cdef int i
    for i in range(256):
        _fixed[i] = -1
        _named[i] = 0
        _subst_high[i] = _twin._SUBSTITUTION.fullmatch(bytes([0x0D, 0, i, 0])) is not None
        _subst_type[i] = _twin._SUBSTITUTION.fullmatch(bytes([0x0D, 0, 0, i])) is not None
    for k, v in _twin._FIXED.items():
        _fixed[k] = v
    for k, v in _twin._NAMED.items():
        _named[k] = v


_tables()
if _twin.CHAIN_TABLES != ((0x80, 64), (0x180, 32)):  # written out in chain_loops below
    raise ImportError("prescan.CHAIN_TABLES changed: _prescan must be rebuilt to match")


cdef inline void _reserve(uint32_t need):
    """Room for ``need`` new stamps (called once per call, before any is taken: a reset
    between two stamps of one call would make an old stamp look new)."""
    global _stamp
    if _stamp > 0xFFFFFFFF - need:
        memset(_node_seen, 0, sizeof(_node_seen))
        memset(_index_seen, 0, sizeof(_index_seen))
        memset(_off_seen, 0, sizeof(_off_seen))
        _stamp = 0


cdef inline uint32_t _next_stamp():
    """A stamp above every one in the tables (room made by ``_reserve``)."""
    global _stamp
    _stamp += 1
    return _stamp


cdef inline uint32_t _u32(const uint8_t[::1] d, Py_ssize_t at):
    return (d[at] | (<uint32_t>d[at + 1] << 8) | (<uint32_t>d[at + 2] << 16)
            | (<uint32_t>d[at + 3] << 24))


def chain_loops(data):
    """Chunk offsets of the links that close a loop in a name or template hash chain
    (``prescan.chain_loops``)."""
    cdef const uint8_t[::1] d = data
    cdef Py_ssize_t n = d.shape[0]
    if n > SLOT:
        return _twin.chain_loops(data)
    cdef Py_ssize_t end = n - 4, table, buckets, heads, bucket, at
    cdef Py_ssize_t found[96]
    cdef Py_ssize_t nfound = 0
    cdef uint32_t node, base, cur, seen
    cdef int t
    _reserve(2 + 96)
    for t in range(2):
        table = 0x80 if t == 0 else 0x180  # prescan.CHAIN_TABLES
        buckets = 64 if t == 0 else 32
        if table + 4 * buckets <= n:
            heads = buckets
        elif end >= table:  # a slot cut inside its header: the buckets it holds
            heads = (end - table) // 4 + 1
        else:
            heads = 0
        base = _next_stamp()
        for bucket in range(heads):
            at = table + 4 * bucket
            node = _u32(d, at)
            if not node:
                continue  # an empty bucket (most of them)
            cur = _next_stamp()
            while node:
                if node > end:
                    break  # outside the chunk: the engine fails the chunk cleanly
                seen = _node_seen[node]
                if base < seen < cur:
                    break  # walked from an earlier bucket of this table
                if seen == cur:
                    found[nfound] = at
                    nfound += 1
                    break
                _node_seen[node] = cur
                at = node
                node = _u32(d, at)
    return [found[i] for i in range(nfound)]


cdef bint _may_repeat(const uint8_t[::1] d, Py_ssize_t start, Py_ssize_t end):
    """Whether two substitution-shaped byte runs of ``d[start:end]`` share an index
    (``prescan._may_repeat``: every 0x0D/0x0E byte with two bytes after it before ``end``)."""
    if start < 0 or end > d.shape[0]:
        raise IndexError("body outside the buffer")
    cdef uint32_t cur = _next_stamp()
    cdef uint32_t index
    cdef Py_ssize_t p
    if end - start < 3:
        return False
    # raw reads: p + 2 < end <= len(d), checked just above and by the loop bound
    cdef const uint8_t* b = &d[0]
    for p in range(start, end - 2):
        if b[p] == 0x0D or b[p] == 0x0E:
            index = b[p + 1] | (<uint32_t>b[p + 2] << 8)
            if _index_seen[index] == cur:
                return True
            _index_seen[index] = cur
    return False


cdef inline uint32_t _use(uint32_t index, uint32_t cur, uint32_t best):
    if _index_seen[index] != cur:
        _index_seen[index] = cur
        _index_uses[index] = 0
    _index_uses[index] += 1
    return _index_uses[index] if _index_uses[index] > best else best


cdef uint32_t _template_fan(const uint8_t[::1] d, Py_ssize_t start, Py_ssize_t end):
    """Most uses of one substitution index in the body ``d[start:end]``
    (``prescan._template_fan``, branch for branch)."""
    cdef uint32_t cur = _next_stamp()
    cdef uint32_t best = 0
    cdef Py_ssize_t pos = start, head, at, name
    cdef bint opened = False
    cdef int tok
    while pos < end:
        tok = d[pos] & 0xBF
        if tok == 0x00:
            break
        if tok == 0x02 or tok == 0x03 or tok == 0x04:
            pos += 1
        elif tok == 0x0F:
            pos += 4
        elif tok == 0x0D or tok == 0x0E:
            if pos + 4 > end:
                break
            best = _use(d[pos + 1] | (<uint32_t>d[pos + 2] << 8), cur, best)
            pos += 4
        elif _named[tok]:
            head = pos + _named[tok]
            if head + 4 > end:
                break
            name = _u32(d, head)
            pos = head + 4
            if name == pos:  # the name is written inline: link, hash, length, UTF-16, NUL
                if pos + 8 > end:
                    break
                pos += 8 + 2 * (d[pos + 6] | (<Py_ssize_t>d[pos + 7] << 8)) + 2
            if tok == 0x01:
                opened = True
                if d[head - 7] & 0x40:
                    pos += 4  # attribute list size
        elif tok == 0x05 and pos + 2 <= end and _fixed[d[pos + 1]] >= 0:
            pos += 2 + _fixed[d[pos + 1]]
        elif tok == 0x05 or tok == 0x07 or tok == 0x0B:
            at = pos + (2 if tok == 0x05 else 1)
            if at + 2 > end or (tok == 0x05 and d[pos + 1] != 0x01):
                break  # a value the walk cannot size: the rest is searched below
            pos = at + 2 + 2 * (d[at] | (<Py_ssize_t>d[at + 1] << 8))
        elif tok == 0x08:
            pos += 3
        else:
            break
    if opened and pos < end and d[pos] != 0x00:
        # the walk lost the token boundaries: every substitution-shaped run of the rest
        # (``prescan._SUBSTITUTION``, leftmost non-overlapping matches of 4 bytes)
        while pos + 4 <= end:
            if ((d[pos] == 0x0D or d[pos] == 0x0E) and _subst_high[d[pos + 2]]
                    and _subst_type[d[pos + 3]]):
                best = _use(d[pos + 1] | (<uint32_t>d[pos + 2] << 8), cur, best)
                pos += 4
            else:
                pos += 1
    return best


def amplifying_templates(data, cache=None):
    """Chunk offsets of template definitions that use one substitution index more than once
    (``prescan.amplifying_templates``). ``cache`` is accepted for the twin's signature and
    not used: here a body's check costs less than making its cache key. Raises
    ``prescan.OverBudget`` (the same work count) before reading a body past the budget."""
    cdef const uint8_t[::1] d = data
    cdef Py_ssize_t size = d.shape[0]
    if size > SLOT:
        return _twin.amplifying_templates(data, cache)
    cdef const uint8_t* base
    cdef const uint8_t* hit
    cdef Py_ssize_t p = CHUNK_HEADER, last = size - 10, off, start, end, i, nout = 0
    cdef Py_ssize_t noffs = 0
    _reserve(1 + 2 * TABLE)  # this one, then two per template offset (at most 64 Ki)
    cdef uint32_t cur = _next_stamp()
    # instance tokens: 0x0C, five bytes, the definition offset's two low bytes, two zeros
    if size > 0:
        base = &d[0]
        while p <= last:
            hit = <const uint8_t*>memchr(base + p, 0x0C, <size_t>(last - p + 1))
            if hit == NULL:
                break
            p = hit - base  # p <= last: p + 9 < size
            if d[p + 8] == 0 and d[p + 9] == 0:
                off = d[p + 6] | (<Py_ssize_t>d[p + 7] << 8)
                if _off_seen[off] != cur:
                    _off_seen[off] = cur
                    _offs[noffs] = <uint32_t>off
                    noffs += 1
            p += 1
    # the bodies evtx would read (kept in place, in ``_offs``) and their bytes: the work
    # measure, checked against the budget before any body is read (``prescan.slot_work``)
    cdef Py_ssize_t nnamed = 0, work = 0  # at most 64 Ki bodies of < 64 KiB: no overflow
    for i in range(noffs):
        off = _offs[i]
        if off < CHUNK_HEADER or off + 24 > size:
            continue
        end = off + 24 + <Py_ssize_t>_u32(d, off + 20)
        if end > size:
            continue  # evtx rejects a template that overruns its chunk
        work += end - off - 24
        _offs[nnamed] = <uint32_t>off  # in place: the offsets before i are done with
        nnamed += 1
    if work > WORK_BUDGET:
        raise _twin.OverBudget(work)
    for i in range(nnamed):
        off = _offs[i]
        start = off + 24
        end = start + <Py_ssize_t>_u32(d, off + 20)
        if _may_repeat(d, start, end) and _template_fan(d, start, end) > MAX_FAN:
            _offs[nout] = <uint32_t>off  # in place again
            nout += 1
    return sorted([_offs[i] for i in range(nout)])


def _restamp(value):
    """Test hook: move the call stamp up to ``value`` (the tables' reset is otherwise met only
    after some 4e9 calls). Never down: an entry above the stamp would read as current."""
    global _stamp
    if value > _stamp:
        _stamp = value
