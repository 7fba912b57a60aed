"""Event XML element → BinXML template + substitution values (the record payload of .evtx).

Why templates: Windows stores each record as a reference to a per-chunk template (the
element skeleton with substitution slots) plus the record's typed values; the first record
that uses a template carries its definition inline. Writing records the same way means the
files exercise the same code paths of every reader as real logs do.

Typing follows the Event schema (MS-EVEN6, eventschema complex types): System values get
their schema types (EventID UInt16, TimeCreated FILETIME, Security SID, ...); EventData and
UserData values are strings, and ``<Binary>`` is binary. A value that does not fit its type
is written as a string, so nothing is lost.
"""

from __future__ import annotations

import hashlib
import struct
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from functools import lru_cache
from typing import Any

# tokens
T_EOF = 0x00
T_OPEN = 0x01
T_CLOSE_START = 0x02
T_CLOSE_EMPTY = 0x03
T_END = 0x04
T_VALUE = 0x05
T_ATTR = 0x06
T_TEMPLATE = 0x0C
T_SUBST = 0x0D
T_FRAGMENT = 0x0F
MORE = 0x40

# value types
V_STRING = 0x01
V_UINT8 = 0x04
V_UINT16 = 0x06
V_UINT32 = 0x08
V_UINT64 = 0x0A
V_BINARY = 0x0E
V_GUID = 0x0F
V_FILETIME = 0x11
V_SID = 0x13
V_HEX64 = 0x15

#: Longest value a substitution can hold (its size is a 16-bit field).
MAX_VALUE_BYTES = 0xFFFF
_EPOCH_1601 = datetime(1601, 1, 1, tzinfo=timezone.utc)

#: (parent element, element, attribute or None) → value type, for System fields.
SYSTEM_TYPES: dict[tuple[str, str | None], int] = {
    ("Provider", "Guid"): V_GUID,
    ("EventID", None): V_UINT16,
    ("EventID", "Qualifiers"): V_UINT16,
    ("Version", None): V_UINT8,
    ("Level", None): V_UINT8,
    ("Task", None): V_UINT16,
    ("Opcode", None): V_UINT8,
    ("Keywords", None): V_HEX64,
    ("TimeCreated", "SystemTime"): V_FILETIME,
    ("EventRecordID", None): V_UINT64,
    ("Correlation", "ActivityID"): V_GUID,
    ("Correlation", "RelatedActivityID"): V_GUID,
    ("Execution", "ProcessID"): V_UINT32,
    ("Execution", "ThreadID"): V_UINT32,
    ("Execution", "ProcessorID"): V_UINT8,
    ("Execution", "SessionID"): V_UINT32,
    ("Execution", "KernelTime"): V_UINT32,
    ("Execution", "UserTime"): V_UINT32,
    ("Execution", "ProcessorTime"): V_UINT64,
    ("Security", "UserID"): V_SID,
}
#: Attributes kept literal in the template (they describe the shape, not the record).
LITERAL_ATTRS = frozenset(("Name", "xmlns"))


def name_hash(name: str) -> int:
    """The 16-bit name hash stored with each name string (low half of a ×65599 hash)."""
    h = 0
    for ch in name:
        h = (h * 65599 + ord(ch)) & 0xFFFFFFFF
    return h & 0xFFFF


def filetime(text: str) -> int:
    """``2024-03-05T02:14:07.3342116Z`` → FILETIME ticks (100 ns since 1601), 7 digits kept."""
    t = text.strip().replace(" ", "T")
    if t.endswith(("Z", "z")):
        t = t[:-1]
    frac = ""
    if "." in t:
        t, frac = t.split(".", 1)
        if not frac.isdigit():
            raise ValueError(text)
    dt = datetime.fromisoformat(t).replace(tzinfo=timezone.utc)
    seconds = int((dt - _EPOCH_1601).total_seconds())
    return seconds * 10_000_000 + int((frac + "0000000")[:7])


def sid_bytes(text: str) -> bytes:
    parts = text.strip().split("-")
    if len(parts) < 3 or parts[0].upper() != "S":
        raise ValueError(text)
    revision, authority = int(parts[1]), int(parts[2])
    subs = [int(p) for p in parts[3:]]
    if len(subs) > 15:
        raise ValueError(text)
    return bytes([revision, len(subs)]) + authority.to_bytes(6, "big") + b"".join(
        struct.pack("<I", s) for s in subs)


