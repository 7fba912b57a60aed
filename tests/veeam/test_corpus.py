"""Every real excerpt in ../shared/corpus/text/veeam, parsed and checked entry by entry.

Times are asserted with the ``time_source`` each excerpt really supports: only the v11 log that
keeps its run header states an offset (``header``); excerpts cut from inside a run keep local
wall time (``local``); console text and the guest log have no dated time (``none``).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from logscope.ingest import veeam

V = "vbr10_job_log_error_stack_from_test_fixture.log"
V11_HEAD = "vbr11_job_log_header_and_job_start.log"
V11_STACK = "vbr11_job_log_user_cancel_error_and_stacktrace.log"


def test_every_excerpt_is_detected_by_content(veeam_corpus):
    expected = {
        "guest_veeamvsssupport_log_kb2825_keepsnapshot_partial.log": "veeam-guest",
        "hyperv_wmi_checkpoint_errors_msdocs_kb4230569.log": "veeam-session",
        "session_text_console_vm_unavailable_zabbix_issue46.log": "veeam-session",
        "session_text_kb1377_vsscontrol_freeze_timeouts.log": "veeam-session",
        "session_text_kb1680_vss_critical_writer_failed_exchange.log": "veeam-session",
        "session_text_kb2825_rpc_vss_keepsnapshot_0x800401fd.log": "veeam-session",
        V: "veeam",
        V11_HEAD: "veeam",
        V11_STACK: "veeam",
        "vbr_v11_2021_2022_session_lines_quoted_in_zabbix_script.log": "veeam",
        "vbr_v11_2021_repository_info_line_quoted_in_powershell_notes.log": "veeam",
        "vbr_v9_2016_agent_start_lines_quoted_in_sublime_plugin.log": "veeam",
    }
    logs = sorted(p.name for p in veeam_corpus.glob("*.log"))
    assert logs == sorted(expected), "a new excerpt needs its expectations here"
    for name, kind in expected.items():
        head = (veeam_corpus / name).read_bytes()[:65536]
        assert veeam.detect(head, "renamed.bin") == kind, name


def test_v10_error_stack_joins_frames(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / V)
    assert ledger.kind == "veeam"
    assert ledger.records == len(events) == 4
    assert ledger.skipped == 0 and not ledger.problems
    assert [(e.locator.line, e.locator.end_line) for e in events] == [(1, 1), (2, 6), (7, 11), (12, 12)]
    assert {e.level for e in events} == {"Error"}
    first, stack = events[0], events[1]
    assert first.data["tag"] == "SimplePointGenerationPolicy"
    assert first.message == "[SimplePointGenerationPolicy] Transform failed"
    assert stack.data["stack_frames"] == 4
    lines = stack.message.split("\n")
    assert lines[0].startswith("Operation was canceled by user LISA-VBRSQL\\Administrator")
    assert lines[1] == "   at Veeam.Backup.Core.CStopSessionControl.CheckStoped()"
    assert len(lines) == 5
    # v10 layout: no base indent after the 9-column level field
    assert {e.data["indent"] for e in events} == {0}
    # no header in the excerpt, no flag: wall time kept, marked local
    for e in events:
        assert e.time == datetime(2021, 7, 7, 16, 8, 39, tzinfo=UTC)
        assert e.time_source == "local" and e.utc_offset is None
        assert e.data["thread"] == 1


def test_v10_with_flag_offset_converts(veeam_corpus, parse_file):
    events, _ = parse_file(veeam_corpus / V, offset=timedelta(hours=2))
    assert {e.time_source for e in events} == {"flag"}
    assert events[0].time == datetime(2021, 7, 7, 14, 8, 39, tzinfo=UTC)


def test_v11_header_is_metadata_and_states_the_offset(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / V11_HEAD)
    # 52 lines: 1 blank, 26 header lines (incl. its trailing blank), 25 entries
    assert ledger.records == len(events) == 25
    assert ledger.skip_reasons == {"blank line": 1, "run header line": 26}
    assert not ledger.problems
    assert events[0].locator.line == 28
    run = ledger.info["runs"][0]
    assert run["machine"] == "LISA_VBR11"
    assert run["version"] == "11.0.0.837"
    assert run["utc_offset_minutes"] == 120
    assert run["job_session_id"] == "def0e86b-2b4e-4590-bd3f-b4def13526d6"
    for e in events:
        assert e.time_source == "header"
        assert e.time == datetime(2021, 7, 7, 14, 34, 10, tzinfo=UTC)  # 16:34:10 local, +2 h
        assert e.utc_offset == timedelta(hours=2)
        assert e.host == "LISA_VBR11"
        assert e.level == "Info"
        assert e.data["run"] == 1
        assert e.data["job_session_id"] == "def0e86b-2b4e-4590-bd3f-b4def13526d6"
        assert e.data["job_id"] == "1c524887-8a6d-4fac-826a-b088e8c2c0e2"
    by_line = {e.locator.line: e for e in events}
    assert by_line[35].message == "Starting job mode: 'Normal'."
    assert by_line[35].data["status"] == "started"
    assert by_line[36].data["tag"] == "Session" and by_line[36].data["state"] == "Working"
    # the job name is known from "Job Name: [...]" on: it applies to later entries
    assert by_line[43].job_name is None
    assert by_line[44].job_name == "Backup_job_1"
    assert by_line[52].job_name == "Backup_job_1"
    # v11 layout: 4-space base indent, nested Job lines 8
    assert by_line[35].data["indent"] == 4 and by_line[44].data["indent"] == 8
    # the ~6000-character options dump stays one entry on one line
    assert by_line[47].message.startswith("Job Options: [<JobOptionsRoot>")
    assert len(by_line[47].message) > 5000 and by_line[47].message.endswith("</JobOptionsRoot>]")


def test_v11_header_utc_time_matches_stated_offset(veeam_corpus):
    from logscope.ingest.veeam.header import RunHeader

    run = RunHeader(index=1, line=1)
    run.feed(1, "UTC Time: [7/7/2021 2:34:10 PM], DaylightSavingTime: [True]")
    assert run.dst is True
    assert run.offset_from_first_entry(datetime(2021, 7, 7, 16, 34, 10)) == timedelta(hours=2)


def test_v11_user_cancel_entries_levels_and_status(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / V11_STACK, display="Backup_job_1/Job.Backup_job_1.Backup.log")
    assert ledger.skipped == 0 and not ledger.problems
    # 86 lines; 4 Info frames + 2x4 Error frames join their exception line
    assert ledger.records == len(events) == 86 - 12
    levels = [e.level for e in events]
    assert levels.count("Error") == 4
    assert set(levels) == {"Info", "Error"}
    info_stack = events[1]
    assert info_stack.level == "Info" and info_stack.data["stack_frames"] == 4
    assert (info_stack.locator.line, info_stack.locator.end_line) == (2, 6)
    assert all(e.job_name == "Backup_job_1" for e in events)  # from the file name
    assert {e.time_source for e in events} == {"local"}
    by_line = {e.locator.line: e for e in events}
    stopped = next(e for e in events if e.message.startswith("Job has been stopped successfully"))
    assert stopped.data["status"] == "stopped"
    assert stopped.data["job_id"] == "1c524887-8a6d-4fac-826a-b088e8c2c0e2"
    done = next(e for e in events if e.message.startswith("Job session 'ee4fa1eb"))
    assert done.data["status"] == "failed" and done.data["scope"] == "job"
    assert done.data["job_session_id"] == "ee4fa1eb-c516-4795-bdcf-ecc78e917557"
    assert done.time == datetime(2021, 7, 7, 16, 43, 8, tzinfo=UTC)
    assert by_line[9].data["state"] == "Stopping"
    retry = next(e for e in events if "wouldBeRetried" in e.message)
    assert retry.data["would_retry"] == "False"
    agent = next(e for e in events if "Sending signal to stop agent" in e.message)
    assert agent.data["tag"] == "AgentMngr"
    assert agent.data["target_host"] == "Lisa_VBR11.support2.veeam.local"
    assert by_line[61].data["thread"] == 22
    load = next(e for e in events if e.message.startswith("Load: "))
    assert load.message == "Load: Source 95% > Proxy 0% > Network 0% > Target 0%"


def test_v9_agent_lines(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / "vbr_v9_2016_agent_start_lines_quoted_in_sublime_plugin.log")
    assert ledger.records == 2 and not ledger.problems
    a, b = events
    assert a.data["tag"] == "AgentMngr" and b.data["tag"] == "ProxyAgent"
    assert a.data["thread"] == 44 and a.data["indent"] == 0
    assert a.data["target_host"] == "host.vmware.local"
    assert a.time == datetime(2016, 8, 31, 1, 43, 18, tzinfo=UTC) and a.time_source == "local"


def test_v11_session_lines(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / "vbr_v11_2021_2022_session_lines_quoted_in_zabbix_script.log")
    assert ledger.records == 3 and not ledger.problems
    assert events[0].data["status"] == "success"
    assert events[0].data["job_session_id"] == "16a6046b-eac7-4f4f-909e-3830ee2815d7"
    assert events[1].data["job_session_id"] == "38129ee8-e20f-4912-ae5e-f0176077f0f9"
    assert events[2].message.endswith("State 'Working'.")  # trailing space dropped
    assert [e.time.year for e in events] == [2021, 2022, 2022]
    assert {e.time_source for e in events} == {"local"}


def test_quoted_repository_line_is_one_entry_and_flagged(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / "vbr_v11_2021_repository_info_line_quoted_in_powershell_notes.log")
    assert ledger.records == 1
    (e,) = events
    assert (e.locator.line, e.locator.end_line) == (1, 6)
    assert e.data["quoted_by"] == "Count = 0  Value ="
    assert e.message.startswith("RepositoryID: e363ecf2-e5e6-4eaa-9c6d-e011d9f5c680")
    assert e.time == datetime(2021, 10, 8, 12, 7, 16, tzinfo=UTC)
    assert [p.code for p in ledger.problems] == ["quoted-log"]


def test_guest_log_has_no_date(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / "guest_veeamvsssupport_log_kb2825_keepsnapshot_partial.log")
    assert ledger.kind == "veeam-guest" and ledger.records == 4 and not ledger.problems
    assert [e.level for e in events] == ["Info", "Info", "Info", None]
    assert {e.time_source for e in events} == {"none"}
    assert all(e.time is None and e.data["time_of_day"] == "14:25:06" for e in events)
    assert {e.data["thread"] for e in events} == {224}
    assert events[0].message == "RPC: KeepSnapshotEx"
    assert events[2].data["guest_job_id"] == "vss_job_guid"


def test_console_session_text(veeam_corpus, parse_file):
    events, ledger = parse_file(veeam_corpus / "session_text_console_vm_unavailable_zabbix_issue46.log")
    assert ledger.kind == "veeam-session" and ledger.records == 3
    head, details, nothing = events
    assert head.job_name == "TEC-SERVEUR.BE10J"
    assert head.data["retry"] == 2 and head.data["status"] == "failed"
    assert head.time == datetime(2016, 5, 25, 22, 51, tzinfo=UTC) and head.time_source == "local"
    assert (details.locator.line, details.locator.end_line) == (2, 3)
    assert details.vm_name == "TEC.SERVEUR.BE" and details.data["status"] == "skipped"
    assert details.job_name == "TEC-SERVEUR.BE10J" and details.data["retry"] == 2
    assert details.time is None and details.time_source == "none"
    assert nothing.level == "Info"


def test_session_text_guest_errors(veeam_corpus, parse_file):
    ev, _ = parse_file(veeam_corpus / "session_text_kb1680_vss_critical_writer_failed_exchange.log")
    writer = ev[2]
    assert writer.writer_name == "Microsoft Exchange Writer"
    assert writer.writer_id == "76fe1ac4-15f7-4bcd-987e-8e1acb462fb7"
    assert writer.writer_state == 9 and writer.data["writer_state_name"] == "VSS_WS_FAILED_AT_FREEZE"
    assert writer.hresult == "0x800423F2"
    assert {e.level for e in ev} == {"Error"}
    ev, _ = parse_file(veeam_corpus / "session_text_kb2825_rpc_vss_keepsnapshot_0x800401fd.log")
    assert [e.hresult for e in ev] == ["0x800401FD", "0x800401FD"]
    assert [e.data["rpc"] for e in ev] == ["Vss.FinishSnapshot", "Vss.KeepSnapshot"]
    ev, _ = parse_file(veeam_corpus / "session_text_kb1377_vsscontrol_freeze_timeouts.log")
    assert len(ev) == 2 and all(e.data["status"] == "failed" for e in ev)
    assert all(e.time is None and e.time_source == "none" for e in ev)


def test_wmi_checkpoint_codes(veeam_corpus, parse_file):
    ev, ledger = parse_file(veeam_corpus / "hyperv_wmi_checkpoint_errors_msdocs_kb4230569.log")
    assert ledger.records == 4
    assert [e.data.get("wmi_code") for e in ev] == [32768, 32770, 32775, None]
    assert ev[3].vm_name == "BackupVM" and ev[3].hresult == "0x80070005"
    assert ev[3].event_id == 19100 and ev[3].provider == "Hyper-V-VMMS"
