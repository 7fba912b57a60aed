"""Every real capture in ../shared/corpus/text/vssadmin, with expectations written by hand.

Each expectation below was read off the capture itself (see its ``.source``): writer names in
order, the bracketed state, the last error as printed and its HRESULT.
"""

from __future__ import annotations

import pytest
from vssadmin_helpers import codes, parse_corpus, problem

from logscope.ingest import vssadmin

NO_ERROR = ("No error", "0x00000000")

# file -> [(writer name, writer id, state, last error, hresult)]; state None = block cut off
WRITERS = {
    "en_cssexchange2093_exchange_writer_failed_not_responding_emailquoted.txt": [
        ("Microsoft Exchange Writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", 8, "Not responding", "0x80042319"),
    ],
    "en_cssexchange2093_list_writers_stable_partial.txt": [
        ("Task Scheduler Writer", "d61d61c8-d73a-4eee-8cdd-f6f9786b7124", 1, *NO_ERROR),
        ("VSS Metadata Store Writer", "75dfb225-e2e4-4d39-9ac9-ffaff65ddf06", 1, *NO_ERROR),
        ("Performance Counters Writer", "0bada1de-01a9-4625-8278-69e735f39dd2", 1, *NO_ERROR),
        ("System Writer", "e8132975-6f93-4464-a53e-1050253ae220", 1, *NO_ERROR),
        ("ASR Writer", "be000cbe-11fe-4426-9c58-531aa6355fc4", None, None, None),
    ],
    "en_elstar_forum_writers_failed_no_error_noindent_partial.txt": [
        ("ASR Writer", "be000cbe-11fe-4426-9c58-531aa6355fc4", 8, *NO_ERROR),
        ("System Writer", "e8132975-6f93-4464-a53e-1050253ae220", 8, *NO_ERROR),
        ("SqlServerWriter", "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a", 8, *NO_ERROR),
        # GUID cut after "{66841cd4-6ded-4f4b-8f17-": the well-known id is filled in
        ("Microsoft Hyper-V VSS Writer", "66841cd4-6ded-4f4b-8f17-fd23f8ddc3de", None, None, None),
    ],
    "en_lanyon_blogpost_2011_wmi_writer_7_failed_edited.txt": [
        ("System Writer", "e8132975-6f93-4464-a53e-1050253ae220", 1, *NO_ERROR),  # printed "[1] Failed"
        ("SqlServerWriter", "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a", 1, *NO_ERROR),
        ("MSDEWriter", "f8544ac1-0611-4fa5-b04b-f7ee00b03277", 1, *NO_ERROR),
        ("WMI Writer", "a6ad56c2-b509-4e6c-bb19-49d8f43532f0", 7, *NO_ERROR),
    ],
    "en_msdocs_kb4037535_exchange_writer_stable_retryable_markdown.txt": [
        ("Microsoft Exchange Writer", "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7", 1, "Retryable error", "0x800423F3"),
    ],
    "en_msdocs_kb4504103_sqlserverwriter_11_failed_nonretryable_markdown.txt": [
        ("SqlServerWriter", "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a", 11, "Non-retryable error", "0x800423F4"),
    ],
    "en_msdocs_ntds_writer_11_failed_nonretryable_markdown.txt": [
        ("NTDS", "b2014c9e-8711-4c5c-a5a9-3cf384484757", 11, "Non-retryable error", "0x800423F4"),
    ],
    "fr_openzfs406_list_writers_stable_partial.txt": [
        ("Task Scheduler Writer", "d61d61c8-d73a-4eee-8cdd-f6f9786b7124", 1, "Aucune erreur", "0x00000000"),
        ("VSS Metadata Store Writer", "75dfb225-e2e4-4d39-9ac9-ffaff65ddf06", 1, "Aucune erreur", "0x00000000"),
        ("Performance Counters Writer", "0bada1de-01a9-4625-8278-69e735f39dd2", 1, "Aucune erreur", "0x00000000"),
        ("System Writer", "e8132975-6f93-4464-a53e-1050253ae220", 1, "Aucune erreur", "0x00000000"),
    ],
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(WRITERS))
def test_writer_captures(shared, name):
    events, ledger = parse_corpus(shared, name)
    got = [(e.writer_name, e.writer_id, e.writer_state, e.last_error, e.hresult) for e in events]
    assert got == WRITERS[name]
    assert ledger.records == len(WRITERS[name])
    assert ledger.kind == "vssadmin"
    for e in events:
        assert e.kind == "vssadmin" and e.file == name
        assert e.time is None and e.time_source == "none"
        assert e.data["listing"] == "writers" and e.data["capture"] == 1
        assert e.locator.line is not None and e.locator.end_line >= e.locator.line


