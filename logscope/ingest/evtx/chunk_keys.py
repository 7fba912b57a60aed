"""The (provider, event id, computer) of every record of a chunk, read from its BinXML bytes.

Why: the byte-level chunk gate (``chunk_gate``) keeps a chunk when a wanted provider's name
occurs anywhere in it, and any 2-byte value can pass for an event id, so most chunks it keeps
hold no record anything can use; and on a host's logs almost every chunk holds one record
that matters among a few hundred that do not, which the engine need not render at all
(``record_skip``). The keys the fold decides by are in fixed places: Windows writes
``Event/System/Provider@Name``, ``Event/System/EventID`` and ``Event/System/Computer`` in
each template, as text or as a substitution whose value each record carries.

Speed is the point (a record costs well under a microsecond on average): the template's
slots are read once per template (by its bytes, per file), the offsets of the values once
per template and substitution-descriptor prefix, and a record costs one header unpack, two
dict look-ups and a slice or two of its value bytes, interned to a key id.

Only what can be read for certain is answered: a record or template of any other shape has
the key id :data:`UNREAD` (a caller renders it, or decides its chunk as before).
"""

from __future__ import annotations

import struct
from typing import Any

from ... import accel
from .template_keys import STRING, UINT16, Shape, Slot

#: A template body's shape, read by ``_template_keys`` (compiled) or its twin.
shape_of = accel.load("logscope.ingest.evtx._template_keys",
                      "logscope.ingest.evtx.template_keys").shape_of

#: A record's frame: signature, size, id, (time), fragment header and template instance
#: token, (template id), the template definition's chunk offset.
_HEAD = struct.Struct("<IIQ8x6s4xI")
_SIGNATURE = 0x2A2A
_U32 = struct.Struct("<I")
_U64 = struct.Struct("<Q")
#: Fragment header (0x0F, version 1.1, no flags) and template instance token (0x0C, 1).
_INSTANCE = b"\x0f\x01\x01\x00\x0c\x01"
#: Smallest record with a template instance: header, instance, count, size copy.
_MIN_RECORD = 46
#: Value types: UInt8, GUID (MS-EVEN6 2.2.18; string and UInt16 in ``template_keys``).
_UINT8, _GUID = 0x04, 0x0F
#: Values that may lie between two key values read as one slice (constant per event:
#: Guid, Version/Level/Opcode, Task/Qualifiers); any other value starts a second slice.
_STEADY = frozenset((_GUID, _UINT8, UINT16))
#: Substitutions a record may have (a Windows template uses a few dozen).
MAX_SUBSTITUTIONS = 512
#: Distinct keys, layouts and template shapes remembered per file (a crafted log with
#: endless keys starts over; a real one has a few hundred).
MAX_MEMO = 10_000
#: The key id of a record whose keys cannot be read for certain.
UNREAD = -1

#: (provider name, event id, computer name or None): what a record is decided by.
Key = tuple[str, int, "str | None"]


class Walk:
    """One chunk's records in order: the chunk offset and key id of each (the next
    record's offset, or the walk's end, is where it ends)."""

    __slots__ = ("positions", "kids", "end")

    def __init__(self, end: int) -> None:
        self.positions: list[int] = []
        self.kids: list[int] = []
        self.end = end


