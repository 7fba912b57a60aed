"""Walk an archive of support bundles: each folder or archive file directly under an
ARCHIVE path is one bundle (a case), keyed by the hash of its content.

Why content hashes: the same case copied to two places, or renamed, is analysed once, and
an edited bundle is analysed again. Hashing re-reads every byte, so a bundle's hash is
remembered against a cheap fingerprint (relative paths, sizes, modification times); an
unchanged bundle is not read again on the next hunt.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..input_hash import sha256_of

#: What makes a file directly under an ARCHIVE path a bundle (zip, or gzip'd tar/log).
ARCHIVE_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"\x1f\x8b")
#: Threads hashing new bundles on the driver (hashlib and reads release the GIL).
HASH_THREADS = 4


@dataclass(slots=True)
class BundleRef:
    """One bundle found in the archive."""

    path: Path
    size: int
    fingerprint: str
    sha: str = ""


@dataclass(slots=True)
class Walk:
    bundles: list[BundleRef]
    #: Entries directly under an ARCHIVE that are no bundle, with the reason.
    ignored: list[tuple[str, str]]


def walk(archives: Iterable[Path]) -> Walk:
    """The bundles under each ARCHIVE (an ARCHIVE that is itself a zip is one bundle)."""
    found: list[BundleRef] = []
    ignored: list[tuple[str, str]] = []
    for root in archives:
        if root.is_file():
            entries = [root]
        else:
            entries = sorted(root.iterdir(), key=lambda p: p.name)
        for p in entries:
            if p.is_symlink():
                ignored.append((str(p), "symbolic link (never followed)"))
            elif p.is_dir():
                if p.name.startswith("."):
                    ignored.append((str(p), "hidden folder"))
                    continue
                size, fp = _dir_fingerprint(p)
                found.append(BundleRef(p, size, fp))
            elif p.is_file():
                if not _is_archive(p):
                    ignored.append((str(p), "not a folder, zip or gzip archive"))
                    continue
                st = p.stat()
                found.append(BundleRef(p, st.st_size, _fp([("", st.st_size, st.st_mtime_ns)])))
            else:
                ignored.append((str(p), "not a regular file or folder"))
    return Walk(found, ignored)


def _is_archive(p: Path) -> bool:
    try:
        with p.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        return False
    return head.startswith(ARCHIVE_MAGICS)


def _dir_fingerprint(root: Path) -> tuple[int, str]:
    items: list[tuple[str, int, int]] = []
    total = 0
    for dirpath, _dirs, names in os.walk(root):
        for n in names:
            p = Path(dirpath, n)
            try:
                st = p.lstat()
            except OSError:
                continue
            if p.is_symlink():
                continue
            total += st.st_size
            items.append((p.relative_to(root).as_posix(), st.st_size, st.st_mtime_ns))
    return total, _fp(sorted(items))


def _fp(items: list[tuple[str, int, int]]) -> str:
    h = hashlib.sha256()
    for rel, size, mtime in items:
        h.update(f"{rel}\0{size}\0{mtime}\n".encode())
    return h.hexdigest()


def assign_hashes(refs: list[BundleRef], known: Callable[[str, str], str | None]) -> int:
    """Fill ``ref.sha``: from ``known(path, fingerprint)`` when unchanged, else by hashing
    the content. Returns how many bundles were hashed."""
    todo = []
    for r in refs:
        r.sha = known(str(r.path), r.fingerprint) or ""
        if not r.sha:
            todo.append(r)
    if todo:
        with ThreadPoolExecutor(HASH_THREADS) as pool:
            for r, sha in zip(todo, pool.map(lambda r: sha256_of(r.path), todo), strict=True):
                r.sha = sha
    return len(todo)
