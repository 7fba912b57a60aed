"""Where a template puts the keys a record is decided by: ``Event/System/Provider@Name``,
``EventID`` and ``Computer``, each as text written in the template or as the index and type
of a substitution whose value each record carries (``chunk_keys`` reads those values).

Why its own module: reading a template body means following BinXML element tokens and the
name structures they point to; only the plain Windows layout is understood (Event, System,
Provider with Name its first attribute, EventID, then System's other children stepped over
by their sizes up to Computer), and any other shape answers None.
"""

from __future__ import annotations

import struct

_U32 = struct.Struct("<I")
#: The elements, in this order, that lead to the keys in a Windows template.
_PATH = ("Event", "System", "Provider")
#: Value types: UTF-16 string, UInt16 (MS-EVEN6 2.2.18).
STRING, UINT16 = 0x01, 0x06
#: Digits an event id written as text may have (int() of 4,301 digits raises).
MAX_DIGITS = 20
#: Where a template puts a key: ("text", value) written in it, or ("sub", index, type).
Slot = tuple


class Shape:
    """Where a template puts the keys (``slots``: provider, event id, computer or None; None
    when not of the Windows layout), the names it points to outside itself (chunk offset
    and the name structure's bytes there, its next-name link left out), and the descriptor
    prefix length its substitutions need."""

    __slots__ = ("slots", "names", "places", "dlen")

    def __init__(self, slots: tuple[Slot, Slot, Slot | None] | None,
                 refs: tuple[tuple[int, bytes], ...]) -> None:
        self.slots = slots
        self.places, self.names = zip(*refs, strict=True) if refs else ((), ())
        subs = [s[1] for s in slots or () if s is not None and s[0] == "sub"]
        self.dlen = 4 + 4 * (max(subs) + 1) if subs else 0


def shape_of(data: bytes, pos: int, end: int) -> Shape:
    """The shape of the template body ``data[pos:end]``."""
    refs: list[tuple[int, bytes]] = []
    slots = _walk(data, pos, end, refs)
    if slots is not None and slots[0] == ("text", ""):
        slots = None  # no provider name: not what the fold reads
    return Shape(slots, tuple(refs))


def _name(data: bytes, at: int) -> str | None:
    """The name a name structure at chunk offset ``at`` holds (next, hash, length, UTF-16)."""
    if at + 8 > len(data):
        return None
    n = data[at + 6] | data[at + 7] << 8
    raw = data[at + 8:at + 8 + 2 * n]
    return raw.decode("utf-16-le", "replace") if len(raw) == 2 * n else None


def _named(data: bytes, at: int, pos: int, refs: list[tuple[int, bytes]]) -> tuple[str | None, int]:
    """The name a token at ``pos`` points to (chunk offset ``at``), and the position after
    the token: a name written right there (next, hash, length, text, NUL) is stepped over;
    one written elsewhere is noted in ``refs``."""
    name = _name(data, at)
    if name is None:
        return None, pos
    if at == pos:
        return name, pos + 8 + 2 * len(name) + 2
    refs.append((at + 4, data[at + 4:at + 8 + 2 * len(name)]))
    return name, pos


def _walk(data: bytes, pos: int, end: int, refs: list[tuple[int, bytes]]
          ) -> tuple[Slot, Slot, Slot | None] | None:
    """Provider@Name, EventID and Computer slots of a template body: its first four elements
    must be Event, System, Provider (Name its first attribute) and EventID; Computer is
    looked for among System's other children (None: System has none)."""
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
                slot, pos = _slot(data, pos, end, STRING if key else None)
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
            eid, pos = _slot(data, pos + 1, end, UINT16)
            if eid is None or provider is None or data[pos:pos + 1] != b"\x04":
                return None
            computer = _computer(data, pos + 1, end, refs)
            return None if computer is False else (provider, eid, computer)
    return None


def _computer(data: bytes, pos: int, end: int, refs: list[tuple[int, bytes]]) -> Slot | None | bool:
    """The Computer slot among System's children after EventID (each stepped over by its
    size), None when System closes without one, False when the layout is not understood."""
    while pos + 11 <= end:
        token = data[pos]
        if token == 0x04:
            return None  # System's end
        if token & 0xBF != 0x01:
            return False
        size = _U32.unpack_from(data, pos + 3)[0]
        after = pos + 7 + size
        name, at = _named(data, _U32.unpack_from(data, pos + 7)[0], pos + 11, refs)
        if name is None or after > end:
            return False
        if name == "Computer":
            if token != 0x01 or data[at:at + 1] != b"\x02":
                return False  # attributes, or empty: not the layout Windows writes
            slot, at = _slot(data, at + 1, end, STRING)
            return False if slot is None or data[at:at + 1] != b"\x04" else slot
        pos = after
    return False


def _slot(data: bytes, pos: int, end: int, kind: int | None) -> tuple[Slot | None, int]:
    """The value token at ``pos`` and the position after it: text written in the template,
    or a substitution of ``kind`` (None: any type, the slot is only stepped over). A value
    of any other shape is not read (None)."""
    tok = data[pos] & 0xBF if pos < end else 0
    if tok == 0x05 and pos + 4 <= end and data[pos + 1] == STRING:
        n = data[pos + 2] | data[pos + 3] << 8
        raw = data[pos + 4:pos + 4 + 2 * n]
        if len(raw) != 2 * n:
            return None, pos
        text = raw.decode("utf-16-le", "replace")
        after = pos + 4 + 2 * n
        if "\ufffd" in text or "\x00" in text:
            return None, after  # not text the engine would write the same way
        if kind == UINT16:  # an id of more digits than any u64 is not read (nor converted)
            plain = text.isdigit() and text.isascii() and len(text) <= MAX_DIGITS
            return (("text", int(text)) if plain else None), after
        return ("text", text), after
    if tok in (0x0D, 0x0E) and pos + 4 <= end:
        if kind is not None and data[pos + 3] != kind:
            return None, pos + 4
        return ("sub", data[pos + 1] | data[pos + 2] << 8, kind), pos + 4
    return None, pos
