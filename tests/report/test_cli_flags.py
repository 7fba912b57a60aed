"""The report flags on the command line: --since/--until/--vm/--job/--tz/--redact."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from logscope.cli import app
from logscope.report.progress import ProgressBar

from .helpers import BUNDLES

runner = CliRunner()
SQL = str(BUNDLES / "sqlwriter-chain")


def test_malformed_time_or_zone_is_a_usage_error() -> None:
    assert runner.invoke(app, ["analyze", SQL, "--since", "yesterday"]).exit_code == 2
    assert runner.invoke(app, ["analyze", SQL, "--tz", "Mars/Olympus"]).exit_code == 2


def test_filters_and_zone_reach_the_report() -> None:
    res = runner.invoke(app, ["analyze", SQL, "-f", "json", "--since", "2026-03-14T09:02:00Z",
                              "--vm", "SQL01", "--job", "SQL Backup", "--tz", "Asia/Tokyo"])
    assert res.exit_code == 0, res.output
    rep = json.loads(res.stdout)
    assert rep["meta"]["filters"]["since"] == "2026-03-14T09:02:00+00:00"
    assert rep["meta"]["filters"]["vm"] == ["SQL01"] and rep["meta"]["display_tz"] == "Asia/Tokyo"
    assert rep["timeline"][0]["time"].endswith("+00:00")  # data stays UTC
    text = runner.invoke(app, ["analyze", SQL, "--tz", "Asia/Tokyo"]).stdout
    assert "2026-03-14 18:02:05.481 +09:00" in text


def test_redact_flag(tmp_path: Path) -> None:
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["analyze", SQL, "--redact", "-f", "html", "-o", str(out)])
    assert res.exit_code == 0
    page = out.read_text("utf-8")
    assert "SQL01" not in page and "HV01" not in page and "HOST-" in page


def test_progress_bar_only_when_enabled() -> None:
    with ProgressBar(enabled=False) as cb:
        assert cb is None
    bar = ProgressBar(enabled=True)
    with bar as cb:
        assert cb is not None
        cb("a/b.evtx", 0)
        cb("a/c.log", 0)
    assert bar.files == 2