@pytest.mark.parametrize("name", sorted(WRITERS) + ["ja_jpwinsup_list_writers_no_writers.txt"])
def test_detected_by_content(shared, name):
    data = (shared / "corpus/text/vssadmin" / name).read_bytes()
    assert vssadmin.detect(data, "renamed.bin") == "vssadmin"


def test_sqlserverwriter_seed_block(shared):
    (ev,), ledger = parse_corpus(
        shared, "en_msdocs_kb4504103_sqlserverwriter_11_failed_nonretryable_markdown.txt"
    )
    assert ev.message == "Writer 'SqlServerWriter' state [11] Failed, last error: Non-retryable error"
    assert ev.data["state_name"] == "VSS_WS_FAILED_AT_POST_SNAPSHOT"
    assert ev.data["writer_id_inferred"] is True
    assert (ev.locator.line, ev.locator.end_line) == (1, 5)
    # both ids were "{ID}" in the article: one problem each, on their lines
    masked = [p for p in ledger.problems if p.code == "guid-masked"]
    assert [p.where for p in masked] == ["line 2", "line 3"]
    assert problem(ledger, "quote-prefix").where == "line 1"


def test_exchange_failed_not_responding_email_damage(shared):
    (ev,), ledger = parse_corpus(
        shared, "en_cssexchange2093_exchange_writer_failed_not_responding_emailquoted.txt"
    )
    assert ev.data["instance_id"] == "0ae5d2c7-a9fe-43f9-a61f-86563b439453"
    assert (ev.locator.line, ev.locator.end_line) == (1, 9)
    blank = problem(ledger, "blank-in-block")
    assert blank.where == "line 2" and "4 lines" in blank.message


def test_number_wins_over_word(shared):
    events, ledger = parse_corpus(shared, "en_lanyon_blogpost_2011_wmi_writer_7_failed_edited.txt")
    system = events[0]
    assert system.writer_state == 1 and system.data["state_text"] == "Failed"
    assert system.data["failed"] is False
    mismatch = [p for p in ledger.problems if p.code == "state-word-mismatch"]
    assert len(mismatch) == 1 and mismatch[0].where == "line 8"
    assert events[3].data["state_name"] == "VSS_WS_FAILED_AT_PREPARE_BACKUP"


def test_stable_with_retryable_error_is_kept(shared):
    (ev,), _ = parse_corpus(
        shared, "en_msdocs_kb4037535_exchange_writer_stable_retryable_markdown.txt"
    )
    assert ev.writer_state == 1 and ev.hresult == "0x800423F3"
    assert ev.data["failed"] is False


def test_truncated_guid_and_cut_block(shared):
    events, ledger = parse_corpus(
        shared, "en_elstar_forum_writers_failed_no_error_noindent_partial.txt"
    )
    hv = events[-1]
    assert hv.data["complete"] is False and hv.data["writer_id_inferred"] is True
    assert problem(ledger, "guid-truncated").where == "line 21"
    assert problem(ledger, "block-cut-off").where == "line 21"
    assert problem(ledger, "no-indent").where == "line 6"
    assert ledger.info["vssadmin_captures"][0]["complete"] is False


def test_partial_capture_cut_inside_record(shared):
    events, ledger = parse_corpus(shared, "en_cssexchange2093_list_writers_stable_partial.txt")
    assert [e.locator.line for e in events] == [8, 14, 20, 26, 32]
    assert events[-1].message == "Writer 'ASR Writer' (block cut off before its state)"
    assert "block-cut-off" in codes(ledger)
    # the two "Waiting for responses." lines are header text, not noise
    assert "stray-line" not in codes(ledger)


def test_french_labels(shared):
    events, ledger = parse_corpus(shared, "fr_openzfs406_list_writers_stable_partial.txt")
    assert all(e.data["state_text"] == "Stable" for e in events)
    assert codes(ledger) == ["backtick"]


def test_japanese_banner_without_writers(shared):
    events, ledger = parse_corpus(shared, "ja_jpwinsup_list_writers_no_writers.txt")
    assert events == [] and ledger.records == 0
    empty = problem(ledger, "vssadmin-empty")
    assert empty.where == "line 2" and "writers" in empty.message
    assert problem(ledger, "typographic-dash").where == "line 2"


def test_script_prefixed_unexpected_error(shared):
    events, ledger = parse_corpus(shared, "en_cwkhristos_script_log_vssadmin_unexpected_error.txt")
    assert events == [] and ledger.records == 0
    err = problem(ledger, "vssadmin-error")
    assert err.where == "line 3"
    assert "0x80042302" in err.message and "unexpected error" in err.message
    assert problem(ledger, "script-prefix").where == "line 1"
    assert ledger.info["vssadmin_captures"][0]["error"] == "0x80042302"


