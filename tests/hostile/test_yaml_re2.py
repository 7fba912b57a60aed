"""YAML is loaded safely and boundedly; regexes are RE2 only, a rejected pattern is a
validation error (never a fallback to Python's backtracking ``re``)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logscope import yamlio
from logscope.cli import app
from logscope.match.conditions import ConditionError, compile_group

runner = CliRunner()


def _laughs(levels: int, width: int = 9) -> str:
    text = "a0: &a0 [" + ",".join(['"lol"'] * width) + "]\n"
    for i in range(1, levels):
        text += f"a{i}: &a{i} [" + ",".join([f"*a{i - 1}"] * width) + "]\n"
    return text


HOSTILE_YAML = {
    "duplicate key": ("id: x\ntitle: a\nid: y\n", "duplicate key 'id'"),
    "nested duplicate key": ("match:\n  kind: evtx\n  kind: vssadmin\n", "duplicate key 'kind'"),
    "python object": ("a: !!python/object/apply:os.system ['touch /tmp/pwned']\n",
                      "could not determine a constructor"),
    "python name": ("a: !!python/name:os.system\n", "could not determine a constructor"),
    "billion laughs": (_laughs(9), "aliases expand to more than"),
    "many aliases": ("a: &a 1\nb: [" + ",".join(["*a"] * 150) + "]\n", "more than 100 aliases"),
    "recursive alias": ("a: &a [1, *a]\n", "recursive alias"),
    "deep nesting": ("a: " + "[" * 5000 + "]" * 5000 + "\n", "nesting deeper than 32"),
    "deep block nesting": ("".join("  " * i + f"k{i}:\n" for i in range(60)) + "  " * 60 + "v\n",
                           "nesting deeper than 32"),
    "control character": ("a: b\x00c\n", "unacceptable character"),
    "unhashable key": ("? [1, 2]\n: 3\n", "unhashable key"),
    "two documents": ("a: 1\n---\nb: 2\n", "another document"),
}


@pytest.mark.parametrize("name", list(HOSTILE_YAML))
def test_hostile_yaml_is_a_positioned_error(name: str) -> None:
    text, expected = HOSTILE_YAML[name]
    with pytest.raises(yamlio.YamlError) as err:
        yamlio.load(text, "sig.yml")
    assert expected in err.value.message
    assert err.value.line >= 1 and err.value.column >= 1
    assert str(err.value).startswith("sig.yml:")


def test_huge_yaml_is_refused_before_parsing() -> None:
    text = "a: '" + "x" * (yamlio.MAX_YAML_BYTES + 1) + "'\n"
    with pytest.raises(yamlio.YamlError, match="larger than"):
        yamlio.load(text)


def test_shared_aliases_within_the_bound_still_load() -> None:
    data = yamlio.load(_laughs(3))  # 9^3 = 729 leaves: fine
    assert len(data["a2"]) == 9 and data["a2"][0][0] == ["lol"] * 9


def test_merge_keys_may_be_overridden_but_own_duplicates_may_not() -> None:
    assert yamlio.load("- &x {a: 1, b: 2}\n- <<: *x\n  a: 3\n")[1] == {"a": 3, "b": 2}
    with pytest.raises(yamlio.YamlError, match="duplicate key 'a'"):
        yamlio.load("- &x {a: 1}\n- <<: *x\n  a: 3\n  a: 4\n")


# -- through the signature loader and `logscope validate` ----------------------------------------

SIG = """id: hostile.test.{n}
title: Hostile test {n}
description: A signature written by the hostile-input tests.
severity: low
status: experimental
match:
  kind: veeam
  message|regex: {pattern}
hint:
  cause: test
  remedy: [test]
  evidence: '{{message}}'
  confidence: 0.5
examples:
  match:
    - event: {{kind: veeam, message: aaaa}}
  no_match:
    - event: {{kind: veeam, message: zzzz}}
