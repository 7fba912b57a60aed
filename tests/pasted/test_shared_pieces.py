"""paste_clean and codes: the pieces every pasted-text reader shares.

The message texts are real public ones; each test names where it was published.
"""

from __future__ import annotations

from logscope.events import Event, Locator
from logscope.ingest.codes import find_codes, apply_codes
from logscope.ingest.paste_clean import clean_text, record_repairs
from logscope.ledger import FileLedger

# https://mskb.pkisolutions.com/kb/3175561 (KB3175561, archive): both error messages
KB3175561_MSG2 = "<VMName> could not initiate a checkpoint operation: The file exists. (0x80070050)."
KB3175561_MSG1 = "#define VSS_E_AUTORECOVERY_FAILED ((HRESULT)0x800423FBL)"


def test_quote_fence_entity_and_rewrap_damage_is_undone_with_line_map() -> None:
    # KB3175561's message as a Markdown reply would carry it: nested quotes, a fence, an
    # HTML entity for < >, and a mail client's wrap at 72 columns
    pasted = (
        "> > ```\n"
        "> > &lt;VMName&gt; could not initiate a checkpoint operation: The file\n"
        "> > exists. (0x80070050).\n"
        "> > ```\n"
    )
    cleaned = clean_text(pasted, join_wrapped=True)
    texts = [cl.text for cl in cleaned.lines]
    assert texts == [KB3175561_MSG2]
    assert (cleaned.lines[0].line, cleaned.lines[0].end_line) == (2, 3)
    assert cleaned.repairs["code fence"] == 2
    assert cleaned.repairs["quote prefix removed"] == 8
    assert cleaned.first_line["HTML entity decoded"] == 2


def test_no_join_when_lines_were_not_wrapped() -> None:
    text = "Log Name: Microsoft-Windows-Hyper-V-VMMS-Admin\nSource: Hyper-V-VMMS\nShort\nline"
    cleaned = clean_text(text)
    assert [cl.text for cl in cleaned.lines] == text.splitlines()
    assert not cleaned.repairs


def test_guid_cut_by_a_hard_wrap_is_joined_without_space() -> None:
    left = "'SQL01' failed to create checkpoint. (Virtual machine ID 1D6A3C2E-55"
    text = left + " " * (72 - len(left)) + "\n" + "AB-4C3D-9E8F-0123456789AB)\n"
    text = text.replace(" " * (72 - len(left)) + "\n", "\n")
    cleaned = clean_text("x" * 72 + "\n\n" + text)
    assert "1D6A3C2E-55AB-4C3D-9E8F-0123456789AB" in cleaned.text()


def test_smart_quotes_nbsp_zero_width_bullets_backticks() -> None:
    text = "\u2022 \u2018VM01\u2019\u00a0could not\u200b initiate a `checkpoint` \u2026"
    cleaned = clean_text(text)
    assert cleaned.lines[0].text == "'VM01' could not initiate a checkpoint ..."
    for repair in ("bullet removed", "smart quote normalised", "non-breaking space normalised",
                   "zero-width or bidi character removed", "backticks removed",
                   "cut mark ... kept"):
        assert cleaned.repairs[repair] == 1, repair


def test_br_splits_and_keeps_line_number() -> None:
    cleaned = clean_text("first<br>second<br/>third\nfourth")
    assert [(c.text, c.line) for c in cleaned.lines] == [
        ("first", 1), ("second", 1), ("third", 1), ("fourth", 2)]
    assert cleaned.repairs["<br> line break"] == 2


def test_repairs_go_to_the_ledger_counted_with_first_line() -> None:
    ledger = FileLedger("paste.txt")
    record_repairs(ledger, clean_text("x\n> a\n> b\nc ..."))
    assert ledger.info["paste_repairs"]["quote prefix removed"] == {"count": 2, "first_line": 2}
    assert ledger.info["paste_repairs"]["cut mark ... kept"]["count"] == 1
    codes = {p.code for p in ledger.problems}
    assert codes == {"paste-repair"}
    assert len(ledger.problems) == 1  # the cut mark is a person's, not damage


def test_every_hresult_form_is_one_code() -> None:
    assert find_codes(KB3175561_MSG2).hresults == ["0x80070050"]
    found = find_codes(KB3175561_MSG1)
    assert found.hresults == ["0x800423FB"] and found.vss_errors == ["VSS_E_AUTORECOVERY_FAILED"]
    for form in ("0x800423F4", "0X800423f4", "error 800423F4", "%%2147754996", "2147754996",
                 "-2147212300", "(0x800423F4)", "HRESULT = 0x800423f4", "hr = 0x800423F4",
                 "Fehlercode: 800423F4", "エラー ０x８００４２３Ｆ４", "VSS_E_WRITERERROR_NONRETRYABLE"):
        assert find_codes(form).hresults == ["0x800423F4"], form


def test_bare_numbers_need_a_code_context() -> None:
    assert find_codes("copied 80070070 bytes on 20261204").hresults == []
    assert find_codes("error code 80070070").hresults == ["0x80070070"]
    # a GUID's first group is not an HRESULT
    assert find_codes("(Virtual machine ID 8E3FA1B2-1111-2222-3333-444455556666)").hresults == []


def test_wmi_and_win32_codes() -> None:
    # Veeam's form of a Hyper-V WMI job failure ("Error code: '32768'")
    c = find_codes("Failed to create VM recovery checkpoint. Error code: '32768'.")
    assert c.wmi_codes == [32768] and c.hresults == []
    assert find_codes("a buffer of 32768 bytes").wmi_codes == []
    assert find_codes("The job failed, return value 32775").wmi_codes == [32775]
    assert find_codes("failed with error 32.").win32_codes == [32]
    assert find_codes("Win32 error 0x20 at 12:30").win32_codes == [32]
    assert find_codes("error 0x80070020").win32_codes == []


def test_apply_fills_contract_fields() -> None:
    ev = Event(kind="message-text", file="x", locator=Locator(line=1),
               message="VSS_E_INSUFFICIENT_STORAGE then 0x80070070, Error code: '32768'")
    apply_codes(ev)
    assert ev.hresult == "0x8004231F"
    assert ev.data["hresults"] == ["0x8004231F", "0x80070070"]
    assert ev.data["vss_error"] == "VSS_E_INSUFFICIENT_STORAGE"
    assert ev.data["wmi_code"] == 32768
    ev2 = Event(kind="message-text", file="x", locator=Locator(line=1), message="hr = 0x800423f3")
    apply_codes(ev2)
    assert ev2.data["vss_error"] == "VSS_E_WRITERERROR_RETRYABLE"
