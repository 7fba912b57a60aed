"""Checked-library cache (match/compiled.py): a warm load is the library a fresh load gives,
problems and positions included; an edit is a new key; validate never reads it."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from logscope.match import compiled
from logscope.match.library import builtin_dir, load_library
from logscope.match.validate import validate_paths

BAD = ("id: user.bad\ntitle: t\nseverity: loud\nstatus: test\n"
       "match: {kind: veeam, message|contains: x}\nhint: {cause: c, remedy: [r]}\n")
GOOD = ("id: user.good\ntitle: t\nseverity: high\nstatus: test\n"
        "match: {kind: veeam, message|contains: boom}\nhint: {cause: c, remedy: [r]}\n")


def _all(lib) -> bytes:  # noqa: ANN001
    """Everything a load returns, marks of nested mappings included."""
    return orjson.dumps(compiled._encode(lib))


@pytest.fixture
def user_lib(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    d = tmp_path / "mine"
    d.mkdir()
    (d / "bad.yml").write_text(BAD, "utf-8")
    (d / "good.yml").write_text(GOOD, "utf-8")
    return d


def test_warm_load_is_the_fresh_load(user_lib: Path) -> None:
    fresh = load_library([user_lib], cache=False)
    cold = load_library([user_lib])
    assert (user_lib.parent / "cache" / f"library-v{compiled.FORMAT}.json").is_file()
    warm = load_library([user_lib])
    assert _all(fresh) == _all(cold) == _all(warm)
    assert warm == fresh and warm.version == fresh.version
    assert [(i.line, i.column, i.code) for i in warm.issues] == [(3, 1, "schema")]
    assert "user.good" in warm.signatures and len(warm.signatures) > 100
    sig = warm.signatures["user.good"]
    assert sig.match.marks == fresh.signatures["user.good"].match.marks  # positions kept


def test_the_warm_load_is_read_from_the_cache(user_lib: Path) -> None:
    load_library([user_lib])
    key = compiled.library_key([builtin_dir(), user_lib], ["builtin", str(user_lib)])
    assert key and compiled.cached(key) is not None
    # a planted entry is what the next load returns: proof the cache, not the files, answered
    path = compiled._file()
    entries = orjson.loads(path.read_bytes())
    entries[key]["versions"] = ["planted"]
    path.write_bytes(orjson.dumps(entries))
    assert load_library([user_lib]).versions == ["planted"]
    assert load_library([user_lib], cache=False).versions != ["planted"]


def test_an_edit_is_a_new_key(user_lib: Path) -> None:
    load_library([user_lib])
    (user_lib / "bad.yml").write_text(BAD.replace("loud", "low"), "utf-8")
    lib = load_library([user_lib])
    assert not lib.issues and "user.bad" in lib.signatures
    (user_lib / "new.yml").write_text(GOOD.replace("user.good", "user.new"), "utf-8")
    assert "user.new" in load_library([user_lib]).signatures


def test_damaged_or_deleted_cache_means_a_normal_load(user_lib: Path) -> None:
    fresh = _all(load_library([user_lib], cache=False))
    load_library([user_lib])
    path = compiled._file()
    path.write_bytes(path.read_bytes()[:500])
    assert _all(load_library([user_lib])) == fresh
    entries = orjson.loads(path.read_bytes())
    (key,) = entries
    entries[key]["signatures"][0] = {"id": "x"}  # wrong shape: dropped, never trusted
    path.write_bytes(orjson.dumps(entries))
    assert _all(load_library([user_lib])) == fresh
    path.unlink()
    assert _all(load_library([user_lib])) == fresh


def test_validate_never_reads_it(user_lib: Path) -> None:
    load_library([user_lib], builtin=False)
    key = compiled.library_key([user_lib], [str(user_lib)])
    path = compiled._file()
    entries = orjson.loads(path.read_bytes())
    entries[key]["issues"] = []  # a cache that hides the problem
    path.write_bytes(orjson.dumps(entries))
    assert not load_library([user_lib], builtin=False).issues
    problems, _summary = validate_paths([user_lib], [])
    assert any("severity" in str(p) for p in problems)


def test_turned_off(user_lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_NO_CACHE", "1")
    load_library([user_lib])
    assert not (user_lib.parent / "cache").exists()
