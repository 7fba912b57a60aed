"""The package's data files (``logscope/data``): found beside this module, and each YAML table
parsed once per content, its value kept as JSON in the user cache.

Why: ``importlib.resources`` costs ~4 ms of every start-up (it imports tempfile, zipfile,
shutil, bz2, lzma) to find files that sit in a plain folder of the installed package (the
library cache hashes logscope's own source files the same way, ``match/compiled.py``); and
importing PyYAML and parsing a table costs ~15 ms for values that change only with a release.

The cache follows ``match/cache.py``: JSON only, keyed by the SHA-256 of the table's bytes (an
edited table is a new key), written atomically, the newest ``KEEP`` per table kept,
``LOGSCOPE_NO_CACHE=1`` turns it off, any problem means "parse the YAML". A mapping with keys
that are not strings (event ids, codes) is kept as its list of pairs; a value that would not
read back equal (a date, NaN) is never cached.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

#: The data folder of the installed package.
DATA = Path(__file__).resolve().parent / "data"
#: Bump when what a cached table holds changes (the YAML loader's output, the encoding).
FORMAT = 1
KEEP = 2
#: The one key of a JSON object that stands for a mapping with keys that are not strings.
_PAIRS = "\0pairs"


def table(name: str) -> Any:  # noqa: ANN401
    """The parsed value of ``data/<name>`` (``yamlio.load_data``: a table we ship)."""
    raw = (DATA / name).read_bytes()
    from .match.cache import cache_dir

    d = cache_dir()
    stem = "table-" + name.rsplit(".", 1)[0].replace("/", "-")
    path = d / f"{stem}-v{FORMAT}-{hashlib.sha256(raw).hexdigest()}.json" if d else None
    import orjson

    if path is not None:
        try:
            data = path.read_bytes()
            value = orjson.loads(data)
            return _dec(value) if b"\\u0000pairs" in data else value
        except (OSError, orjson.JSONDecodeError, TypeError, ValueError):
            pass
    from . import yamlio

    value = yamlio.load_data(raw.decode("utf-8"))
    if path is not None:
        _keep(path, value, stem)
    return value


def _keep(path: Path, value: Any, stem: str) -> None:  # noqa: ANN401
    import orjson

    from .match.cache import keep_newest, write_atomic

    try:
        data = orjson.dumps(_enc(value))
    except TypeError:  # bytes, a set...
        return
    if _dec(orjson.loads(data)) != value:  # a date becomes a string, NaN null...
        return
    if write_atomic(path, data):
        keep_newest(path.parent, f"{stem}-v{FORMAT}-*.json", KEEP)


def _enc(v: Any) -> Any:  # noqa: ANN401
    if isinstance(v, dict):
        if all(type(k) is str for k in v):
            return {k: _enc(x) for k, x in v.items()}
        return {_PAIRS: [[k, _enc(x)] for k, x in v.items()]}
    return [_enc(x) for x in v] if isinstance(v, list) else v


def _dec(v: Any) -> Any:  # noqa: ANN401
    if isinstance(v, dict):
        if len(v) == 1 and _PAIRS in v:
            return {k: _dec(x) for k, x in v[_PAIRS]}
        return {k: _dec(x) for k, x in v.items()}
    return [_dec(x) for x in v] if isinstance(v, list) else v
