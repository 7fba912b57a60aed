# cython: language_level=3
"""Compiled form of ``chunk_keys`` (its pure-Python twin and reference): the per-record loop
of ``KeyReader.walk`` and ``values_end`` in C.

Why: the walk reads every record of every chunk the gate keeps (192k records in a 64 MB
host log), and the twin's loop costs ~0.8 us a record however little it does. Here a
record costs a header read, a compare of its descriptor prefix and key values against the
ones the record before it with the same template had, and two list appends; anything new
(a template, a layout, a key value) goes through the twin's own methods, which this class
inherits, so the memo, its bounds and the key ids are the twin's.

Memory safety: the record bytes are attacker's. Every read through the raw pointer comes
right after a check that it lies inside ``data`` (``_fits``); sizes read from the file are
held in 64-bit integers and compared, never trusted; a call the loop was not written for
(not ``bytes``, an end past the data) is answered by the twin.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint32_t, uint64_t
from libc.string cimport memcmp, memcpy

from struct import error as _struct_error

from logscope.ingest.evtx import chunk_keys as _twin
from logscope.ingest.evtx.chunk_keys import (  # noqa: F401 - the module's names, as the twin's
    MAX_MEMO,
    MAX_SUBSTITUTIONS,
    UNREAD,
    Key,
    Walk,
    layout,
)

#: Fragment header and template instance token (``chunk_keys._INSTANCE``).
cdef bytes _INSTANCE = _twin._INSTANCE
cdef int64_t _SIGNATURE = _twin._SIGNATURE
cdef int64_t _MIN_RECORD = _twin._MIN_RECORD
cdef long _UNREAD = UNREAD
cdef int64_t _MAX_SUBS = MAX_SUBSTITUTIONS
cdef uint64_t _U64_MAX = 0xFFFFFFFFFFFFFFFF
#: Template definitions remembered by their first bytes: the header (next-link, GUID, size)
#: and the first elements' name links, which differ from chunk to chunk where the names lie
cdef Py_ssize_t _KEY_BYTES = 96
#: ... and how many definitions per such key
cdef Py_ssize_t _PER_HEADER = 8
#: Bytes of template definitions remembered beside the twin's memo (a real log's few
#: hundred templates take well under 1 MB; past this the memo starts over)
cdef int64_t _MEMO_BYTES = 8 << 20
#: Templates of the chunk being walked held by a hash of their offset (a power of two)
cdef enum:
    _WAYS = 16


cdef inline bint _fits(int64_t at, int64_t size, int64_t n) noexcept nogil:
    """Whether ``size`` bytes from ``at`` lie inside a buffer of ``n`` bytes."""
    return 0 <= at and 0 <= size and at <= n - size


cdef inline uint32_t _u32(const unsigned char* p) noexcept nogil:
    return p[0] | (<uint32_t>p[1] << 8) | (<uint32_t>p[2] << 16) | (<uint32_t>p[3] << 24)


cdef inline uint64_t _u64(const unsigned char* p) noexcept nogil:
    return _u32(p) | (<uint64_t>_u32(p + 4) << 32)


cdef class _Fast:
    """One template of the chunk being walked (the twin's plan tuple) and what the last
    record of it had: its descriptor prefix and layout, its key values and key id."""

    cdef Py_ssize_t dlen
    cdef object lays, slots
    cdef long kid
    cdef bytes prefix  # the last descriptor prefix seen (None: none yet)
    cdef object lay  # its layout tuple (the twin's)
    cdef object known  # the layout's {value bytes: key id}
    cdef int64_t a, b, c, d, need
    cdef bint sliced  # the layout's offsets are ordered: the value bytes are read here
    cdef bytes raw  # the last value bytes seen in this layout (None: none yet)
    cdef long raw_kid

    def __cinit__(self, tuple plan):
        dlen, lays, kid, slots = plan
        self.dlen = dlen
        self.lays = lays
        self.kid = kid
        self.slots = slots
        self.prefix = None
        self.raw = None

    cdef void take(self, bytes prefix, tuple lay):
        a, b, c, d, need, known, _spans = lay
        self.prefix, self.lay, self.known = prefix, lay, known
        self.a, self.b, self.c, self.d, self.need = a, b, c, d, need
        # offsets as ``_offsets`` makes them; anything else takes the twin's slices
        self.sliced = 0 <= a <= b <= need and 0 <= c <= d <= need
        self.raw = None


class KeyReader(_twin.KeyReader):
    """``chunk_keys.KeyReader`` with its record loop compiled (same answers, same memo)."""

    def __init__(self):
        _twin.KeyReader.__init__(self)
        #: template's first bytes -> [(definition bytes, shape, plan)], latest first
        self._memo = {}
        self._memo_bytes = 0

    def walk(self, data, end, first_id=None):
        """The records of ``data[512:end]`` (see the twin's ``walk``)."""
        if (type(data) is not bytes or type(end) is not int or not 0 <= end <= len(data)
                or first_id is not None and type(first_id) is not int):
            return _twin.KeyReader.walk(self, data, end, first_id)
        self.bound()
        out = Walk(end)
        cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
        cdef int64_t n = PyBytes_GET_SIZE(data)
        cdef uint64_t expect = 0
        cdef bint expect_ok = True  # False: no u64 id can match (past 2**64, negative)
        if first_id is None:
            if not _fits(520, 8, n):
                return None  # the twin's struct.error
            expect = _u64(p + 520)
        elif 0 <= first_id <= _U64_MAX:
            expect = first_id
        else:
            expect_ok = False
        try:
            return _loop(self, data, p, n, end, expect, expect_ok, out)
        except _struct_error:  # the twin's: a template or value running past the slot
            return None

    def bound(self):
        """The twin's bound; the plans remembered here start over with its memo."""
        epoch = self.epoch
        _twin.KeyReader.bound(self)
        if self.epoch != epoch:
            self._memo = {}
            self._memo_bytes = 0

    def slow(self, data, pos, size, define, plans):
        """The key id of a record whose template is new in this chunk or defined in it
        (the twin's ``slow``)."""
        if (type(data) is not bytes or type(pos) is not int or type(size) is not int
                or type(define) is not int or not 0 <= pos <= len(data)
                or not 0 <= size <= len(data) or not 0 <= define < (1 << 40)):
            return _twin.KeyReader.slow(self, data, pos, size, define, plans)
        return _slow(self, data, <const unsigned char*>PyBytes_AS_STRING(data), len(data),
                     pos, size, define, plans)

    def plan(self, data, define):
        """(descriptor prefix length, layouts, key id when every key is template text,
        slots) of the template defined at chunk offset ``define`` (the twin's ``plan``,
        remembered by its first bytes and compared byte for byte: ``_plan``)."""
        if type(data) is not bytes or type(define) is not int or not 0 <= define < (1 << 40):
            return _twin.KeyReader.plan(self, data, define)
        return _plan(self, data, <const unsigned char*>PyBytes_AS_STRING(data), len(data), define)


cdef object _loop(object reader, bytes data, const unsigned char* p, int64_t n, int64_t stop,
                  uint64_t expect, bint expect_ok, object out):
    """The twin's record loop (see ``KeyReader.walk``)."""
    cdef list positions = out.positions
    cdef list kids = out.kids
    cdef int64_t pos = 512
    cdef int64_t size
    cdef uint32_t define
    cdef long kid
    cdef Py_ssize_t h
    cdef _Fast fp
    cdef const unsigned char* inst = <const unsigned char*>PyBytes_AS_STRING(_INSTANCE)
    cdef dict plans = {}  # the twin's: definition offset -> plan tuple
    cdef dict fast = {}  # definition offset -> _Fast
    # the templates met last, by a hash of their offset: a chunk interleaves a few
    cdef uint32_t[_WAYS] recent_at
    cdef list recent = [None] * _WAYS
    while pos < stop:
        if not _fits(pos, 38, n):
            return None  # the twin's struct.error: a frame running past the data
        size = _u32(p + pos + 4)
        if (_u32(p + pos) != _SIGNATURE or not expect_ok or _u64(p + pos + 8) != expect
                or size < _MIN_RECORD or pos + size > stop):
            return None
        if memcmp(p + pos + 24, inst, 6) != 0:
            kid = _UNREAD
        else:
            define = _u32(p + pos + 34)
            if define == pos + 38:  # defined right here
                kid = _slow(reader, data, p, n, pos, size, define, plans)
            else:
                h = (define ^ (define >> 5)) & (_WAYS - 1)
                if recent[h] is not None and recent_at[h] == define:
                    fp = <_Fast>recent[h]
                else:
                    fp = fast.get(define)
                    if fp is None:
                        plan = plans.get(define)
                        if plan is not None:
                            fp = _Fast(plan)
                            fast[define] = fp
                if fp is None:  # new in this chunk
                    kid = _slow(reader, data, p, n, pos, size, define, plans)
                else:
                    recent[h], recent_at[h] = fp, define
                    kid = _kid(reader, fp, data, p, n, pos, size)
        positions.append(pos)
        kids.append(kid)
        if expect == _U64_MAX:
            expect_ok = False
        else:
            expect += 1
        pos += size
    return out


cdef long _slow(object reader, bytes data, const unsigned char* p, int64_t n, int64_t pos,
                int64_t size, int64_t define, dict plans) except? -1000:
    """The twin's ``slow``: a record whose template is new in this chunk or defined in it."""
    cdef int64_t cur = pos + 38
    plan = plans.get(define)
    if plan is None:
        plan = _plan(reader, data, p, n, define)
        plans[define] = plan
    if not plan[0]:
        return plan[2]
    if define == cur:  # the values follow the definition
        if not _fits(define + 20, 4, n):
            raise _struct_error("template definition past the slot")
        cur += 24 + _u32(p + define + 20)
    # the values, counted from 38 bytes before the substitution count: the fast path's
    # record with the size it has from there
    return _kid(reader, _Fast(plan), data, p, n, cur - 38, pos + size - (cur - 38))


cdef object _plan(object reader, bytes data, const unsigned char* p, int64_t n, int64_t define):
    """The twin's ``plan``, its answers remembered by the definition's first bytes (header,
    the first elements' name links) and compared byte for byte with the definition and the
    names it points to: a hit is a template whose shape the twin has remembered (its
    ``_shapes`` by the same bytes, replaced only here), so the answer is the one the twin
    gives."""
    cdef int64_t body_end, size
    if define < 512 or not _fits(define, 24, n):
        return (0, {}, _UNREAD, None)
    body_end = define + 24 + _u32(p + define + 20)
    if body_end > n:
        return (0, {}, _UNREAD, None)
    size = body_end - define
    memo = reader._memo
    key = PyBytes_FromStringAndSize(<const char*>p + define, min(size, _KEY_BYTES))
    seen = memo.get(key)
    if seen is not None:
        for raw, shape, plan in seen:
            if PyBytes_GET_SIZE(raw) != size or memcmp(PyBytes_AS_STRING(raw), p + define, size):
                continue
            if _names_read(shape, p, n):
                return plan
            break  # these bytes with other names: the twin reads the shape again
    # the twin's plan, with the definition's bytes sliced once
    raw = data[define:body_end]
    shapes = reader._shapes
    shape = shapes.get(raw)
    if shape is None or not _names_read(shape, p, n):
        shape = _twin.shape_of(data, define + 24, body_end)
        shapes[raw] = shape
    slots = shape.slots
    if slots is None:
        plan = (0, {}, _UNREAD, None)
    else:
        kid = _UNREAD
        if not shape.dlen:
            kid = reader._keyed([s if s is None else s[1] for s in slots])
        lays = reader._lays.get(slots)
        if lays is None:
            lays = reader._lays[slots] = {}
        plan = (shape.dlen, lays, kid, slots)
    if reader._memo_bytes + size > _MEMO_BYTES or len(memo) >= MAX_MEMO:
        memo.clear()
        reader._memo_bytes = 0
        seen = None
    entry = (raw, shape, plan)
    if seen is None:
        memo[key] = [entry]
    else:  # the latest first, the same bytes once
        memo[key] = [entry] + [e for e in seen[:_PER_HEADER - 1] if e[0] != raw]
    reader._memo_bytes += size
    return plan


cdef bint _names_read(object shape, const unsigned char* p, int64_t n) except -1:
    """Whether the names a template's shape points to read the same here (the twin's
    ``all(map(data.startswith, shape.names, shape.places))``)."""
    cdef Py_ssize_t i
    cdef int64_t at, length
    cdef bytes name
    names, places = shape.names, shape.places
    for i in range(len(names)):
        name = names[i]
        at = places[i]
        length = PyBytes_GET_SIZE(name)
        if not _fits(at, length, n) or memcmp(PyBytes_AS_STRING(name), p + at, length):
            return False
    return True


cdef long _kid(object reader, _Fast fp, bytes data, const unsigned char* p, int64_t n,
               int64_t pos, int64_t size) except? -1000:
    """The key id of a record whose template's plan is known (the twin's fast path)."""
    cdef int64_t dlen = fp.dlen
    cdef int64_t lb, ld
    cdef const unsigned char* r
    cdef unsigned char* w
    if not dlen:
        return fp.kid
    # no layout of this prefix length fits a smaller record (its least size is at least
    # the 42 bytes before the values plus the prefix): the twin answers UNREAD too
    if size < 42 + dlen or not _fits(pos + 38, dlen, n):
        return _UNREAD
    if fp.prefix is None or memcmp(p + pos + 38, PyBytes_AS_STRING(fp.prefix), dlen) != 0:
        prefix = PyBytes_FromStringAndSize(<const char*>p + pos + 38, dlen)
        lay = fp.lays.get(prefix)
        if lay is None:
            lay = layout(prefix, dlen, fp.slots, fp.lays)
        fp.take(prefix, lay)
    if size < fp.need:
        return _UNREAD
    if not fp.sliced or not _fits(pos, fp.need, n):
        # the twin's fast path as written, for a layout not read here
        a, b, c, d = fp.a, fp.b, fp.c, fp.d
        found = fp.known.get(data[pos + a:pos + b] + data[pos + c:pos + d])
        return reader.kid_of(data, pos, fp.lay) if found is None else found
    lb, ld = fp.b - fp.a, fp.d - fp.c
    if fp.raw is not None:
        r = <const unsigned char*>PyBytes_AS_STRING(fp.raw)
        if memcmp(p + pos + fp.a, r, lb) == 0 and memcmp(p + pos + fp.c, r + lb, ld) == 0:
            return fp.raw_kid
    raw = PyBytes_FromStringAndSize(NULL, lb + ld)
    w = <unsigned char*>PyBytes_AS_STRING(raw)
    memcpy(w, p + pos + fp.a, lb)
    memcpy(w + lb, p + pos + fp.c, ld)
    found = fp.known.get(raw)
    kid = reader.kid_of(data, pos, fp.lay) if found is None else found
    fp.raw, fp.raw_kid = raw, kid
    return kid


def record_keys(data, end, cache=None):
    """The twin's ``record_keys`` with this module's reader."""
    reader = cache if isinstance(cache, _twin.KeyReader) else KeyReader()
    return _twin.record_keys(data, end, reader)


def values_end(data, pos, stop):
    """The chunk offset right after the substitution values of the record at ``pos`` (see
    the twin's ``values_end``), None when they do not end before ``stop``."""
    if type(data) is not bytes or type(pos) is not int or type(stop) is not int:
        return _twin.values_end(data, pos, stop)
    cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef int64_t n = PyBytes_GET_SIZE(data)
    if not -(1 << 40) < pos < (1 << 40) or not -(1 << 40) < stop < (1 << 40):
        return _twin.values_end(data, pos, stop)
    cdef int64_t at = pos, lim = stop, cur = at + 38, count, start, total = 0, i
    if not _fits(at + 34, 4, n):
        return _twin.values_end(data, pos, stop)  # the twin's error, as the twin raises it
    if _u32(p + at + 34) == cur:  # defined here: the values follow it
        if not _fits(cur + 20, 4, n):
            return _twin.values_end(data, pos, stop)
        cur += 24 + _u32(p + cur + 20)
    if cur + 4 > lim:
        return None
    if not _fits(cur, 4, n):
        return _twin.values_end(data, pos, stop)
    count = _u32(p + cur)
    start = cur + 4 + 4 * count
    if count > _MAX_SUBS or start > lim:
        return None
    if not _fits(cur + 4, 4 * count, n):
        return _twin.values_end(data, pos, stop)
    for i in range(count):
        total += p[cur + 4 + 4 * i] | (<int64_t>p[cur + 5 + 4 * i] << 8)
    return start + total if start + total <= lim else None
