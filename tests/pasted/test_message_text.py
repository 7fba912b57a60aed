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


# KB4488568 as published: the command in a code fence, then its output quoted.
# https://learn.microsoft.com/en-us/troubleshoot/windows-server/virtualization/cannot-change-configstorerootpath-value-hyperv-cluster
KB4488568 = (
    "```powershell\n"
    'Get-ClusterResource -Cluster "Virtual Machine Cluster WMI" | Set-ClusterParameter '
    "-Name ConfigStoreRootPath -Value <Value>\n"
    "```\n"
    "\n"
    "> The request is not supported\n"
)


def test_a_pasted_command_names_the_cmdlet_of_the_message_after_it() -> None:
    ledger, evs = read_text(KB4488568)
    assert ledger.kind == "message-text"
    out = [e for e in evs if e.message == "The request is not supported"]
    assert len(out) == 1
    assert out[0].data["cmdlet"] == "Set-ClusterParameter"   # the pipeline's last cmdlet
    assert "ConfigStoreRootPath" in out[0].data["command"]
    assert "cmdlet" not in evs[0].data                        # the command itself has none


def test_a_command_names_only_the_next_paragraph() -> None:
    from logscope.ingest.paste_clean import CleanLine
    texts = ["Set-ClusterParameter -Name X -Value 1", "", "hello there", "",
             "The request is not supported"]
    lines = [CleanLine(t, i, i) for i, t in enumerate(texts, 1)]
    evs = list(message_text._paragraph_events(lines, "notes.txt"))
    assert [e.message for e in evs] == [texts[0], texts[2], texts[4]]
    assert [e.data.get("cmdlet") for e in evs] == [None, "Set-ClusterParameter", None]
