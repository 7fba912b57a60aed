"""Walk a support bundle (folders, single files, zips, zips inside zips) into ``Source`` objects.

Why this is careful: bundles come from customers and broken machines. Nothing here ever
writes a member under its own name (so ``../``, absolute or drive-letter member names cannot
escape); symbolic links (on disk or as zip entries) are listed, never followed; members
that must be seekable (evtx, nested zips) are copied, bounded, into a private temporary
folder, each copy removed as soon as its file has been read and the folder removed when the
walk ends, however it ends. Every member that is not read is listed with its reason in a
ledger, never dropped silently.

Limits (``IngestOptions``): total uncompressed bytes, bytes per member, member count,
compression ratio and nesting depth. They are checked against the headers first and then
against the bytes actually produced (headers can lie); overlapping members ("quoted
overlap" zip bombs) are refused by comparing each member's byte range in the archive.
"""

from __future__ import annotations

import gzip
import io
import os
import re
import shutil
import stat
import struct
import tempfile
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path, PurePosixPath
from typing import IO

try:  # Deflate64 (method 9) is what Windows' own zip writes for large files.
    import zipfile_deflate64  # noqa: F401  (registers the method with zipfile)

    _DEFLATE64 = True
except ImportError:  # pragma: no cover - listed as a dependency
    _DEFLATE64 = False

from ..ledger import FileLedger
from .source import IngestOptions, Source

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"
_COPY_CHUNK = 1 << 20
#: Below this many bytes a member's compression ratio is not judged: small files compress very
#: well (a 1 MiB .evtx with one chunk in use is about 155:1), and the total and member limits
#: bound the work anyway; a bomb is refused after at most this much output.
_RATIO_FLOOR = 32 << 20
_SKIP_DIRS = {"__MACOSX", ".git"}
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")

#: Compression methods zipfile can read here, and names for the ones it cannot.
_READABLE = {zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED, zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA}
if _DEFLATE64:
    _READABLE.add(9)
_METHOD_NAMES = {
    1: "Shrink", 2: "Reduce", 3: "Reduce", 4: "Reduce", 5: "Reduce", 6: "Implode",
    9: "Deflate64", 10: "PKWARE DCL Implode", 18: "IBM TERSE", 19: "IBM LZ77", 93: "Zstandard",
    94: "MP3", 95: "XZ", 96: "JPEG", 97: "WavPack", 98: "PPMd", 99: "AES (WinZip)",
}


class BundleError(Exception):
    """A PATH that cannot be opened at all (usage error, exit 2)."""


class _LimitExceeded(Exception):
    pass


#: Members that must be files: nested archives (zipfile seeks) and .evtx (the engines seek).
_NEEDS_A_FILE = (ZIP_MAGIC, EMPTY_ZIP_MAGIC, GZIP_MAGIC, b"ElfFile\x00")
_STREAM_BUFFER = 1 << 16


class _MemberStream(io.RawIOBase):
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
        if self._pos > _RATIO_FLOOR and self._pos > o.max_ratio * max(self._compressed, 1):
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


