"""The HTML report in a real headless browser (Debian's chromium): it renders, needs no
network, and the numbers it shows match the JSON report. Skipped visibly without chromium."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from logscope.report import render

from .helpers import BUNDLES, run

CHROMIUM = next((p for p in ("/usr/bin/chromium", shutil.which("chromium") or "",
                             shutil.which("chromium-browser") or "") if p and Path(p).exists()),
                None)
pytestmark = pytest.mark.skipif(CHROMIUM is None,
                                reason="chromium is not installed (apt-get install -y chromium)")


def _chromium(tmp_path: Path, page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    cmd = [str(CHROMIUM), "--headless", "--no-sandbox", "--disable-gpu",
           "--disable-background-networking", "--disable-component-update", "--disable-sync",
           "--no-first-run", f"--user-data-dir={profile}", *args, page.as_uri()]
    return subprocess.run(cmd, capture_output=True, text=True, timeout=90, check=False)


def _text(dom: str, element_id: str) -> str:
    m = re.search(rf"id=\"{element_id}\"[^>]*>([^<]*)<", dom)
    assert m, f"#{element_id} not in the rendered DOM"
    return m.group(1)


@pytest.fixture(scope="module")
def report() -> dict:
    return run(BUNDLES / "sqlwriter-chain", BUNDLES / "sharing-violation")


def test_html_renders_and_its_numbers_match_the_json(report: dict, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    data = json.loads(render(report, "json"))
    res = _chromium(tmp_path, page, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert "<h1>logscope report</h1>" in dom
    assert int(_text(dom, "n-hints")) == len(data["hints"])
    assert int(_text(dom, "n-files")) == len(data["files"])
    assert int(_text(dom, "n-events")) == data["meta"]["events"]
    assert int(_text(dom, "n-hits")) == len(data["hits"])
    assert dom.count("class=\"hint ") == len(data["hints"])
    assert dom.count("<circle class=\"hit\"") == len(data["timeline"])  # one dot per hit
    files_table = dom[dom.index("id=\"files\""):dom.index("</table>", dom.index("id=\"files\""))]
    assert files_table.count("<tr>") == len(data["files"]) + 1
    ids_table = dom[dom.index("id=\"identities\""):]
    assert ids_table.count("<tr>") - 1 >= len(data["identities"])
    for h in data["hints"]:
        assert f"data-id=\"{h['id']}\"" in dom


def test_html_screenshot_is_drawn(report: dict, tmp_path: Path) -> None:
    page = tmp_path / "report.html"
    page.write_text(render(report, "html"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    res = _chromium(tmp_path, page, f"--screenshot={shot}", "--window-size=1200,1600")
    assert res.returncode == 0, res.stderr[-2000:]
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 20_000  # a page, not a blank


def test_html_is_self_contained(report: dict) -> None:
    page = render(report, "html")
    assert not re.search(r"(?:src|href)=['\"]?(?:https?:)?//", page)
    assert "default-src 'none'" in page


def test_throughput_chart_renders_and_matches_the_json(tmp_path: Path) -> None:
    """Issue 11's chart: one rate line and one load line per job, one point per job session."""
    rep = run(BUNDLES / "veeam-throughput-target")
    page = tmp_path / "throughput.html"
    page.write_text(render(rep, "html"), encoding="utf-8")
    res = _chromium(tmp_path, page, "--dump-dom")
    assert res.returncode == 0, res.stderr[-2000:]
    dom = res.stdout
    assert "class=\"throughput-chart\"" in dom
    tp = rep["throughput"]
    for job in tp["jobs"]:
        sessions = [s for s in tp["sessions"] if s["scope"] == "job" and s["job"] == job["job"]
                    and s["rate_mb_s"] is not None]
        for series in ("rate", "load"):
            m = re.search(rf"<polyline[^>]*data-job=\"{re.escape(job['job'])}\"[^>]*"
                          rf"data-series=\"{series}\"[^>]*points=\"([^\"]*)\"", dom)
            assert m, f"{series} line of {job['job']} not drawn"
            assert len(m.group(1).split()) == len(sessions)
    assert any(h["id"] == "throughput.target-bottleneck" for h in rep["hints"])
    assert "throughput.target-bottleneck" in dom
