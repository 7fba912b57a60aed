"""``analyze`` without typer (logscope/cli/direct.py) runs as with it: the same values reach
``analyze_run.run`` for every command line it reads itself, it leaves every other line to
typer, its option table is the typer command's, and a whole run (report, stderr, exit code)
is the one typer's path gives. The start-up it saves stays saved: a one-evtx run imports no
CLI framework, no YAML and none of the Veeam text grammars."""

from __future__ import annotations

import ast
import inspect
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer.main
from typer.testing import CliRunner

import logscope.cli.analyze_run as analyze_run
from logscope.cli.analyze import analyze
from logscope.cli.direct import OPTIONS, analyze_args
from logscope.cli.root import app_for

ROOT = Path(__file__).resolve().parent.parent
SQL = str(ROOT / "samples" / "bundles" / "sqlwriter-chain")
EVTX = str(ROOT / "samples" / "evtx" / "clean-backup" / "HV03"
           / "Microsoft-Windows-Hyper-V-VMMS-Admin.evtx")
SIGS = str(ROOT / "signatures")

CERTAIN = [
    ["analyze", SQL],
    ["analyze", SQL, EVTX, "--format", "json", "-o", "out.json"],
    ["analyze", "-f", "md", SQL, "--format=csv", "--output=r.csv", "--workers", "2"],
    ["analyze", SQL, "--engine", "python", "--vm", "SQL01", "--vm", "x", "--job", "j",
     "--since", "2020-01-01", "--until", "2030-01-01T00:00:00Z", "--tz", "Europe/Berlin"],
    ["analyze", SQL, "--max-ratio", "50", "--max-depth", "3", "--max-members", "1000",
     "--max-total-size", "1G", "--max-member-size", "2M", "--veeam-utc-offset=-05:00"],
    ["analyze", SQL, "--signatures", SIGS, "--signatures=" + SIGS, "--fail-on", "critical",
     "--redact", "--allow-signature-errors", "--redact"],
    ["analyze", SQL, "--tz=", "--since", "", "--workers", "007", "--max-ratio=0"],
    ["analyze", "--", SQL, "-not-an-option", "--format"],
    ["analyze", SQL, "--vm=a=b", "--job", "ünïcode job", "-f", "jsonl"],
]

UNCERTAIN = [
    ["analyze"], ["analyze", "--help"], ["analyze", SQL, "--help"], ["analyze", ""],
    ["analyze", SQL, "--format", "JSON"], ["analyze", SQL, "-fjson"], ["analyze", SQL, "-f"],
    ["analyze", SQL, "--workers", "-1"], ["analyze", SQL, "--workers", " 1"],
    ["analyze", SQL, "--max-ratio", "1.5"], ["analyze", SQL, "--redact=1"],
    ["analyze", SQL, "--bogus"], ["analyze", SQL, "--output", ""], ["analyze", SQL, "-"],
    ["analyze", SQL, "--veeam-utc-offset", "-05:00"], ["analyze", SQL, "--version"],
    ["analyze", SQL, "--vm", "--job"], ["analyze", SQL, "--fail-on", "bogus"],
    ["analyze", SQL, "--signatures", ""], ["analyze", "--", ""],
]