"""

REJECTED = {
    "backreference": r"'(a+)\1'",
    "lookahead": r"'a(?=b)'",
    "lookbehind": r"'(?<=b)a'",
    "possessive": r"'a++'",
    "atomic group": r"'(?>a+)b'",
}


@pytest.mark.parametrize("name", list(REJECTED))
def test_re2_rejection_is_a_condition_error(name: str) -> None:
    with pytest.raises(ConditionError, match="RE2 rejects the pattern"):
        compile_group({"message|regex": yamlio.load(f"p: {REJECTED[name]}")["p"]})


def test_catastrophic_python_pattern_runs_linear_in_re2() -> None:
    """``(a+)+$`` backtracks exponentially in Python's re; RE2 accepts it and stays linear."""
    from logscope.events import Event, Locator

    (pred,) = compile_group({"message|regex": "^(a+)+$"})
    ev = Event(kind="veeam", file="x", locator=Locator(line=1), message="a" * 50_000 + "b")
    assert pred(ev) is False


def test_validate_reports_every_hostile_file_and_does_not_crash(tmp_path: Path) -> None:
    d = tmp_path / "sigs"
    d.mkdir()
    for i, (name, (text, _)) in enumerate(HOSTILE_YAML.items()):
        (d / f"y{i:02d}.yml").write_text(text, "utf-8")
    for i, pattern in enumerate(REJECTED.values()):
        (d / f"r{i:02d}.yml").write_text(SIG.format(n=i, pattern=pattern), "utf-8")
    (d / "ok.yml").write_text(SIG.format(n="ok", pattern="'^a+$'"), "utf-8")
    (d / "binary.yml").write_bytes(b"\xff\xfe\x00garbage")
    res = runner.invoke(app, ["validate", str(d), "--format", "json"])
    assert res.exit_code == 1
    problems = json.loads(res.stdout)["problems"]
    by_file = {Path(p["file"]).name for p in problems}
    assert {f"y{i:02d}.yml" for i in range(len(HOSTILE_YAML))} <= by_file
    assert {f"r{i:02d}.yml" for i in range(len(REJECTED))} <= by_file
    assert "binary.yml" in by_file and "ok.yml" not in by_file
    re2_msgs = [p for p in problems if Path(p["file"]).name.startswith("r")]
    assert all("RE2 rejects the pattern" in p["message"] for p in re2_msgs)
    assert all(p["line"] >= 1 for p in problems)


def test_analyze_with_a_rejected_pattern_warns_and_never_falls_back(tmp_path: Path) -> None:
    d = tmp_path / "sigs"
    d.mkdir()
    (d / "bad.yml").write_text(SIG.format(n="bad", pattern=REJECTED["backreference"]), "utf-8")
    log = tmp_path / "x.log"
    log.write_text("[07.07.2021 16:34:17] <01> Info     aaaa\n", "utf-8")
    stop = runner.invoke(app, ["analyze", str(log), "--signatures", str(d), "--format", "json"])
    assert stop.exit_code == 2 and "RE2 rejects" in stop.stderr  # a broken folder stops the run
    res = runner.invoke(app, ["analyze", str(log), "--signatures", str(d), "--format", "json",
                              "--allow-signature-errors"])
    assert res.exit_code == 0
    rep = json.loads(res.stdout)
    assert not any(h["signature"] == "hostile.test.bad" for h in rep["hits"])
    assert any("RE2 rejects" in w for w in rep["meta"].get("signature_warnings", []))


def test_read_bytes_refuses_a_huge_file_without_reading_it(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    with big.open("wb") as fh:
        fh.seek(4 << 30)  # a 4 GiB sparse file: reading it all would take the memory
        fh.write(b"\n")
    with pytest.raises(yamlio.YamlError, match="larger than"):
        yamlio.read_bytes(big)
    small = tmp_path / "s.yml"
    small.write_text("a: 1\n", "utf-8")
    assert yamlio.load(yamlio.read_bytes(small).decode()) == {"a": 1}