class KeyReader:
    """Reads record keys chunk after chunk of one file, remembering what repeats."""

    def __init__(self) -> None:
        #: key id -> key
        self.keys: list[Key] = []
        #: how many times the ids started over (a crafted log with endless keys)
        self.epoch = 0
        self._ids: dict[Key, int] = {}
        #: template body bytes -> its shape (see ``_shape``)
        self._shapes: dict[bytes, Shape] = {}
        #: slots -> {descriptor prefix: layout}: the same layout in every chunk (a template's
        #: bytes differ from chunk to chunk where the names it points to lie elsewhere)
        self._lays: dict[Any, dict[bytes, Any]] = {}

    def key(self, kid: int) -> Key | None:
        """The key of a key id (None: UNREAD)."""
        return None if kid < 0 else self.keys[kid]

    def bound(self) -> None:
        """Start over when a crafted log's endless keys or templates fill the memory (the
        key ids of walks made before then are stale: ``epoch`` tells them apart)."""
        if len(self._ids) > MAX_MEMO or len(self._shapes) > MAX_MEMO:
            self.keys, self._ids, self._shapes, self._lays = [], {}, {}, {}
            self.epoch += 1

    def walk(self, data: bytes, end: int, first_id: int | None = None) -> Walk | None:
        """The records of ``data[512:end]``: None when a frame does not follow from the one
        before or the ids are not one run (from ``first_id``, default the first record's)."""
        self.bound()
        out = Walk(end)
        positions, kids = out.positions, out.kids
        head = _HEAD.unpack_from
        signature_, instance_, min_record, unseen = _SIGNATURE, _INSTANCE, _MIN_RECORD, UNREAD - 1
        #: this chunk's templates by definition offset: (descriptor prefix length, layouts,
        #: key id when every key is template text, slots)
        plans: dict[int, tuple[int, dict[bytes, Any], int, Any]] = {}
        pos = 512
        try:
            expect = first_id if first_id is not None else _U64.unpack_from(data, 520)[0]
            while pos < end:
                signature, size, rid, instance, define = head(data, pos)
                if signature != signature_ or rid != expect or size < min_record or pos + size > end:
                    return None
                if instance != instance_:
                    kid = UNREAD
                else:
                    plan = plans.get(define)
                    if plan is None or define == pos + 38:  # new here, or defined right here
                        kid = self.slow(data, pos, size, define, plans)
                    else:
                        dlen, lays, kid, _slots = plan
                        if dlen:
                            lay = lays.get(data[pos + 38:pos + 38 + dlen])
                            if lay is None:
                                lay = layout(data[pos + 38:pos + 38 + dlen], dlen, _slots, lays)
                            a, b, c, d, need, known, _spans = lay
                            if size < need:
                                kid = UNREAD
                            else:
                                kid = known.get(data[pos + a:pos + b] + data[pos + c:pos + d], unseen)
                                if kid == unseen:
                                    kid = self.kid_of(data, pos, lay)
                positions.append(pos)
                kids.append(kid)
                expect += 1
                pos += size
        except struct.error:  # a frame running past the slot
            return None
        return out

    def slow(self, data: bytes, pos: int, size: int, define: int,
              plans: dict[int, tuple[int, dict[bytes, Any], int, Any]]) -> int:
        """The key id of a record whose template is new in this chunk or defined in it."""
        plan = plans.get(define)
        if plan is None:
            plan = plans[define] = self.plan(data, define)
        dlen, lays, kid, slots = plan
        if not dlen:
            return kid
        cur = pos + 38
        if define == cur:  # the values follow the definition
            cur += 24 + _U32.unpack_from(data, define + 20)[0]
        prefix = data[cur:cur + dlen]
        lay = lays.get(prefix) or layout(prefix, dlen, slots, lays)
        a, b, c, d, need, known, _spans = lay
        base = cur - 38
        if base + need > pos + size:
            return UNREAD
        kid = known.get(data[base + a:base + b] + data[base + c:base + d])
        return self.kid_of(data, base, lay) if kid is None else kid

    # -- per template, per layout, per new key ------------------------------------------
    def plan(self, data: bytes, define: int) -> tuple[int, dict[bytes, Any], int, Any]:
        """(descriptor prefix length, layouts, key id when every key is template text,
        slots) of the template defined at chunk offset ``define``."""
        bad = (0, {}, UNREAD, None)
        if define < 512 or define + 24 > len(data):
            return bad
        body = define + 24
        body_end = body + _U32.unpack_from(data, define + 20)[0]
        if body_end > len(data):
            return bad
        raw = data[define:body_end]
        shape = self._shapes.get(raw)
        # the same bytes name the same things only if the names they point to read the same
        if shape is None or not all(map(data.startswith, shape.names, shape.places)):
            shape = self._shapes[raw] = shape_of(data, body, body_end)
        if shape.slots is None:
            return bad
        kid = UNREAD
        if not shape.dlen:
            kid = self._keyed([s if s is None else s[1] for s in shape.slots])
        lays = self._lays.get(shape.slots)
        if lays is None:
            lays = self._lays[shape.slots] = {}
        return shape.dlen, lays, kid, shape.slots

    def kid_of(self, data: bytes, base: int, lay: tuple[Any, ...]) -> int:
        """The key id of a record whose key values were not seen in this layout yet
        (``base``: 38 bytes before its substitution count)."""
        a, b, c, d, _need, known, spans = lay
        if len(known) >= MAX_MEMO:
            known.clear()
        raw = data[base + a:base + b] + data[base + c:base + d]
        kid = known[raw] = self._keyed([_read(data, base, span) for span in spans])
        return kid

    def _keyed(self, values: list[Any]) -> int:
        """The key id of (provider, event id, computer) values as read (UNREAD: one of them
        cannot be read for certain; an empty computer is none)."""
        provider, eid, computer = values
        if provider is _BAD or not provider or eid is _BAD or computer is _BAD:
            return UNREAD
        key = (provider, eid, computer or None)
        kid = self._ids.get(key)
        if kid is None:
            kid = self._ids[key] = len(self.keys)
            self.keys.append(key)
        return kid


