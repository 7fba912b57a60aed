"""Several captures in one file, script-prefixed output, and the failure forms.

Inputs are built from the real captures (concatenated, prefixed) so the block text stays real.
"""

from __future__ import annotations

from vssadmin_helpers import CORPUS, codes, parse_bytes, problem

from logscope.ingest import vssadmin

LANYON = "en_lanyon_blogpost_2011_wmi_writer_7_failed_edited.txt"  # 27 lines, 4 writers
ELSTAR = "en_elstar_forum_writers_failed_no_error_noindent_partial.txt"  # 21 lines, 4 writers
CSS = "en_cssexchange2093_list_writers_stable_partial.txt"
ERROR = "en_cwkhristos_script_log_vssadmin_unexpected_error.txt"


def _text(shared, name: str) -> str:
    return (shared / CORPUS / name).read_text("utf-8")


def test_two_captures_before_and_after(shared):
    before = _text(shared, LANYON)
    after = _text(shared, CSS)
    events, ledger = parse_bytes((before + "\n" + after).encode())
    assert [e.data["capture"] for e in events] == [1] * 4 + [2] * 5
    # line numbers continue through the file: the second capture's first writer is on line 8
    # of its own text, after the 27 lines of the first and the blank line between them
    assert events[4].locator.line == 27 + 1 + 8
    caps = ledger.info["vssadmin_captures"]
    assert [(c["capture"], c["records"], c["complete"]) for c in caps] == [
        (1, 4, True), (2, 5, False),
    ]  # fmt: skip
    assert caps[1]["line"] == 29  # the "[PS] C:\temp> vssadmin list writers" line


def test_banner_only_capture_between_two_listings(shared):
    """An empty listing in the middle is its own capture with its own problem."""
    ja = (shared / CORPUS / "ja_jpwinsup_list_writers_no_writers.txt").read_text("utf-8")
    text = _text(shared, LANYON) + "\n" + ja + "\n" + _text(shared, LANYON)
    events, ledger = parse_bytes(text.encode())
    assert [e.data["capture"] for e in events] == [1] * 4 + [3] * 4
    empty = problem(ledger, "vssadmin-empty")
    assert "capture 2" in empty.message and empty.where == "line 30"


def test_script_prefix_on_every_line(shared):
    """A calling script stamps each line (time varies in width); blocks still parse."""
    lines = _text(shared, LANYON).splitlines()
    stamped = [
        f"8/10/2018 {9 + i // 10}:{i % 60:02d}:02 AM\t\t\t{line}" for i, line in enumerate(lines)
    ]
    events, ledger = parse_bytes("\n".join(stamped).encode())
    base, _ = parse_bytes("\n".join(lines).encode())
    key = [(e.writer_name, e.writer_id, e.writer_state, e.last_error) for e in events]
    assert key == [(e.writer_name, e.writer_id, e.writer_state, e.last_error) for e in base]
    assert problem(ledger, "script-prefix").where == "line 3"  # the banner line


def test_script_prefixed_error_then_listing(shared):
    """The real error capture, then a later prefixed run that succeeded: 2 captures."""
    err = _text(shared, ERROR)
    ok = "\n".join(
        f"8/10/2018 9:31:17 AM\t\t\t{line}" for line in _text(shared, LANYON).splitlines()[2:]
    )
    events, ledger = parse_bytes((err + ok + "\n").encode())
    assert len(events) == 4 and {e.data["capture"] for e in events} == {2}
    assert problem(ledger, "vssadmin-error").where == "line 3"


def test_error_hresult_form():
    text = (
        "vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n"
        "(C) Copyright 2001 Microsoft Corp.\n\nError: 0x8000FFFF\n"
    )
    events, ledger = parse_bytes(text.encode())
    assert events == []
    p = problem(ledger, "vssadmin-error")
    assert "0x8000FFFF" in p.message and "E_UNEXPECTED" in p.message and p.where == "line 4"


def test_prompt_and_markup_around_a_paste(shared):
    text = "```\n" + _text(shared, LANYON) + "\nC:\\>\n```\n"
    events, ledger = parse_bytes(text.encode())
    assert len(events) == 4 and ledger.skip_reasons["Markdown markup line"] == 2
    assert "stray-line" not in codes(ledger)


