"""diskshadow console output and script logs (kind ``diskshadow``), real public samples
(data/SOURCES.md): openzfsonwindows/openzfs issue 406, restic/restic issue 340, Microsoft
KB 943471 (Markdown as published)."""

from __future__ import annotations

from logscope.ingest.diskshadow import reader
from tests.pasted_readers.helpers import DATA, accounted, read_sample, read_text


def test_last_operation_failed_provider_veto():
    # source: https://github.com/openzfsonwindows/openzfs/issues/406
    events, led = read_sample("diskshadow_openzfs406_provider_veto.txt")
    assert led.kind == "diskshadow" and led.records == len(events) == 1
    ev = events[0]
    assert (ev.locator.line, ev.locator.end_line) == (7, 9)
    assert ev.level == "Error" and ev.data["command"] == "create"
    assert ev.hresult == "0x80042306" and ev.data["hresults"] == ["0x80042306"]
    assert ev.data["vss_error"] == "VSS_E_PROVIDER_VETO"
    assert ev.time_source == "none"
    assert led.skip_reasons["command line (kept as data.command)"] == 5
    assert [c["command"] for c in led.info["commands"]][-1] == "create"
    assert accounted(events, led)


def test_shadow_copy_created_block():
    # source: https://github.com/openzfsonwindows/openzfs/issues/406
    events, led = read_sample("diskshadow_openzfs406_noautorecover_created.txt")
    assert led.kind == "diskshadow" and len(events) == 1
    assert events[0].data["shadow_id"] == "{50ca3407-1494-4784-ac5a-58eb49df0f7d}"
    assert events[0].level == "Information" and events[0].locator.line == 11
    assert accounted(events, led)


def test_script_log_banner_host_and_excluded_writers():
    # source: https://github.com/restic/restic/issues/340
    events, led = read_sample("diskshadow_restic340_script_writer_excluded.txt")
    assert led.kind == "diskshadow"
    assert led.info["computer"] == "HOSTNAME" and led.info["started"] == "6/2/2019 2:55:20 PM"
    assert [e.writer_name for e in events] == ["Shadow Copy Optimization Writer",
                                               "Task Scheduler Writer", "SqlServerWriter"]
    assert all(e.host == "HOSTNAME" and e.level == "Warning" for e in events)
    assert events[1].data["component"] == "\\TasksStore"
    # the wrapped "because it requires volume C:\ ..." line belongs to its component line
    assert (events[1].locator.line, events[1].locator.end_line) == (15, 16)
    assert "not in the shadow copy set" in events[1].message
    assert events[0].data["command"] == "CREATE"
    assert led.skip_reasons["cut mark"] == 1
    assert accounted(events, led)


def test_writer_failed_state_markdown_kb943471():
    # source: https://learn.microsoft.com/en-us/troubleshoot/sql/database-engine/
    #         backup-restore/error-when-you-create-a-snapshot
    events, led = read_sample("diskshadow_kb943471_writer_failed_markdown.txt")
    assert led.kind == "diskshadow" and len(events) == 1
    ev = events[0]
    assert ev.writer_name == "Microsoft Writer (Service State)"
    assert ev.writer_state == 8
    assert ev.data["writer_state_name"] == "VSS_WS_FAILED_AT_PREPARE_SNAPSHOT"
    assert ev.hresult == "0x800423F4" and ev.last_error == "VSS_E_WRITERERROR_NONRETRYABLE"
    assert ev.level == "Error" and (ev.locator.line, ev.locator.end_line) == (1, 5)
    assert ev.writer_id is None  # the article replaced the GUIDs by placeholders
    assert {p.code for p in led.problems} == {"paste-repair"}
    assert accounted(events, led)


def test_writer_status_listing_fields_by_value():
    # the status layout of the sample above, unquoted, with ids and a stable writer after it
    text = (
        "Listing writer status ...\n\n"
        '        * WRITER "Microsoft Hyper-V VSS Writer"\n'
        "                - Status: 7 (VSS_WS_FAILED_AT_PREPARE_BACKUP)\n"
        "                - Writer Failure code: 0x800423f3 (VSS_E_WRITERERROR_RETRYABLE)\n"
        "                - Writer ID: {66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}\n"
        "                - Instance ID: {1d0c5a2b-4f55-4e2a-9f2b-3c8d0e7a6b11}\n\n"
        '        * WRITER "System Writer"\n'
        "                - Status: 1 (VSS_WS_STABLE)\n"
        "                - Writer Failure code: 0x00000000 (S_OK)\n"
        "                - Writer ID: {e8132975-6f93-4464-a53e-1050253ae220}\n"
    )
    events, led = read_text(text)
    assert led.kind == "diskshadow" and len(events) == 2
    hv, system = events
    assert hv.writer_id == "66841cd4-6ded-4f4b-8f17-fd23f8ddc3de" and hv.writer_state == 7
    assert hv.last_error == "VSS_E_WRITERERROR_RETRYABLE" and hv.level == "Error"
    assert hv.data["instance_id"] == "1d0c5a2b-4f55-4e2a-9f2b-3c8d0e7a6b11"
    assert system.last_error == "No error" and system.hresult is None
    assert system.level == "Information" and system.writer_state == 1
    assert accounted(events, led)


def test_vssadmin_and_plain_text_are_not_diskshadow():
    assert reader.detect(b"vssadmin 1.1 - Volume Shadow Copy Service administrative command-line"
                         b" tool\nWriter name: 'System Writer'\n", "x.txt") is None
    assert reader.detect(b"The backup failed with an error.\n", "x.txt") is None


def test_huge_output_is_read_in_chunks(monkeypatch):
    monkeypatch.setattr(reader, "CHUNK_LINES", 8)
    one = (DATA / "diskshadow_openzfs406_provider_veto.txt").read_text("utf-8")
    events, led = read_text((one + "\n") * 40)
    assert len(events) == 40 and all(e.data["vss_error"] == "VSS_E_PROVIDER_VETO" for e in events)
    assert accounted(events, led)
