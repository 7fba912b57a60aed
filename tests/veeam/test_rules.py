"""Line-grammar, time and layout rules on small synthetic inputs (each states the rule it checks).

Synthetic inputs follow FORMATS.md §2; forms marked "inferred" there (v12 milliseconds, the
v12.1 ``[xxxx]`` tag) are tested as the documented inference, not as observed fact.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from logscope.events import Event, Locator
from logscope.ingest.veeam.offset import apply_offset, infer_offset
from logscope.ingest.veeam.paths import classify, log_stem
from logscope.ingest.veeam.reader import detect, gunzip_head

from .conftest import parse_bytes


def crlf(*lines: str) -> bytes:
    return ("\r\n".join(lines) + "\r\n").encode()


L1 = "[07.07.2021 16:34:10] <01> Info         Job session 'def0e86b-2b4e-4590-bd3f-b4def13526d6' has been completed, status: 'Success'"


def test_header_without_offset_line_uses_utc_time_and_first_entry():
    data = crlf("===================================================================", "Starting new log",
                "MachineName: [SRV2], OS: [x], CPU: [2]",
                "UTC Time: [7/7/2021 2:34:09 PM], DaylightSavingTime: [True]", "", L1)
    events, ledger = parse_bytes(data)
    (e,) = events
    assert e.time_source == "header" and e.utc_offset == timedelta(hours=2)
    assert e.time == datetime(2021, 7, 7, 14, 34, 10, tzinfo=UTC)
    assert [p.code for p in ledger.problems] == ["offset-derived"]


def test_header_offset_wins_over_flag_and_flag_applies_without_header():
    with_header = crlf("=" * 67, "Starting new log", "UTC offset: -5.00 hours", L1)
    (e,), _ = parse_bytes(with_header, offset=timedelta(hours=3))
    assert e.time_source == "header" and e.time == datetime(2021, 7, 7, 21, 34, 10, tzinfo=UTC)
    (e,), _ = parse_bytes(crlf(L1), offset=timedelta(hours=-5, minutes=-30))
    assert e.time_source == "flag" and e.time == datetime(2021, 7, 7, 22, 4, 10, tzinfo=UTC)
    assert e.utc_offset == timedelta(hours=-5, minutes=-30)


def test_half_hour_offset_in_header():
    (e,), _ = parse_bytes(crlf("=" * 67, "Starting new log", "UTC offset: 5.50 hours", L1))
    assert e.utc_offset == timedelta(hours=5, minutes=30)


def test_lines_before_any_entry_are_counted_and_reported():
    data = crlf("some stray text", "", L1, "   continuation of the entry")
    events, ledger = parse_bytes(data)
    assert ledger.records == 1 and events[0].locator.end_line == 4
    assert events[0].message.endswith("\n   continuation of the entry")
    assert ledger.skip_reasons == {"line fits no form": 1, "blank line": 1}
    assert [(p.where, p.code) for p in ledger.problems] == [("line 1", "unparsed-line")]


def test_blank_line_inside_an_entry_stays_when_continuation_follows():
    data = crlf(L1, "first", "", "second", "", L1)
    events, ledger = parse_bytes(data)
    assert events[0].message.split("\n")[1:] == ["first", "", "second"]
    assert (events[0].locator.line, events[0].locator.end_line) == (1, 4)
    assert ledger.skip_reasons == {"blank line": 1}


def test_v12_milliseconds_and_v121_tag_inferred_forms():
    data = crlf("[14.03.2024 10:02:11.123] <37> [a1b2] Error        [HvVmSnapshot] Failed to create VM recovery checkpoint")
    assert detect(data, "x") == "veeam"
    (e,), _ = parse_bytes(data)
    assert e.time == datetime(2024, 3, 14, 10, 2, 11, 123000, tzinfo=UTC)
    assert e.level == "Error" and e.data["prefix_tag"] == "a1b2" and e.data["tag"] == "HvVmSnapshot"
    assert e.data["thread"] == 37


def test_stack_frame_joins_only_with_same_time_and_thread():
    base = "[07.07.2021 16:43:06] <01> Error        Boom (X.Y.ZException)"
    same = "[07.07.2021 16:43:06] <01> Error           at A.D()"
    other_level = "[07.07.2021 16:43:06] <01> Info            at A.C()"
    other_thread = "[07.07.2021 16:43:06] <02> Error           at A.B()"
    other_time = "[07.07.2021 16:43:07] <02> Error           at A.E()"
    events, _ = parse_bytes(crlf(base, same, other_level, other_thread, other_time))
    assert [e.locator.line for e in events] == [1, 4, 5]
    assert events[0].data["stack_frames"] == 2
    assert events[0].message.split("\n")[1:] == ["   at A.D()", "   at A.C()"]
    # a frame with no entry before it on its thread and second is an entry of its own
    assert events[1].message == "at A.B()"


def test_unknown_level_word_is_kept_in_the_message():
    (e,), _ = parse_bytes(crlf("[07.07.2021 16:43:06] <01> Notice   something"))
    assert e.level is None and e.message == "Notice   something"


def test_impossible_date_keeps_entry_without_time():
    (e,), ledger = parse_bytes(crlf("[31.02.2021 16:43:06] <01> Info     x"))
    assert e.time is None and e.time_source == "none"
    assert [p.code for p in ledger.problems] == ["bad-time"]


def test_excerpt_cut_inside_a_header_still_reads_it():
    data = crlf("CmdLineParams: [startbackupjob owner=[vbsvc] Normal 1c524887-8a6d-4fac-826a-b088e8c2c0e2 "
                "def0e86b-2b4e-4590-bd3f-b4def13526d6]", "UTC offset: 2.00 hours", L1)
    (e,), ledger = parse_bytes(data)
    assert e.time_source == "header" and ledger.skip_reasons == {"run header line": 2}
    assert e.data["job_id"] == "1c524887-8a6d-4fac-826a-b088e8c2c0e2"


def test_utf16_log_is_read():
    text = "\r\n".join([L1, "[07.07.2021 16:34:11] <01> Warning      [JIT] careful"]) + "\r\n"
    data = b"\xff\xfe" + text.encode("utf-16-le")
    assert detect(data, "x") == "veeam"
    events, _ = parse_bytes(data)
    assert [e.level for e in events] == ["Info", "Warning"] and events[1].data["tag"] == "JIT"


def test_retry_n_of_m_and_wmi_code():
    line = "[07.07.2021 16:34:10] <01> Info         Job will be retried: retry 1 of 3"
    (e,), _ = parse_bytes(crlf(line))
    assert e.data["retry"] == 1 and e.data["retry_of"] == 3 and e.data["status"] == "retry"


def test_long_entries_are_bounded(monkeypatch):
    from logscope.ingest.veeam import lines as veeam_lines

    monkeypatch.setattr(veeam_lines, "MAX_ENTRY_LINES", 10)
    events, ledger = parse_bytes(crlf(L1, *["more"] * 25, L1))
    assert len(events) == 2 and events[0].message.count("\n") == 9
    assert ledger.skip_reasons["entry too long"] == 16
    assert [p.code for p in ledger.problems] == ["long-entry"]


def test_detect_refuses_other_formats():
    assert detect(b"ElfFile\x00\x02\x00\x00binary", "x") is None
    assert detect(b"<?xml version='1.0'?><Events><Event>Failed to call RPC function</Event></Events>", "x") is None
    assert detect(b"vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
                  b"Writer name: 'System Writer'\r\n   State: [1] Stable\r\n", "x") is None
    assert detect(b"12:00:00 just a clock\r\nand text\r\n", "x") is None
    assert gunzip_head(b"\x1f\x8bnot really gzip") == b""


@pytest.mark.parametrize(("path", "server", "job", "vm", "log_type"), [
    ("2021-07-07T161552_VeeamBackupLogs.zip/LISA_VBR11/Backup/Backup_job_1/Job.Backup_job_1.Backup.log",
     "LISA_VBR11", "Backup_job_1", None, "job"),
    ("2021-07-07T161552_VeeamBackupLogs/srv.corp.local/Backup/J1/Task.VM 01.2f0c7d3e-8d2c-4b7a-9a51-4e0e1f4e6b10.log",
     "srv.corp.local", "J1", "VM 01", "task"),
    ("bundle/PROXY2/Backup/J1/Agent.J1.Source.VM01.Disks.log", "PROXY2", "J1", None, "agent"),
    ("x.zip/VBR01/Backup/Svc.VeeamBackup.log.1", "VBR01", None, None, "service"),
    ("C:/ProgramData/Veeam/Backup/Job.Daily.log", None, "Daily", None, "job"),
    ("Job.Veeam_Backup__SUK__-_Daily.Backup.2.log.gz", None, "Veeam_Backup__SUK__-_Daily", None, "job"),
    ("2017-01-16T120006_Job.Nightly.Backup.1.log", None, "Nightly", None, "job"),
])
def test_export_layout(path, server, job, vm, log_type):
    p = classify(path)
    assert (p.server, p.job_name, p.vm_name, p.log_type) == (server, job, vm, log_type)


def test_log_stem():
    assert log_stem("Job.X.Backup.log.1") == "Job.X.Backup"
    assert log_stem("Svc.VeeamBackup.log.gz") == "Svc.VeeamBackup"


GUEST = [
    "Log started 28.03.2021",
    "11:59:58 PM    224  INFO                RPC: KeepSnapshotEx",
    "12:00:03 AM    224  WARN                Snapshot timeout occurred.",
]


def test_guest_time_of_day_gets_a_day_from_a_dated_context_and_rolls_past_midnight():
    events, ledger = parse_bytes(crlf(*GUEST[1:]), "g.log", guest_date=date(2021, 3, 28))
    assert [e.time for e in events] == [datetime(2021, 3, 28, 23, 59, 58, tzinfo=UTC),
                                        datetime(2021, 3, 29, 0, 0, 3, tzinfo=UTC)]
    assert {e.time_source for e in events} == {"local"}
    assert events[1].level == "Warning" and events[1].data["status"] == "failed"
    # a dated line in the log supplies the day too (the dated line itself fits no form)
    events, ledger = parse_bytes(crlf(*GUEST), "g.log")
    assert events[0].time == datetime(2021, 3, 28, 23, 59, 58, tzinfo=UTC)
    assert ledger.skip_reasons == {"line fits no form": 1}


def test_infer_offset_votes_for_the_quarter_hour():
    local = datetime(2021, 3, 27, 22, 2, 11)
    pairs = [(local, datetime(2021, 3, 27, 21, 2, 9, tzinfo=UTC)),
             (local + timedelta(minutes=5), datetime(2021, 3, 27, 21, 7, 10, tzinfo=UTC)),
             (local, datetime(2021, 3, 27, 12, 0, 0, tzinfo=UTC))]  # unrelated pair: outvoted
    offset, confidence = infer_offset(pairs)
    assert offset == timedelta(hours=1)
    assert 0.5 < confidence < 1.0
    one, c1 = infer_offset(pairs[:1])
    assert one == timedelta(hours=1) and c1 <= 0.6
    assert infer_offset([]) == (timedelta(0), 0.0)
    far = [(local, datetime(2021, 3, 27, 21, 40, 0, tzinfo=UTC))]  # 22 min: no quarter within 5 min
    assert infer_offset(far)[1] == 0.0
    # local events are tz-tagged UTC wall time: same answer
    tagged = [(a.replace(tzinfo=UTC), b) for a, b in pairs]
    assert infer_offset(tagged) == (offset, confidence)


def test_apply_offset_marks_inferred_and_leaves_others_alone():
    ev = Event("veeam", "f", Locator(line=1), time=datetime(2021, 3, 27, 22, 2, 11, tzinfo=UTC),
               time_source="local")
    apply_offset(ev, timedelta(hours=1))
    assert ev.time == datetime(2021, 3, 27, 21, 2, 11, tzinfo=UTC) and ev.time_source == "inferred"
    assert ev.utc_offset == timedelta(hours=1)
    apply_offset(ev, timedelta(hours=1))  # already converted: unchanged
    assert ev.time == datetime(2021, 3, 27, 21, 2, 11, tzinfo=UTC)


def test_rule_line_inside_a_message_is_continuation_not_a_header():
    rule = "=" * 40
    events, ledger = parse_bytes(crlf(L1, "table:", rule, "row", L1, "", rule))
    assert len(events) == 2 and ledger.records == 2
    assert events[0].message.split("\n")[1:] == ["table:", rule, "row"]
    assert events[1].message.endswith(rule) and events[1].locator.end_line == 7
    assert "runs" not in ledger.info
    # a real header after an entry: the rule and "Starting new log" open a run
    events, ledger = parse_bytes(crlf(L1, "", rule, "Starting new log", "UTC offset: 1.00 hours", "", L1))
    assert [e.time_source for e in events] == ["local", "header"]
    assert ledger.skip_reasons == {"blank line": 1, "run header line": 4}


def test_specific_vss_code_wins_over_vsscontrol_generic_code():
    # catalogue P45 wording (captured from a VMware job; the guest layer is the same)
    text = ("Failed to prepare guest for hot backup. Error: VSSControl: -2147467259 Backup job failed. "
            "Cannot create a shadow copy of the volumes containing writer's data. VSS asynchronous "
            "operation is not completed. Operation: [Shadow copies commit]. Code: [0x8004231f].")
    (e,), ledger = parse_bytes(crlf(text))
    assert ledger.kind == "veeam-session"
    assert e.hresult == "0x8004231F" and e.data["hresults"] == ["0x8004231F", "0x80004005"]
    assert e.data["status"] == "failed" and e.level == "Error"


def test_pairs_by_vm_feed_the_vote():
    from logscope.ingest.veeam.offset import pairs_by_vm

    def ev(t, source, vm):
        return Event("k", "f", Locator(line=1), time=t.replace(tzinfo=UTC), time_source=source, vm_name=vm)

    veeam = [ev(datetime(2021, 3, 27, 22, 2, 11), "local", "SQL01"),
             ev(datetime(2021, 3, 28, 22, 2, 40), "local", "sql01"),
             ev(datetime(2021, 3, 28, 22, 5, 0), "header", "SQL01")]  # already converted: ignored
    host = [ev(datetime(2021, 3, 27, 21, 2, 5), "utc", "SQL01"),
            ev(datetime(2021, 3, 28, 21, 2, 33), "utc", "SQL01"),
            ev(datetime(2021, 3, 27, 15, 40, 0), "utc", "SQL01"),  # unrelated, same VM
            ev(datetime(2021, 3, 28, 21, 0, 0), "utc", "OTHER")]
    pairs = list(pairs_by_vm(veeam, host))
    # same VM and within 14 h: (27 22:02, 27 21:02), (27 22:02, 27 15:40), (28 22:02, 28 21:02)
    assert len(pairs) == 3
    offset, confidence = infer_offset(pairs)
    assert offset == timedelta(hours=1)
    clean, clean_confidence = infer_offset([pairs[0], pairs[2]])
    assert clean == offset and 0.0 < confidence < clean_confidence
