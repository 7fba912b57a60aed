"""The python-evtx engine (``--engine python``): every chunk slot, Rust-compatible values.

Why this module exists:
- python-evtx's normal API (``FileHeader.chunks()``) stops at the header's chunk count, which
  is stale in logs copied while Windows had them open (326 of 1,881 records in a corpus
  file). Here every 64 KiB slot with a chunk magic is read, and record frames are followed
  directly, so both engines see the same records.
- python-evtx renders some value types differently from ``evtx`` (and from Windows):
  ``True``/``False``, ``{guid}`` in lower case, zero-padded hex ints, FILETIMEs rounded (not
  truncated) to microseconds with a space separator, Binary as base64. Those renderings are
  replaced, once, by ones that match the Rust engine, so a record normalizes to the same
  fields whichever engine read it.
"""

from __future__ import annotations

import mmap
import struct
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import IO, Any

from ...ledger import FileLedger
from .chunks import (
    CHUNK_HEADER,
    CHUNK_MAGIC,
    CHUNK_SIZE,
    HEADER_SIZE,
    MAX_RECORDS_PER_CHUNK,
    RECORD_MAGIC,
    RECORD_MIN,
)
from . import pyevtx_import
from .normalize import ARRAY_SEPARATOR
from .slot_file import SlotFile

_EPOCH_1601 = datetime(1601, 1, 1)
_patched = False