def encode_value(vtype: int, text: str) -> tuple[int, bytes]:
    """Typed bytes for a value; falls back to a UTF-16 string when the text does not fit."""
    t = text.strip()
    try:
        if vtype == V_UINT8:
            return vtype, struct.pack("<B", int(t, 0))
        if vtype == V_UINT16:
            return vtype, struct.pack("<H", int(t, 0))
        if vtype == V_UINT32:
            return vtype, struct.pack("<I", int(t, 0))
        if vtype == V_UINT64:
            return vtype, struct.pack("<Q", int(t, 0))
        if vtype == V_HEX64:
            return vtype, struct.pack("<Q", int(t, 16))
        if vtype == V_GUID:
            return vtype, uuid.UUID(t.strip("{}")).bytes_le
        if vtype == V_FILETIME:
            return vtype, struct.pack("<Q", filetime(t))
        if vtype == V_SID:
            return vtype, sid_bytes(t)
        if vtype == V_BINARY:
            return vtype, bytes.fromhex(t.replace("-", "").replace(" ", ""))
    except (ValueError, struct.error, OverflowError):
        pass
    return V_STRING, string_bytes(text)


def string_bytes(text: str) -> bytes:
    data = text.encode("utf-16-le", errors="surrogatepass")
    if len(data) > MAX_VALUE_BYTES:
        data = data[: MAX_VALUE_BYTES - 1]
    return data


def _local(tag: Any) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


@dataclass(frozen=True, slots=True)
class Elem:
    """A template node: name, attributes, and either child elements or one value slot."""

    name: str
    attrs: tuple[tuple[str, object], ...]  # (name, ("lit", text) | ("sub", index, type))
    children: tuple[Elem, ...] = ()
    content: tuple[int, int] | None = None  # (substitution index, type)


def template_of(event: Any) -> tuple[Elem, list[tuple[int, bytes]]]:
    """Split an ``<Event>`` element into its template skeleton and its substitution values.

    ``RenderingInfo`` is dropped: an .evtx never holds rendered text.
    """
    values: list[tuple[int, bytes]] = []

    def slot(vtype: int, text: str) -> tuple[int, int]:
        vt, data = encode_value(vtype, text)
        values.append((vt, data))
        return len(values) - 1, vt

    def walk(el: Any, parent_ns: dict[str | None, str], section: str) -> Elem:
        local = _local(el.tag)
        name = f"{el.prefix}:{local}" if el.prefix else local
        attrs: list[tuple[str, object]] = []
        for prefix, uri in el.nsmap.items():
            if parent_ns.get(prefix) != uri:
                attrs.append(("xmlns" if prefix is None else f"xmlns:{prefix}", ("lit", uri)))
        for key, value in el.attrib.items():
            aname = _local(key)
            if aname in LITERAL_ATTRS and section != "System":
                attrs.append((aname, ("lit", value)))
            else:
                vtype = SYSTEM_TYPES.get((local, aname), V_STRING) if section == "System" else V_STRING
                attrs.append((aname, ("sub", *slot(vtype, value))))
        kids = [c for c in el if isinstance(c.tag, str)]
        if local in ("System", "EventData", "UserData"):
            section = local
        if kids:
            return Elem(name, tuple(attrs), tuple(walk(c, dict(el.nsmap), section) for c in kids))
        text = "".join(el.itertext())
        if section == "System":
            if not text.strip():
                return Elem(name, tuple(attrs))
            vtype = SYSTEM_TYPES.get((local, None), V_STRING)
            return Elem(name, tuple(attrs), content=slot(vtype, text))
        if local in ("EventData", "UserData", "Event"):
            return Elem(name, tuple(attrs))
        vtype = V_BINARY if (section == "EventData" and local == "Binary") else V_STRING
        return Elem(name, tuple(attrs), content=slot(vtype, text))

    kids = [c for c in event if isinstance(c.tag, str) and _local(c.tag) != "RenderingInfo"]
    local = _local(event.tag)
    attrs: list[tuple[str, object]] = []
    for prefix, uri in event.nsmap.items():
        attrs.append(("xmlns" if prefix is None else f"xmlns:{prefix}", ("lit", uri)))
    root = Elem(local, tuple(attrs), tuple(walk(c, dict(event.nsmap), "") for c in kids))
    return root, values


@lru_cache(maxsize=1024)
def template_guid(root: Elem) -> bytes:
    """A stable 16-byte identifier for a template skeleton (cached: few shapes per log)."""
    return hashlib.md5(repr(root).encode("utf-8"), usedforsecurity=False).digest()


