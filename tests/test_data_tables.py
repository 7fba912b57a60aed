"""The data tables shipped in ``logscope/data`` are parsed at run time by libyaml
(``yamlio.load_data``, fast, no duplicate-key check). Here each is also parsed by the strict
loader (``yamlio.load``: duplicate keys, aliases and depth refused) and must give the same
value, so a table that only the strict loader would reject never ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope import yamlio

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
