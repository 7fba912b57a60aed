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

import io
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from ..ledger import FileLedger
from . import archive
from .archive import (
    EMPTY_ZIP_MAGIC,
    GZIP_MAGIC,
    STREAM_BUFFER,
    ZIP_MAGIC,
    MemberStream,
    declared_entries,
    is_dir,
    overlapping,
)
from .limits import apply_limits, parse_size
from .member_refusal import member_refusal
from .names import display_text, host_from_path, safe_member_name
from .source import IngestOptions, Source

if TYPE_CHECKING:  # zipfile, gzip and the temporary-folder modules load with the first
    import zipfile  # archive (~10 ms of start-up a bundle of plain files never needs)

_COPY_CHUNK = 1 << 20
_SKIP_DIRS = {"__MACOSX", ".git"}


class BundleError(Exception):
    """A PATH that cannot be opened at all (usage error, exit 2)."""


class _LimitExceeded(Exception):
    pass


#: Members that must be files: nested archives (zipfile seeks) and .evtx (the engines seek).
_NEEDS_A_FILE = (ZIP_MAGIC, EMPTY_ZIP_MAGIC, GZIP_MAGIC, b"ElfFile\x00")


def _head(path: Path, size: int = 8) -> bytes:
    """The first ``size`` bytes of a file, read without a buffered file object.

    Why: this runs once per bundle file; ``Path.open`` and its 8 KiB buffer cost ~5 us a file
    more than two system calls (a few ms on a 450-file bundle).
    """
    fd = os.open(path, os.O_RDONLY)
    try:
        head = b""
        while len(head) < size:
            more = os.read(fd, size - len(head))
            if not more:
                break
            head += more
        return head
    finally:
        os.close(fd)


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
            import shutil

            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    @property
    def temp_dir(self) -> Path | None:
        """The private temporary folder, while it exists (for tests)."""
        return self._tmp

    # -- temp files -------------------------------------------------------------------
    def _tempfile(self) -> Path:
        import tempfile

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
        """Pre-order, sorted: a folder's files (and links) by name, then its sub-folders.

        ``os.scandir`` entries carry the name and the type, so a ``Path`` is built only for a
        regular file handed on (pathlib objects per entry cost ~30 ms on a 450-file bundle).
        """
        base = display_text(root.name or str(root))

        def unreadable(exc: OSError) -> None:
            rel = Path(exc.filename or root).relative_to(root).as_posix() if exc.filename else ""
            self._refuse(f"{base}/{rel}".rstrip("/"), "folder",
                         f"folder cannot be listed: {exc.strerror}", "io-error", "unreadable folder")

        stack = [(os.fspath(root), "")]  # (folder, its path under root with a trailing "/")
        while stack:
            dirpath, prefix = stack.pop()
            try:
                with os.scandir(dirpath) as it:
                    entries = list(it)
            except OSError as exc:
                unreadable(exc)
                continue
            files: list[os.DirEntry[str]] = []
            dirs: list[str] = []
            for entry in entries:
                try:  # a link to a folder is listed as a file, never walked into
                    walk_into = entry.is_dir(follow_symlinks=False)
                except OSError:
                    walk_into = False
                if not walk_into:
                    files.append(entry)
                elif entry.name not in _SKIP_DIRS:
                    dirs.append(entry.name)
            files.sort(key=lambda e: e.name)
            # the host a folder suggests is its files' (``host_from_path`` reads only the
            # folders of a path): once a folder, not once a file
            hint = host_from_path(prefix + "_") if files else None
            for entry in files:
                rel = prefix + entry.name
                display = display_text(f"{base}/{rel}")
                try:
                    st = entry.stat(follow_symlinks=False)
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
                yield from self._file(Path(entry.path), display, host_hint=hint, depth=0, st=st)
            stack.extend((os.path.join(dirpath, d), f"{prefix}{d}/")
                         for d in sorted(dirs, reverse=True))

    def _file(self, path: Path, display: str, host_hint: str | None, depth: int,
              st: os.stat_result | None = None) -> Iterator[Source]:
        """``st``: the walk's ``lstat`` of a regular file (the same as a ``stat`` of it)."""
        try:
            st = path.stat() if st is None else st
            if not stat.S_ISREG(st.st_mode):
                self._refuse(display, "file", "not a regular file (device, pipe or socket)",
                             "not-regular", "not a regular file")
                return
            head = _head(path)  # the archive magics, and an .evtx's for detection
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
        yield Source(display, opener=lambda p=path: open(p, "rb"), size=st.st_size, fs_path=path,
                     host_hint=host_hint, magic=head)

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
        import gzip
        import zlib

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
        declared = declared_entries(path)
        if declared is not None and declared > self.options.max_members:
            led.reason = (f"member count limit: the archive declares {declared} members, more than "
                          f"{self.options.max_members} (raise --max-members to read it)")
            led.problem("file", led.reason, "limit")
            led.skip("member count")
            self.ledgers.append(led)
            return
        try:
            zf = archive.open_zip(path)
        except Exception as exc:  # noqa: BLE001 - zipfile raises many types on corrupt input
            led.reason = f"not a readable zip: {type(exc).__name__}: {exc}"
            led.problem("file", led.reason, "corrupt-archive")
            self.ledgers.append(led)
            return
        self.ledgers.append(led)
        with zf:
            infos = zf.infolist()
            led.info["members"] = len(infos)
            overlaps = overlapping(path, infos)
            for info in sorted(infos, key=lambda i: (i.filename, i.header_offset)):
                if is_dir(info):
                    continue
                name = safe_member_name(info.filename)
                mdisplay = f"{display}/{name}"
                where = f"member {info.filename!r} (offset 0x{info.header_offset:X})"
                reason = overlaps.get(id(info)) or member_refusal(
                    info, self.options, self._members, max(self._total_bytes, self._declared))
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
        raw = MemberStream(self, zf.open(info), info.compress_size, f"{id(zf)}:{key}")
        return io.BufferedReader(raw, buffer_size=STREAM_BUFFER)

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
            if compressed is not None and written > archive.RATIO_FLOOR \
                    and written > o.max_ratio * max(compressed, 1):
                raise _LimitExceeded(f"compression ratio limit: more than {o.max_ratio:.0f}:1 "
                                     "(zip bomb? raise --max-ratio)")
            out.write(buf)

__all__ = ["Bundle", "BundleError", "apply_limits", "host_from_path", "parse_size",
           "safe_member_name"]
