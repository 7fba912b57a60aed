"""The CLI's start-up shortcuts answer as before: option values coerced without pydantic
(logscope/cli/coerce.py) give typer's report for good command lines and typer's exit code and
words for bad ones; a one-command app (``root.app_for``) answers as the whole app."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import typer._coercion
import typer.core
from typer.testing import CliRunner

from logscope.cli import app
from logscope.cli.root import app_for

ROOT = Path(__file__).resolve().parent.parent
SQL = str(ROOT / "samples" / "bundles" / "sqlwriter-chain")
SIGS = str(ROOT / "signatures")
runner = CliRunner()


def _both(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> tuple[object, object]:
    """(exit code, output) with logscope's coercion, then with typer's own adapters."""
    assert typer.core.build_runtime_param is not typer._coercion.build_runtime_param
    ours = runner.invoke(app, argv)
    with monkeypatch.context() as m:
        m.setattr(typer.core, "build_runtime_param", typer._coercion.build_runtime_param)
        theirs = runner.invoke(app, argv)
    return (ours.exit_code, ours.output), (theirs.exit_code, theirs.output)


GOOD = [
    ["analyze", SQL, "--format", "json"],
    ["analyze", SQL, SQL, "-f", "json", "--workers", " 1", "--engine", "python", "--vm", "SQL01",
     "--vm", "x", "--job", "j", "--since", "2020-01-01", "--until", "2030-01-01T00:00:00Z",
     "--max-ratio", "50", "--max-depth", "3", "--max-members", "1000", "--max-total-size", "1G",
     "--signatures", SIGS, "--fail-on", "critical"],
    ["events", SQL, "--format", "jsonl", "--engine", "rust"],
]

BAD = [
    ["analyze", SQL, "--workers", "-1"],
    ["analyze", SQL, "--workers", "abc"],
    ["analyze", SQL, "-f", "JSON"],
    ["analyze", SQL, "--format", "xyz"],
    ["analyze", SQL, "--engine", "FOO"],
    ["analyze", SQL, "--fail-on", "bogus"],
    ["analyze", SQL, "--max-ratio", "x"],
    ["analyze", SQL, "--max-depth", "1.5"],
    ["analyze", SQL, "--max-members", "1e3"],
    ["analyze", SQL, "--output", ""],
]


@pytest.mark.parametrize("argv", GOOD, ids=lambda a: " ".join(a[:1] + a[2:5]))
def test_good_command_lines_give_the_same_report(argv: list[str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = _both(argv, monkeypatch)
    assert ours == theirs
    assert ours[0] in (0, 1)
    assert "sqlwriter-chain" in str(ours[1])  # the bundle was read, not refused


@pytest.mark.parametrize("argv", BAD, ids=lambda a: " ".join(a[2:]))
def test_bad_values_get_typers_own_error(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ours, theirs = _both(argv, monkeypatch)
    assert ours == theirs
    assert ours[0] == 2


def test_analyze_does_not_import_pydantic(tmp_path: Path) -> None:
    code = ("import sys\nfrom logscope.cli import app\n"
            f"try:\n    app(['analyze', {SQL!r}, '-f', 'json', '-o', {str(tmp_path / 'r.json')!r},"
            " '--workers', '1', '--vm', 'x'])\nexcept SystemExit:\n    pass\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'pydantic'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                         check=True)
    assert out.stdout.strip().splitlines()[-1] == "[]"
    assert json.loads((tmp_path / "r.json").read_text())["files"]


SAME_AS_WHOLE_APP = [
    ["analyze", "--help"], ["analyze"], ["analyze", SQL, "--bogus"], ["analyze", SQL, "-f", "xyz"],
    ["events", "--help"], ["events", SQL, "--format", "jsonl"], ["explain", "--help"],
    ["explain", "guest.sqlwriter.nonretryable"], ["explain"], ["analyze", SQL, "--version"],
]


@pytest.mark.parametrize("argv", SAME_AS_WHOLE_APP, ids=" ".join)
def test_one_command_app_answers_as_the_whole_app(argv: list[str]) -> None:
    one = app_for(argv)
    assert one is not app
    ours, whole = runner.invoke(one, argv), runner.invoke(app, argv)
    assert (ours.exit_code, ours.output) == (whole.exit_code, whole.output)
    assert ours.output


def test_the_whole_app_for_the_root_groups_and_completion(monkeypatch: pytest.MonkeyPatch) -> None:
    for argv in ([], ["--help"], ["--version"], ["signatures", "list"], ["hunt", "--help"]):
        assert app_for(argv) is app
    monkeypatch.setenv("_LOGSCOPE_COMPLETE", "complete_bash")
    assert app_for(["analyze"]) is app
