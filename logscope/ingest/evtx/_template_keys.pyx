# cython: language_level=3
"""Compiled form of ``template_keys`` (its pure-Python twin and reference): where a
template puts the keys, read from its body in C.

Why: a template is read once per chunk it is defined in and file (the corpus: ~9,400
templates, 0.075 s in the twin, most of it decoding the names of the elements it walks
to compare them with "Event", "System", ...). Here a name is compared as UTF-16 bytes and
decoded only where its length or its text is part of the answer and it holds a surrogate.

Memory safety: every read of the body goes through ``_at`` (a byte, 0 past the data, as
the twin's slices compare) or comes right after a check that it lies inside ``data``;
offsets read from the template are 64-bit and compared, never trusted.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_GET_SIZE
from libc.stdint cimport int64_t, uint32_t
from libc.string cimport memcmp

from logscope.ingest.evtx import template_keys as _twin
from logscope.ingest.evtx.template_keys import (  # noqa: F401 - the module's names
    MAX_DIGITS,
    STRING,
    UINT16,
    Shape,
    Slot,
)

cdef bytes _EVENT = "Event".encode("utf-16-le")
cdef bytes _SYSTEM = "System".encode("utf-16-le")
cdef bytes _PROVIDER = "Provider".encode("utf-16-le")
cdef bytes _EVENT_ID = "EventID".encode("utf-16-le")
cdef bytes _NAME = "Name".encode("utf-16-le")
cdef bytes _COMPUTER = "Computer".encode("utf-16-le")
cdef int _STRING = STRING
cdef int _UINT16 = UINT16
cdef int _ANY = -1  # a slot of any type (the twin's kind None)


cdef struct _Buf:
    const unsigned char* p
    int64_t n


cdef struct _Name:
    int64_t at  # the name structure's chunk offset; -1: no name there
    int64_t units  # its length in UTF-16 units
    int64_t chars  # its length decoded (units less the surrogate pairs)


cdef inline bint _fits(int64_t at, int64_t size, int64_t n) noexcept nogil:
    return 0 <= at and 0 <= size and at <= n - size


cdef inline int _at(_Buf b, int64_t i) noexcept nogil:
    """The byte at ``i``, or -1 past the data (where the twin's one-byte slice is empty)."""
    return b.p[i] if 0 <= i < b.n else -1


cdef inline int64_t _u32(_Buf b, int64_t i) noexcept nogil:
    # callers have checked i + 4 <= end <= n
    return (b.p[i] | (<uint32_t>b.p[i + 1] << 8) | (<uint32_t>b.p[i + 2] << 16)
            | (<uint32_t>b.p[i + 3] << 24))


def shape_of(data, pos, end):
    """The shape of the template body ``data[pos:end]`` (see the twin's ``shape_of``)."""
    if (type(data) is not bytes or type(pos) is not int or type(end) is not int
            or not 0 <= pos <= len(data) or not 0 <= end <= len(data)):
        return _twin.shape_of(data, pos, end)
    cdef _Buf b
    b.p = <const unsigned char*>PyBytes_AS_STRING(data)
    b.n = PyBytes_GET_SIZE(data)
    refs = []
    slots = _walk(data, b, pos, end, refs)
    if slots is not None and slots[0] == ("text", ""):
        slots = None  # no provider name: not what the fold reads
    return Shape(slots, tuple(refs))


cdef _Name _name(bytes data, _Buf b, int64_t at) except *:
    """The name structure at ``at`` (next, hash, length, UTF-16): where and how long."""
    cdef _Name out
    cdef int64_t i, unit, pairs = 0
    cdef bint odd = False
    out.at, out.units, out.chars = -1, 0, 0
    if not _fits(at, 8, b.n):
        return out
    out.units = b.p[at + 6] | (<int64_t>b.p[at + 7] << 8)
    if not _fits(at + 8, 2 * out.units, b.n):
        return out
    out.at = at
    i = 0
    while i < out.units:
        unit = b.p[at + 8 + 2 * i] | (<int64_t>b.p[at + 9 + 2 * i] << 8)
        if 0xD800 <= unit <= 0xDFFF:
            odd = True
            break
        i += 1
    if odd:  # the decoder's count, whatever it makes of the surrogates
        out.chars = len(data[at + 8:at + 8 + 2 * out.units].decode("utf-16-le", "replace"))
    else:
        out.chars = out.units
    return out


cdef inline bint _is(_Buf b, _Name name, bytes target) noexcept:
    """Whether the name reads ``target`` (UTF-16 bytes of an ASCII name)."""
    return (name.at >= 0 and 2 * name.units == PyBytes_GET_SIZE(target)
            and memcmp(b.p + name.at + 8, PyBytes_AS_STRING(target), 2 * name.units) == 0)


cdef _Name _named(bytes data, _Buf b, int64_t at, int64_t* pos, list refs) except *:
    """The name a token points to (``at``); ``pos`` stepped over a name written right there,
    a name written elsewhere noted in ``refs`` (the twin's ``_named``)."""
    cdef _Name name = _name(data, b, at)
    if name.at < 0:
        return name
    if at == pos[0]:
        pos[0] += 8 + 2 * name.chars + 2
    else:
        refs.append((at + 4, data[at + 4:at + 8 + 2 * name.chars]))
    return name


cdef object _walk(bytes data, _Buf b, int64_t pos, int64_t end, list refs):
    """Provider@Name, EventID and Computer slots of a template body (the twin's ``_walk``)."""
    cdef int depth
    cdef int64_t at
    cdef bint has_attrs, more, first, key
    cdef _Name name, attr
    cdef object provider = None
    if _fits(pos, 4, b.n) and memcmp(b.p + pos, b"\x0f\x01\x01\x00", 4) == 0:
        pos += 4
    for depth in range(4):
        if pos + 11 > end or (b.p[pos] & 0xBF) != 0x01:
            return None
        has_attrs = (b.p[pos] & 0x40) != 0
        at = _u32(b, pos + 7)
        pos += 11
        name = _named(data, b, at, &pos, refs)
        if not _is(b, name, (_EVENT, _SYSTEM, _PROVIDER, _EVENT_ID)[depth]):
            return None
        if has_attrs:
            pos += 4  # attribute list size
            first = True
            while True:
                if pos + 5 > end or (b.p[pos] & 0xBF) != 0x06:
                    return None
                more = (b.p[pos] & 0x40) != 0
                at = _u32(b, pos + 1)
                pos += 5
                attr = _named(data, b, at, &pos, refs)
                if attr.at < 0:
                    return None
                key = depth == 2 and first
                if key and not _is(b, attr, _NAME):
                    return None
                slot = _slot(data, b, &pos, end, _STRING if key else _ANY)
                if slot is None:
                    return None
                if key:
                    provider = slot
                first = False
                if not more:
                    break
        if depth == 2:  # Provider is empty: <Provider .../> or <Provider ...></Provider>
            if _at(b, pos) == 0x03:
                pos += 1
            elif _at(b, pos) == 0x02 and _at(b, pos + 1) == 0x04:
                pos += 2
            else:
                return None
        elif depth < 2:
            if _at(b, pos) != 0x02:
                return None  # Event and System open their content
            pos += 1
        else:
            if _at(b, pos) != 0x02:
                return None
            pos += 1
            eid = _slot(data, b, &pos, end, _UINT16)
            if eid is None or provider is None or _at(b, pos) != 0x04:
                return None
            computer = _computer(data, b, pos + 1, end, refs)
            return None if computer is False else (provider, eid, computer)
    return None


cdef object _computer(bytes data, _Buf b, int64_t pos, int64_t end, list refs):
    """The Computer slot among System's children after EventID, None when System closes
    without one, False when the layout is not understood (the twin's ``_computer``)."""
    cdef int token
    cdef int64_t after, at
    cdef _Name name
    while pos + 11 <= end:
        token = b.p[pos]
        if token == 0x04:
            return None  # System's end
        if (token & 0xBF) != 0x01:
            return False
        after = pos + 7 + _u32(b, pos + 3)
        at = pos + 11
        name = _named(data, b, _u32(b, pos + 7), &at, refs)
        if name.at < 0 or after > end:
            return False
        if _is(b, name, _COMPUTER):
            if token != 0x01 or _at(b, at) != 0x02:
                return False  # attributes, or empty: not the layout Windows writes
            at += 1
            slot = _slot(data, b, &at, end, _STRING)
            return False if slot is None or _at(b, at) != 0x04 else slot
        pos = after
    return False


cdef object _slot(bytes data, _Buf b, int64_t* at, int64_t end, int kind):
    """The value token at ``at[0]``, ``at[0]`` moved after it (the twin's ``_slot``)."""
    cdef int64_t pos = at[0], units, after
    cdef int tok = (b.p[pos] & 0xBF) if pos < end else 0
    if tok == 0x05 and pos + 4 <= end and b.p[pos + 1] == _STRING:
        units = b.p[pos + 2] | (<int64_t>b.p[pos + 3] << 8)
        if not _fits(pos + 4, 2 * units, b.n):
            return None  # the twin's short slice: the position stays
        text = data[pos + 4:pos + 4 + 2 * units].decode("utf-16-le", "replace")
        at[0] = pos + 4 + 2 * units
        if "\ufffd" in text or "\x00" in text:
            return None  # not text the engine would write the same way
        if kind == _UINT16:
            plain = text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS
            return ("text", int(text)) if plain else None
        return ("text", text)
    if (tok == 0x0D or tok == 0x0E) and pos + 4 <= end:
        at[0] = pos + 4
        if kind != _ANY and b.p[pos + 3] != kind:
            return None
        return ("sub", b.p[pos + 1] | (<int>b.p[pos + 2] << 8), None if kind == _ANY else kind)
    return None
