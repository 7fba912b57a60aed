"""User libraries: later folders win, overrides are reported, a duplicate inside one is an error."""

from __future__ import annotations

from pathlib import Path

from logscope.match.library import load_library

SIG = """id: {id}
title: {title}
severity: low
status: test
match: {{kind: veeam, message|contains: x}}
hint: {{cause: c, remedy: [r]}}
"""


def _write(d: Path, name: str, sid: str, title: str) -> None:
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_text(SIG.format(id=sid, title=title), "utf-8")


def test_a_user_signature_overrides_a_builtin_one_and_it_is_reported(tmp_path: Path) -> None:
    _write(tmp_path / "mine", "p02.yml", "guest.sqlwriter.nonretryable", "ours")
    lib = load_library([tmp_path / "mine"], cache=False)
    assert lib.signatures["guest.sqlwriter.nonretryable"].title == "ours"
    assert [o[0] for o in lib.overrides] == ["guest.sqlwriter.nonretryable"]
    assert lib.issues == []


def test_later_folders_win(tmp_path: Path) -> None:
    _write(tmp_path / "a", "s.yml", "team.thing", "from a")
    _write(tmp_path / "b", "s.yml", "team.thing", "from b")
    lib = load_library([tmp_path / "a", tmp_path / "b"], builtin=False, cache=False)
    assert lib.signatures["team.thing"].title == "from b"
    assert lib.issues == []


def test_a_duplicate_inside_one_library_is_an_error(tmp_path: Path) -> None:
    _write(tmp_path / "a", "one.yml", "team.thing", "first")
    _write(tmp_path / "a" / "sub", "two.yml", "team.thing", "second")
    lib = load_library([tmp_path / "a"], builtin=False, cache=False)
    assert [(Path(i.path).name, i.line, i.code) for i in lib.issues] == [
        ("two.yml", 1, "duplicate-id")]
    assert lib.signatures["team.thing"].title == "first"


def test_the_version_changes_with_the_content(tmp_path: Path) -> None:
    _write(tmp_path / "a", "s.yml", "team.thing", "one")
    v1 = load_library([tmp_path / "a"], cache=False).version
    _write(tmp_path / "a", "s.yml", "team.thing", "two")
    v2 = load_library([tmp_path / "a"], cache=False).version
    assert v1 != v2 and v1.split("+")[0] == v2.split("+")[0]