def _filetime_text(ticks: int) -> str:
    """FILETIME as the Rust engine prints it: microseconds truncated, ``Z`` suffix."""
    try:
        dt = _EPOCH_1601 + timedelta(microseconds=ticks // 10)
    except OverflowError:
        return str(ticks)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _systemtime_text(raw: bytes) -> str:
    """SYSTEMTIME (year, month, weekday, day, hour, minute, second, ms) as evtx prints it."""
    year, month, _dow, day, hour, minute, second, ms = struct.unpack("<8H", raw)
    try:
        return datetime(year, month, day, hour, minute, second, ms * 1000).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    except ValueError:
        return f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:{second:02d}.{ms:03d}000Z"


def _use_rust_compatible_renderings() -> None:
    """Replace python-evtx's value renderings by the Rust engine's (see module docstring), and
    keep its log quiet; once, before python-evtx reads anything."""
    global _patched
    if _patched:
        return
    import logging

    # python-evtx logs token warnings on damaged records; what was lost is in the ledger, and
    # stderr stays for progress and errors (set here, not at start-up: ``logging`` costs ~5 ms)
    quiet = logging.getLogger("Evtx")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    pyevtx_import.load()
    from Evtx import Nodes

    # evtx prints a BOOL that is neither 0 nor 1 as its number (corpus: GroupPolicy "16")
    Nodes.BooleanTypeNode.string = lambda self: {0: "false", 1: "true"}.get(self.int32(), str(self.int32()))
    Nodes.GuidTypeNode.string = lambda self: self.guid().upper()
    Nodes.Hex32TypeNode.string = lambda self: f"0x{int.from_bytes(self.hex(), 'little'):x}"
    Nodes.Hex64TypeNode.string = lambda self: f"0x{int.from_bytes(self.hex(), 'little'):x}"
    Nodes.FiletimeTypeNode.string = lambda self: _filetime_text(self.unpack_qword(0))
    Nodes.BinaryTypeNode.string = lambda self: self.binary().hex().upper()
    Nodes.SizeTypeNode.string = lambda self: f"0x{self.num():x}"
    Nodes.SystemtimeTypeNode.string = lambda self: _systemtime_text(self.unpack_binary(0, 16))
    # string arrays (classic ReportEvent inserts): evtx renders one <Data> per item;
    # python-evtx renders "<string>..</string>" text. Items are joined with a private-use
    # separator that evtx_xml splits back into positional inserts.
    Nodes.WstringArrayTypeNode.string = lambda self: ARRAY_SEPARATOR.join(_string_array(self.binary()))
    _patched = True


def _string_array(binary: bytes) -> list[str]:
    """NUL-terminated UTF-16LE strings, as in a 0x81 (string array) value."""
    text = binary.decode("utf-16-le", errors="replace")
    items = text.split("\x00")
    if items and items[-1] == "":
        items.pop()
    return items


_BOUNDED: Any = None


def _bounded_chunk_class() -> Any:  # noqa: ANN401
    """python-evtx's ``ChunkHeader`` with its name and template hash chains walked with a
    cycle check.

    Why: python-evtx follows each chain's "next offset" until it reads 0; in a damaged chunk
    a chain that loops back hangs it forever (found by fuzzing). Same walk, each chain
    stopped at an offset it has already visited.
    """
    global _BOUNDED
    if _BOUNDED is not None:
        return _BOUNDED
    ChunkHeader = pyevtx_import.load().ChunkHeader  # noqa: N806

    class BoundedChunkHeader(ChunkHeader):  # type: ignore[misc]
        def _load_strings(self) -> None:
            if self._strings is None:
                self._strings = {}
            for i in range(64):
                ofs = self.unpack_dword(0x80 + (i * 4))
                seen: set[int] = set()
                while ofs > 0 and ofs not in seen:
                    seen.add(ofs)
                    ofs = self.add_string(ofs).next_offset()

        def _load_templates(self) -> None:
            if self._templates is None:
                self._templates = {}
            for i in range(32):
                ofs = self.unpack_dword(0x180 + (i * 4))
                seen: set[int] = set()
                while ofs > 0 and ofs not in seen:
                    seen.add(ofs)
                    if self.unpack_byte(ofs - 10) != 0x0C or self.unpack_dword(ofs - 4) != ofs:
                        break  # not a template definition: python-evtx stops here too
                    ofs = self.add_template(ofs).next_offset()

    _BOUNDED = BoundedChunkHeader
    return _BOUNDED


class FileShrank(Exception):
    """The file ended before a chunk slot it had when the pass began (a live log, a share)."""

    def __init__(self, offset: int, got: int, wanted: int) -> None:
        super().__init__(f"the file shrank while python-evtx read it: the chunk slot at offset "
                         f"0x{offset:X} gave {got} of {wanted} bytes")
        self.offset = offset


class _Slots:
    """The file read one chunk slot at a time, each into a zero-filled anonymous map that
    ends where the slot ends, the slot at its own file offset.

    Why not map the file: a file that shrinks while mapped (a log still being written, a
    bundle on a share) turns the next touch of a page past its new end into SIGBUS, which kills
    the run. Why not read it whole: memory would grow with the file (logs run to GBs). Why a
    map up to the slot's end: python-evtx addresses a chunk by its file offset and names those
    offsets in its errors, so they read as before (its "buffer length" is now the slot's end,
    not the file's); only the slot's own pages are touched, and
    each map is dropped when the next slot is read. A damaged record that points past its
    chunk fails to render (``_SlotMap``), as in the Rust engine, instead of reading the next
    chunk's bytes (one corpus record: a UnicodeDecodeError of those bytes before).
    """

    def __init__(self, fh: IO[bytes]) -> None:
        self._file = SlotFile(fh)
        self.size = self._file.size
        self._buf: Any = None

    def load(self, offset: int) -> Any:  # noqa: ANN401
        """A buffer holding the slot at ``offset`` (zeros elsewhere); FileShrank when the
        file no longer holds all of it."""
        self.close()
        wanted = min(CHUNK_SIZE, self.size - offset)
        if wanted <= 0:  # a frame found before the file was cut (recovery)
            raise FileShrank(offset, 0, CHUNK_SIZE)
        data = self._file.read(offset, wanted)
        if len(data) < wanted:
            raise FileShrank(offset, len(data), wanted)
        self._buf = _SlotMap(-1, offset + wanted, **_PRIVATE)
        self._buf[offset:offset + wanted] = data
        return self._buf

    def close(self) -> None:
        if self._buf is not None:
            self._buf.close()
            self._buf = None


class _SlotMap(mmap.mmap):
    """A slot's map on which a slice past its end raises: python-evtx slices strings and
    raw bytes (``unpack_wstring``, a record's data) and would take a short slice for empty
    text, rendering a damaged record with empty values instead of failing it."""

    def __getitem__(self, key: Any) -> Any:  # noqa: ANN401
        if isinstance(key, slice) and key.stop is not None and key.stop > len(self):
            raise IndexError(f"read past the record's chunk: bytes 0x{key.start or 0:X}-"
                             f"0x{key.stop:X}, the chunk ends at 0x{len(self):X}")
        return super().__getitem__(key)


#: A private anonymous map (POSIX): the kernel hands out zero pages only where one is touched.
_PRIVATE: dict[str, int] = {"flags": mmap.MAP_PRIVATE} if hasattr(mmap, "MAP_PRIVATE") else {}


def records(fh: IO[bytes], ledger: FileLedger) -> Iterator[tuple[int | None, int, str | None, str | None]]:
    """python-evtx over every chunk slot with a chunk magic: ``(record id, offset, xml, error)``.

    Bad-magic slots are skipped, as the Rust engine skips them, and left to
    :func:`evtx.completeness.check_completeness` to report. A file that shrinks meanwhile
    ends the pass with a problem entry at the first slot it no longer holds.
    """
    Record = pyevtx_import.load().Record  # noqa: N806

    ChunkHeader = _bounded_chunk_class()  # noqa: N806

    _use_rust_compatible_renderings()
    slots = _Slots(fh)
    size = slots.size
    offset = HEADER_SIZE
    try:
        while offset + CHUNK_HEADER <= size:
            buf = slots.load(offset)
            if bytes(buf[offset:offset + 8]) == CHUNK_MAGIC:
                yield from _chunk_records(buf, offset, size, ChunkHeader, Record)
            offset += CHUNK_SIZE
    except FileShrank as exc:
        ledger.problem(f"offset 0x{exc.offset:X}", f"{exc}; the rest of the file was not read",
                       "evtx-truncated")
    finally:
        slots.close()


def _chunk_records(buf: Any, offset: int, size: int, chunk_cls: Any, record_cls: Any
                   ) -> Iterator[tuple[int | None, int, str | None, str | None]]:
    chunk_end = min(offset + CHUNK_SIZE, size)
    chunk = chunk_cls(buf, offset)
    free = chunk.next_record_offset()
    end = offset + free if CHUNK_HEADER <= free <= CHUNK_SIZE else chunk_end
    end = min(end, chunk_end)
    pos = offset + CHUNK_HEADER
    count = 0
    while pos + RECORD_MIN <= end and count < MAX_RECORDS_PER_CHUNK:
        if bytes(buf[pos:pos + 4]) != RECORD_MAGIC:
            return
        rsize, rid = struct.unpack_from("<IQ", buf, pos + 4)
        if rsize < RECORD_MIN or pos + rsize > chunk_end:
            return
        count += 1
        try:
            xml = record_cls(buf, pos, chunk).xml()
        except Exception as exc:  # noqa: BLE001 - python-evtx raises many kinds
            yield rid, pos, None, f"{type(exc).__name__}: {exc}"[:300]
        else:
            yield rid, pos, xml, None
        pos += rsize


def render_at(fh: IO[bytes], frames: list[tuple[int, int, int]]
              ) -> Iterator[tuple[int, int, str | None, str | None]]:
    """python-evtx rendering of records at known offsets: ``(record id, offset, xml, error)``.

    Used to recover records that a broken frame or a bad chunk magic hid from the engines:
    a record's BinXML refers to names and templates by offsets inside its own chunk, so it
    renders whenever those parts of the chunk are intact.
    """
    Record = pyevtx_import.load().Record  # noqa: N806

    ChunkHeader = _bounded_chunk_class()  # noqa: N806

    _use_rust_compatible_renderings()
    slots = _Slots(fh)
    loaded, buf, chunk, lost = -1, None, None, ""  # the slot read last; why it could not be
    try:
        for rid, offset, chunk_offset in frames:
            if chunk_offset != loaded:  # a chunk's frames come together (completeness walks
                loaded, buf, chunk, lost = chunk_offset, None, None, ""  # chunk by chunk)
                try:
                    buf = slots.load(chunk_offset)
                except FileShrank as exc:
                    lost = str(exc)
            if lost:
                yield rid, offset, None, lost
                continue
            try:
                if chunk is None:
                    chunk = ChunkHeader(buf, chunk_offset)
                yield rid, offset, Record(buf, offset, chunk).xml(), None
            except Exception as exc:  # noqa: BLE001 - damaged areas fail in many ways
                yield rid, offset, None, f"{type(exc).__name__}: {exc}"[:200]
    finally:
        buf = chunk = None  # before the map closes: the chunk object refers to it
        slots.close()