SHADOWS = {
    "en_htb_writeup_list_shadows_clientaccessible.txt": (
        "046396e4-6312-45b7-96cd-5e5f6fb017ef", "001689e5-f1a7-40a8-8b5b-8b6371bd07ca",
        "9/9/2019 3:10:57 AM", "2019-09-09T03:10:57+00:00", "dev.htb.local", "ClientAccessible", 7,
    ),
    "en_ctfnotes_list_shadows_ddmmyyyy_time.txt": (
        "7c036cc7-93e5-4fcd-af60-7b6962dd711f", "cdf70d69-615e-4c56-9359-c9ca584f0d3e",
        "25-08-2022 12:16:16", "2022-08-25T12:16:16+00:00", "winwork.misthios.ncg.in", "ClientAccessible", 7,
    ),
    "en_chatlog_list_shadows_restore_point_clientaccessiblewriters.txt": (
        "f0fb3ad5-51e0-4244-9ba7-2b145c749998", "17f740d2-a681-4980-a131-9a4a5ae3db5a",
        "12/20/2025 11:27:53 AM", "2025-12-20T11:27:53+00:00", "MikesPC", "ClientAccessibleWriters", 3,
    ),
}  # fmt: skip


@pytest.mark.parametrize("name", sorted(SHADOWS))
def test_shadow_captures(shared, name):
    sid, set_id, ctext, iso, host, typ, line = SHADOWS[name]
    (ev,), ledger = parse_corpus(shared, name)
    assert ev.data["listing"] == "shadows"
    assert (ev.data["shadow_id"], ev.data["set_id"], ev.data["creation_time_text"]) == (sid, set_id, ctext)
    assert ev.time.isoformat() == iso and ev.time_source == "local"  # wall time, zone unknown
    assert ev.host == host and ev.data["service_machine"] == host
    assert ev.data["type"] == typ and ev.data["shadow_count"] == 1
    assert ev.data["provider_name"] == "Microsoft Software Shadow Copy provider 1.0"
    assert "Differential" in ev.data["attributes"]
    assert ev.locator.line == line and ev.locator.end_line == line + 7
    assert ledger.problems == []


def test_no_shadows(shared):
    events, ledger = parse_corpus(shared, "en_fixture_verbatim_list_shadows_none.txt")
    assert events == [] and ledger.records == 0
    p = problem(ledger, "vssadmin-empty")
    assert p.where == "line 4" and "No items found" in p.message


@pytest.mark.parametrize(
    ("name", "used", "used_bytes", "ratio"),
    [
        ("en_fixture_verbatim_list_shadowstorage_full.txt", "1.93 GB (1%)", int(1.93 * 2**30), 0.965),
        ("en_fixture_verbatim_list_shadowstorage_empty_0_bytes.txt", "0 bytes (0%)", 0, 0.0),
    ],
)
def test_shadowstorage(shared, name, used, used_bytes, ratio):
    (ev,), ledger = parse_corpus(shared, name)
    assert ev.data["listing"] == "shadowstorage"
    assert ev.data["for_volume"] == "(C:)\\\\?\\Volume{cbd6257a-71bb-4473-b800-498f0a8e380c}\\"
    assert ev.data["used"] == used and ev.data["used_bytes"] == used_bytes
    assert ev.data["maximum"] == "2.00 GB (1%)" and ev.data["maximum_bytes"] == 2 * 2**30
    assert ev.data["used_of_maximum"] == ratio
    assert (ev.locator.line, ev.locator.end_line) == (4, 9)
    assert ledger.records == 1 and ledger.problems == []


def test_french_provider(shared):
    (ev,), ledger = parse_corpus(shared, "fr_burp753_list_providers.txt")
    assert ev.data["provider_name"] == "Microsoft Software Shadow Copy provider 1.0"
    assert ev.data["provider_type"] == "Système"
    assert ev.data["provider_id"] == "b5946137-7b9f-4925-af80-51abd60b20d5"
    assert ev.data["version"] == "1.0.0.7"
    assert (ev.locator.line, ev.locator.end_line) == (5, 8)
    assert ledger.records == 1 and ledger.problems == []


def test_every_capture_is_covered(shared):
    names = {p.name for p in (shared / "corpus/text/vssadmin").glob("*.txt")}
    covered = set(WRITERS) | set(SHADOWS) | {
        "ja_jpwinsup_list_writers_no_writers.txt",
        "en_cwkhristos_script_log_vssadmin_unexpected_error.txt",
        "en_fixture_verbatim_list_shadows_none.txt",
        "en_fixture_verbatim_list_shadowstorage_full.txt",
        "en_fixture_verbatim_list_shadowstorage_empty_0_bytes.txt",
        "fr_burp753_list_providers.txt",
    }
    assert names <= covered, names - covered
