"""The CLI's start-up shortcuts answer as before: option values coerced without pydantic
(logscope/cli/coerce.py) give typer's report for good command lines and typer's exit code and
words for bad ones; a one-command app (``root.app_for``) answers as the whole app."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import typer
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


# -- a typer this was not proven on: its own coercion, same answers ---------------------------

#: Imports the CLI after making typer look like another release, then runs one command line:
#: whether logscope's coercion was installed, the exit code, the output, pydantic loaded.
_OTHER_TYPER = """
import json, sys, typer, typer._coercion, typer._param_types
case = sys.argv[1]
if case == "newer release":
    typer.__version__ = "0.30.0"
elif case == "helper gone":  # typer's own modules keep theirs (imported by name before)
    import typer._adapters
    del typer._param_types.coerce_cli_path
elif case == "hook changed":
    typer._coercion.RuntimeParam._coerce_value = lambda self, value, param, context: None
import typer.core
from typer.testing import CliRunner
from logscope.cli.root import app
patched = typer.core.build_runtime_param is not typer._coercion.build_runtime_param
res = CliRunner().invoke(app, sys.argv[2:])
print(json.dumps([patched, res.exit_code, res.output, "pydantic" in sys.modules]))
"""


def _other_typer(case: str, argv: list[str], **env: str) -> list[object]:
    out = subprocess.run([sys.executable, "-c", _OTHER_TYPER, case, *argv], capture_output=True,
                         text=True, cwd=ROOT, env={**os.environ, **env}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("case", ["newer release", "helper gone", "hook changed"])
@pytest.mark.parametrize("argv", [GOOD[1], BAD[0], BAD[3]], ids=["good", "bad-int", "bad-choice"])
def test_a_typer_not_proven_keeps_its_own_coercion(case: str, argv: list[str]) -> None:
    patched, code, output, pydantic = _other_typer(case, argv)
    assert not patched and pydantic  # typer's adapters did the work
    reference = _other_typer("as installed", argv, LOGSCOPE_TYPER_ADAPTERS="1")
    assert [code, output] == reference[1:3]
    assert code == (2 if argv in BAD else 0)


def test_the_installed_typer_is_proven() -> None:
    """The one constraints.txt pins gets the fast path (else the comparisons above are moot)."""
    from logscope.cli import coerce

    assert typer.__version__ in coerce.PROVEN
    assert _other_typer("as installed", ["--version"])[0] is True


def test_a_shortcut_that_fails_unexpectedly_asks_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    """An internal that moved inside a release (an attribute of typer's ParameterInfo, say)
    costs speed, not the run."""
    from logscope.cli import coerce

    def moved(*_args: object) -> object:
        raise AttributeError("'ParameterInfo' object has no attribute 'clamp'")

    for argv in (GOOD[1], BAD[0], BAD[3]):
        with monkeypatch.context() as m:
            m.setattr(coerce, "_leaf", moved)
            ours = runner.invoke(app, argv)
        theirs = _both(argv, monkeypatch)[1]
        assert (ours.exit_code, ours.output) == theirs
