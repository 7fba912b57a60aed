"""Output: values from logs are escaped for each format. A bundle whose vssadmin writer name,
Veeam message and folder names carry HTML/script, spreadsheet formulas, Markdown and terminal
control sequences (CSI, OSC, 8-bit CSI, bidi override) goes through ``logscope analyze``."""

from __future__ import annotations

import csv
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logscope.cli import app
from logscope.report import render
from logscope.report.escape import csv_cell, markdown, terminal

runner = CliRunner()

EVIL = ("<script>alert(1)</script><img src=x onerror=alert(2)>=cmd|' /C calc'!A0"
        "\x1b]0;pwned\x07\x1b[2J\x1b]8;;http://evil/\x1b\\link\x9b31m\u202eevil|x*y_[z](javascript:1)")
FORMULA_HOST = "=HYPERLINK(1)"  # a folder name becomes the host column


def _bundle(tmp: Path) -> Path:
    b = tmp / "hb"
    (b / FORMULA_HOST).mkdir(parents=True)
    (b / "VBR01").mkdir()
    vss = ("vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
           "(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n"
           f"Writer name: '{EVIL}'\r\n"
           "   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}\r\n"
           "   Writer Instance Id: {8e2b6d0a-4c1f-4d3e-b5a6-0f1e2d3c4b5a}\r\n"
           "   State: [8] Failed\r\n"
           "   Last error: Non-retryable error\r\n\r\n")
    (b / FORMULA_HOST / "vss.txt").write_bytes(vss.encode("utf-8"))
    veeam = ("[14.03.2026 10:02:11] <18> Error        Failed to create VM recovery checkpoint "
             "(mode: Veeam application-aware processing) Details: Failed to create VM (ID: "
             "4e4fd04e-b8ce-42c0-bc6e-3d9f554c4670) recovery checkpoint. Job failed ('Checkpoint "
             f"operation for '{EVIL}' failed.'). Error code: '32768'.\r\n")
    (b / "VBR01" / f"Job.{EVIL[:8]}.Backup.log").write_bytes(veeam.encode("utf-8"))
    return b