class ChunkEncoder:
    """Writes BinXML into one chunk buffer, sharing names and templates chunk-wide.

    Names and template definitions are referenced by chunk-relative offsets, so whatever is
    added while encoding one record is undone if that record does not fit the chunk.
    """

    def __init__(self, buf: bytearray) -> None:
        self.buf = buf
        self.names: dict[str, int] = {}
        self.templates: dict[bytes, int] = {}
        self.string_buckets = [0] * 64
        self.template_buckets = [0] * 32
        self._added_names: list[tuple[str, int, int]] = []
        self._added_templates: list[tuple[bytes, int, int]] = []

    # -- transactions -------------------------------------------------------------
    def begin(self) -> int:
        self._added_names.clear()
        self._added_templates.clear()
        return len(self.buf)

    def rollback(self, mark: int) -> None:
        del self.buf[mark:]
        for name, bucket, previous in reversed(self._added_names):
            del self.names[name]
            self.string_buckets[bucket] = previous
        for guid, bucket, previous in reversed(self._added_templates):
            del self.templates[guid]
            self.template_buckets[bucket] = previous

    # -- primitives ---------------------------------------------------------------
    def _u8(self, v: int) -> None:
        self.buf.append(v)

    def _pack(self, fmt: str, *v: int) -> None:
        self.buf += struct.pack(fmt, *v)

    def _name_ref(self, name: str) -> None:
        """A name offset; the name string itself follows inline on its first use."""
        offset = self.names.get(name)
        if offset is not None:
            self._pack("<I", offset)
            return
        here = len(self.buf) + 4
        self._pack("<I", here)
        bucket = name_hash(name) % 64
        previous = self.string_buckets[bucket]
        encoded = name.encode("utf-16-le")
        self._pack("<IHH", previous, name_hash(name), len(name))
        self.buf += encoded + b"\x00\x00"
        self.names[name] = here
        self.string_buckets[bucket] = here
        self._added_names.append((name, bucket, previous))

    def _element(self, el: Elem) -> None:
        has_attrs = bool(el.attrs)
        self._u8(T_OPEN | (MORE if has_attrs else 0))
        self._pack("<H", 0xFFFF)
        size_at = len(self.buf)
        self._pack("<I", 0)
        self._name_ref(el.name)
        if has_attrs:
            list_at = len(self.buf)
            self._pack("<I", 0)
            for i, (aname, spec) in enumerate(el.attrs):
                self._u8(T_ATTR | (MORE if i + 1 < len(el.attrs) else 0))
                self._name_ref(aname)
                self._value_token(spec)
            struct.pack_into("<I", self.buf, list_at, len(self.buf) - list_at - 4)
        if not el.children and el.content is None:
            self._u8(T_CLOSE_EMPTY)
        else:
            self._u8(T_CLOSE_START)
            if el.content is not None:
                self._u8(T_SUBST)
                self._pack("<HB", *el.content)
            for child in el.children:
                self._element(child)
            self._u8(T_END)
        struct.pack_into("<I", self.buf, size_at, len(self.buf) - size_at - 4)

    def _value_token(self, spec: object) -> None:
        kind = spec[0]  # type: ignore[index]
        if kind == "lit":
            text: str = spec[1]  # type: ignore[index]
            data = text.encode("utf-16-le")
            self._u8(T_VALUE)
            self._u8(V_STRING)
            self._pack("<H", len(data) // 2)
            self.buf += data
        else:
            _, index, vtype = spec  # type: ignore[misc]
            self._u8(T_SUBST)
            self._pack("<HB", index, vtype)

    # -- records ------------------------------------------------------------------
    def record_payload(self, root: Elem, values: list[tuple[int, bytes]]) -> None:
        """Fragment header, template instance (definition inline on first use), values."""
        self.buf += bytes((T_FRAGMENT, 1, 1, 0))
        guid = template_guid(root)
        tid = struct.unpack_from("<I", guid)[0]
        known = self.templates.get(guid)
        self._u8(T_TEMPLATE)
        self._u8(1)
        self._pack("<I", tid)
        if known is not None:
            self._pack("<I", known)
        else:
            def_at = len(self.buf) + 4
            self._pack("<I", def_at)
            bucket = tid % 32
            previous = self.template_buckets[bucket]
            self._pack("<I", previous)
            self.buf += guid
            size_at = len(self.buf)
            self._pack("<I", 0)
            start = len(self.buf)
            self.buf += bytes((T_FRAGMENT, 1, 1, 0))
            self._element(root)
            self._u8(T_EOF)
            struct.pack_into("<I", self.buf, size_at, len(self.buf) - start)
            self.templates[guid] = def_at
            self.template_buckets[bucket] = def_at
            self._added_templates.append((guid, bucket, previous))
        self._pack("<I", len(values))
        for vtype, data in values:
            self._pack("<HBB", len(data), vtype, 0)
        for _vtype, data in values:
            self.buf += data
