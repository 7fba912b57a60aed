"""Walk a support bundle (folders, single files, zips, zips inside zips) into ``Source`` objects.

Why this is careful: bundles come from customers and broken machines. Nothing here ever
writes a member under its own name (so ``../`` or absolute member names cannot escape);
members that must be seekable (evtx, nested zips) are copied, bounded, into a private
temporary folder that is removed when the walk ends. Every member that is not read is
listed with its reason in a ledger, never dropped silently.
"""

from __future__ import annotations

import gzip
import os
import shutil
import stat
import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path, PurePosixPath
from typing import IO

try:  # Deflate64 (method 9) is what Windows' own zip writes for large files.
    import zipfile_deflate64  # noqa: F401  (registers the method with zipfile)
except ImportError:  # pragma: no cover - listed as a dependency
    pass

from ..ledger import FileLedger
from .source import IngestOptions, Source

ZIP_MAGIC = b"PK\x03\x04"
EMPTY_ZIP_MAGIC = b"PK\x05\x06"
GZIP_MAGIC = b"\x1f\x8b"
_COPY_CHUNK = 1 << 20
_SKIP_DIRS = {"__MACOSX", ".git"}


class BundleError(Exception):
    """A PATH that cannot be opened at all (usage error, exit 2)."""


class Bundle:
    """Iterates every file of the given PATHs; owns the temporary folder for extracted members.

    Use as a context manager. ``ledgers`` collects entries for archive members that were not
    handed to a parser (encrypted, over a limit, unsupported method, bad zip).
    """

    def __init__(self, paths: list[Path], options: IngestOptions) -> None:
        self.paths = paths
        self.options = options
        self.ledgers: list[FileLedger] = []
        self._stack = ExitStack()
        self._tmp: Path | None = None
        self._total_bytes = 0
        self._members = 0

    def __enter__(self) -> Bundle:
        for p in self.paths:
            if not p.exists():
                raise BundleError(f"{p}: no such file or folder")
            if not os.access(p, os.R_OK):
                raise BundleError(f"{p}: not readable")
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)

    # -- temp files -------------------------------------------------------------------
    def _tempfile(self) -> Path:
        if self._tmp is None:
            self._tmp = Path(tempfile.mkdtemp(prefix="logscope-"))
            os.chmod(self._tmp, stat.S_IRWXU)
        fd, name = tempfile.mkstemp(dir=self._tmp)
        os.close(fd)
        return Path(name)

    # -- walking ----------------------------------------------------------------------
    def sources(self) -> Iterator[Source]:
        """Every file in the bundle, in a stable order (sorted paths)."""
        for root in self.paths:
            if root.is_dir():
                yield from self._walk_dir(root)
            else:
                yield from self._file(root, root.name, host_hint=None, depth=0)

    def _walk_dir(self, root: Path) -> Iterator[Source]:
        base = root.name or str(root)
        for dirpath, dirnames, filenames in os.walk(root, followlinks=False):
            dirnames[:] = sorted(d for d in dirnames if d not in _SKIP_DIRS)
            for fn in sorted(filenames):
                full = Path(dirpath) / fn
                rel = full.relative_to(root).as_posix()
                display = f"{base}/{rel}"
                if full.is_symlink():
                    led = FileLedger(display, kind="unknown", reason="symbolic link not followed")
                    led.skip("symlink")
                    self.ledgers.append(led)
                    continue
                yield from self._file(full, display, host_hint=host_from_path(rel), depth=0)

    def _file(self, path: Path, display: str, host_hint: str | None, depth: int) -> Iterator[Source]:
        try:
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
            yield from self._gzip(lambda: path.open("rb"), display, host_hint, depth + 1)
            return
        size = path.stat().st_size
        yield Source(display, opener=lambda p=path: p.open("rb"), size=size, fs_path=path,
                     host_hint=host_hint)

    def _gzip(self, opener: object, display: str, host_hint: str | None,
              depth: int) -> Iterator[Source]:
        """A ``.gz`` (rolled Veeam log): decompressed, bounded, to a temp file."""
        inner = display[:-3] if display.lower().endswith(".gz") else display + "!gunzip"
        tmp = self._tempfile()
        led = FileLedger(display, kind="unknown")
        try:
            with opener() as raw, gzip.open(raw) as gz, tmp.open("wb") as out:  # type: ignore[operator]
                self._bounded_copy(gz, out, display, compressed=None)
        except _LimitExceeded as exc:
            led.reason = str(exc)
            led.problem("file", str(exc), "limit")
            led.skip("over limit")
            self.ledgers.append(led)
            return
        except (OSError, EOFError, gzip.BadGzipFile) as exc:
            led.problem("file", f"corrupt gzip stream: {exc}", "corrupt-archive")
            self.ledgers.append(led)
            # still hand over what was decompressed
        yield from self._file(tmp, inner, host_hint, depth)

    def _zip(self, path: Path, display: str, depth: int) -> Iterator[Source]:
        led = FileLedger(display, kind="zip")
        if depth > self.options.max_depth:
            led.reason = f"zip nested deeper than {self.options.max_depth}"
            led.problem("file", led.reason, "limit")
            led.skip("nesting depth")
            self.ledgers.append(led)
            return
        try:
            zf = zipfile.ZipFile(path)
        except (zipfile.BadZipFile, OSError, ValueError) as exc:
            led.reason = f"not a readable zip: {exc}"
            led.problem("file", led.reason, "corrupt-archive")
            self.ledgers.append(led)
            return
        self._stack.enter_context(zf)
        self.ledgers.append(led)
        infos = zf.infolist()
        led.info["members"] = len(infos)
        seen_offsets: set[int] = set()
        for info in sorted(infos, key=lambda i: i.filename):
            if info.is_dir():
                continue
            name = safe_member_name(info.filename)
            mdisplay = f"{display}/{name}"
            reason = self._member_refusal(info, seen_offsets)
            if reason:
                mled = FileLedger(mdisplay, kind="unknown", reason=reason)
                mled.problem(f"member {info.filename!r}", reason, "archive-member")
                mled.skip(reason.split(":")[0])
                self.ledgers.append(mled)
                continue
            self._members += 1
            led.records += 1
            tmp = self._tempfile()
            try:
                with zf.open(info) as src, tmp.open("wb") as out:
                    self._bounded_copy(src, out, mdisplay, compressed=info.compress_size)
            except _LimitExceeded as exc:
                mled = FileLedger(mdisplay, kind="unknown", reason=str(exc))
                mled.problem(f"member {info.filename!r}", str(exc), "limit")
                mled.skip("over limit")
                self.ledgers.append(mled)
                tmp.unlink(missing_ok=True)
                continue
            except (zipfile.BadZipFile, OSError, EOFError, NotImplementedError, RuntimeError,
                    ValueError) as exc:
                mled = FileLedger(mdisplay, kind="unknown", reason=f"cannot extract: {exc}")
                mled.problem(f"member {info.filename!r}", f"cannot extract: {exc}",
                             "corrupt-archive")
                mled.skip("corrupt member")
                self.ledgers.append(mled)
                tmp.unlink(missing_ok=True)
                continue
            yield from self._file(tmp, mdisplay, host_hint=host_from_path(name), depth=depth)

    def _member_refusal(self, info: zipfile.ZipInfo, seen_offsets: set[int]) -> str | None:
        o = self.options
        if info.flag_bits & 0x1:
            return "encrypted member: cannot be read without the password"
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED,
                                      zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA, 9):
            return f"unsupported compression method {info.compress_type}"
        if info.header_offset in seen_offsets:
            return "overlapping entry: shares its data with another member (zip bomb)"
        seen_offsets.add(info.header_offset)
        if self._members >= o.max_members:
            return f"member count limit: more than {o.max_members} members"
        if info.file_size > o.max_member_bytes:
            return f"member size limit: {info.file_size} bytes > {o.max_member_bytes}"
        if info.compress_size and info.file_size / info.compress_size > o.max_ratio \
                and info.file_size > 1 << 20:
            return (f"compression ratio limit: {info.file_size / info.compress_size:.0f}:1 "
                    f"> {o.max_ratio:.0f}:1")
        if self._total_bytes + info.file_size > o.max_total_bytes:
            return f"total size limit: bundle would exceed {o.max_total_bytes} bytes"
        return None

    def _bounded_copy(self, src: IO[bytes], out: IO[bytes], display: str,
                      compressed: int | None) -> None:
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
                raise _LimitExceeded(f"member size limit: more than {o.max_member_bytes} bytes")
            if self._total_bytes > o.max_total_bytes:
                raise _LimitExceeded(f"total size limit: more than {o.max_total_bytes} bytes")
            if compressed and written > 1 << 20 and written / max(compressed, 1) > o.max_ratio:
                raise _LimitExceeded(
                    f"compression ratio limit: more than {o.max_ratio:.0f}:1 (zip bomb?)")
            out.write(buf)


class _LimitExceeded(Exception):
    pass


def safe_member_name(name: str) -> str:
    """A member name for display only: backslashes to ``/``, no drive, no ``..``, no root."""
    n = name.replace("\\", "/")
    if len(n) >= 2 and n[1] == ":":
        n = n[2:]
    parts = [p for p in PurePosixPath(n).parts if p not in ("/", "..", ".", "")]
    return "/".join(parts) or "_"


def host_from_path(rel: str) -> str | None:
    """A machine name suggested by the folder a file sits in (``case/SQL01/VSS/x.log`` → SQL01).

    Heuristic: the folder nearest to the file that is not a generic container name and looks
    like a machine name (no spaces, a first label of at most 15 characters, as NetBIOS allows).
    ``guest-``/``host-`` prefixes are dropped.
    """
    parts = PurePosixPath(rel).parts[:-1]
    for part in reversed(parts):
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


_GENERIC_DIRS = {
    "logs", "log", "evtx", "eventlogs", "event logs", "winevt", "windows", "system32", "config",
    "vss", "backup", "veeam", "support", "bundle", "export", "host", "hosts", "guest", "guests",
    "servers", "text", "application", "system", "xml", "tmp", "data",
}
