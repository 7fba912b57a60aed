"""The public-example rule: every signature shows one real instance of what it matches, quoted
from a public page that its references name. How a missing one is reported (error, warning,
off) is the library's own choice in ``library.yml``; a bad ``source`` is always an error."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from logscope.cli import app
from logscope.match.validate import errors, validate_paths

runner = CliRunner()

URL = "https://learn.microsoft.com/en-us/troubleshoot/windows-server/virtualization/x"
SIG = """\
id: mine.{name}
title: t
severity: high
status: test
references: [{refs}]
match: {{kind: veeam, message|contains: Checkpoint failed}}
hint: {{cause: c, remedy: [r]}}
examples:
  match:
    - veeam: "[01.02.2024 10:00:00] <01> Error Checkpoint failed"
{source}
"""


def _lib(tmp_path: Path, level: str | None, sourced: bool, refs: str = f'"{URL}"') -> Path:
    d = tmp_path / "lib"
    d.mkdir()
    if level is not None:
        (d / "library.yml").write_text(f'version: "1"\npublic_examples: {level}\n', "utf-8")
    src = f"      source: {URL}" if sourced else ""
    (d / "a.yml").write_text(SIG.format(name="a", refs=refs, source=src), "utf-8")
    return d


def test_a_signature_without_a_sourced_example_is_a_counted_warning_by_default(
        tmp_path: Path) -> None:
    issues, summary = validate_paths([_lib(tmp_path, None, sourced=False)], [])
    assert [(i.code, i.level) for i in issues] == [("public-example", "warning")]
    assert summary["warnings"] == 1 and summary["problems"] == 0
    assert summary["public_examples"] == 0
    assert errors(issues) == []


def test_the_warning_is_shown_counted_and_does_not_fail(tmp_path: Path) -> None:
    d = _lib(tmp_path, "warning", sourced=False)
    res = runner.invoke(app, ["validate", str(d)])
    assert res.exit_code == 0, res.stdout
    assert "a.yml:8:1: warning: mine.a: no match example quotes public text" in res.stdout
    assert "0 problem(s), 1 warning(s)" in res.stdout
    res = runner.invoke(app, ["validate", str(d), "--format", "json"])
    data = json.loads(res.stdout)
    assert data["problems"] == [] and data["summary"]["warnings"] == 1
    assert data["warnings"][0]["code"] == "public-example"
    res = runner.invoke(app, ["validate", str(d), "--format", "github"])
    assert res.stdout.startswith("::warning file=")


def test_level_error_fails_validate(tmp_path: Path) -> None:
    d = _lib(tmp_path, "error", sourced=False)
    res = runner.invoke(app, ["validate", str(d), "--format", "json"])
    assert res.exit_code == 1
    assert [p["code"] for p in json.loads(res.stdout)["problems"]] == ["public-example"]


def test_a_sourced_example_listed_in_references_passes(tmp_path: Path) -> None:
    issues, summary = validate_paths([_lib(tmp_path, "error", sourced=True)], [])
    assert issues == [] and summary["public_examples"] == 1


def test_a_reference_may_name_the_url_inside_a_longer_entry(tmp_path: Path) -> None:
    refs = f'"Microsoft Learn, checkpoint errors: {URL}"'
    issues, _ = validate_paths([_lib(tmp_path, "error", sourced=True, refs=refs)], [])
    assert issues == []


def test_a_source_missing_from_references_is_an_error_at_any_level(tmp_path: Path) -> None:
    issues, _ = validate_paths([_lib(tmp_path, "off", sourced=True,
                                     refs='"https://example.org/other"')], [])
    assert [(i.code, i.level, i.line) for i in issues] == [
        ("source-not-referenced", "error", 11)]


def test_off_turns_the_rule_off(tmp_path: Path) -> None:
    issues, _ = validate_paths([_lib(tmp_path, "off", sourced=False)], [])
    assert issues == []


def test_an_unknown_level_is_an_error_in_library_yml(tmp_path: Path) -> None:
    issues, _ = validate_paths([_lib(tmp_path, "sometimes", sourced=True)], [])
    assert [(Path(i.path).name, i.code) for i in issues] == [("library.yml", "schema")]
    assert "public_examples must be one of error, warning, off" in issues[0].message


def test_the_builtin_library_counts_its_sourced_signatures() -> None:
    issues, summary = validate_paths([], [])
    lacking = {i.message.split(":")[0] for i in issues if i.code == "public-example"}
    assert summary["public_examples"] + len(lacking) == summary["signatures"]
