"""One broken signature file per kind of mistake: each gives the right message at the right place.

``tests/signatures/broken/`` is validated as one library (so the duplicate id across two files
is seen, and its ``chains/`` folder is checked too). Every expected problem must be reported at
its file:line:column, and nothing else may be reported: a validator that also flags good lines
is as useless as one that misses bad ones.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from logscope.match.validate import render_issues, validate_paths

BROKEN = Path(__file__).resolve().parent / "broken"

#: file → [(line, column, code, fragment of the message)]
EXPECTED: dict[str, list[tuple[int, int, str, str]]] = {
    "yaml-syntax.yml": [(6, 1, "yaml", "unexpected end of stream")],
    "duplicate-key.yml": [(6, 1, "yaml", "duplicate key 'severity' (first at line 4)")],
    "unknown-field.yml": [(4, 1, "unknown-field", "unknown field 'severty'"),
                          (11, 3, "unknown-field", "unknown hint field 'remedies'")],
    "missing-and-bad-values.yml": [
        (2, 1, "schema", "missing required field 'title'"),
        (3, 1, "schema", "severity must be one of"),
        (4, 1, "schema", "status must be one of"),
        (6, 3, "schema", "unknown kind 'syslog'"),
        (11, 3, "schema", "confidence must be 0..1, got 1.5")],
    "bad-id.yml": [(2, 1, "schema", "id must be dotted lower-case words")],
    "duplicate-id-b.yml": [(2, 1, "duplicate-id", "duplicate id 'broken.duplicate-id'")],
    "regex-re2.yml": [(8, 3, "regex", "RE2 rejects the pattern: invalid perl operator: (?="),
                      (10, 26, "regex", "extract.code: RE2 rejects the pattern")],
    "unknown-operator-and-field.yml": [
        (8, 3, "unknown-field", "unknown field 'writer_nme'"),
        (10, 8, "condition", "unknown operator 'contain'")],
    "contradiction.yml": [
        (10, 8, "contradiction", "'writer_name' (line 8) and 'writer_name' require different"),
        (12, 3, "contradiction", "'writer_state|gte' and 'writer_state|lt' leave no value")],
    "contradiction-not.yml": [(8, 9, "contradiction", "'not' excludes every value")],
    "event-id-range.yml": [(9, 3, "event-id", "event id 70000 outside 0-65535"),
                           (11, 8, "event-id", "event id -1 outside 0-65535")],
    "example-misbehaves.yml": [
        (16, 7, "example", "examples.match[0] does not match: the example is an event of kind "
                           "evtx (provider 'Microsoft-Windows-Hyper-V-VMMS', event id 19090); "
                           "failing condition(s): event_id"),
        (17, 7, "example", "examples.match[1]: the veeam example gave no event"),
        (19, 7, "example", "examples.no_match[0] matches, but is declared not to")],
    "example-shape.yml": [(12, 7, "unknown-field", "unknown example format 'syslog'"),
                          (13, 3, "unknown-field", "unknown examples key 'maybe'")],
    "example-source.yml": [(14, 7, "schema", "examples.match[0].source must be one https:// URL"),
                           (16, 7, "source-not-referenced",
                            "examples.match[1].source https://example.org/not-listed is not "
                            "listed in references"),
                           (19, 7, "schema", "examples.match[3]: an example is a mapping with "
                                             "one key")],
    "example-strict-form.yml": [(12, 7, "example", "the event-text example is read as veeam, "
                                                   "not event-text")],
    "stable-without-example.yml": [(2, 1, "example", "a stable signature needs at least one")],
    "baseline-shape.yml": [(10, 5, "schema", "baseline_hits[0] needs 'file'"),
                           (11, 30, "schema", "baseline_hits[1].count must be a positive"),
                           (11, 40, "unknown-field", "baseline_hits[1]: unknown key 'where'")],
    "unknown-placeholder.yml": [
        (4, 1, "placeholder", "title: Single '{' encountered in format string"),
        (11, 3, "placeholder", "hint.remedy[0]: unknown placeholder {DiskNumber}")],
    "chains/unknown-signature.yml": [
        (11, 5, "unknown-ref", "unknown signature id 'guest.sqlwriter.nonretryble'")],
}


def _issues() -> list[tuple[str, int, int, str, str]]:
    """The errors (the broken folder's missing public examples are counted warnings: their
    own test is tests/signatures/test_public_examples.py)."""
    issues, _ = validate_paths([BROKEN], [])
    return [(Path(i.path).relative_to(BROKEN).as_posix(), i.line, i.column, i.code, i.message)
            for i in issues if i.level == "error"]


def test_every_mistake_is_reported_at_its_place() -> None:
    got = _issues()
    for file, expected in EXPECTED.items():
        mine = [(line, col, code, msg) for f, line, col, code, msg in got if f == file]
        for line, col, code, fragment in expected:
            assert any((line, col, code) == (gl, gc, gcode) and fragment in msg
                       for gl, gc, gcode, msg in mine), (file, line, col, fragment, mine)


def test_nothing_else_is_reported() -> None:
    expected = {(f, line, col) for f, exp in EXPECTED.items() for line, col, _, _ in exp}
    extra = [g for g in _issues() if (g[0], g[1], g[2]) not in expected]
    assert extra == []


def test_every_broken_file_is_covered() -> None:
    files = {p.relative_to(BROKEN).as_posix() for p in BROKEN.rglob("*.yml")}
    assert files - set(EXPECTED) == {"duplicate-id-a.yml"}  # the first of the pair is fine


def test_github_annotations_name_file_line_and_column() -> None:
    issues, summary = validate_paths([BROKEN / "bad-id.yml"], [])
    out = render_issues(issues, summary, "github")
    line = out.splitlines()[0]
    assert line.startswith("::error file=") and ",line=2,col=1,title=logscope schema::" in line
    assert "bad-id.yml" in line


def test_json_output_lists_every_problem() -> None:
    issues, summary = validate_paths([BROKEN], [])
    data = json.loads(render_issues(issues, summary, "json"))
    errors = [i for i in issues if i.level == "error"]
    assert data["summary"]["problems"] == len(data["problems"]) == len(errors) > 20
    assert data["summary"]["warnings"] == len(data["warnings"]) == len(issues) - len(errors)
    assert {"file", "line", "column", "code", "message"} <= set(data["problems"][0])


def _cli(*args: str) -> subprocess.CompletedProcess[str]:
    root = Path(__file__).resolve().parents[2]
    return subprocess.run([sys.executable, "-c", "from logscope.cli import main; main()",
                           "validate", *args], capture_output=True, text=True, cwd=root,
                          timeout=120, check=False)


def test_exit_codes() -> None:
    assert _cli(str(BROKEN / "bad-id.yml")).returncode == 1
    assert _cli(str(BROKEN / "duplicate-id-a.yml")).returncode == 0
    assert _cli(str(BROKEN / "no-such-file.yml")).returncode == 2
    assert _cli("--format", "xml").returncode == 2