def record_keys(data: bytes, end: int, cache: KeyReader | Any = None
                ) -> set[tuple[str, int]] | None:
    """Every (provider name, event id) the records of ``data[512:end]`` carry, as the engine
    would render them; None when some record or its template is not of the plain shape.

    ``cache``: the file's :class:`KeyReader` (anything else: a fresh one)."""
    reader = cache if isinstance(cache, KeyReader) else KeyReader()
    walk = reader.walk(data, end)
    if walk is None:
        return None
    kids = set(walk.kids)
    if UNREAD in kids:
        return None
    return {reader.keys[k][:2] for k in kids}  # type: ignore[misc]


def values_end(data: bytes, pos: int, stop: int) -> int | None:
    """The chunk offset right after the substitution values of the record at ``pos`` (a
    template instance; its definition may be inline), None when they do not end before
    ``stop``."""
    cur = pos + 38
    if _U32.unpack_from(data, pos + 34)[0] == cur:  # defined here: the values follow it
        cur += 24 + _U32.unpack_from(data, cur + 20)[0]
    if cur + 4 > stop:
        return None
    count = _U32.unpack_from(data, cur)[0]
    start = cur + 4 + 4 * count
    if count > MAX_SUBSTITUTIONS or start > stop:
        return None
    end = start + sum(_descriptors(count).unpack_from(data, cur + 4)[0::2])
    return end if end <= stop else None


# -- layouts ------------------------------------------------------------------------------

_TABLES: dict[int, struct.Struct] = {}
#: A key value that cannot be read (as opposed to None: a Computer the template lacks).
_BAD: Any = object()


def _descriptors(count: int) -> struct.Struct:
    """The substitution descriptors of a record as 16-bit words: size, then type (low byte)."""
    table = _TABLES.get(count)
    if table is None:
        table = _TABLES[count] = struct.Struct(f"<{2 * count}H")
    return table


def layout(prefix: bytes, dlen: int, slots: tuple[Slot, Slot, Slot | None],
            lays: dict[bytes, Any]) -> tuple[Any, ...]:
    """(a, b, c, d, least record size, {value bytes: key id}, spans) for one descriptor
    prefix, remembered in the template's ``lays``. Offsets count from 38 bytes before the
    substitution count (the record's start, when its template is defined elsewhere): the
    key values are ``[a:b] + [c:d]``; ``spans`` says where each key is (text, None, or
    ("at", start, size, type)). Unreadable: its least size exceeds any record."""
    if len(lays) >= MAX_MEMO:
        lays.clear()
    lay = lays[prefix] = _offsets(prefix, dlen, slots)
    return lay


def _offsets(prefix: bytes, dlen: int, slots: tuple[Slot, Slot, Slot | None]) -> tuple[Any, ...]:
    bad = (0, 0, 0, 0, 1 << 30, {}, (_BAD, _BAD, _BAD))
    if len(prefix) < dlen:
        return bad
    count = _U32.unpack_from(prefix)[0]
    n = (dlen - 4) // 4
    if count > MAX_SUBSTITUTIONS or count < n:
        return bad
    words = _descriptors(n).unpack_from(prefix, 4)
    sizes, types = words[0::2], [w & 0xFF for w in words[1::2]]
    start = 38 + 4 + 4 * count
    spans: list[Any] = []
    ranges: list[tuple[int, int, int]] = []  # (from, to, index)
    for slot, kind in zip(slots, (STRING, UINT16, STRING)):
        if slot is None or slot[0] == "text":
            spans.append(None if slot is None else slot[1])
            continue
        index = slot[1]
        if types[index] != kind or (kind == UINT16 and sizes[index] != 2):
            return bad
        at = start + sum(sizes[:index])
        spans.append(("at", at, sizes[index], kind))
        ranges.append((at, at + sizes[index], index))
    ranges.sort()
    a, b, last = ranges[0]
    c = d = 38
    for lo, hi, index in ranges[1:]:
        if c == d and all(t in _STEADY for t in types[last + 1:index]):
            b = hi  # only steady values in between: one slice
        elif c == d:
            c, d = lo, hi
        else:
            d = hi
        last = index
    need = max(start, b, d) + 4  # the size copy closes the record
    return a, b, c, d, need, {}, tuple(spans)


def _read(data: bytes, base: int, span: Any) -> Any:  # noqa: ANN401
    """A key's value: template text (as is), or the record's value at ``span``."""
    if span is None or type(span) is not tuple:
        return span
    _tag, at, size, kind = span
    raw = data[base + at:base + at + size]
    if kind == UINT16:
        return raw[0] | raw[1] << 8
    text = raw.decode("utf-16-le", "replace")
    if "\ufffd" in text or "\x00" in text:
        return _BAD  # a terminator or a broken character: the engine's text may differ
    return text
