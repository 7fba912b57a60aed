"""The archive limits are command-line options of ``analyze`` and ``events``."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logscope.cli import app
from logscope.ingest.bundle import parse_size

from .conftest import GOOD_NAME, GOOD_VSS

runner = CliRunner()


def _bomb(tmp_path: Path) -> Path:
    z = tmp_path / "b.zip"
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("zeros.log", bytes(3 << 20))
        zf.writestr(GOOD_NAME, GOOD_VSS)
    return z


def test_ratio_limit_flag_raises_the_default(tmp_path: Path, small_ratio_floor: None) -> None:
    z = _bomb(tmp_path)
    rep = json.loads(runner.invoke(app, ["analyze", str(z), "--format", "json"]).stdout)
    f = {x["path"]: x for x in rep["files"]}["b.zip/zeros.log"]
    assert "compression ratio limit" in f["reason"] and "--max-ratio" in f["reason"]
    res = runner.invoke(app, ["analyze", str(z), "--format", "json", "--max-ratio", "100000"])
    f = {x["path"]: x for x in json.loads(res.stdout)["files"]}["b.zip/zeros.log"]
    assert "limit" not in (f.get("reason") or "")


def test_size_member_and_depth_flags(tmp_path: Path) -> None:
    z = _bomb(tmp_path)
    res = runner.invoke(app, ["events", str(z), "--max-member-size", "1K", "--max-ratio", "1e6"])
    assert res.exit_code == 0
    res = runner.invoke(app, ["analyze", str(z), "--format", "json", "--max-total-size", "2M",
                              "--max-ratio", "1e6", "--max-members", "5", "--max-depth", "0"])
    rep = json.loads(res.stdout)
    assert any("nesting depth" in f["skip_reasons"] for f in rep["files"])


@pytest.mark.parametrize("args", [["--max-total-size", "lots"], ["--max-members", "0"],
                                  ["--max-ratio", "0.5"], ["--max-depth", "-1"],
                                  ["--max-member-size", "-5G"]])
def test_bad_limit_values_are_usage_errors(tmp_path: Path, args: list[str]) -> None:
    res = runner.invoke(app, ["analyze", str(_bomb(tmp_path)), *args])
    assert res.exit_code == 2


@pytest.mark.parametrize(("text", "value"), [("1048576", 1 << 20), ("500M", 500 << 20),
                                             ("32G", 32 << 30), ("1.5 GiB", 3 << 29),
                                             ("2kb", 2048)])
def test_parse_size(text: str, value: int) -> None:
    assert parse_size(text) == value
