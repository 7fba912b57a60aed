"""The data tables shipped in ``logscope/data`` are parsed at run time by libyaml
(``yamlio.load_data``, fast, no duplicate-key check). Here each is also parsed by the strict
loader (``yamlio.load``: duplicate keys, aliases and depth refused) and must give the same
value, so a table that only the strict loader would reject never ships. Runs read them through
``datafiles.table`` (kept as JSON in the user cache): it must give the same value again."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from logscope import datafiles, yamlio

DATA = Path(__file__).resolve().parents[1] / "logscope" / "data"
TABLES = sorted(p for p in DATA.rglob("*.yml"))


def test_there_are_tables() -> None:
    assert len(TABLES) > 10


@pytest.mark.parametrize("path", TABLES, ids=lambda p: str(p.relative_to(DATA)))
def test_fast_and_strict_loaders_agree(path: Path) -> None:
    text = path.read_text("utf-8")
    strict = yamlio.load(text, str(path))  # raises YamlError on a duplicate key
    assert yamlio.load_data(text) == strict


def test_the_strict_loader_still_refuses_a_duplicate_key() -> None:
    with pytest.raises(yamlio.YamlError):
        yamlio.load("a: 1\na: 2\n")
    assert yamlio.load_data("a: 1\na: 2\n") == {"a": 2}  # why the strict pass is needed


@pytest.mark.parametrize("path", TABLES, ids=lambda p: str(p.relative_to(DATA)))
def test_a_cached_table_reads_back_as_parsed(path: Path, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """``datafiles.table`` keeps each table as JSON: the warm read (from that file) gives the
    value the YAML parse gives, types included (int keys, ints against floats)."""
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path))
    name = str(path.relative_to(DATA))
    parsed = yamlio.load_data(path.read_text("utf-8"))
    assert datafiles.table(name) == parsed  # cold: parsed, then written
    (kept,) = tmp_path.glob("table-*.json")
    warm = datafiles.table(name)
    assert warm == parsed and repr(warm) == repr(parsed)
    kept.write_bytes(b"{damaged")  # a damaged cache file: parsed again
    assert datafiles.table(name) == parsed


def test_a_table_json_cannot_give_back_is_not_cached(tmp_path: Path,
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.setattr(datafiles, "DATA", tmp_path)
    (tmp_path / "t.yml").write_text("when: 2026-03-14\ncodes: {1: one, '1': text}\n")
    first = datafiles.table("t.yml")
    assert first == {"when": date(2026, 3, 14), "codes": {1: "one", "1": "text"}}
    assert datafiles.table("t.yml") == first
    assert not list((tmp_path / "cache").glob("table-t-*"))  # the date: never cached
    (tmp_path / "t.yml").write_text("codes: {1: one, '1': text, 2: [x, {3: 4.0}]}\n")
    second = datafiles.table("t.yml")
    assert len(list((tmp_path / "cache").glob("table-t-*"))) == 1  # int keys are kept
    assert repr(datafiles.table("t.yml")) == repr(second)


def test_shorthand_providers_are_every_template_files_provider_and_alias() -> None:
    # labels reads them from the cached template rows (messages.entries), not the YAML again:
    # every template file names its provider and aliases, and holds at least one template
    from logscope.ingest.eventlog_text import labels

    declared: set[str] = set()
    for path in sorted((DATA / "messages").glob("*.yml")):
        doc = yamlio.load_data(path.read_text("utf-8")) or {}
        assert doc.get("events"), f"{path.name}: a template file with no template"
        declared |= {labels.fold(str(n)) for n in [doc["provider"], *(doc.get("aliases") or [])]}
    assert labels._template_providers() == declared
