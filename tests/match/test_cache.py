"""Parsed-YAML cache: a warm load gives exactly the library (and problems) a fresh parse gives."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.match.cache import MISSING, ParsedCache
from logscope.match.library import load_library


def _snapshot(lib) -> list[tuple]:  # noqa: ANN001
    return sorted((s.id, s.path, s.line, repr(s.match), repr(s.hint), repr(s.examples),
                   s.severity, s.status, s.catalogue) for s in lib.signatures.values())


def test_warm_load_equals_fresh_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path))
    fresh = load_library(cache=False)
    cold = load_library()
    assert (tmp_path / "signatures-v1.json").is_file()
    warm = load_library()
    assert _snapshot(fresh) == _snapshot(cold) == _snapshot(warm)
    assert fresh.version == warm.version


def test_positions_survive_the_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    lib_dir = tmp_path / "lib"
    lib_dir.mkdir()
    (lib_dir / "bad.yml").write_text(
        "id: user.bad\ntitle: t\nseverity: loud\nstatus: test\n"
        "match: {kind: veeam, message|contains: x}\nhint: {cause: c, remedy: [r]}\n", "utf-8")
    first = load_library([lib_dir], builtin=False)
    again = load_library([lib_dir], builtin=False)
    assert [str(i) for i in first.issues] == [str(i) for i in again.issues]
    assert [(i.line, i.column) for i in again.issues] == [(3, 1)]


def test_a_damaged_cache_is_ignored(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path))
    load_library()
    cache = tmp_path / "signatures-v1.json"
    cache.write_bytes(cache.read_bytes()[:1000])
    assert _snapshot(load_library()) == _snapshot(load_library(cache=False))
    # an entry whose shape is wrong is dropped, never trusted
    pc = ParsedCache(tmp_path)
    pc.entries = {ParsedCache.key(b"x: 1"): {"Q": 1}}
    assert pc.get(b"x: 1") is MISSING and not pc.entries


def test_no_cache_when_turned_off(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path))
    monkeypatch.setenv("LOGSCOPE_NO_CACHE", "1")
    load_library()
    assert not any(tmp_path.iterdir())
