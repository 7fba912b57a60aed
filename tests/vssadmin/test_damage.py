"""Damaged pastes, made from the real captures the way forums, blogs and e-mail damage them.

Each damage must leave the writer records intact and be reported once per capture with the
line it was first seen on.
"""

from __future__ import annotations

import re

import pytest
from vssadmin_helpers import CORPUS, codes, parse_bytes, problem

CSS = "en_cssexchange2093_list_writers_stable_partial.txt"  # header + 4 full writers + cut
FR = "fr_openzfs406_list_writers_stable_partial.txt"


def _key(events):
    return [(e.writer_name, e.writer_id, e.writer_state, e.last_error, e.hresult) for e in events]


@pytest.fixture
def css(shared) -> str:
    return (shared / CORPUS / CSS).read_text("utf-8")


def test_curly_quotes_around_names(css):
    base, _ = parse_bytes(css.encode())
    damaged = re.sub(r"'([^'\n]*)'", "\u2018\\1\u2019", css)
    events, ledger = parse_bytes(damaged.encode())
    assert _key(events) == _key(base)
    p = problem(ledger, "typographic-quotes")
    assert p.where == "line 8" and "(5 lines)" in p.message


def test_markdown_quote_on_every_line(css):
    base, _ = parse_bytes(css.encode())
    damaged = "\n".join("> " + line if line else ">" for line in css.splitlines())
    events, ledger = parse_bytes(damaged.encode())
    assert _key(events) == _key(base)
    assert problem(ledger, "quote-prefix").where == "line 1"


def test_nested_quote_and_nbsp_indent(css):
    base, _ = parse_bytes(css.encode())
    damaged = "\n".join("> > " + line.replace("   ", "&nbsp;" * 3) for line in css.splitlines())
    events, ledger = parse_bytes(damaged.encode())
    assert _key(events) == _key(base)
    assert {"quote-prefix", "html-entity"} <= set(codes(ledger))


def test_blank_line_after_every_line(css):
    base, _ = parse_bytes(css.encode())
    damaged = "\n\n".join(css.splitlines())
    events, ledger = parse_bytes(damaged.encode())
    assert _key(events) == _key(base)
    # first writer name on line 15, its first blank inserted at line 16
    assert problem(ledger, "blank-in-block").where == "line 16"


def test_lost_indentation(css):
    base, _ = parse_bytes(css.encode())
    damaged = "\n".join(line.lstrip() for line in css.splitlines())
    events, ledger = parse_bytes(damaged.encode())
    assert _key(events) == _key(base)
    p = problem(ledger, "no-indent")
    assert p.where == "line 9" and "(17 lines)" in p.message


def test_masked_and_escaped(css):
    damaged = re.sub(r"\{[0-9a-f-]{36}\}", "{ID}", css).replace("[1]", "\\[1\\]")
    events, ledger = parse_bytes(damaged.encode())
    # well-known writers get their class id back; instance ids are gone
    assert [e.writer_id for e in events] == [
        "d61d61c8-d73a-4eee-8cdd-f6f9786b7124", "75dfb225-e2e4-4d39-9ac9-ffaff65ddf06",
        "0bada1de-01a9-4625-8278-69e735f39dd2", "e8132975-6f93-4464-a53e-1050253ae220",
        "be000cbe-11fe-4426-9c58-531aa6355fc4",
    ]  # fmt: skip
    assert all(e.data["instance_id"] is None for e in events)
    assert [e.writer_state for e in events[:4]] == [1, 1, 1, 1]
    masked = [p for p in ledger.problems if p.code == "guid-masked"]
    assert [p.where for p in masked][:3] == ["line 9", "line 10", "line 15"]
    assert problem(ledger, "markdown-escape").where == "line 11"


def test_unknown_writer_with_masked_id_has_no_id(css):
    damaged = css.replace("'Task Scheduler Writer'", "'Contoso Writer'").replace(
        "{d61d61c8-d73a-4eee-8cdd-f6f9786b7124}", "{ID}"
    )
    events, _ = parse_bytes(damaged.encode())
    assert events[0].writer_name == "Contoso Writer" and events[0].writer_id is None


