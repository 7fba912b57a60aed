"""The per-format samples in samples/veeam (written from documented templates, see its README)."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime, timedelta

from .conftest import parse_bytes

JOB = "Job.SQL_Backup.Backup.log"
TASK = "Task.SQL01.a7e3b5d1-9c2f-4e8a-b6d4-0f1e2c3a5b79.log"
EXPORT = "2021-03-30T091500_VeeamBackupLogs.zip/VBR01/Backup/SQL_Backup/"


def _job(samples, **kw):
    return parse_bytes((samples / "veeam" / JOB).read_bytes(), EXPORT + JOB, **kw)


def test_job_log_runs_follow_the_dst_change(samples):
    events, ledger = _job(samples)
    assert ledger.records == len(events) == 27
    assert ledger.skip_reasons == {"blank line": 2, "run header line": 32}
    assert not ledger.problems
    runs = ledger.info["runs"]
    assert [r["utc_offset_minutes"] for r in runs] == [60, 120]
    assert ledger.info["offset_changes"] == [{"line": 41, "from_minutes": 60, "to_minutes": 120}]
    first = [e for e in events if e.data["run"] == 1]
    second = [e for e in events if e.data["run"] == 2]
    assert {e.utc_offset for e in first} == {timedelta(hours=1)}
    assert {e.utc_offset for e in second} == {timedelta(hours=2)}
    assert {e.time_source for e in events} == {"header"}
    # 22:00:02 local at +1 h (before DST), 22:00:01 local at +2 h (after)
    assert first[0].time == datetime(2021, 3, 27, 21, 0, 2, tzinfo=UTC)
    assert second[0].time == datetime(2021, 3, 29, 20, 0, 1, tzinfo=UTC)


def test_job_log_export_layout_server_and_host(samples):
    events, ledger = _job(samples)
    assert ledger.info["server"] == "VBR01" and ledger.info["log_type"] == "job"
    assert {e.data["server"] for e in events} == {"VBR01"}
    assert {e.host for e in events} == {"VBR01"}  # header MachineName


def test_job_log_p44_entry_with_continuation(samples):
    events, _ = _job(samples)
    fail = next(e for e in events if e.message.startswith("Failed to create VM recovery checkpoint"))
    assert (fail.locator.line, fail.locator.end_line) == (27, 29)
    assert fail.message.count("\n") == 2 and fail.message.endswith("Error code: '32768'.")
    assert fail.level == "Error"
    assert fail.vm_name == "SQL01"
    assert fail.vm_id == "4e0e1f4e-8d2c-4b7a-9a51-2f0c7d3e6b10"
    assert fail.hresult == "0x800423F4"
    assert fail.data["wmi_code"] == 32768
    assert fail.data["status"] == "failed"
    assert fail.data["mode"] == "Veeam application-aware processing"
    assert fail.data["thread"] == 18
    assert fail.job_name == "SQL Backup"
    assert fail.data["job_session_id"] == "3f9a1c77-2b6e-4d8a-a1f0-5c2e9d7b4a13"
    assert fail.time == datetime(2021, 3, 27, 21, 2, 11, tzinfo=UTC)
    stack = next(e for e in events if e.message.startswith("Job failed (Veeam"))
    assert stack.data["stack_frames"] == 2 and (stack.locator.line, stack.locator.end_line) == (30, 32)


def test_job_log_status_changes(samples):
    events, _ = _job(samples)
    changes = [(e.locator.line, e.data.get("scope"), e.data["status"], e.vm_name)
               for e in events if "status" in e.data]
    assert changes == [
        (18, "job", "started", None),
        (19, None, "in_progress", None),
        (25, "task", "started", "SQL01"),
        (26, "task", "in_progress", "SQL01"),
        (27, "task", "failed", "SQL01"),
        (33, "task", "failed", "SQL01"),
        (35, "job", "failed", None),
        (39, "job", "failed", None),
        (57, "job", "started", None),
        (58, None, "in_progress", None),
        (60, "task", "started", "SQL01"),
        (61, "task", "in_progress", "SQL01"),
        (62, "task", "success", "SQL01"),
        (65, "job", "success", None),
    ]
    task_done = next(e for e in events if e.locator.line == 33)
    assert task_done.data["reason"] == "Failed to create VM recovery checkpoint (mode: Veeam application-aware processing)"
    assert task_done.data["task_session_id"] == "a7e3b5d1-9c2f-4e8a-b6d4-0f1e2c3a5b79"
    assert next(e for e in events if e.locator.line == 36).data["would_retry"] == "True"
    agent = next(e for e in events if e.data.get("tag") == "AgentMngr")
    assert agent.data["target_host"] == "HV01.corp.local"


def test_job_name_from_file_until_the_log_names_it(samples):
    events, _ = _job(samples)
    assert events[0].job_name == "SQL_Backup"  # file name: spaces became underscores
    assert {e.job_name for e in events[3:]} == {"SQL Backup"}


def test_task_log_vm_from_file_name_job_from_folder(samples):
    data = (samples / "veeam" / TASK).read_bytes()
    events, ledger = parse_bytes(data, EXPORT + TASK)
    assert ledger.records == 3 and ledger.info["log_type"] == "task"
    assert {e.vm_name for e in events} == {"SQL01"}
    assert {e.job_name for e in events} == {"SQL_Backup"}
    assert {e.time_source for e in events} == {"header"}
    assert events[2].data["wmi_code"] == 32768


def test_gzip_rolled_log_reads_the_same(samples):
    raw = (samples / "veeam" / JOB).read_bytes()
    plain, _ = parse_bytes(raw, EXPORT + JOB)
    packed, ledger = parse_bytes(gzip.compress(raw), EXPORT + JOB + ".1.gz")
    assert ledger.info["compressed"] == "gzip" and ledger.kind == "veeam"
    assert [(e.locator.line, e.message, e.time) for e in packed] == \
           [(e.locator.line, e.message, e.time) for e in plain]
    assert packed[0].job_name == "SQL_Backup"  # .1.gz stripped from the name


def test_sqlwriter_log(samples):
    events, ledger = parse_bytes((samples / "veeam" / "SqlWriterLogger.txt").read_bytes(),
                                 "SQL01/SqlWriterLogger.txt")
    assert ledger.kind == "sqlwriter-log"
    assert ledger.records == len(events) == 12
    assert ledger.skip_reasons == {"banner line": 10}
    assert ledger.info["sqlwriter_version"] == "15.0.4123.1"
    assert {e.time_source for e in events} == {"header"}
    assert {e.writer_name for e in events} == {"SqlServerWriter"}
    assert events[0].time == datetime(2021, 3, 27, 21, 1, 52, tzinfo=UTC)  # 22:01:52 at +1:00
    exc = next(e for e in events if "HRESULT EXCEPTION" in e.message)
    assert exc.hresult == "0x800423F4" and exc.level == "Error"
    assert exc.data["phase"] == "OnPrepareSnapshot" and exc.locator.line == 21
    begin = next(e for e in events if "BACKUP BEGIN" in e.message)
    assert begin.message == "VSS SQL BACKUP BEGIN - ID: 2b40" and begin.data["backup_id"] == "2b40"
    assert events[-1].data["status"] == "aborted"
    assert events[-1].host == "SQL01"


def test_guest_sample_and_console_sample(samples):
    events, ledger = parse_bytes((samples / "veeam" / "VeeamVssSupport.log").read_bytes(), "g.log")
    assert ledger.kind == "veeam-guest" and ledger.records == 4
    assert [e.level for e in events] == ["Info", "Info", "Warning", None]
    assert events[2].writer_name == "SqlServerWriter"
    assert events[3].writer_state == 8
    assert events[1].data["guest_job_id"] == "3f9a1c77-2b6e-4d8a-a1f0-5c2e9d7b4a13"
    assert all(e.time is None for e in events)
    events, ledger = parse_bytes((samples / "veeam" / "session.txt").read_bytes(), "s.txt")
    assert ledger.kind == "veeam-session" and ledger.records == 2
    head, detail = events
    assert head.job_name == "SQL Backup" and head.data["retry"] == 1
    assert head.time == datetime(2021, 3, 27, 22, 0, tzinfo=UTC) and head.time_source == "local"
    assert detail.vm_name == "SQL01" and detail.data["wmi_code"] == 32768
    assert detail.vm_id == "4e0e1f4e-8d2c-4b7a-9a51-2f0c7d3e6b10"
    assert detail.job_name == "SQL Backup" and detail.data["retry"] == 1
    # with the flag the session time converts
    events, _ = parse_bytes((samples / "veeam" / "session.txt").read_bytes(), "s.txt",
                            offset=timedelta(hours=1))
    assert events[0].time == datetime(2021, 3, 27, 21, 0, tzinfo=UTC) and events[0].time_source == "flag"