class Bundle:
    """Iterates every file of the given PATHs; owns the temporary folder for extracted members.

    Use as a context manager. ``ledgers`` collects entries for archive members and folder
    entries that were not handed to a parser (encrypted, over a limit, unsupported method,
    bad zip, symbolic link, not a regular file).
    """

    def __init__(self, paths: list[Path], options: IngestOptions) -> None:
        self.paths = paths
        self.options = options
        self.ledgers: list[FileLedger] = []
        self._tmp: Path | None = None
        self._total_bytes = 0
        self._members = 0
        self._streamed: dict[str, int] = {}  # bytes counted per streamed member
        self._declared = 0  # uncompressed sizes the accepted members declare

    def __enter__(self) -> Bundle:
        for p in self.paths:
            if not p.exists():
                raise BundleError(f"{p}: no such file or folder")
            if not os.access(p, os.R_OK):
                raise BundleError(f"{p}: not readable")
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()

    def cleanup(self) -> None:
        """Remove the temporary folder (idempotent)."""
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def temp_dir(self) -> Path | None:
        """The private temporary folder, while it exists (for tests)."""
        return self._tmp

    # -- temp files -------------------------------------------------------------------
    def _tempfile(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="logscope-"))
            os.chmod(self._tmp, stat.S_IRWXU)
        fd, name = tempfile.mkstemp(dir=self._tmp)
        os.close(fd)
        return Path(name)

    def _refuse(self, display: str, where: str, reason: str, code: str, skip: str,
                kind: str = "unknown") -> None:
        led = FileLedger(display, kind=kind, reason=reason)
        led.problem(where, reason, code)
        led.skip(skip)
        self.ledgers.append(led)

    def keep(self, source: Source) -> Path:
        """A path to ``source``'s bytes that stays valid until the bundle closes.

        Extracted members are removed as the walk moves on; a hard link in the private
        temporary folder keeps one for a consumer that reads it later (a worker process).
        Files that were on disk already are returned as they are.
        """
        path = source.fs_path
        if path is None:
            raise ValueError(f"{source.display}: not a file on disk")
        if self._tmp is not None and path.parent == self._tmp:
            kept = self._tempfile()
            kept.unlink()
            os.link(path, kept)
            return kept
        return path

    # -- walking ----------------------------------------------------------------------
    def sources(self) -> Iterator[Source]:
        """Every file in the bundle, in a stable order (sorted paths)."""
        for root in self.paths:
            if root.is_dir():
                yield from self._walk_dir(root)
            else:
                yield from self._file(root, display_text(root.name), host_hint=None, depth=0)

    def _walk_dir(self, root: Path) -> Iterator[Source]:
        base = display_text(root.name or str(root))

        def unreadable(exc: OSError) -> None:
            rel = Path(exc.filename or root).relative_to(root).as_posix() if exc.filename else ""
            self._refuse(f"{base}/{rel}".rstrip("/"), "folder",
                         f"folder cannot be listed: {exc.strerror}", "io-error", "unreadable folder")

        for dirpath, dirnames, filenames in os.walk(root, followlinks=False, onerror=unreadable):
            links = [d for d in dirnames if (Path(dirpath) / d).is_symlink()]
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS and d not in links)
            for fn in sorted(filenames + links):
                full = Path(dirpath) / fn
                rel = full.relative_to(root).as_posix()
                display = display_text(f"{base}/{rel}")
                try:
                    st = full.lstat()
                except OSError as exc:
                    self._refuse(display, "file", f"cannot stat: {exc.strerror}", "io-error",
                                 "unreadable file")
                    continue
                if stat.S_ISLNK(st.st_mode):
                    self._refuse(display, "file", "symbolic link not followed", "symlink",
                                 "symlink")
                    continue
                if not stat.S_ISREG(st.st_mode):
                    self._refuse(display, "file", "not a regular file (device, pipe or socket)",
                                 "not-regular", "not a regular file")
                    continue
                yield from self._file(full, display, host_hint=host_from_path(rel), depth=0)

    def _file(self, path: Path, display: str, host_hint: str | None, depth: int) -> Iterator[Source]:
        try:
            st = path.stat()
            if not stat.S_ISREG(st.st_mode):
                self._refuse(display, "file", "not a regular file (device, pipe or socket)",
                             "not-regular", "not a regular file")
                return
            with path.open("rb") as fh:
                head = fh.read(4)
        except OSError as exc:
            led = FileLedger(display, reason=f"cannot read: {exc.strerror}")
            led.problem("file", f"cannot open: {exc}", "io-error")
            self.ledgers.append(led)
            return
        if head.startswith((ZIP_MAGIC, EMPTY_ZIP_MAGIC)):
            yield from self._zip(path, display, depth + 1)
            return
        if head.startswith(GZIP_MAGIC):
            yield from self._gzip(path, display, host_hint, depth + 1)
            return
        yield Source(display, opener=lambda p=path: p.open("rb"), size=st.st_size, fs_path=path,
                     host_hint=host_hint)

    def _too_deep(self, display: str, depth: int, what: str) -> bool:
        if depth <= self.options.max_depth:
            return False
        self._refuse(display, "file", f"{what} nested deeper than {self.options.max_depth} "
                     "archive levels (raise --max-depth to read it)", "limit", "nesting depth")
        return True

    def _gzip(self, path: Path, display: str, host_hint: str | None, depth: int) -> Iterator[Source]:
        """A ``.gz`` (rolled Veeam log): decompressed, bounded, to a temp file."""
        if self._too_deep(display, depth, "gzip stream"):
            return
        inner = display[:-3] if display.lower().endswith(".gz") else display + "!gunzip"
        tmp = self._tempfile()
        try:
            try:
                with path.open("rb") as raw, gzip.open(raw) as gz, tmp.open("wb") as out:
                    self._bounded_copy(gz, out, compressed=path.stat().st_size)
            except _LimitExceeded as exc:
                self._refuse(display, "file", str(exc), "limit", "over limit")
                return
            except (OSError, EOFError, zlib.error) as exc:
                led = FileLedger(display, kind="unknown")
                led.problem("file", f"corrupt gzip stream after {tmp.stat().st_size} bytes: {exc}; "
                                    "the bytes before the damage are read", "corrupt-archive")
                self.ledgers.append(led)
            yield from self._file(tmp, inner, host_hint, depth)
        finally:
            tmp.unlink(missing_ok=True)

    def _zip(self, path: Path, display: str, depth: int) -> Iterator[Source]:
        if self._too_deep(display, depth, "zip"):
            return
        led = FileLedger(display, kind="zip")
        declared = _declared_entries(path)
        if declared is not None and declared > self.options.max_members:
            led.reason = (f"member count limit: the archive declares {declared} members, more than "
                          f"{self.options.max_members} (raise --max-members to read it)")
            led.problem("file", led.reason, "limit")
            led.skip("member count")
            self.ledgers.append(led)
            return
        try:
            zf = zipfile.ZipFile(path)
        except Exception as exc:  # noqa: BLE001 - zipfile raises many types on corrupt input
            led.reason = f"not a readable zip: {type(exc).__name__}: {exc}"
            led.problem("file", led.reason, "corrupt-archive")
            self.ledgers.append(led)
            return
        self.ledgers.append(led)
        with zf:
            infos = zf.infolist()
            led.info["members"] = len(infos)
            overlaps = _overlapping(path, infos)
            for info in sorted(infos, key=lambda i: (i.filename, i.header_offset)):
                if _is_dir(info):
                    continue
                name = safe_member_name(info.filename)
                mdisplay = f"{display}/{name}"
                where = f"member {info.filename!r} (offset 0x{info.header_offset:X})"
                reason = overlaps.get(id(info)) or self._member_refusal(info)
                if reason:
                    self._refuse(mdisplay, where, reason, "archive-member", reason.split(":")[0])
                    continue
                self._members += 1
                self._declared += info.file_size
                led.records += 1
                yield from self._member(zf, info, mdisplay, where, name, depth)

    def _member(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, mdisplay: str, where: str,
                name: str, depth: int) -> Iterator[Source]:
        try:
            with zf.open(info) as src:
                head = src.read(8)
        except Exception as exc:  # noqa: BLE001 - corrupt data raises many types
            self._refuse(mdisplay, where, f"cannot extract: {type(exc).__name__}: {exc}",
                         "corrupt-archive", "corrupt member")
            return
        if not head.startswith(_NEEDS_A_FILE):
            # a text log (or anything else a parser reads front to back): streamed from the
            # archive, never written to disk; the limits are enforced on the bytes read
            yield Source(mdisplay, opener=lambda: self._stream(zf, info, mdisplay),
                         size=info.file_size, host_hint=host_from_path(name))
            return
        tmp = self._tempfile()
        try:
            try:
                with zf.open(info) as src, tmp.open("wb") as out:
                    self._bounded_copy(src, out, compressed=info.compress_size)
            except _LimitExceeded as exc:
                self._refuse(mdisplay, where, str(exc), "limit", "over limit")
                return
            except Exception as exc:  # noqa: BLE001 - corrupt data raises many types
                self._refuse(mdisplay, where, f"cannot extract: {type(exc).__name__}: {exc}",
                             "corrupt-archive", "corrupt member")
                return
            yield from self._file(tmp, mdisplay, host_hint=host_from_path(name), depth=depth)
        finally:
            tmp.unlink(missing_ok=True)

    def _stream(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> IO[bytes]:
        raw = _MemberStream(self, zf.open(info), info.compress_size, f"{id(zf)}:{key}")
        return io.BufferedReader(raw, buffer_size=_STREAM_BUFFER)

    def _member_refusal(self, info: zipfile.ZipInfo) -> str | None:
        o = self.options
        if info.flag_bits & 0x41 or info.compress_type == 99:
            return ("encrypted member: cannot be read without the password "
                    "(re-create the archive without encryption)")
        if info.compress_type not in _READABLE:
            label = _METHOD_NAMES.get(info.compress_type, "unknown")
            return (f"unsupported compression method: {info.compress_type} ({label}); "
                    "re-create the archive with Deflate")
        if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
            return "symbolic link member: not followed"
        if self._members >= o.max_members:
            return f"member count limit: more than {o.max_members} members (raise --max-members)"
        if info.file_size > o.max_member_bytes:
            return (f"member size limit: {info.file_size} bytes > {o.max_member_bytes} "
                    "(raise --max-member-size)")
        if info.file_size > _RATIO_FLOOR and info.file_size > o.max_ratio * max(info.compress_size, 1):
            return (f"compression ratio limit: {info.file_size / max(info.compress_size, 1):.0f}:1 "
                    f"> {o.max_ratio:.0f}:1 (zip bomb? raise --max-ratio)")
        if max(self._total_bytes, self._declared) + info.file_size > o.max_total_bytes:
            return (f"total size limit: the bundle would exceed {o.max_total_bytes} bytes "
                    "(raise --max-total-size)")
        return None

    def _bounded_copy(self, src: IO[bytes], out: IO[bytes], compressed: int | None) -> None:
        """Copy with the size limits enforced on the bytes actually produced (headers can lie)."""
        o = self.options
        written = 0
        while True:
            buf = src.read(_COPY_CHUNK)
            if not buf:
                break
            written += len(buf)
            self._total_bytes += len(buf)
            if written > o.max_member_bytes:
                raise _LimitExceeded(f"member size limit: more than {o.max_member_bytes} bytes "
                                     "(raise --max-member-size)")
            if self._total_bytes > o.max_total_bytes:
                raise _LimitExceeded(f"total size limit: more than {o.max_total_bytes} bytes "
                                     "(raise --max-total-size)")
            if compressed is not None and written > _RATIO_FLOOR \
                    and written > o.max_ratio * max(compressed, 1):
                raise _LimitExceeded(f"compression ratio limit: more than {o.max_ratio:.0f}:1 "
                                     "(zip bomb? raise --max-ratio)")
            out.write(buf)


def _is_dir(info: zipfile.ZipInfo) -> bool:
    """``ZipInfo.is_dir`` without its IndexError on an empty member name (found by fuzzing)."""
    return info.filename.endswith("/")


def _declared_entries(path: Path) -> int | None:
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


def _overlapping(path: Path, infos: list[zipfile.ZipInfo]) -> dict[int, str]:
    """Members whose bytes in the archive overlap another member's (zip bomb), by ``id(info)``.

    A member occupies its local header, name, extra field and compressed data; two members
    whose ranges intersect (or share a header) decompress the same bytes twice.
    """
    out: dict[int, str] = {}
    spans: list[tuple[int, int, zipfile.ZipInfo]] = []
    try:
        with path.open("rb") as fh:
            for info in infos:
                if _is_dir(info) and not info.compress_size:
                    continue
                fh.seek(info.header_offset)
                raw = fh.read(_LOCAL_HEADER.size)
                if len(raw) < _LOCAL_HEADER.size:
                    continue  # zipfile reports the broken header when the member is opened
                fields = _LOCAL_HEADER.unpack(raw)
                end = info.header_offset + _LOCAL_HEADER.size + fields[9] + fields[10] \
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


def safe_member_name(name: str) -> str:
    """A member name for display only: backslashes to ``/``, no drive, no ``..``, no root,
    control characters written as ``\\xNN`` (a name must not drive a terminal)."""
    n = display_text(name.replace("\\", "/"))
    if len(n) >= 2 and n[1] == ":":
        n = n[2:]
    parts = [p for p in PurePosixPath(n).parts if p not in ("/", "..", ".", "")]
    return "/".join(parts) or "_"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def display_text(name: str) -> str:
    """A file name as shown in reports: control and bidi characters as ``\\xNN``/``\\uNNNN``."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], name)


def host_from_path(rel: str) -> str | None:
    """A machine name suggested by the folder a file sits in (``case/SQL01/VSS/x.log`` → SQL01).

    Heuristic: the folder nearest to the file that is not a generic container name and looks
    like a machine name (no spaces, a first label of at most 15 characters, as NetBIOS allows).
    ``guest-``/``host-`` prefixes are dropped, and so is the ``yyyy-MM-ddTHHmmss_`` stamp of a
    Veeam guest log collection folder (``2026-03-14T103000_SQL01``).
    """
    parts = PurePosixPath(rel).parts[:-1]
    for part in reversed(parts):
        part = _COLLECTION_STAMP.sub("", part)
        low = part.lower()
        if low in _GENERIC_DIRS or low.endswith((".zip", ".gz")):
            continue
        for prefix in ("guest-", "host-", "guest_", "host_"):
            if low.startswith(prefix):
                part = part[len(prefix):]
                break
        if " " in part or not part or len(part.split(".")[0]) > 15:
            continue
        return part
    return None


_COLLECTION_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}_")
_GENERIC_DIRS = {
    "logs", "log", "evtx", "eventlogs", "event logs", "winevt", "windows", "system32", "config",
    "vss", "backup", "veeam", "support", "bundle", "export", "host", "hosts", "guest", "guests",
    "servers", "text", "application", "system", "xml", "tmp", "data",
}

__all__ = ["Bundle", "BundleError", "apply_limits", "host_from_path", "parse_size",
           "safe_member_name"]


_SIZE_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20,
               "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30,
               "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40}


def parse_size(text: str) -> int:
    """``"32G"``, ``"500 MB"``, ``"1048576"`` → bytes (binary units: archive limits are
    compared with file sizes, which tools show in KiB/MiB/GiB)."""
    t = text.strip().upper().replace(" ", "")
    num = t.rstrip("KMGTIB")
    unit = t[len(num):]
    if unit not in _SIZE_UNITS or not num:
        raise ValueError(f"not a size: {text!r} (use e.g. 500M, 32G)")
    try:
        value = float(num)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 500M, 32G)") from None
    if not 0 < value < 1 << 60:
        raise ValueError(f"size out of range: {text!r}")
    return int(value * _SIZE_UNITS[unit])


def apply_limits(options: IngestOptions, *, max_total_size: str | None = None,
                 max_member_size: str | None = None, max_members: int | None = None,
                 max_ratio: float | None = None, max_depth: int | None = None) -> None:
    """Set the archive limits given on the command line (None keeps the default)."""
    if max_total_size is not None:
        options.max_total_bytes = parse_size(max_total_size)
    if max_member_size is not None:
        options.max_member_bytes = parse_size(max_member_size)
    if max_members is not None:
        if max_members < 1:
            raise ValueError("--max-members must be at least 1")
        options.max_members = max_members
    if max_ratio is not None:
        if max_ratio < 1:
            raise ValueError("--max-ratio must be at least 1")
        options.max_ratio = max_ratio
    if max_depth is not None:
        if max_depth < 0:
            raise ValueError("--max-depth must be 0 or more")
        options.max_depth = max_depth