def test_word_disagrees_with_number(css):
    damaged = css.replace("[1] Stable", "[9] Stable", 1)
    events, ledger = parse_bytes(damaged.encode())
    assert events[0].writer_state == 9 and events[0].data["failed"] is True
    p = problem(ledger, "state-word-mismatch")
    assert p.where == "line 11" and "VSS_WS_FAILED_AT_FREEZE" in p.message


def test_unknown_state_number_and_unknown_last_error(css):
    damaged = css.replace("[1] Stable", "[42] Stable", 1).replace(
        "Last error: No error", "Last error: Something new", 1
    )
    events, ledger = parse_bytes(damaged.encode())
    ev = events[0]
    assert ev.writer_state == 42 and ev.last_error == "Something new" and ev.hresult is None
    assert ev.data["last_error_known"] is False
    assert problem(ledger, "state-unknown").where == "line 11"


def test_unknown_state_word_is_kept_without_problem(shared):
    text = (shared / CORPUS / FR).read_text("utf-8").replace("[1] Stable", "[5] En attente", 1)
    events, ledger = parse_bytes(text.encode())
    assert events[0].writer_state == 5 and events[0].data["state_text"] == "En attente"
    assert "state-word-mismatch" not in codes(ledger)


def test_missing_instance_id_line(css):
    lines = css.splitlines()
    del lines[9]  # Task Scheduler Writer's instance id
    events, ledger = parse_bytes("\n".join(lines).encode())
    assert events[0].writer_state == 1 and events[0].data["instance_id"] is None
    assert len(events) == 5
    assert problem(ledger, "writer-id-lines").where == "line 8"


def test_missing_last_error_line(css):
    lines = css.splitlines()
    del lines[11]  # Task Scheduler Writer's last error; next block follows
    events, ledger = parse_bytes("\n".join(lines).encode())
    assert events[0].writer_state == 1 and events[0].last_error is None
    assert events[1].writer_name == "VSS Metadata Store Writer"
    assert problem(ledger, "writer-no-last-error").where == "line 8"


def test_cut_at_every_line_never_loses_earlier_blocks(css):
    lines = css.splitlines()
    counts = []
    for n in range(len(lines) + 1):
        cut = "\n".join(lines[:n])
        events, ledger = parse_bytes(cut.encode())
        complete = [e for e in events if e.data.get("complete", True)]
        counts.append(len(complete))
        assert ledger.records == len(events)
        if any(not e.data.get("complete", True) for e in events):
            assert "block-cut-off" in codes(ledger)
    assert counts == sorted(counts) and counts[-1] == 4


def test_cut_in_the_middle_of_a_line(css):
    cut = css[: css.index("Last error", css.index("System Writer")) + 7]
    events, _ = parse_bytes(cut.encode())
    # "   Last er" has no colon: it is kept as the last error line of a cut block
    assert events[3].writer_name == "System Writer" and events[3].writer_state == 1


def test_anonymized_id_differs_from_well_known(css):
    damaged = css.replace("e8132975-6f93-4464-a53e-1050253ae220", "a1111111-1a11-2222-a33a-1050253ae220")
    events, ledger = parse_bytes(damaged.encode())
    assert events[3].writer_id == "a1111111-1a11-2222-a33a-1050253ae220"
    assert problem(ledger, "writer-id-mismatch").where == "line 27"


def test_name_without_quotes(css):
    base, _ = parse_bytes(css.encode())
    damaged = re.sub(r"'([^'\n]*)'", "\\1", css)
    events, ledger = parse_bytes(damaged.encode())
    # the four complete blocks still parse; the cut ASR block has no state to prove its shape
    assert _key(events) == _key(base)[:4]
    assert problem(ledger, "unquoted-name").where == "line 8"


def test_last_error_printed_as_a_code(css):
    damaged = css.replace("Last error: No error", "Last error: 0x800423f4", 1)
    events, _ = parse_bytes(damaged.encode())
    assert events[0].last_error == "0x800423f4" and events[0].hresult == "0x800423F4"


def test_broken_shadow_record_is_not_a_writer(shared):
    text = (shared / CORPUS / "en_htb_writeup_list_shadows_clientaccessible.txt").read_text()
    lines = text.splitlines()[:13]  # cut after "Type: ClientAccessible"
    lines.insert(11, "")  # a blank line before "Provider: '…'" breaks the record
    events, ledger = parse_bytes("\n".join(lines).encode())
    assert [e.data["listing"] for e in events] == ["shadows"]
    assert "provider_name" not in events[0].data
