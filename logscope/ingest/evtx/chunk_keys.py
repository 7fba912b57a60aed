"""The (provider, event id) of every record of a chunk, read from its BinXML bytes.

Why: the byte-level chunk gate (``chunk_gate``) keeps a chunk when a wanted provider's name
occurs anywhere in it, and any 2-byte value can pass for an event id, so most chunks it keeps
(165 of 208 on the corpus) hold no record anything can use: a ``VSS`` in a service name, a
CAPI2 log whose event ids no signature wants. The two keys the fold decides by are in fixed
places: Windows writes ``Event/System/Provider@Name`` and ``Event/System/EventID`` in each
template, as text or as a substitution whose value each record carries. Reading them costs a
few microseconds a record against rendering and folding it.

Only what can be read for certain is answered: a record or template of any other shape makes
:func:`record_keys` answer None, and the chunk is decided as before.
"""

from __future__ import annotations

import struct
from typing import Any

#: A record's frame: signature, size, id, time; its BinXML follows.
_RECORD = b"\x2a\x2a\x00\x00"
_U32 = struct.Struct("<I")
#: Fragment header (0x0F, version 1.1, no flags) and template instance token (0x0C, 1).
_INSTANCE = b"\x0f\x01\x01\x00\x0c\x01"
#: The elements, in this order, that lead to the two keys in a Windows template.
_PATH = ("Event", "System", "Provider")
#: Value types: UTF-16 string, UInt16 (MS-EVEN6 2.2.18).
_STRING, _UINT16 = 0x01, 0x06
#: Records read per chunk at most (a chunk holds a few hundred).
MAX_RECORDS = 4096

#: Where a template puts a key: ("text", value) written in it, or ("sub", index, type).
Slot = tuple


def record_keys(data: bytes, end: int, cache: dict[bytes, Any] | None = None
                ) -> set[tuple[str, int]] | None:
    """Every (provider name, event id) the records of ``data[512:end]`` carry, as the engine
    would render them; None when some record or its template is not of the plain shape.

    ``cache`` (per file): each template's key slots, by its bytes."""
    cache = {} if cache is None else cache
    here: dict[int, tuple[int, Slot, Slot] | None] = {}  # this chunk's templates by offset
    keys: set[tuple[str, int]] = set()
    u32 = _U32.unpack_from
    pos = 512
    n = 0
    while pos < end:
        n += 1
        if n > MAX_RECORDS or pos + 40 > end or data[pos:pos + 4] != _RECORD:
            return None
        size = u32(data, pos + 4)[0]
        stop = pos + size - 4  # the size copy closes the record
        at = pos + 24
        if size < 40 or stop + 4 > end or data[at:at + 6] != _INSTANCE:
            return None
        define = u32(data, at + 10)[0]
        template = here.get(define, False)
        if template is False:
            template = here[define] = _template(data, define, cache)
        if template is None:
            return None
        body_end, provider_slot, eid_slot = template
        cur = body_end if define == at + 14 else at + 14  # defined in this record: after it
        if cur + 4 > stop:
            return None
        count = u32(data, cur)[0]
        values = cur + 4 + 4 * count
        if count > MAX_SUBSTITUTIONS or values > stop:
            return None
        table = _descriptors(count).unpack_from(data, cur + 4)
        provider = _value(data, provider_slot, table, values, stop)
        eid = _value(data, eid_slot, table, values, stop)
        if type(provider) is not str or not provider or type(eid) is not int:
            return None
        keys.add((provider, eid))
        pos += size
    return keys


#: Substitutions a record may have (a Windows template uses a few dozen).
MAX_SUBSTITUTIONS = 512
_TABLES: dict[int, struct.Struct] = {}


def _descriptors(count: int) -> struct.Struct:
    """The substitution descriptors of a record as 16-bit words: size, then type (low byte)."""
    table = _TABLES.get(count)
    if table is None:
        table = _TABLES[count] = struct.Struct(f"<{2 * count}H")
    return table


def _template(data: bytes, define: int, cache: dict[bytes, Any]) -> tuple[int, Slot, Slot] | None:
    """(end of the definition, Provider@Name slot, EventID slot) of the template defined at
    chunk offset ``define`` (next offset, GUID, body size, body)."""
    if define < 512 or define + 24 > len(data):
        return None
    body = define + 24
    body_end = body + _U32.unpack_from(data, define + 20)[0]
    if body_end > len(data):
        return None
    key = data[define:body_end]
    found = cache.get(key)
    # the same bytes name the same things only if the names they point to read the same
    if found is None or not all(_name(data, at) == name for at, name in found[1]):
        if len(cache) > 4096:
            cache.clear()
        found = cache[key] = _template_slots(data, body, body_end)
    return None if found[0] is None else (body_end, *found[0])


