"""Every format renders the same report dict: numbers agree, meta is carried, text fits 80
columns and is plain when piped, --tz changes only the display, --redact leaks nothing."""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
from pathlib import Path

import pytest

from logscope.report import render
from logscope.report.redact import redact

from .helpers import BUNDLES, run

ANSI = re.compile(r"\x1b\[")
ALL = ["sqlwriter-chain", "vhds-guest-cluster", "no-scsi-controller", "scsi-autorecovery",
       "sharing-violation", "guest-storage", "unmerged-checkpoints", "clean-backup"]


@pytest.fixture(scope="module")
def sql() -> dict:
    return run(BUNDLES / "sqlwriter-chain", keep_events=True)


@pytest.mark.parametrize("bundle", ALL)
def test_text_fits_80_columns_and_is_plain_when_piped(bundle: str) -> None:
    out = render(run(BUNDLES / bundle), "text", color=False)
    assert not ANSI.search(out)
    too_wide = [ln for ln in out.splitlines() if len(ln) > 80]
    assert too_wide == []
    assert not any(ln.endswith(" ") for ln in out.splitlines())


def test_text_in_colour_on_a_terminal(sql: dict) -> None:
    assert ANSI.search(render(sql, "text", color=True))


def test_jsonl_record_types_and_timesketch_fields(sql: dict) -> None:
    recs = [json.loads(ln) for ln in render(sql, "jsonl").splitlines()]
    types = [r["record_type"] for r in recs]
    assert {"meta", "file", "identity", "event", "hit", "hint"} <= set(types)
    assert types.count("event") == sql["meta"]["events"]
    assert types.count("hit") == len(sql["hits"]) and types.count("hint") == len(sql["hints"])
    for r in recs:  # every line imports into Timesketch
        assert {"datetime", "timestamp_desc", "message"} <= set(r)
        assert r["message"] and r["timestamp_desc"]
        assert r["datetime"] is None or r["datetime"].endswith("+00:00")
        if r["datetime"] is None:  # only a state capture has no time
            assert r.get("time_source", "none") == "none"
    timed = [r for r in recs if r["record_type"] == "event" and r["datetime"]]
    assert timed and all(r["datetime"].endswith("+00:00") for r in timed)
    veeam = [r for r in recs if r["record_type"] == "event" and r["kind"] == "veeam"]
    assert veeam[0]["time_source"] == "header"  # converted to UTC with the log's own offset


def test_csv_one_row_per_hit_with_meta_columns(sql: dict) -> None:
    rows = list(csv.DictReader(io.StringIO(render(sql, "csv"))))
    assert len(rows) == len(sql["hits"])
    assert {r["signature"] for r in rows} == {h["signature"] for h in sql["hits"]}
    assert all(r["inputs_sha256"].endswith(sql["meta"]["inputs"][0]["sha256"]) for r in rows)
    assert any(r["hint_rank"] == "1" for r in rows)
    assert {r["machine"] for r in rows} == {"SQL01"}  # the identity table resolves each row
    assert {r["hyperv_host"] for r in rows} == {"HV01.contoso.local"}


def test_markdown_has_hints_machines_missing_and_inputs() -> None:
    b = BUNDLES / "sqlwriter-chain"
    rep = run(b / "VBR01", b / "HV01")
    md = render(rep, "md")
    assert "## Machines" in md and "| SQL01 |" in md
    assert "Missing evidence, collect:" in md and "vssadmin list writers" in md
    assert rep["meta"]["inputs"][0]["sha256"] in md


def test_every_format_carries_meta_versions_and_input_hashes(sql: dict) -> None:
    sha = sql["meta"]["inputs"][0]["sha256"]
    assert sql["meta"]["versions"]["logscope"] == sql["meta"]["logscope_version"]
    assert sql["meta"]["signatures_version"]
    for fmt in ("text", "json", "jsonl", "csv", "md", "html"):
        out = render(sql, fmt)
        assert sha in out, fmt
        assert sql["meta"]["signatures_version"] in out, fmt


def test_display_zone_changes_text_not_data(sql: dict) -> None:
    rep = json.loads(json.dumps(sql))
    rep["meta"]["display_tz"] = "Europe/Berlin"
    text = render(rep, "text")
    assert "2026-03-14 10:02:05.481 +01:00" in text and "Evidence (Europe/Berlin)" in text
    assert "10:02:05.481" in render(rep, "html") and "Europe/Berlin" in render(rep, "md")
    data = json.loads(render(rep, "json"))
    assert data["timeline"] == sql["timeline"]  # data stays UTC


