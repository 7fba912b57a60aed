"""Shell completion is typer's own: the script it shows and installs, and the completions it
answers, through the installed ``logscope`` entry point."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

EXE = shutil.which("logscope", path=str(Path(sys.executable).parent))
pytestmark = pytest.mark.skipif(EXE is None, reason="the logscope entry point is not installed")


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([EXE, *args], capture_output=True, text=True, timeout=120,
                          env={**os.environ, **(env or {})})


# Without a shell above the process (CI, a detached job) typer's auto-detection fails and the
# explicit shell argument is what counts: name it the way such runs must.
EXPLICIT = {"_TYPER_COMPLETE_TEST_DISABLE_SHELL_DETECTION": "1"}


def test_show_completion_prints_the_bash_script() -> None:
    res = _run("--show-completion", "bash", env=EXPLICIT)
    assert res.returncode == 0, res.stderr
    assert "_LOGSCOPE_COMPLETE=complete_bash" in res.stdout
    assert "complete -o default -F _logscope_completion logscope" in res.stdout


def test_completion_answers_commands_and_options() -> None:
    env = {"_LOGSCOPE_COMPLETE": "complete_bash", "COMP_WORDS": "logscope exp", "COMP_CWORD": "1"}
    assert _run(env=env).stdout.split() == ["explain", "export"]
    env = {"_LOGSCOPE_COMPLETE": "complete_bash", "COMP_WORDS": "logscope analyze --fo",
           "COMP_CWORD": "2"}
    assert "--format" in _run(env=env).stdout.split()
    env = {"_LOGSCOPE_COMPLETE": "complete_bash", "COMP_WORDS": "logscope export ",
           "COMP_CWORD": "2"}
    assert "sigma" in _run(env=env).stdout.split()


def test_install_completion_writes_into_the_users_shell_setup(tmp_path: Path) -> None:
    res = _run("--install-completion", "bash", env={**EXPLICIT, "HOME": str(tmp_path)})
    assert res.returncode == 0, res.stderr
    script = tmp_path / ".bash_completions" / "logscope.sh"
    assert "_logscope_completion" in script.read_text()
    assert str(script.name) in (tmp_path / ".bashrc").read_text()


def test_version_is_still_answered_first() -> None:
    res = _run("--version")
    assert res.returncode == 0 and res.stdout.startswith("logscope ")
