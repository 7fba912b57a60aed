"""Throughput fragments: tables in text/Markdown/HTML, the SVG chart, escaping of log text."""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from pathlib import Path
from xml.etree import ElementTree

from logscope.events import UTC, Event, Locator
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report
from logscope.throughput import Collector, render
from logscope.throughput.analyze import section


def _report(samples: Path) -> dict:
    return build_report(analyze([samples / "bundles" / "veeam-throughput-target"],
                                IngestOptions()))


def test_text_and_markdown_tables(samples: Path) -> None:
    rep = _report(samples)
    lines = render.text_lines(rep["throughput"], rep)
    rows = [ln for ln in lines if re.match(r"\s+2026-03-0\d 21:00", ln)]
    assert len(rows) == 8 and sum("SLOW" in r for r in rows) == 5
    assert "S17 P12 N5 T99" in rows[-1] and "Target" in rows[-1]
    assert any(ln.startswith("Trend: HV Nightly: target load rose") for ln in lines)
    md = render.render_markdown(rep)
    assert md.startswith("## Throughput")
    assert md.count("| 2026-03-0") == 8


def test_html_chart_one_line_per_job(samples: Path) -> None:
    rep = _report(samples)
    frag = render.render_html(rep)
    svg = frag[frag.index("<svg"):frag.index("</svg>") + 6]
    root = ElementTree.fromstring(svg)  # well-formed XML
    ns = "{http://www.w3.org/2000/svg}"
    lines = root.findall(f"{ns}polyline")
    assert {(p.get("data-job"), p.get("data-series")) for p in lines} == {
        ("HV Nightly", "rate"), ("HV Nightly", "load")}
    assert len(root.findall(f"{ns}circle")) == 16  # 8 sessions x (rate, load)
    assert frag.count("class='slow'") == 5


def test_log_text_is_escaped_everywhere() -> None:
    c = Collector()
    t0 = datetime(2026, 2, 1, 21, 0, tzinfo=UTC)
    name = "<script>alert(1)</script>|*x*\x1b[2J"
    for n in range(2):
        start = t0 + timedelta(days=n)
        for line, when, text in ((1, start, "Starting job mode: 'Normal'."),
                                 (2, start + timedelta(minutes=5), "Load: Source 5% > Target 3%"),
                                 (3, start + timedelta(minutes=5), "Primary bottleneck: Source")):
            c.feed(Event(kind="veeam", file="j.log", locator=Locator(line=line), time=when,
                         time_source="header", message=text, job_name=name,
                         data={"job_session_id": f"s{n}", "log_type": "job"}))
    rep = {"throughput": section(c)}
    html = render.render_html(rep)
    assert "<script>" not in html and "&lt;script&gt;" in html
    ElementTree.fromstring(html[html.index("<svg"):html.index("</svg>") + 6])
    assert "\x1b" not in render.render_text(rep)
    assert "<script>" not in render.render_markdown(rep)
