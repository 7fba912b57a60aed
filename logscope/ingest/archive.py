"""Zip members read safely: streamed with their size and ratio limits enforced as they are
read; overlapping or mis-declared entries found before anything is extracted.
"""

from __future__ import annotations

import io
import os
import struct
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:
    import zipfile

    from .bundle import Bundle

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"

#: Below this many bytes a member's compression ratio is not judged: small files compress very
#: well (a 1 MiB .evtx with one chunk in use is about 155:1), and the total and member limits
#: bound the work anyway; a bomb is refused after at most this much output.
RATIO_FLOOR = 32 << 20

LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")


@lru_cache(maxsize=1)
def readable() -> frozenset[int]:
    """Compression methods zipfile can read here (``METHOD_NAMES`` names the others).

    zipfile, and Deflate64 (method 9: what Windows' own zip writes for large files) registered
    with it, load here, before the first zip is opened: not at start-up (~10 ms with the
    rest of the archive machinery), which a bundle without archives never needs."""
    import zipfile

    methods = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
    try:
        import zipfile_deflate64  # noqa: F401  (registers the method with zipfile)
    except ImportError:  # pragma: no cover - listed as a dependency
        return frozenset(methods)
    return frozenset(methods | {9})


def open_zip(path: Path) -> zipfile.ZipFile:
    """``zipfile.ZipFile(path)`` with every method of :func:`readable` registered."""
    import zipfile

    readable()
    return zipfile.ZipFile(path)


METHOD_NAMES = {
    1: "Shrink", 2: "Reduce", 3: "Reduce", 4: "Reduce", 5: "Reduce", 6: "Implode",
    9: "Deflate64", 10: "PKWARE DCL Implode", 18: "IBM TERSE", 19: "IBM LZ77", 93: "Zstandard",
    94: "MP3", 95: "XZ", 96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES (WinZip)",
}


STREAM_BUFFER = 1 << 16


class MemberStream(io.RawIOBase):
    """An archive member read as a stream, with the bundle's limits on the bytes it yields.

    Going over a limit, or corrupt compressed data, is an ``OSError`` with a clear message:
    the parser reading the member keeps what it read and records a problem for the file.
    Bytes count once toward the bundle total however often the member is opened.
    """

    def __init__(self, bundle: Bundle, src: IO[bytes], compressed: int, key: str) -> None:
        super().__init__()
        self._bundle, self._src, self._compressed, self._key = bundle, src, compressed, key
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b: bytearray | memoryview) -> int:  # type: ignore[override]
        try:
            data = self._src.read(len(b))
        except Exception as exc:  # noqa: BLE001 - zlib/bz2/lzma/CRC errors of a damaged member
            raise OSError(f"corrupt archive member data: {type(exc).__name__}: {exc}") from None
        n = len(data)
        b[:n] = data
        self._pos += n
        o = self._bundle.options
        if self._pos > o.max_member_bytes:
            raise OSError(f"member size limit: more than {o.max_member_bytes} bytes "
                          "(raise --max-member-size); the rest was not read")
        if self._pos > RATIO_FLOOR and self._pos > o.max_ratio * max(self._compressed, 1):
            raise OSError(f"compression ratio limit: more than {o.max_ratio:.0f}:1 "
                          "(zip bomb? raise --max-ratio); the rest was not read")
        counted = self._bundle._streamed.get(self._key, 0)  # noqa: SLF001
        if self._pos > counted:
            self._bundle._total_bytes += self._pos - counted  # noqa: SLF001
            self._bundle._streamed[self._key] = self._pos  # noqa: SLF001
            if self._bundle._total_bytes > o.max_total_bytes:  # noqa: SLF001
                raise OSError(f"total size limit: more than {o.max_total_bytes} bytes "
                              "(raise --max-total-size); the rest was not read")
        return n

    def close(self) -> None:
        try:
            self._src.close()
        finally:
            super().close()


def is_dir(info: zipfile.ZipInfo) -> bool:
    """``ZipInfo.is_dir`` without its IndexError on an empty member name (found by fuzzing)."""
    return info.filename.endswith("/")


def declared_entries(path: Path) -> int | None:
    """The member count the end-of-central-directory record declares (read before zipfile
    builds one object per member, so a huge directory is refused without the memory)."""
    try:
        with path.open("rb") as fh:
            fh.seek(0, os.SEEK_END)
            size = fh.tell()
            fh.seek(max(0, size - (1 << 16) - 22))
            tail = fh.read()
    except OSError:
        return None
    pos = tail.rfind(EMPTY_ZIP_MAGIC)
    if pos < 0 or pos + 22 > len(tail):
        return None
    total = struct.unpack_from("<H", tail, pos + 10)[0]
    if total == 0xFFFF:  # zip64: the real count is in the zip64 end record
        loc = tail.rfind(b"PK\x06\x06", 0, pos)
        if loc >= 0 and loc + 40 <= len(tail):
            return struct.unpack_from("<Q", tail, loc + 32)[0]
    return total


def overlapping(path: Path, infos: list[zipfile.ZipInfo]) -> dict[int, str]:
    """Members whose bytes in the archive overlap another member's (zip bomb), by ``id(info)``.

    A member occupies its local header, name, extra field and compressed data; two members
    whose ranges intersect (or share a header) decompress the same bytes twice.
    """
    out: dict[int, str] = {}
    spans: list[tuple[int, int, zipfile.ZipInfo]] = []
    try:
        with path.open("rb") as fh:
            for info in infos:
                if is_dir(info) and not info.compress_size:
                    continue
                fh.seek(info.header_offset)
                raw = fh.read(LOCAL_HEADER.size)
                if len(raw) < LOCAL_HEADER.size:
                    continue  # zipfile reports the broken header when the member is opened
                fields = LOCAL_HEADER.unpack(raw)
                end = info.header_offset + LOCAL_HEADER.size + fields[9] + fields[10] \
                    + info.compress_size
                spans.append((info.header_offset, end, info))
    except OSError:
        return out
    spans.sort(key=lambda s: (s[0], s[1]))
    reach = -1
    owner: zipfile.ZipInfo | None = None
    for start, end, info in spans:
        if owner is not None and start < reach:
            out[id(info)] = (f"overlapping entry: its bytes overlap member {owner.filename!r} "
                             "(zip bomb)")
        if end > reach:
            reach, owner = end, info
    return out