@pytest.fixture(scope="module")
def reports(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    tmp = tmp_path_factory.mktemp("out")
    b = _bundle(tmp)
    out = {}
    for fmt in ("json", "text", "csv", "md", "html"):
        dest = tmp / f"r.{fmt}"
        res = runner.invoke(app, ["analyze", str(b), "--format", fmt, "--output", str(dest)])
        assert res.exit_code == 0, res.output
        out[fmt] = dest.read_text("utf-8")
    return out


def test_the_hostile_values_reach_the_report(reports: dict[str, str]) -> None:
    rep = json.loads(reports["json"])
    assert {h["signature"] for h in rep["hits"]} >= {"guest.writer.other-failed",
                                                    "veeam.hv.recovery-checkpoint-failed"}
    assert any(EVIL in h["text"] for h in rep["hits"])  # json keeps the value as is (escaped)


def test_html_has_no_injected_markup(reports: dict[str, str]) -> None:
    html = reports["html"]
    tags: list[tuple[str, list]] = []

    class P(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list) -> None:
            tags.append((tag, attrs))

    P().feed(html)
    scripts = [a for t, a in tags if t == "script"]
    assert scripts == [[("type", "application/json"), ("id", "report-data")]]
    assert not any(t == "img" for t, _ in tags)
    assert not any(k.startswith("on") for _, attrs in tags for k, _ in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_csv_cells_cannot_be_formulas(reports: dict[str, str]) -> None:
    rows = list(csv.reader(io.StringIO(reports["csv"])))
    header, body = rows[0], rows[1:]
    assert body
    for row in body:
        for cell in row:
            assert not cell or cell[0] not in "=+-@\t\r", cell
            assert "\x1b" not in cell and "\x07" not in cell
    hosts = [r[header.index("host")] for r in body]
    assert f"'{FORMULA_HOST}" in hosts


def test_markdown_is_escaped(reports: dict[str, str]) -> None:
    md = reports["md"]
    # log text is shown in code spans (no HTML, no links inside them); outside, it is escaped
    outside = re.sub(r"`` .*? ``|`[^`]*`", "", md)
    assert not re.search(r"(?<!\\)<", outside)  # every < outside code spans is escaped
    assert "](javascript:" not in outside
    assert "\\<script\\>" in outside
    assert "\x1b" not in md and "\x07" not in md and "\u202e" not in md
    for line in md.splitlines():
        if line.startswith("| ") and "hb/" in line:
            assert line.count(" | ") == 4  # a `|` from a log never adds a table column


def _escape_sequences(text: str) -> list[str]:
    return re.findall(r"\x1b[^a-zA-Z]*[a-zA-Z]?", text)


def test_text_report_strips_control_sequences(reports: dict[str, str]) -> None:
    text = reports["text"]
    assert _escape_sequences(text) == []
    assert not re.search(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]", text)
    assert "alert(1)" in text  # the visible text stays, the sequences are gone


def test_colored_terminal_output_has_only_our_own_sgr_sequences(reports: dict[str, str]) -> None:
    rep = json.loads(reports["json"])
    colored = render(rep, "text", color=True)
    seqs = _escape_sequences(colored)
    assert seqs and all(re.fullmatch(r"\x1b\[[0-9;]*m", s) for s in seqs)
    assert "\x07" not in colored and "\x9b" not in colored


def test_stderr_progress_and_summary_are_escaped(tmp_path: Path) -> None:
    b = _bundle(tmp_path)
    res = runner.invoke(app, ["events", str(b), "--format", "jsonl"])
    assert res.exit_code == 0
    stderr = res.stderr if res.stderr_bytes is not None else ""
    assert "\x1b]" not in stderr and "\x07" not in stderr


@pytest.mark.parametrize("value", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1"])
def test_csv_cell_prefixes_formula_starts(value: str) -> None:
    assert csv_cell(value).startswith("'")


def test_terminal_unterminated_osc_swallows_the_rest_like_a_terminal() -> None:
    assert terminal("a\x1b]0;title and more") == "a"


@pytest.mark.parametrize("seq", ["\x1b[31m", "\x1b]0;title\x07", "\x1b]0;title\x1b\\",
                                 "\x1bP1$qm\x1b\\", "\x9b2J", "\x9d0;t\x9c", "\x1b7", "\x1bc",
                                 "\x1b[?1049h", "\u202e", "\u2066", "\u200f", "\u2028"])
def test_terminal_strips_each_sequence_kind(seq: str) -> None:
    out = terminal(f"a{seq}b")
    assert out.startswith("a") and out.endswith("b") and "\x1b" not in out
    assert not re.search(r"[\x00-\x1f\x7f-\x9f\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]",
                         out)


def test_markdown_escapes_html_and_links() -> None:
    out = markdown("<b>x</b> [a](javascript:1) | `code` *em*")
    assert "<b>" not in out and "](" not in out and "\\|" in out and "\\`" in out


def test_file_names_with_control_sequences_are_shown_escaped(tmp_path: Path) -> None:
    """A member or file name is log data too: its control characters are shown as \\xNN."""
    import zipfile

    from .conftest import GOOD_VSS

    b = tmp_path / "nb"
    b.mkdir()
    (b / "evil\x1b]0;t\x07name.log").write_bytes(GOOD_VSS)
    with zipfile.ZipFile(b / "x.zip", "w") as zf:
        zf.writestr("m\x1b[2J\u202e.log", GOOD_VSS)
    res = runner.invoke(app, ["events", str(b), "--format", "jsonl"])
    assert res.exit_code == 0
    assert "\x1b" not in res.stderr and "\u202e" not in res.stderr
    assert "evil\\x1b]0;t\\x07name.log" in res.stderr and "m\\x1b[2J\\u202e.log" in res.stderr
    files_seen = {json.loads(line)["file"] for line in res.stdout.splitlines()}
    assert all("\x1b" not in f for f in files_seen) and files_seen
