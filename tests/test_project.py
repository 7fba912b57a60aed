"""Project wiring that CI and users rely on: README commands, .ci/run, packaging."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text("utf-8")
    block = re.search(r"```sh\n(.*?)```", text, re.S)
    assert block, "README must start with a sh block of the two set-up commands"
    return [ln for ln in block.group(1).splitlines() if ln and not ln.startswith("#")]


def test_readme_starts_with_two_commands_and_ci_runs_the_test_one() -> None:
    run_cmd, test_cmd = _readme_commands()
    assert "logscope analyze samples/" in run_cmd
    assert "pytest" in test_cmd
    ci = (ROOT / ".ci" / "run").read_text("utf-8")
    assert test_cmd in ci.splitlines()
    sample = run_cmd.split("logscope analyze ", 1)[1].split()[0]
    assert (ROOT / sample).is_dir()


def test_every_package_folder_is_listed_in_pyproject() -> None:
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))
    listed = set(conf["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "logscope").rglob("__init__.py")
    }
    assert found <= listed, f"add to [tool.setuptools] packages: {sorted(found - listed)}"
    assert "logscope._signatures" in listed
