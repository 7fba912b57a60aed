# cython: language_level=3
"""Compiled form of ``skip_runs`` (its pure-Python twin and reference): the record skip's
per-record loop, which records of a chunk the engine renders and which size fields hide the
others, in C.

Why: the twin tests every record's key id against the wanted set and walks a list it
inserts into (~0.1 ms a chunk on a host's logs); here the key ids are read once into a C
array. Memory safety: the array is as long as the records, every index into it and into
``data`` is checked against its length, and a call the loop was not written for (not lists
of ints, a key id or offset out of range) is answered by the twin.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.long cimport PyLong_AsLongLongAndOverflow
from cpython.mem cimport PyMem_Free, PyMem_Malloc

from logscope.ingest.evtx import skip_runs as _twin
from logscope.ingest.evtx.chunk_keys import UNREAD

cdef long long _UNREAD = UNREAD
#: Wanted key ids compared one by one up to this many (a chunk has a handful); past it the
#: set is asked per record.
cdef Py_ssize_t _FEW = 16
#: Offsets and key ids read into C only inside this range (a chunk's are far smaller).
cdef long long _LIMIT = 1LL << 40


cdef inline bint _small(object value, long long* out):
    """``value`` as a C integer when it is an int inside ``_LIMIT``."""
    cdef int overflow = 0
    if type(value) is not int:
        return False
    out[0] = PyLong_AsLongLongAndOverflow(value, &overflow)
    return overflow == 0 and -_LIMIT < out[0] < _LIMIT


def hide(data, positions, kids, end, wanted, first_id, values_end):
    """The runs of records to hide in a chunk (see the twin's ``hide``)."""
    cdef Py_ssize_t n, i, w
    cdef long long value = 0
    cdef long long few[16]
    if (type(data) is not bytes or type(positions) is not list or type(kids) is not list
            or type(wanted) is not set or len(positions) != len(kids) or type(end) is not int
            or not kids):
        return _twin.hide(data, positions, kids, end, wanted, first_id, values_end)
    n = len(kids)
    w = len(wanted)
    if w <= _FEW:
        i = 0
        for kid in wanted:
            if not _small(kid, &few[i]):
                return _twin.hide(data, positions, kids, end, wanted, first_id, values_end)
            i += 1
    cdef long long* pos = <long long*>PyMem_Malloc((n + 1) * sizeof(long long))
    cdef char* want = <char*>PyMem_Malloc(n + 1)
    cdef char* unread = <char*>PyMem_Malloc(n + 1)
    if pos is NULL or want is NULL or unread is NULL:
        PyMem_Free(pos)
        PyMem_Free(want)
        PyMem_Free(unread)
        raise MemoryError()
    try:
        for i in range(n):
            kid = kids[i]
            if not _small(positions[i], &pos[i]) or not _small(kid, &value):
                return _twin.hide(data, positions, kids, end, wanted, first_id, values_end)
            unread[i] = value == _UNREAD
            if w <= _FEW:
                want[i] = _among(value, few, w)
            else:
                want[i] = kid in wanted
        if not _small(end, &pos[n]):
            return _twin.hide(data, positions, kids, end, wanted, first_id, values_end)
        return _runs(data, pos, want, unread, n, first_id, values_end)
    finally:
        PyMem_Free(pos)
        PyMem_Free(want)
        PyMem_Free(unread)


cdef inline bint _among(long long value, long long* few, Py_ssize_t w) noexcept:
    cdef Py_ssize_t j
    for j in range(w):
        if few[j] == value:
            return True
    return False


cdef inline Py_ssize_t _next(const char* want, Py_ssize_t r, Py_ssize_t n) noexcept:
    """The first wanted record after ``r`` (``n``: none)."""
    r += 1
    while r < n and not want[r]:
        r += 1
    return r


cdef object _runs(bytes data, const long long* pos, const char* want, const char* unread,
                  Py_ssize_t n, object first_id, object values_end):
    """The twin's loop over the rendered records, with the record it inserts (the one after
    a record that cannot be enlarged) taken as the next rendered one instead."""
    cdef const unsigned char* p = <const unsigned char*>PyBytes_AS_STRING(data)
    cdef Py_ssize_t size = PyBytes_GET_SIZE(data)
    cdef Py_ssize_t r, nxt
    cdef long long se
    cdef int overflow = 0
    cdef list resized = []
    cdef dict runs = {}
    cdef Py_ssize_t skipped = 0
    r = 0  # the engine starts at the first record, wanted or not
    nxt = _next(want, r, n)
    while r < n:
        if nxt == r + 1:
            r, nxt = nxt, _next(want, nxt, n)
            continue
        if unread[r]:  # a record of a shape not read is never enlarged
            r += 1
            continue
        stream_end = values_end(data, pos[r], pos[r + 1] - 4)
        if stream_end is None:
            r += 1  # no end-of-stream token: the next one is read too
            continue
        se = PyLong_AsLongLongAndOverflow(stream_end, &overflow) if type(stream_end) is int else -1
        if type(stream_end) is not int or overflow or not 0 <= se < size:
            if data[stream_end] != 0:  # as the twin indexes (or fails)
                r += 1
                continue
        elif p[se] != 0:
            r += 1
            continue
        resized.append((pos[r] + 4, pos[nxt] - pos[r]))  # pos[n] is the walk's end
        runs[first_id + r] = (first_id + r + 1, first_id + nxt - 1)
        skipped += nxt - r - 1
        r, nxt = nxt, _next(want, nxt, n)
    return (resized, runs, skipped) if resized else None
