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
    assert len(list((user_lib.parent / "cache").glob(f"library-v{compiled.FORMAT}-*.json"))) == 1
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
    path = compiled._file(key)
    entries = orjson.loads(path.read_bytes())
    entries["library"]["versions"] = ["planted"]
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
    lib = load_library([user_lib])
    path = compiled._file(lib.cache_key)
    path.write_bytes(path.read_bytes()[:500])
    assert _all(load_library([user_lib])) == fresh
    entries = orjson.loads(path.read_bytes())
    entries["library"]["signatures"][0] = {"id": "x"}  # wrong shape: dropped, never trusted
    path.write_bytes(orjson.dumps(entries))
    assert _all(load_library([user_lib])) == fresh
    path.unlink()
    assert _all(load_library([user_lib])) == fresh


def test_validate_never_reads_it(user_lib: Path) -> None:
    load_library([user_lib], builtin=False)
    key = compiled.library_key([user_lib], [str(user_lib)])
    path = compiled._file(key)
    entries = orjson.loads(path.read_bytes())
    entries["library"]["issues"] = []  # a cache that hides the problem
    path.write_bytes(orjson.dumps(entries))
    assert not load_library([user_lib], builtin=False).issues
    problems, _summary = validate_paths([user_lib], [])
    assert any("severity" in str(p) for p in problems)


def test_turned_off(user_lib: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_NO_CACHE", "1")
    load_library([user_lib])
    assert not (user_lib.parent / "cache").exists()


def test_chains_are_cached_with_their_library(user_lib: Path) -> None:
    from logscope.correlate.chains import load_chains

    (user_lib / "chains").mkdir()
    (user_lib / "chains" / "mine.yml").write_text(
        "id: chain.mine\ntitle: t\nseverity: high\nhint: {cause: c, remedy: [r]}\nsteps:\n"
        "  - {role: symptom, signatures: [user.good]}\n"
        "  - {role: cause, signatures: [user.nowhere], window: [-60, 0]}\n", "utf-8")

    def load(cache: bool) -> tuple[dict, list[str]]:  # noqa: FBT001
        lib = load_library([user_lib], cache=cache)
        issues = list(lib.issues)
        chains = load_chains(lib.chains_dirs, issues, set(lib.signatures), cache=cache,
                             key=lib.cache_key)
        return chains, [str(i) for i in issues]

    fresh, cold, warm = load(False), load(True), load(True)
    assert fresh == cold == warm
    assert len(fresh[0]) > 5 and "chain.sqlwriter-checkpoint" in fresh[0]
    assert any("unknown signature id 'user.nowhere'" in i for i in fresh[1])
    key = load_library([user_lib]).cache_key
    assert set(orjson.loads(compiled._file(key).read_bytes())) == {"library", "chains"}


def test_at_most_the_newest_keys_are_kept(user_lib: Path) -> None:
    for i in range(compiled.MAX_LIBRARIES + 3):
        (user_lib / "good.yml").write_text(GOOD.replace("boom", f"boom{i}"), "utf-8")
        load_library([user_lib])
    files = list((user_lib.parent / "cache").glob("library-v*.json"))
    assert len(files) == compiled.MAX_LIBRARIES
    assert compiled._file(load_library([user_lib]).cache_key) in files
