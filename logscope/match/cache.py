"""Parsed-YAML cache for signature files, keyed by each file's content hash.

Why: parsing the YAML is 97% of loading the library (pure-Python PyYAML, needed for the
line/column marks and the duplicate-key check); every ``analyze`` run paid about half a second
for it. The cache keeps each file's parsed tree, marks included, so loading a known file skips
the parser but still goes through the same schema checks and compilation: the result is the
same library, issues and positions as a fresh parse.

The cache is JSON (never pickle: a cache file must not be able to run code), lives in
``$LOGSCOPE_CACHE_DIR`` or ``$XDG_CACHE_HOME/logscope`` (``~/.cache/logscope``), is keyed by the
SHA-256 of the file's bytes (an edited file is a new key, so it is never stale), and is
written atomically. ``LOGSCOPE_NO_CACHE=1`` turns it off; ``logscope validate`` never uses it,
so the CI gate always parses the files themselves. Any cache problem means "parse normally".
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import date, datetime
from pathlib import Path
from collections.abc import Callable
from typing import Any

import orjson

from ..yamlio import Mapping

#: Bump when the encoding (or the loader's output) changes: old caches are then ignored.
CACHE_FORMAT = 1
MAX_ENTRIES = 4096
#: Versions of one package-data source (``json_cached``) kept side by side.
KEEP_SOURCES = 4
MISSING = object()


class _Unencodable(Exception):
    pass


def cache_dir() -> Path | None:
    """Where the cache lives, or None when caching is turned off."""
    if os.environ.get("LOGSCOPE_NO_CACHE"):
        return None
    if d := os.environ.get("LOGSCOPE_CACHE_DIR"):
        return Path(d)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "logscope"


def _enc(obj: Any) -> Any:  # noqa: ANN401
    if isinstance(obj, Mapping):
        items = []
        for k, v in obj.items():
            line, col = obj.marks.get(str(k), obj.start)
            items.append([_enc(k), line, col, _enc(v)])
        return {"M": [obj.start[0], obj.start[1], items]}
    if isinstance(obj, list):
        return [_enc(x) for x in obj]
    if isinstance(obj, int) and not isinstance(obj, bool) and not -(1 << 63) <= obj < (1 << 63):
        raise _Unencodable("int beyond 64 bits")
    if obj is None or isinstance(obj, (str, bool, int, float)):
        return obj
    if isinstance(obj, datetime):
        return {"T": obj.isoformat()}
    if isinstance(obj, date):
        return {"D": obj.isoformat()}
    if isinstance(obj, bytes):
        import base64  # a bytes value only: no shipped signature has one (start-up)

        return {"B": base64.b64encode(obj).decode()}
    if isinstance(obj, (set, frozenset)):
        return {"S": [_enc(x) for x in obj]}
    raise _Unencodable(type(obj).__name__)


#: What JSON gives as itself: ``_dec`` is not called for these (most of a tree's values; a
#: run decodes the cached library's ~6,000 nodes at start-up).
_PLAIN = frozenset((str, int, float, bool, type(None)))


def _dec(obj: Any) -> Any:  # noqa: ANN401
    if isinstance(obj, list):
        return [x if type(x) in _PLAIN else _dec(x) for x in obj]
    if not isinstance(obj, dict):
        return obj
    if "M" in obj:
        line, col, items = obj["M"]
        m = Mapping()
        m.start = (line, col)
        marks = m.marks
        for k, kl, kc, v in items:
            key = k if type(k) is str else _dec(k)
            m[key] = v if type(v) in _PLAIN else _dec(v)
            marks[str(key)] = (kl, kc)
        return m
    if "T" in obj:
        return datetime.fromisoformat(obj["T"])
    if "D" in obj:
        return date.fromisoformat(obj["D"])
    if "B" in obj:
        import base64  # as in _enc

        return base64.b64decode(obj["B"])
    if "S" in obj:
        return {_dec(x) for x in obj["S"]}
    raise ValueError("bad cache entry")


class ParsedCache:
    """Parsed trees by content hash; load once, ``save()`` after a library load."""

    def __init__(self, directory: Path | None) -> None:
        self.path = directory / f"signatures-v{CACHE_FORMAT}.json" if directory else None
        self.entries: dict[str, Any] = {}
        self.used: set[str] = set()
        self.dirty = False
        self.hits = 0
        if self.path is not None:
            try:
                data = orjson.loads(self.path.read_bytes())
                if isinstance(data, dict):
                    self.entries = data
            except (OSError, orjson.JSONDecodeError):
                self.entries = {}

    @staticmethod
    def key(raw: bytes) -> str:
        return hashlib.sha256(raw).hexdigest()

    def get(self, raw: bytes) -> Any:  # noqa: ANN401
        """The parsed tree of these bytes, or ``MISSING``."""
        k = self.key(raw)
        if k not in self.entries:
            return MISSING
        try:
            tree = _dec(self.entries[k])
        except (ValueError, TypeError, KeyError):
            del self.entries[k]
            self.dirty = True
            return MISSING
        self.used.add(k)
        self.hits += 1
        return tree

    def put(self, raw: bytes, tree: Any) -> None:  # noqa: ANN401
        if self.path is None:
            return
        try:
            enc = _enc(tree)
        except _Unencodable:
            return
        k = self.key(raw)
        self.entries[k] = enc
        self.used.add(k)
        self.dirty = True

    def save(self) -> None:
        """Write atomically (entries used now first, then the rest, bounded); errors ignored."""
        if self.path is None or not self.dirty:
            return
        keep = {k: self.entries[k] for k in self.used if k in self.entries}
        for k, v in self.entries.items():
            if len(keep) >= MAX_ENTRIES:
                break
            keep.setdefault(k, v)
        try:
            data = orjson.dumps(keep)
        except TypeError:
            return
        if write_atomic(self.path, data):
            self.dirty = False


def write_atomic(path: Path, data: bytes) -> bool:
    """Write ``data`` to ``path`` through a temporary file beside it (a reader never sees half
    a cache); False when it cannot be written (a cache is optional)."""
    import tempfile  # only when a cache is written

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=".tmp")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except OSError:
        return False
    return True


def json_cached(name: str, source: bytes, build: Callable[[], Any],
                decode: Callable[[Any], Any]) -> Any:  # noqa: ANN401
    """``decode(build())``, with ``build()``'s JSON value kept in ``<cache>/<name>-<hash of
    source>.json`` (``source``: every byte the value depends on, code included) so later runs
    only decode it. A missing, damaged or mis-shaped file, or caching turned off, means
    ``build()`` again. For package data (message templates): same rules as the caches above."""
    d = cache_dir()
    path = d / f"{name}-v{CACHE_FORMAT}-{hashlib.sha256(source).hexdigest()}.json" if d else None
    if path is not None:
        try:
            return decode(orjson.loads(path.read_bytes()))
        except (OSError, orjson.JSONDecodeError, ValueError, TypeError, KeyError):
            pass
    value = build()
    if path is not None:
        with contextlib.suppress(TypeError):
            if write_atomic(path, orjson.dumps(value)):
                keep_newest(path.parent, f"{name}-v{CACHE_FORMAT}-*.json", KEEP_SOURCES)
    return decode(value)


def keep_newest(directory: Path, pattern: str, n: int) -> None:
    """Remove all but the ``n`` newest files matching ``pattern`` (installs of several
    versions share one cache: each keeps its own files while they are in use)."""
    try:
        files = sorted(directory.glob(pattern), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in files[n:]:
            old.unlink()
    except OSError:  # another run pruned or wrote at the same time: next time
        pass
