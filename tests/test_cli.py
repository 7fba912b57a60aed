"""The CLI contract: commands, formats, exit codes, stdout/stderr split."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logscope import __version__
from logscope.cli import app

ROOT = Path(__file__).resolve().parent.parent
SQL = str(ROOT / "samples" / "bundles" / "sqlwriter-chain")
runner = CliRunner()


def test_version_fast_path() -> None:
    out = subprocess.run([sys.executable, "-m", "logscope", "--version"], capture_output=True,
                         text=True, cwd=ROOT, check=True, timeout=120)
    assert out.stdout.strip() == f"logscope {__version__}"


def test_missing_path_is_usage_error() -> None:
    res = runner.invoke(app, ["analyze", "/nonexistent/bundle"])
    assert res.exit_code == 2


def test_bad_offset_is_usage_error() -> None:
    res = runner.invoke(app, ["analyze", SQL, "--veeam-utc-offset", "ab:cd"])
    assert res.exit_code == 2


def test_json_to_stdout_and_fail_on() -> None:
    res = runner.invoke(app, ["analyze", SQL, "--format", "json"])
    assert res.exit_code == 0
    rep = json.loads(res.stdout)
    assert rep["hints"][0]["id"] == "chain.sqlwriter-checkpoint"
    assert runner.invoke(app, ["analyze", SQL, "--fail-on", "critical"]).exit_code == 1
    nos = str(ROOT / "samples" / "bundles" / "no-scsi-controller")
    assert runner.invoke(app, ["analyze", nos, "--fail-on", "critical"]).exit_code == 0
    assert runner.invoke(app, ["analyze", nos, "--fail-on", "high"]).exit_code == 1


@pytest.mark.parametrize("fmt", ["text", "jsonl", "csv", "md", "html"])
def test_every_format_renders_the_top_hint(fmt: str, tmp_path: Path) -> None:
    out = tmp_path / f"r.{fmt}"
    res = runner.invoke(app, ["analyze", SQL, "--format", fmt, "--output", str(out)])
    assert res.exit_code == 0
    text = out.read_text("utf-8")
    if fmt == "jsonl":
        recs = [json.loads(ln) for ln in text.splitlines()]
        assert {r["record_type"] for r in recs} >= {"meta", "file", "hit", "hint"}
        assert any(r["record_type"] == "hint" and r["id"] == "chain.sqlwriter-checkpoint"
                   for r in recs)
    elif fmt == "csv":
        assert text.splitlines()[0].startswith("time,time_source,signature")
        assert "guest.sqlwriter.nonretryable" in text
    else:
        assert "SQL01" in text and "SQL Server VSS" in text


def test_events_jsonl_every_event_with_contract_fields() -> None:
    res = runner.invoke(app, ["events", SQL, "--format", "jsonl"])
    assert res.exit_code == 0
    evs = [json.loads(ln) for ln in res.stdout.splitlines()]
    # 1 + 1 + 3 evtx-xml records, 5 writer blocks, 13 Veeam entries
    assert len(evs) == 23
    for ev in evs:
        assert {"datetime", "timestamp_desc", "message", "kind", "file", "locator",
                "time_source"} <= set(ev)
    vss = [e for e in evs if e["kind"] == "vssadmin"]
    sql = next(e for e in vss if e["writer_name"] == "SqlServerWriter")
    assert sql["writer_state"] == 8 and sql["hresult"] == "0x800423F4"
    assert sql["writer_id"] == "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a"
    host = next(e for e in evs if e.get("event_id") == 3280)
    assert host["datetime"] == "2026-03-14T09:02:05.481337+00:00"
    assert host["vm_id"] == "4e4fd04e-b8ce-42c0-bc6e-3d9f554c4670"
    assert host["hresult"] == "0x800423F4"


def test_validate_builtin_library_is_clean() -> None:
    res = runner.invoke(app, ["validate"])
    assert res.exit_code == 0, res.stdout


def test_json_report_bytes_alike_on_stdout_and_in_a_file(tmp_path: Path) -> None:
    """The json report is written as the encoder's bytes (no text copy at the peak): the
    same bytes on stdout and in --output, one newline at the end, the renderer's text."""
    from logscope.report import render, render_bytes

    out = tmp_path / "r.json"
    cmd = [sys.executable, "-m", "logscope", "analyze", SQL, "--format", "json"]
    piped = subprocess.run(cmd, capture_output=True, check=True).stdout
    subprocess.run([*cmd, "--output", str(out)], capture_output=True, check=True)
    written = out.read_bytes()
    assert piped == written and written.endswith(b"}\n")
    report = json.loads(written)
    assert render_bytes(report, "json") == render(report, "json").encode("utf-8")
    assert render_bytes(report, "md") == render(report, "md").encode("utf-8")
