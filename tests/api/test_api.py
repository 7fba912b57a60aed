"""The notebook API: ``logscope.analyze`` / ``logscope.events_frame`` and their DataFrames."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

import logscope
from logscope.cli import app

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = ROOT / "samples" / "bundles"


def _utc(series: pd.Series) -> bool:
    return isinstance(series.dtype, pd.DatetimeTZDtype) and str(series.dt.tz) == "UTC"


def test_import_logscope_loads_neither_pandas_nor_the_pipeline() -> None:
    code = ("import sys, logscope; print(sorted(m for m in sys.modules "
            "if m.split('.')[0] in ('pandas', 'typer', 'numpy') or m.startswith('logscope.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=ROOT, timeout=120).stdout
    assert out.strip() == "[]"
    assert callable(logscope.analyze) and callable(logscope.events_frame)
    with pytest.raises(AttributeError):
        logscope.no_such_thing  # noqa: B018


@pytest.fixture(scope="module")
def sql() -> logscope.AnalysisResult:
    return logscope.analyze(BUNDLES / "sqlwriter-chain")


def test_report_is_the_cli_json_report(sql: logscope.AnalysisResult) -> None:
    res = CliRunner().invoke(app, ["analyze", str(BUNDLES / "sqlwriter-chain"), "-f", "json",
                                   "--workers", "1"])
    cli = json.loads(res.stdout)
    for key in ("hits", "hints", "timeline", "files", "identities"):
        assert sql.report[key] == cli[key], key
    assert sql.report["meta"]["events"] == cli["meta"]["events"]


def test_frames_hold_the_report_with_utc_times(sql: logscope.AnalysisResult) -> None:
    report = sql.report
    hints = sql.hints_frame()
    assert list(hints["title"]) == [h["title"] for h in report["hints"]] and len(hints) >= 1
    assert _utc(hints["first_time"]) and _utc(hints["last_time"])
    first = min(e["time"] for e in report["hints"][0]["evidence"] if e["time"])
    assert hints["first_time"].iloc[0] == pd.Timestamp(first)
    hits = sql.hits_frame()
    assert len(hits) == len(report["hits"]) and _utc(hits["time"])
    assert set(hits["signature"]) == {h["signature"] for h in report["hits"]}
    timeless = hits[hits["time_source"] == "none"]
    assert len(timeless) and timeless["time"].isna().all()  # vssadmin: no time, not 1970
    assert (hits.loc[hits["time_source"] != "none", "time"].notna()).all()
    assert set(hits["vm"].dropna()) == {"SQL01"}
    tl = sql.timeline_frame()
    assert len(tl) == len(report["timeline"]) and _utc(tl["time"])
    timed = tl["time"].dropna()
    assert timed.is_monotonic_increasing
    files = sql.files_frame()
    assert list(files["path"]) == [f["path"] for f in report["files"]]
    assert int(files["records"].sum()) == sum(f["records"] for f in report["files"])
    assert (files["problems"] == 0).all()


def test_events_frame_never_mixes_local_wall_time_into_utc() -> None:
    ev = logscope.events_frame(BUNDLES / "unmerged-checkpoints")
    assert _utc(ev["time"]) and ev["local_time"].dt.tz is None
    local = ev[ev["time_source"] == "local"]
    utc = ev[ev["time_source"] == "utc"]
    assert len(local) == 1 and len(utc) >= 1
    assert local["time"].isna().all() and local["local_time"].notna().all()
    assert utc["time"].notna().all() and utc["local_time"].isna().all()
    # the same rows and order as `logscope events`
    res = CliRunner().invoke(app, ["events", str(BUNDLES / "unmerged-checkpoints"),
                                   "--workers", "1"])
    lines = [json.loads(x) for x in res.stdout.splitlines()]
    assert list(ev["message"]) == [x["message"] for x in lines]
    wall = next(x["datetime"] for x in lines if x["time_source"] == "local")
    assert local["local_time"].iloc[0] == pd.Timestamp(wall[:19])


def test_bad_paths_and_options_say_what_is_wrong(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="nope"):
        logscope.analyze(tmp_path / "nope")
    # "" is not the current folder (Path("") would be)
    for empty in ("", ["", tmp_path]):
        with pytest.raises(FileNotFoundError, match="empty path"):
            logscope.analyze(empty)
        with pytest.raises(FileNotFoundError, match="empty path"):
            logscope.events_frame(empty)
    with pytest.raises(ValueError, match="engine"):
        logscope.events_frame(BUNDLES / "sqlwriter-chain", engine="fast")
    with pytest.raises(ValueError):
        logscope.analyze(BUNDLES / "sqlwriter-chain", veeam_utc_offset="soon")


def test_readme_example_runs() -> None:
    text = (ROOT / "README.md").read_text("utf-8")
    section = text.split("## Python API", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, re.S)[1]
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         cwd=ROOT, timeout=300)
    assert out.returncode == 0, out.stderr
    assert "datetime64" in out.stdout and "UTC" in out.stdout
