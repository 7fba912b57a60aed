"""The encodings vssadmin text arrives in, produced by re-encoding the real captures.

PowerShell 5.1 ``>`` writes UTF-16LE with BOM (and a Veeam guest-log collection's
``VSS\\vss_writers.log``), PowerShell 6+ UTF-8 without BOM, Notepad UTF-8 with BOM, and
``cmd > file`` the OEM code page (cp437/cp850 in the West, cp932 in Japan); the console writes
CRLF. Each variant must give exactly the events of the published UTF-8/LF text.
"""

from __future__ import annotations

import codecs

import pytest
from vssadmin_helpers import CORPUS, codes, parse_bytes

from logscope.ingest import vssadmin

EN = "en_cssexchange2093_list_writers_stable_partial.txt"
EN_FAILED = "en_elstar_forum_writers_failed_no_error_noindent_partial.txt"
FR = "fr_openzfs406_list_writers_stable_partial.txt"
FR_PROVIDERS = "fr_burp753_list_providers.txt"
JA = "ja_jpwinsup_list_writers_no_writers.txt"

#: Japanese writer blocks with the labels, state word and last error published for ja-JP
#: (corpus/text/FORMATS.md §1.2, jpwinsup article), appended to the real Japanese header.
JA_BLOCK = (
    "\nライター名: 'System Writer'\n"
    "   ライター Id: {e8132975-6f93-4464-a53e-1050253ae220}\n"
    "   ライター インスタンス Id: {3a440350-edf0-4b35-bbc0-2af9898666f7}\n"
    "   状態: [1] 安定\n"
    "   最後のエラー: エラーなし\n"
)


def _fields(events):
    return [
        (e.writer_name, e.writer_id, e.writer_state, e.last_error, e.hresult, e.locator.line,
         e.data.get("listing"), e.data.get("provider_name"))
        for e in events
    ]  # fmt: skip


def _encode(text: str, encoding: str, crlf: bool) -> bytes:
    if crlf:
        text = text.replace("\n", "\r\n")
    if encoding == "utf-16-le-bom":
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "utf-8-bom":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    # What cmd.exe does with characters the OEM code page lacks: best-fit (’ -> ').
    text = text.replace("\u2019", "'").replace("\u2013", "-")
    return text.encode(encoding)


VARIANTS = [
    (enc, crlf)
    for enc in ("utf-16-le-bom", "utf-8-bom", "utf-8", "cp437", "cp850", "cp932")
    for crlf in (True, False)
]


@pytest.mark.parametrize(("encoding", "crlf"), VARIANTS)
@pytest.mark.parametrize("name", [EN, EN_FAILED])
def test_english_in_every_encoding(shared, name, encoding, crlf):
    text = (shared / CORPUS / name).read_text("utf-8")
    base, _ = parse_bytes(text.encode("utf-8"))
    data = _encode(text, encoding, crlf)
    events, ledger = parse_bytes(data)
    assert _fields(events) == _fields(base) and len(events) >= 4
    assert "decode-error" not in codes(ledger)
    assert vssadmin.detect(data[:65536], "x.log") == "vssadmin"


@pytest.mark.parametrize(
    ("encoding", "crlf"),
    [(e, c) for e, c in VARIANTS if e != "cp932"] + [("cp1252", True)],
)
@pytest.mark.parametrize("name", [FR, FR_PROVIDERS])
def test_french_in_western_encodings(shared, name, encoding, crlf):
    text = (shared / CORPUS / name).read_text("utf-8")
    base, _ = parse_bytes(text.encode("utf-8"))
    events, ledger = parse_bytes(_encode(text, encoding, crlf))
    assert _fields(events) == _fields(base) and events
    if name == FR:
        assert [e.last_error for e in events] == ["Aucune erreur"] * 4
    else:
        assert events[0].data["provider_type"] == "Système"


@pytest.mark.parametrize("encoding", ["utf-16-le-bom", "utf-8-bom", "utf-8", "cp932"])
@pytest.mark.parametrize("crlf", [True, False])
def test_japanese_in_its_encodings(shared, encoding, crlf):
    header = (shared / CORPUS / JA).read_text("utf-8")
    _, empty = parse_bytes(_encode(header, encoding, crlf))
    assert empty.records == 0 and "vssadmin-empty" in codes(empty)

    (ev,), ledger = parse_bytes(_encode(header + JA_BLOCK, encoding, crlf))
    assert (ev.writer_name, ev.writer_state, ev.last_error, ev.hresult) == (
        "System Writer", 1, "エラーなし", "0x00000000",
    )  # fmt: skip
    assert ev.data["state_text"] == "安定"
    assert "state-word-mismatch" not in codes(ledger)


def test_utf16_without_bom(shared):
    text = (shared / CORPUS / EN_FAILED).read_text("utf-8").replace("\n", "\r\n")
    events, _ = parse_bytes(text.encode("utf-16-le"))
    assert [e.writer_state for e in events] == [8, 8, 8, None]


def test_wrong_guess_never_crashes(shared):
    """Invalid bytes in the middle of a UTF-8 capture: replaced, reported, still parsed."""
    text = (shared / CORPUS / EN).read_text("utf-8")
    data = text.encode("utf-8").replace(b"Stable", b"St\xffble", 1)
    data = data.replace(b"Writer name", b"Writer \xe9name", 1)
    events, ledger = parse_bytes(b"x" * 5000 + b"\n" + data)
    assert len(events) == 5
    assert "decode-error" in codes(ledger)
