"""message-text: the fallback reader, kept only when a signature knows a message in the text."""

from __future__ import annotations

from logscope.ingest import message_text

from .helpers import read_text

# https://mskb.pkisolutions.com/kb/3175561 (KB3175561 archive), as an e-mail reply quotes it,
# re-wrapped by the mail client
KB_QUOTED = (
    "Hi, our nightly host backup fails with this:\n"
    "\n"
    "> &lt;VMName&gt; could not initiate a checkpoint operation: The file exists.\n"
    "> (0x80070050).\n"
    "\n"
    "Any idea?\n"
)


def test_a_known_message_in_damaged_text_is_read() -> None:
    ledger, evs = read_text(KB_QUOTED)
    assert ledger.kind == "message-text"
    hit = [e for e in evs if e.hresult == "0x80070050"]
    assert len(hit) == 1
    ev = hit[0]
    assert ev.message == "<VMName> could not initiate a checkpoint operation: The file exists. (0x80070050)."
    assert (ev.locator.line, ev.locator.end_line) == (3, 4)
    assert ev.time_source == "none" and ev.time is None
    assert len(evs) == 3  # one event per paragraph: the greeting, the quote, the question


def test_text_with_no_known_message_stays_unknown_with_reason() -> None:
    ledger, evs = read_text("Meeting notes\n\nWe will look at the backups on Monday.\n", "notes.txt")
    assert evs == []
    assert ledger.kind == "unknown"
    assert ledger.reason == "text with no known message (checked 3 lines)"
    assert ledger.skip_reasons[message_text.NO_MESSAGE] == 3


def test_huge_text_is_bounded_and_counted() -> None:
    text = "nothing to see here\n" * (message_text.MAX_LINES + 50)
    ledger, evs = read_text(text, "big.txt")
    assert ledger.kind == "unknown" and evs == []
    assert ledger.skip_reasons["beyond the pasted-text line limit"] == 50


def test_binary_is_not_message_text() -> None:
    ledger, _ = read_text(bytes(range(256)) * 20, "blob.bin")
    assert ledger.kind == "unknown" and "binary" in (ledger.reason or "")


def test_other_readers_keep_their_files() -> None:
    # a vssadmin capture is still vssadmin, not message-text (detection order: message-text last)
    from logscope.ingest import PARSER_MODULES

    assert PARSER_MODULES[-1] == "message_text"
    text = ("vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n"
            "(C) Copyright 2001-2013 Microsoft Corp.\n\n"
            "Writer name: 'System Writer'\n   Writer Id: {e8132975-6f93-4464-a53e-1050253ae220}\n"
            "   Writer Instance Id: {7848396d-00b1-47cd-8ba9-769b7ce402d2}\n"
            "   State: [1] Stable\n   Last error: No error\n")
    ledger, _ = read_text(text, "writers.txt")
    assert ledger.kind == "vssadmin"


def test_documentation_files_are_not_read_as_messages() -> None:
    ledger, evs = read_text(KB_QUOTED, "README.md")
    assert ledger.kind == "unknown" and evs == []