def _typers_call(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    """The keyword arguments typer calls ``analyze_run.run`` with for ``argv``."""
    seen: list[dict[str, Any]] = []
    monkeypatch.setattr(analyze_run, "run", lambda **kw: seen.append(kw))
    result = CliRunner().invoke(app_for(argv), argv)
    assert result.exit_code == 0, result.output
    (kwargs,) = seen
    return kwargs


RUN = inspect.signature(analyze_run.run)


def _with_defaults(kwargs: dict[str, Any]) -> dict[str, Any]:
    bound = RUN.bind(**kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


@pytest.mark.parametrize("argv", CERTAIN, ids=lambda a: " ".join(a[2:5]))
def test_direct_values_are_typers(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    ours = analyze_args(argv[1:])
    assert ours is not None
    theirs = _typers_call(argv, monkeypatch)
    # repr: a str where typer gives a Path, or 50 for 50.0, would compare equal otherwise
    assert repr(_with_defaults(ours)) == repr(theirs)


@pytest.mark.parametrize("argv", UNCERTAIN, ids=" ".join)
def test_other_command_lines_are_left_to_typer(argv: list[str]) -> None:
    assert analyze_args(argv[1:]) is None


def test_completion_and_empty_lines_are_left_to_typer(monkeypatch: pytest.MonkeyPatch) -> None:
    assert analyze_args([SQL]) is not None
    monkeypatch.setenv("_LOGSCOPE_COMPLETE", "complete_bash")
    assert analyze_args([SQL]) is None


def test_the_table_is_the_typer_commands() -> None:
    group = typer.main.get_command(app_for(["analyze"]))
    command = group.commands["analyze"]  # type: ignore[attr-defined]
    names: dict[str, tuple[str, bool, bool]] = {}
    for param in command.params:
        if param.param_type_name == "option" and param.name != "help":
            for opt in param.opts:
                names[opt] = (param.name, bool(param.is_flag), bool(param.multiple))
        elif param.param_type_name == "argument":
            assert param.name == "paths" and param.nargs == -1
    ours = {k: (p, parse is None, many) for k, (p, parse, many) in OPTIONS.items()}
    assert ours == names


def test_run_defaults_are_the_commands() -> None:
    command = inspect.signature(analyze).parameters
    run = RUN.parameters
    assert list(run) == list(command)
    for name, p in command.items():
        assert run[name].default == p.default, name


def _run(code: str, argv: list[str], cwd: Path, env: dict[str, str]) -> tuple[int, str, str]:
    proc = subprocess.run([sys.executable, "-c", code, *argv], capture_output=True, text=True,
                          cwd=cwd, env=env, check=False)
    return proc.returncode, proc.stdout, proc.stderr


DIRECT = "import sys; sys.argv[0] = 'logscope'; from logscope.cli import main; main()"
TYPER = ("import sys; sys.argv[0] = 'logscope'; from logscope.cli.root import app_for; "
         "app_for(sys.argv[1:])()")

WHOLE_RUNS = [
    ["analyze", SQL, "--format", "json", "-o", "r.json"],
    ["analyze", SQL, "--fail-on", "info", "-f", "md"],
    ["analyze", EVTX, "--since", "2031-01-01", "--format", "csv"],
    ["analyze", str(ROOT / "README.md"), "--format", "json"],
    ["analyze", "no-such-file.evtx"],
    ["analyze", SQL, "--since", "yesterday"],
    ["analyze", SQL, "--tz", "Mars/Base"],
    ["analyze", SQL, "--max-total-size", "lots"],
    ["analyze", SQL, "-o", "missing-folder/r.json"],
    ["analyze", SQL, "--signatures", SQL],
]


@pytest.mark.parametrize("argv", WHOLE_RUNS, ids=lambda a: " ".join(a[2:]))
def test_a_whole_run_ends_as_typers(argv: list[str], tmp_path: Path) -> None:
    assert analyze_args(argv[1:]) is not None  # read without typer
    env = {**os.environ, "LOGSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    ours = _run(DIRECT, argv, tmp_path, env)
    report = (tmp_path / "r.json").read_bytes() if (tmp_path / "r.json").exists() else None
    theirs = _run(TYPER, argv, tmp_path, env)
    assert ours == theirs
    if report is not None:
        assert _without_times(report) == _without_times((tmp_path / "r.json").read_bytes())
    assert ours[0] in (0, 1, 2)


def _without_times(raw: bytes) -> dict[str, Any]:
    rep = json.loads(raw)
    rep["meta"].pop("generated", None)
    rep["meta"].pop("elapsed_s", None)
    return rep


#: What a warm one-evtx ``analyze`` imported before and no longer needs: the CLI framework
#: (~35 ms), PyYAML (~15 ms), logging (concurrent.futures), the archive modules (~10 ms),
#: statistics, zoneinfo and html (~5 ms).
HEAVY = ("typer", "click", "pydantic", "rich", "yaml", "logging", "concurrent", "zipfile",
         "zipfile_deflate64", "statistics", "zoneinfo", "html")


def test_one_evtx_run_loads_no_framework_no_yaml_no_veeam_grammar(tmp_path: Path) -> None:
    """The modules a warm one-evtx ``analyze`` must not import (``HEAVY``), nor the Veeam
    grammars (~25 ms) or ``importlib.resources`` (tempfile, zipfile...)."""
    env = {**os.environ, "LOGSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    argv = ["analyze", EVTX, "-f", "json", "-o", str(tmp_path / "r.json")]
    assert _run(DIRECT, argv, tmp_path, env)[0] == 0  # fills the caches
    # printed by an exit handler: its presence also keeps direct._leave from ending the
    # process before the interpreter's exit runs it
    code = ("import atexit, sys\natexit.register(lambda: print(sorted(m for m in sys.modules "
            f"if m.split('.')[0] in {HEAVY!r}\n"
            "   or m.startswith(('logscope.ingest.veeam.plain', 'logscope.hunt', "
            "'importlib.resources')))))\n" + DIRECT)
    status, out, err = _run(code, argv, tmp_path, env)
    assert status == 0, err
    assert out.strip().splitlines()[-1] == "[]"
    assert json.loads((tmp_path / "r.json").read_text())["files"][0]["records"] > 0


#: Stage modules an .evtx run has no use for, loaded on the first event (or report section)
#: of their kind: their dataclasses, patterns and tables cost start-up (~10 ms together).
STAGE_MODULES = ("logscope.throughput.session", "logscope.throughput.config",
                 "logscope.throughput.analyze", "logscope.throughput.render",
                 "logscope.state.model", "logscope.state.section", "logscope.state.trend",
                 "logscope.ingest.vssadmin.expectations", "logscope.ingest.vssadmin.tables",
                 "logscope.match.lint", "logscope.report.sections")
_LOADED = ("import atexit, sys\natexit.register(lambda: print(sorted(m for m in sys.modules "
           f"if m in {STAGE_MODULES!r})))\n" + DIRECT)


def test_an_evtx_run_loads_no_stage_module_it_does_not_use(tmp_path: Path) -> None:
    """One .evtx: none of ``STAGE_MODULES``; a bundle with a Veeam job's throughput lines,
    Hyper-V state listings and a vssadmin capture loads the ones those events need, and the
    text report (section registry) those of its sections."""
    env = {**os.environ, "LOGSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    argv = ["analyze", EVTX, "-f", "json", "-o", str(tmp_path / "r.json")]
    assert _run(DIRECT, argv, tmp_path, env)[0] == 0  # fills the caches (no lint then)
    status, out, err = _run(_LOADED, argv, tmp_path, env)
    assert status == 0, err
    assert out.strip().splitlines()[-1] == "[]"
    bundles = ROOT / "samples" / "bundles"
    argv = ["analyze", str(bundles / "veeam-throughput-target"), str(bundles / "no-scsi-state"),
            str(bundles / "sqlwriter-chain"), "-f", "text", "-o", str(tmp_path / "r.txt")]
    status, out, err = _run(_LOADED, argv, tmp_path, env)
    assert status in (0, 1), err
    loaded = set(ast.literal_eval(out.strip().splitlines()[-1]))
    assert loaded == set(STAGE_MODULES) - {"logscope.match.lint"}, loaded
    text = (tmp_path / "r.txt").read_text()
    assert "Throughput" in text and "Hyper-V state" in text


def test_the_command_line_process_freezes_its_start_up_and_an_in_process_run_does_not(
        tmp_path: Path) -> None:
    """``direct.py`` turns the collector off for the start-up and ``analyze_run._settle``
    freezes what it made and turns it back on; a caller in its own process (typer's runner,
    a test) keeps its collector as it was and nothing of its objects frozen."""
    import gc

    env = {**os.environ, "LOGSCOPE_CACHE_DIR": str(tmp_path / "cache")}
    argv = ["analyze", EVTX, "-f", "json", "-o", str(tmp_path / "r.json")]
    code = ("import atexit, gc\natexit.register(lambda: print(gc.isenabled(), "
            "gc.get_freeze_count() > 10_000))\n" + DIRECT)
    status, out, err = _run(code, argv, tmp_path, env)
    assert status == 0, err
    assert out.strip().splitlines()[-1] == "True True"
    frozen = gc.get_freeze_count()
    analyze_run.run([Path(EVTX)], fmt=analyze_run.Fmt.json, output=tmp_path / "in.json",
                    workers=1)
    assert gc.isenabled() and gc.get_freeze_count() == frozen
    assert (tmp_path / "in.json").read_bytes() == (tmp_path / "r.json").read_bytes()


LEAVE = ("import sys, threading\nfrom logscope.cli.direct import _leave\n"
         "sys.stdout.write('written before; ')\n")


def test_leave_ends_at_once_with_the_code_and_the_output_flushed(tmp_path: Path) -> None:
    code = LEAVE + "_leave(3)\nprint('not reached')"
    status, out, _err = _run(code, [], tmp_path, dict(os.environ))
    assert (status, out) == (3, "written before; ")


def test_leave_returns_while_a_thread_runs(tmp_path: Path) -> None:
    code = (LEAVE + "stop = threading.Event()\nt = threading.Thread(target=stop.wait)\nt.start()\n"
            "_leave(3)\nprint('returned')\nstop.set()")
    status, out, _err = _run(code, [], tmp_path, dict(os.environ))
    assert (status, out) == (0, "written before; returned\n")
