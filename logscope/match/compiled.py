"""Checked-library cache: a whole loaded ``Library`` (and its chains) by the content hash of
its folders.

Why: with parsed YAML cached (``cache.py``), loading still spent most of its time on the schema
checks, the lint and the trial compile of every signature: the same answer each run for the
same files. This cache keeps that answer (signatures with their marks, issues, overrides,
versions; and the chains checked against them) in one file per key: the SHA-256 of
every YAML file under the library folders (path and bytes, ``chains/`` included), the folders
as given, and the loaders' own source, so an edited signature, a new file or a
changed check is a new key and never a stale answer.

Same rules as the parsed cache: JSON only (a cache file is data, it cannot run code), in
``cache_dir()``, written atomically, bounded (the ``MAX_LIBRARIES`` newest keys), ``LOGSCOPE_NO_CACHE=1``
turns it off, ``validate`` never uses it, and any problem (unreadable, damaged, a file too big
to hash) means "load normally". Deleting it is always safe.
"""

from __future__ import annotations

import fnmatch
import hashlib
import os
import stat
from collections.abc import Callable
from dataclasses import fields
from pathlib import Path
from typing import Any

import orjson

from ..yamlio import MAX_YAML_BYTES
from .cache import _dec, _enc, _Unencodable, cache_dir, keep_newest, write_atomic
from .issues import LoadIssue
from .model import Hint, Signature

#: Bump when the encoding changes (the loader's source is in the key already).
FORMAT = 1
MAX_LIBRARIES = 8
#: Names either loader reads (``*.y*ml`` covers ``.yml`` and ``.yaml``).
YAML_NAMES = "*.y*ml"
#: Modules whose code decides what a load returns: a change in one is a new key.
LOADER_MODULES = ("match/library", "match/lint", "match/shape", "match/conditions", "match/model",
                  "match/issues", "match/cache", "match/compiled", "correlate/chains", "events",
                  "yamlio", "yamlsafe")
_TUPLES = ("kinds", "tags", "references", "catalogue")


def _file(key: str) -> Path | None:
    d = cache_dir()
    return d / f"library-v{FORMAT}-{key}.json" if d else None


def library_key(dirs: list[Path], names: list[str]) -> str | None:
    """The content key of these library folders, or None when one cannot be hashed."""
    package = Path(__file__).resolve().parent.parent
    h = hashlib.sha256(f"{FORMAT}\0{names!r}\0".encode())
    try:
        for mod in LOADER_MODULES:
            h.update((package / f"{mod}.py").read_bytes())
        for d in dirs:
            h.update(f"\0dir\0{d}\0{d.is_dir()}\0".encode())
            for rel, full in _yaml_files(d):
                st = os.stat(full)
                if st.st_size > MAX_YAML_BYTES or not stat.S_ISREG(st.st_mode):
                    return None  # the loader reports it; not worth caching
                with open(full, "rb") as fh:
                    h.update(rel.encode() + b"\0" + fh.read() + b"\0")
    except OSError:
        return None
    return h.hexdigest()


def _yaml_files(root: Path) -> list[tuple[str, str]]:
    """(relative, full) path of every file under ``root`` either loader may read: the
    signature loader's ``.yml``/``.yaml`` and the chain loader's ``*.y*ml``, symlinked folders
    not followed, as ``Path.rglob`` does (os.walk: a third of rglob's cost)."""
    out = []
    top = len(str(root))
    for folder, _dirs, files in os.walk(root):
        sub = folder[top:].lstrip(os.sep).replace(os.sep, "/")
        for name in fnmatch.filter(files, YAML_NAMES):
            out.append((f"{sub}/{name}" if sub else name, os.path.join(folder, name)))
    return sorted(out)


_read: dict[str, tuple[tuple[int, int], dict[str, Any]]] = {}


def _parts(path: Path) -> dict[str, Any]:
    """One key's file (``library`` and ``chains``), read once per process while unchanged."""
    try:
        st = path.stat()
        stamp = (st.st_mtime_ns, st.st_size)
        if (memo := _read.get(str(path))) and memo[0] == stamp:
            return memo[1]
        data = orjson.loads(path.read_bytes())
    except (OSError, orjson.JSONDecodeError):
        return {}
    data = data if isinstance(data, dict) else {}
    _read[str(path)] = (stamp, data)
    return data


def cached(key: str, part: str = "library", decode: Callable[[Any], Any] | None = None) -> Any:  # noqa: ANN401
    """What is stored under ``key`` (the Library, or another ``part`` with its ``decode``),
    or None (absent, damaged, turned off)."""
    path = _file(key)
    entry = _parts(path).get(part) if path else None
    if entry is None:
        return None
    try:
        return (decode or _decode)(entry)
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def store(key: str, value: Any, part: str = "library",  # noqa: ANN401
          encode: Callable[[Any], Any] | None = None) -> None:
    """Keep ``value`` (the Library, or another ``part`` with its ``encode``) under ``key``;
    files of all but the ``MAX_LIBRARIES`` newest keys are removed."""
    path = _file(key)
    if path is None:
        return
    try:
        entry = (encode or _encode)(value)
    except (_Unencodable, TypeError):
        return
    new = not path.exists()
    if write_atomic(path, orjson.dumps({**_parts(path), part: entry})) and new:
        keep_newest(path.parent, f"library-v{FORMAT}-*.json", MAX_LIBRARIES)


def _encode(lib: Any) -> dict[str, Any]:  # noqa: ANN401
    sigs = []
    for s in lib.signatures.values():
        d = {f.name: getattr(s, f.name) for f in fields(Signature)}
        d["match"] = _enc(s.match)
        d["hint"] = {f.name: getattr(s.hint, f.name) for f in fields(Hint)}
        d["extract"] = [[k, _enc(v)] for k, v in s.extract.items()]
        d["examples"] = [[k, _enc(v)] for k, v in s.examples.items()]
        d["baseline_hits"] = _enc(s.baseline_hits)
        d["marks"] = [[k, *v] for k, v in s.marks.items()]
        sigs.append(d)
    return {"signatures": sigs,
            "issues": [[getattr(i, f.name) for f in fields(LoadIssue)] for i in lib.issues],
            "overrides": lib.overrides, "chains_dirs": [str(p) for p in lib.chains_dirs],
            "versions": lib.versions, "digest": lib.digest,
            "public_examples": lib.public_examples}


def _decode(entry: dict[str, Any]) -> Any:  # noqa: ANN401
    from .library import Library

    lib = Library(issues=[LoadIssue(*i) for i in entry["issues"]],
                  overrides=[tuple(o) for o in entry["overrides"]],
                  chains_dirs=[Path(p) for p in entry["chains_dirs"]],
                  versions=list(entry["versions"]), digest=str(entry["digest"]),
                  public_examples=dict(entry["public_examples"]))
    for d in entry["signatures"]:
        d = dict(d)
        d["match"] = _dec(d["match"])
        d["hint"] = Hint(**d["hint"])
        d["extract"] = {k: _dec(v) for k, v in d["extract"]}
        d["examples"] = {k: _dec(v) for k, v in d["examples"]}
        d["baseline_hits"] = _dec(d["baseline_hits"])
        d["marks"] = {k: (line, col) for k, line, col in d["marks"]}
        for name in _TUPLES:
            d[name] = tuple(d[name])
        sig = Signature(**d)
        lib.signatures[sig.id] = sig
    return lib