def test_stray_lines_inside_output_are_reported(shared):
    lines = _text(shared, LANYON).splitlines()
    lines.insert(15, "some chat text pasted in the middle")
    events, ledger = parse_bytes("\n".join(lines).encode())
    assert len(events) == 4
    assert problem(ledger, "stray-line").where == "line 16"


def test_not_vssadmin():
    assert vssadmin.detect(b"[07.07.2021 16:34:10] <01> Info     Job session started\n", "Job.log") is None
    assert vssadmin.detect(b"<Event xmlns='http://schemas.microsoft.com/win/2004/08/events/event'>", "a.xml") is None
    assert vssadmin.detect(b"Writer name: 'x'\nnothing else\n", "a.txt") is None
    assert vssadmin.detect(b"\x00\x01\x02binary", "a.bin") is None


def test_documentation_prose_is_not_vssadmin(shared):
    """FORMATS.md quotes the banner and the shadow fields in prose: no banner+copyright, no block."""
    head = (shared / "corpus/text/FORMATS.md").read_bytes()[:65536]
    assert vssadmin.detect(head, "FORMATS.md") is None


def test_console_width_wraps_guid_lines(shared):
    """Prefix + '   Writer Instance Id: {…}' is longer than 80 columns: the GUID wraps."""
    lines = _text(shared, LANYON).splitlines()
    wrapped = []
    for line in lines:
        full = "8/10/2018 9:28:02 AM\t\t\t   " + line
        wrapped.extend([full[:80], full[80:]] if len(full) > 80 else [full])
    events, ledger = parse_bytes("\r\n".join(wrapped).encode())
    base, _ = parse_bytes("\n".join(lines).encode())
    key = [(e.writer_name, e.writer_id, e.data["instance_id"], e.writer_state) for e in events]
    assert key == [(e.writer_name, e.writer_id, e.data["instance_id"], e.writer_state) for e in base]
    assert "guid-truncated" not in codes(ledger)
    # new line 8 is the System Writer's instance id line, wrapped onto line 9
    assert problem(ledger, "wrapped-line").where == "line 8"


def test_whole_listing_logged_as_one_line(shared):
    """PowerShell: Write-Output "vssadmin said: $out" joins the output lines with spaces."""
    text = _text(shared, CSS)
    lines = text.splitlines()[1:]  # without the prompt line
    joined = "[2024-05-22 10:00:01] vssadmin said: " + " ".join(lines)
    events, ledger = parse_bytes(("Start of task\n" + joined + "\nEnd of task\n").encode())
    base, _ = parse_bytes(text.encode())
    assert [(e.writer_name, e.writer_id, e.writer_state, e.last_error) for e in events] == [
        (e.writer_name, e.writer_id, e.writer_state, e.last_error) for e in base
    ]
    assert all(e.locator.line == 2 for e in events)
    assert problem(ledger, "joined-lines").where == "line 2"
    # the ASR block is broken off by "End of task": kept, without a state, and said so
    assert problem(ledger, "writer-no-state").where == "line 2"
    assert "no-indent" not in codes(ledger)


def test_command_line_then_error_without_banner():
    text = "C:\\Windows\\system32>vssadmin list writers\nError: 0x8000FFFF\n"
    events, ledger = parse_bytes(text.encode())
    assert events == []
    p = problem(ledger, "vssadmin-error")
    assert p.where == "line 2" and "lists no writers" in p.message and "0x8000FFFF" in p.message


def test_damage_is_reported_with_its_own_capture(shared):
    ja = (shared / CORPUS / "ja_jpwinsup_list_writers_no_writers.txt").read_text("utf-8")
    events, ledger = parse_bytes((_text(shared, LANYON) + "\n" + ja).encode())
    dash = problem(ledger, "typographic-dash")
    assert dash.where == "line 30"
    order = [p.code for p in ledger.problems]
    # capture 1's problems first, then capture 2's (empty listing, then its paste damage)
    assert order.index("no-indent") < order.index("vssadmin-empty") < order.index("typographic-dash")