def _value(data: bytes, slot: Slot, table: tuple[int, ...], values: int,
           stop: int) -> str | int | None:
    """A key's value: the template's text, or the record's substitution value."""
    if slot[0] == "text":
        return slot[1]
    index, kind = slot[1], slot[2]
    if 2 * index >= len(table) or table[2 * index + 1] & 0xFF != kind:
        return None
    start = values + sum(table[0:2 * index:2])
    size = table[2 * index]
    if start + size > stop:
        return None
    if kind == _UINT16:
        return data[start] | data[start + 1] << 8 if size == 2 else None
    text = data[start:start + size].decode("utf-16-le", "replace")
    if "\ufffd" in text or "\x00" in text:
        return None  # a terminator or a broken character: the engine's text may differ
    return text


def _name(data: bytes, at: int) -> str | None:
    """The name a name structure at chunk offset ``at`` holds (next, hash, length, UTF-16)."""
    if at + 8 > len(data):
        return None
    n = data[at + 6] | data[at + 7] << 8
    raw = data[at + 8:at + 8 + 2 * n]
    return raw.decode("utf-16-le", "replace") if len(raw) == 2 * n else None


def _template_slots(data: bytes, pos: int, end: int
                    ) -> tuple[tuple[Slot, Slot] | None, tuple[tuple[int, str], ...]]:
    """Where the template body ``data[pos:end]`` puts Provider@Name and EventID (None when
    its first four elements are not Event, System, Provider with Name its first attribute,
    and EventID), and the (offset, name) of each name it points to outside itself."""
    refs: list[tuple[int, str]] = []
    slots = _walk(data, pos, end, refs)
    return slots, tuple(refs)


def _named(data: bytes, at: int, pos: int, refs: list[tuple[int, str]]) -> tuple[str | None, int]:
    """The name a token at ``pos`` points to (chunk offset ``at``), and the position after
    the token: a name written right there (next, hash, length, text, NUL) is stepped over;
    one written elsewhere is noted in ``refs``."""
    name = _name(data, at)
    if name is None:
        return None, pos
    if at == pos:
        return name, pos + 8 + 2 * len(name) + 2
    refs.append((at, name))
    return name, pos


def _walk(data: bytes, pos: int, end: int, refs: list[tuple[int, str]]) -> tuple[Slot, Slot] | None:
    if data[pos:pos + 4] == b"\x0f\x01\x01\x00":
        pos += 4
    provider: Slot | None = None
    for depth in range(4):
        if pos + 11 > end or data[pos] & 0xBF != 0x01:
            return None
        has_attrs = data[pos] & 0x40
        name, pos = _named(data, _U32.unpack_from(data, pos + 7)[0], pos + 11, refs)
        if depth < 3 and name != _PATH[depth] or depth == 3 and name != "EventID":
            return None
        if has_attrs:
            pos += 4  # attribute list size
            first = True
            while True:
                if pos + 5 > end or data[pos] & 0xBF != 0x06:
                    return None
                more = data[pos] & 0x40
                attr, pos = _named(data, _U32.unpack_from(data, pos + 1)[0], pos + 5, refs)
                if attr is None:
                    return None
                key = depth == 2 and first
                if key and attr != "Name":
                    return None
                slot, pos = _slot(data, pos, end, _STRING if key else None)
                if slot is None:
                    return None
                if key:
                    provider = slot
                first = False
                if not more:
                    break
        if depth == 2:  # Provider is empty: <Provider .../> or <Provider ...></Provider>
            if data[pos:pos + 1] == b"\x03":
                pos += 1
            elif data[pos:pos + 2] == b"\x02\x04":
                pos += 2
            else:
                return None
        elif depth < 2:
            if data[pos:pos + 1] != b"\x02":
                return None  # Event and System open their content
            pos += 1
        else:
            if data[pos:pos + 1] != b"\x02":
                return None
            eid, pos = _slot(data, pos + 1, end, _UINT16)
            if eid is None or provider is None or data[pos:pos + 1] != b"\x04":
                return None
            return provider, eid
    return None


def _slot(data: bytes, pos: int, end: int, kind: int | None) -> tuple[Slot | None, int]:
    """The value token at ``pos`` and the position after it: text written in the template,
    or a substitution of ``kind`` (None: any type, the slot is only stepped over). A value
    of any other shape is not read (None)."""
    tok = data[pos] & 0xBF if pos < end else 0
    if tok == 0x05 and pos + 4 <= end and data[pos + 1] == _STRING:
        n = data[pos + 2] | data[pos + 3] << 8
        raw = data[pos + 4:pos + 4 + 2 * n]
        if len(raw) != 2 * n:
            return None, pos
        text = raw.decode("utf-16-le", "replace")
        after = pos + 4 + 2 * n
        if "\ufffd" in text or "\x00" in text:
            return None, after  # not text the engine would write the same way
        if kind == _UINT16:
            return (("text", int(text)) if text.isdigit() and text.isascii() else None), after
        return ("text", text), after
    if tok in (0x0D, 0x0E) and pos + 4 <= end:
        if kind is not None and data[pos + 3] != kind:
            return None, pos + 4
        return ("sub", data[pos + 1] | data[pos + 2] << 8, kind), pos + 4
    return None, pos
