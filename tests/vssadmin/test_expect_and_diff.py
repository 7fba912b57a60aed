"""Missing expected writers, and ``vssadmin diff`` between two captures."""

from __future__ import annotations

import json

from vssadmin_helpers import CORPUS, parse_bytes

from logscope import vssdiff
from logscope.ingest.vssadmin.reader import expected_writer_problems

ELSTAR = "en_elstar_forum_writers_failed_no_error_noindent_partial.txt"  # SQL + Hyper-V writers
CSS = "en_cssexchange2093_list_writers_stable_partial.txt"  # neither
JA = "ja_jpwinsup_list_writers_no_writers.txt"
ERROR = "en_cwkhristos_script_log_vssadmin_unexpected_error.txt"
LANYON = "en_lanyon_blogpost_2011_wmi_writer_7_failed_edited.txt"


def _parse(shared, name):
    return parse_bytes((shared / CORPUS / name).read_bytes(), name)


def test_sql_and_hyperv_writers_present(shared):
    events, ledger = _parse(shared, ELSTAR)
    ctx = {"sql_server": True, "hyperv_host": True}
    assert expected_writer_problems(events, ctx) == []


def test_sql_writer_missing(shared):
    events, ledger = _parse(shared, CSS)
    missing = expected_writer_problems(
        events, ["sql_server"], captures={CSS: ledger.info["vssadmin_captures"]}
    )
    assert [(m.file, m.writer_name, m.writer_id, m.where) for m in missing] == [
        (CSS, "SqlServerWriter", "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a", "line 1")
    ]
    assert "SQL Server" in missing[0].message
    assert "cut off" in missing[0].message  # the capture ends inside the ASR Writer block
    assert missing[0].code == "vss-writer-missing"


def test_flags_off_or_unknown_expect_nothing(shared):
    events, _ = _parse(shared, CSS)
    assert expected_writer_problems(events, {"sql_server": False, "nonsense": True}) == []


def test_empty_and_failed_captures_miss_everything(shared):
    ja_events, ja = _parse(shared, JA)
    err_events, err = _parse(shared, ERROR)
    missing = expected_writer_problems(
        ja_events + err_events,
        {"hyperv_host": True},
        captures={JA: ja.info["vssadmin_captures"], ERROR: err.info["vssadmin_captures"]},
    )
    assert sorted((m.file, m.writer_name) for m in missing) == [
        (ERROR, "Microsoft Hyper-V VSS Writer"),
        (JA, "Microsoft Hyper-V VSS Writer"),
    ]


def test_missing_per_capture(shared):
    text = (shared / CORPUS / LANYON).read_text() + "\n" + (shared / CORPUS / CSS).read_text()
    events, ledger = parse_bytes(text.encode(), "both.txt")
    missing = expected_writer_problems(events, {"sql_server": True})
    # the first capture has SqlServerWriter; the second (after a restart) does not
    assert [(m.capture, m.line) for m in missing] == [(2, 36)]


def test_diff_two_files(shared, tmp_path):
    a = shared / CORPUS / LANYON
    b_text = (
        a.read_text()
        .replace("State: [1] Stable\nLast error: No error\n\nWriter name: 'MSDEWriter'",
                 "State: [11] Failed\nLast error: Non-retryable error\n\nWriter name: 'MSDEWriter'")
        .replace("{de3b2861-77f6-43f8-8619-64dc9ea2fbcf}", "{00000000-1111-2222-3333-444444444444}")
    )  # fmt: skip
    b_lines = b_text.splitlines()
    del b_lines[16:22]  # MSDEWriter gone
    b = tmp_path / "after.txt"
    b.write_bytes(("\r\n".join(b_lines) + "\r\n").encode("utf-16"))  # PowerShell 5.1 style
    diff = vssdiff.diff_files(a, b)
    assert diff["summary"] == {
        "added": 0, "removed": 1, "changed": 1, "unchanged": 2, "failed_a": 1, "failed_b": 2,
    }  # fmt: skip
    (ch,) = diff["changed"]
    assert ch["writer_id"] == "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a" and ch["restarted"] is True
    assert ch["changes"]["writer_state"] == {"a": 1, "b": 11}
    assert ch["changes"]["hresult"] == {"a": "0x00000000", "b": "0x800423F4"}
    assert diff["removed"][0]["writer_name"] == "MSDEWriter"
    text = vssdiff.render_text(diff)
    assert "- removed  'MSDEWriter'" in text
    assert "[1] Stable, No error -> [11] Failed, Non-retryable error (0x800423F4)" in text
    assert "restarted" in text
    assert json.loads(vssdiff.render_json(diff))["summary"]["removed"] == 1


def test_diff_keyed_by_writer_id_not_name(shared, tmp_path):
    """A renamed line (damaged paste) with the same class id is the same writer."""
    a = shared / CORPUS / LANYON
    b = tmp_path / "b.txt"
    b.write_text(a.read_text().replace("'WMI Writer'", "'WMI Writer (renamed)'"))
    diff = vssdiff.diff_files(a, b)
    assert diff["summary"]["changed"] == 1 and diff["summary"]["added"] == 0
    assert "writer_name" in diff["changed"][0]["changes"]


def test_diff_same_file_before_after(shared, tmp_path):
    both = tmp_path / "both.txt"
    both.write_text((shared / CORPUS / ELSTAR).read_text() + "\n" + (shared / CORPUS / CSS).read_text())
    diff = vssdiff.diff_files(both, both)
    assert (diff["a"]["capture"], diff["b"]["capture"]) == (1, 2)
    removed = {r["writer_name"] for r in diff["removed"]}
    assert removed == {"SqlServerWriter", "Microsoft Hyper-V VSS Writer"}
    changed = {c["writer_name"] for c in diff["changed"]}
    assert {"System Writer", "ASR Writer"} <= changed


def test_diff_against_an_empty_capture(shared):
    diff = vssdiff.diff_files(shared / CORPUS / LANYON, shared / CORPUS / JA)
    assert diff["b"]["writers"] == 0 and diff["summary"]["removed"] == 4
    assert diff["b"]["capture"] == 1  # the empty listing is a capture of its own
    text = vssdiff.render_text(diff)
    assert "B lists no writers" in text and "(capture 1 of 1, 0 writers" in text


def test_diff_against_a_file_without_writers(shared):
    diff = vssdiff.diff_files(shared / CORPUS / LANYON, shared / CORPUS / "fr_burp753_list_providers.txt")
    assert diff["b"]["capture"] is None and diff["summary"]["removed"] == 4
    assert "(no writer listing, 0 writers" in vssdiff.render_text(diff)
