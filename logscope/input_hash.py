"""The report's ``inputs[].sha256``: what each input PATH hashes to, hashed beside the parse.

The definition (customers check a file's value with ``Get-FileHash``; it must not change by
a bit): a file's SHA-256; a folder's SHA-256 over its regular files, ordered by the parts of
their relative paths, each as its relative POSIX path, ``b"\\0"``, then its contents.
Symbolic links are neither followed nor hashed; a subfolder that cannot be listed adds
nothing (as ``sorted(Path.rglob("*"))``, the first form of this, did).

An input that does not read as it was listed (a file gone or unreadable, one that grew or
shrank while it was read, a subfolder that cannot be listed) is hashed as read and its
report entry says so in ``unsteady``, instead of the run ending in a traceback.

Every byte is read on every run: no digest is kept between runs. Reading and hashing are
``file_digest.digest`` (compiled where it was built: the whole run of files is read and
hashed with the GIL released); this module says what is hashed and in which order.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from . import accel
from .signals import check as check_stop

_digest = accel.load("logscope._file_digest", "logscope.file_digest").digest


def listing(root: Path) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    """The folder ROOT's ``(relative path + b"\\0", path)`` pairs in hashing order, and a note
    for each subfolder that could not be listed.

    ``os.scandir`` and one sort by the parts of each relative path: the order of sorted
    ``Path`` objects (``a/x`` before ``a-b/x``, which a sort of the joined text would put
    first), at a tenth of ``rglob``'s cost."""
    found: list[tuple[tuple[str, ...], str]] = []
    notes: list[str] = []
    todo: list[tuple[str, tuple[str, ...]]] = [(os.fspath(root), ())]
    while todo:
        folder, rel = todo.pop()
        try:
            with os.scandir(folder) as it:
                entries = list(it)
        except OSError as exc:  # rglob skipped what it could not list, silently
            notes.append(f"{folder}: not hashed: the folder cannot be listed: {exc.strerror}")
            continue
        for e in entries:
            try:
                if e.is_dir(follow_symlinks=False):
                    todo.append((e.path, (*rel, e.name)))
                elif e.is_file(follow_symlinks=False):
                    found.append(((*rel, e.name), e.path))
            except OSError:  # gone since it was listed (its type unknown): as rglob did
                continue
    found.sort()
    return [("/".join(parts).encode("utf-8", "surrogateescape") + b"\0", os.fsencode(path))
            for parts, path in found], notes


def _listed(path: Path) -> tuple[list[tuple[bytes, bytes]], list[str]]:
    return listing(path) if path.is_dir() else ([(b"", os.fsencode(path))], [])


def _hashed(items: list[tuple[bytes, bytes]], notes: list[str]) -> tuple[str, list[str]]:
    raw, odd = _digest(items, check_stop)
    notes = list(notes)
    for i, err, size, done in odd:
        name = os.fsdecode(items[i][1])
        if err and size < 0 and not done:
            notes.append(f"{name}: not hashed: {os.strerror(err)}")
        elif err:
            notes.append(f"{name}: hashed up to a read error after {done} bytes: {os.strerror(err)}")
        else:
            notes.append(f"{name}: changed while it was hashed ({size} bytes when opened, "
                         f"{done} read)")
    return raw.hex(), notes


def digest_of(path: Path) -> tuple[str, list[str]]:
    """PATH's SHA-256 (hex) and what did not read as it should: a file gone or unreadable
    (left out), one that grew or shrank while it was read (hashed as read), a folder that
    could not be listed. Raises only :class:`~logscope.signals.Stopped`."""
    return _hashed(*_listed(path))


def sha256_of(path: Path) -> str:
    """Hash of an input PATH (a folder hashes its files' paths and contents in order)."""
    return digest_of(path)[0]


def _entry(path: Path, sha: str, notes: list[str]) -> dict[str, Any]:
    """An input of the report; one that changed while it was read also carries ``unsteady``:
    what changed, file by file (its ``sha256`` then matches no single state of it)."""
    return {"path": str(path), "sha256": sha, **({"unsteady": notes} if notes else {})}


def input_hashes(paths: list[Path]) -> list[dict[str, Any]]:
    """The report's ``inputs``, hashed in this thread."""
    return [_entry(p, *digest_of(p)) for p in paths]


def start_hashing(paths: list[Path]) -> Callable[[], list[dict[str, Any]]]:
    """The report's ``inputs`` hashed in a thread beside the parse; the returned call waits
    for them. The folders are listed here first: listing in the thread would take the GIL
    back for every entry (``os.scandir`` lets go of it per entry), each time waiting for the
    parse to give it up; listing costs ~1 ms for the corpus' 450 files."""
    listed = [(p, *_listed(p)) for p in paths]
    return in_background(lambda: [_entry(p, *_hashed(items, notes)) for p, items, notes in listed])


def in_background(work: Callable[[], Any]) -> Callable[[], Any]:
    """Start ``work()`` in a thread; the returned call waits for its value (or raises its
    error). A bare thread: ``concurrent.futures`` imports ``logging`` (~5 ms of start-up)."""
    from threading import Thread

    box: list[tuple[bool, Any]] = []

    def body() -> None:
        try:
            box.append((True, work()))
        except BaseException as exc:  # noqa: BLE001 - raised where the value is asked for
            box.append((False, exc))

    thread = Thread(target=body, name="logscope-hash")
    thread.start()

    def result() -> Any:  # noqa: ANN401
        thread.join()
        ok, value = box[0]
        if not ok:
            raise value
        return value

    return result