def test_clean_bundle_text_says_no_known_failure_and_what_was_checked() -> None:
    rep = run(BUNDLES / "clean-backup")
    text = render(rep, "text")
    assert "No known failure found." in text
    assert "vssadmin: 1 file(s), 5 records" in text
    assert "No known failure found." in render(rep, "md")
    assert "id='clean'" in render(rep, "html")


def _bundle_with_names(tmp_path: Path) -> Path:
    b = tmp_path / "sqlwriter-chain"
    shutil.copytree(BUNDLES / "sqlwriter-chain", b)
    log = b / "VBR01" / "Backup" / "SQL Backup" / "Job.SQL Backup.Backup.log"
    log.write_bytes(log.read_bytes() + (
        b"[14.03.2026 10:02:15] <01> Info         Connecting to HV01.contoso.local "
        b"(10.20.30.40, fe80:0:0:0:1c2d:3e4f:5a6b:7c8d) as CONTOSO\\svc-backup, "
        b"notify jane.doe@contoso.local\r\n"))
    return b


def test_redact_replaces_names_in_every_format_with_stable_placeholders(tmp_path: Path) -> None:
    b = _bundle_with_names(tmp_path)
    rep = redact(run(b, keep_events=True))
    again = redact(run(b, keep_events=True))
    secrets = ["SQL01", "HV01", "VBR01", "contoso", "10.20.30.40", "svc-backup", "jane.doe",
               "1c2d:3e4f"]
    for fmt in ("text", "json", "jsonl", "csv", "md", "html"):
        out = render(rep, fmt)
        leaked = [s for s in secrets if s.casefold() in out.casefold()]
        assert leaked == [], fmt
        assert render(again, fmt) == out, "placeholders must be stable"
    assert rep["meta"]["redacted"] is True
    vm = rep["hints"][0]["vm"]
    assert re.fullmatch(r"HOST-\d+", vm)
    assert vm in render(rep, "text") and f"| {vm} |" in render(rep, "md")
    text = json.dumps(rep)
    assert "IP-1" in text and "USER-" in text and "DOMAIN-1" in text
    assert rep["meta"]["inputs"][0]["sha256"] == run(b)["meta"]["inputs"][0]["sha256"]


def test_hostile_log_text_cannot_run_or_move_the_cursor(sql: dict) -> None:
    rep = json.loads(json.dumps(sql))
    evil = "<script>alert(1)</script>\x1b]0;pwned\x07\x1b[2J`` | =cmd"
    rep["hints"][0]["evidence"][0]["text"] = evil
    rep["hints"][0]["title"] = evil
    rep["timeline"][0]["text"] = evil
    page = render(rep, "html")
    assert "<script>alert" not in page and "&lt;script&gt;" in page
    text = render(rep, "text", color=True)
    assert "\x1b]0;" not in text and "\x1b[2J" not in text
    md = render(rep, "md")
    outside_code = re.sub(r"`` .*? ``", "", md)  # a code span shows HTML literally
    assert "<script>" not in outside_code.replace("\\<script\\>", "")


@pytest.mark.parametrize("first", ["logscope.state.section", "logscope.throughput.render"])
def test_contributed_sections_keep_their_order_whatever_imports_first(first: str) -> None:
    """Throughput, then Hyper-V state, in every format: which stage's module a run imports
    first changes as start-up work is deferred, the report must not."""
    import subprocess
    import sys

    code = (f"import {first}, logscope.state.section, logscope.throughput.render\n"
            "from logscope.report.sections import SECTIONS\nprint([s.key for s in SECTIONS])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "['throughput', 'hyperv_state']"


def test_a_stage_section_renders_in_a_process_that_never_imported_the_stage() -> None:
    """The stages' section modules load only when a report holds their section
    (``report.sections.PROVIDERS``): a saved report rendered by a fresh process still shows
    them, where they belong, and a report without them loads neither."""
    import subprocess
    import sys

    rep = {"throughput": {"x": 1}, "hyperv_state": {"y": 2}}
    code = ("import json, sys\nfrom logscope.report.sections import present\n"
            "rep = json.loads(sys.argv[1])\n"
            "print([s.key for s, _fn in present(rep, 'text')])\n"
            "print(sorted(m for m in sys.modules if m.startswith(('logscope.state', "
            "'logscope.throughput'))))")
    out = subprocess.run([sys.executable, "-c", code, json.dumps(rep)], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert out[0] == "['throughput', 'hyperv_state']"
    assert "logscope.state.section" in out[1] and "logscope.throughput.render" in out[1]
    out = subprocess.run([sys.executable, "-c", code, json.dumps({"throughput": {}})],
                         capture_output=True, text=True, check=True).stdout.splitlines()
    assert out == ["[]", "[]"]
