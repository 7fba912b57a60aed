"""Where a report or an event export is written, and how, so that evidence is never lost.

Why: a support engineer points ``--output`` at a folder full of customer evidence. A report
must never replace one of the inputs, and a run that is stopped (SIGINT, SIGTERM, a full disk)
must leave either the whole report or nothing: the file is written to a temporary name beside
the target and renamed into place only when complete. Devices and pipes (``/dev/stdout``, a
FIFO) are written directly: there is nothing to rename over, and a device node must never be
replaced by a regular file.
"""

from __future__ import annotations

import contextlib
import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO

from .signals import check as check_stop


class OutputError(Exception):
    """An output path that cannot or must not be written; the message names it."""


def check_target(output: Path, inputs: list[Path]) -> None:
    """Refuse, before any work, an output that is an input, lies inside an input folder, is a
    folder, or sits in a folder that does not exist."""
    try:
        st = output.stat()
    except FileNotFoundError:
        st = None
    except OSError as exc:
        raise OutputError(f"{output}: cannot be written: {exc.strerror}") from None
    if st is not None and stat.S_ISDIR(st.st_mode):
        raise OutputError(f"{output}: is a folder; give a file name for the output")
    if st is None and not output.parent.is_dir():
        raise OutputError(f"{output}: folder {output.parent} does not exist")
    if st is not None and not stat.S_ISREG(st.st_mode):
        return  # a device or a pipe: nothing of the bundle can be there
    target = output.resolve()
    for inp in inputs:
        try:
            src = inp.resolve()
        except OSError:
            continue
        if target == src:
            raise OutputError(f"{output}: is one of the inputs; refusing to overwrite evidence")
        if src.is_dir() and target.is_relative_to(src):
            raise OutputError(f"{output}: lies inside the input folder {inp}; write the "
                              "report elsewhere so the bundle stays as it was given")


@contextlib.contextmanager
def atomic_output(output: Path) -> Iterator[IO[bytes]]:
    """A binary file object whose bytes appear at ``output`` only if the block completes.

    On any exception, KeyboardInterrupt and the signal exits included, the temporary file is
    removed and the target is left as it was. Write errors (``ENOSPC``, ``EIO``) surface as
    :class:`OutputError` naming the path.
    """
    try:
        st: os.stat_result | None = output.stat()
    except OSError:
        st = None
    if st is not None and not stat.S_ISREG(st.st_mode):
        yield from _direct(output)
        return
    try:
        fd, tmp = _temporary_beside(output)
    except OSError as exc:
        raise OutputError(f"{output}: cannot be written: {exc.strerror}") from None
    done = False
    try:
        with os.fdopen(fd, "wb") as fh:
            try:
                yield fh
                fh.flush()
                os.fsync(fh.fileno())
            except OSError as exc:
                raise OutputError(f"{output}: write failed: {exc.strerror}") from None
        check_stop()  # one whose raise was lost while the file was written: nothing appears
        if st is not None:
            os.chmod(tmp, stat.S_IMODE(st.st_mode))
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.chmod(tmp, 0o666 & ~umask)
        try:
            os.replace(tmp, output)
        except OSError as exc:
            raise OutputError(f"{output}: cannot be written: {exc.strerror}") from None
        done = True
    finally:
        if not done:
            with contextlib.suppress(OSError):
                os.unlink(tmp)


#: What ``tempfile.mkstemp`` opens with: a new file only (never one an attacker put there or a
#: link), not inherited by children, readable by the owner alone until renamed into place.
_NEW_FILE = os.O_RDWR | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | \
    getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def _temporary_beside(output: Path) -> tuple[int, str]:
    """``tempfile.mkstemp(prefix=".NAME.", suffix=".partial", dir=output's folder)``, the same
    way (an unpredictable name, created exclusively, mode 0600), without importing
    ``tempfile`` (shutil, bz2, lzma, random: ~2.4 ms of every run that writes a report)."""
    for _ in range(100):
        name = os.path.join(output.parent, f".{output.name}.{os.urandom(6).hex()}.partial")
        try:
            return os.open(name, _NEW_FILE, 0o600), name
        except FileExistsError:
            continue
    raise FileExistsError(f"{output}: no free temporary name beside it")


def _direct(output: Path) -> Iterator[IO[bytes]]:
    """Devices and pipes: written in place; errors name the path."""
    try:
        fh = output.open("wb")
    except OSError as exc:
        raise OutputError(f"{output}: cannot be written: {exc.strerror}") from None
    try:
        with fh:
            try:
                yield fh
                fh.flush()
            except OSError as exc:
                raise OutputError(f"{output}: write failed: {exc.strerror}") from None
    except OSError as exc:  # close() flushes: a full device fails here
        raise OutputError(f"{output}: write failed: {exc.strerror}") from None
