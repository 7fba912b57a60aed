"""Veeam Agent / data mover logs (kind ``veeam-agent``) and agent session text (``veeam-session``).

Real lines: veeam/veeamsnap issue 25 (agent log), openzfsonwindows/ZFSin issue 354 and
veeam/veeamsnap issue 12 (session details without timestamps); see data/SOURCES.md.
"""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from logscope.ingest.veeam import agent_lines
from logscope.ingest.veeam.reader import sniff_kind
from tests.pasted_readers.helpers import DATA, accounted, read_bytes, read_sample, read_text

AGENT_LOG = "veeam_agent_linux_veeamsnap25_system_map.log"


def test_agent_log_entries_levels_components():
    # source: https://github.com/veeam/veeamsnap/issues/25
    events, led = read_sample(AGENT_LOG)
    assert led.kind == "veeam-agent"
    assert led.records == len(events) == 5
    assert [e.locator.line for e in events] == [1, 2, 3, 9, 10]
    err = events[2]
    # the ERR line and its six ">>" lines (same thread) are one entry
    assert (err.locator.line, err.locator.end_line) == (3, 8)
    assert err.level == "Error" and err.data["component"] == "lpbcore"
    assert err.message.splitlines()[:2] == ["Snapshot creation operation has failed.",
                                           "System.map file not found"]
    assert err.data["trace_lines"] == 2
    assert err.data["thread"] == 139937450014464
    # "... request snapshots. Failed." has no ERR column: its words make it an error
    assert events[1].level == "Error"
    assert events[0].level == "Info" and events[0].data["component"] == "vsnap"
    assert "component" not in events[3].data  # "<tid> | Thread finished" has no component
    assert events[4].data["component"] == "prtcl" and events[4].data["thread"] != err.data["thread"]
    assert accounted(events, led)


def test_agent_times_are_local_wall_time():
    events, _ = read_sample(AGENT_LOG)
    first = events[0]
    assert first.time_source == "local"
    assert first.time.replace(tzinfo=None) == datetime(2021, 10, 12, 4, 30, 17, 344000)
    assert events[4].time - first.time == timedelta(milliseconds=66)


def test_agent_header_offset_converts_to_utc(shared):
    """A run header that states its offset (real v11 header) makes the times ``header``."""
    job_log = shared / "corpus/text/veeam/vbr11_job_log_header_and_job_start.log"
    header: list[str] = []
    for line in job_log.read_text("utf-8", errors="replace").splitlines():
        if line.startswith("[") and header:
            break
        header.append(line)
    assert any(h.startswith("UTC offset:") for h in header)
    text = "\n".join(header) + "\n" + (DATA / AGENT_LOG).read_text("utf-8")
    events, led = read_text(text, "Agent.Job.Source.log")
    assert led.kind == "veeam-agent"
    assert led.info["runs"][0]["utc_offset_minutes"] is not None
    offset = timedelta(minutes=led.info["runs"][0]["utc_offset_minutes"])
    ev = events[0]
    assert ev.time_source == "header" and ev.utc_offset == offset
    assert ev.time == (datetime(2021, 10, 12, 4, 30, 17, 344000) - offset).replace(
        tzinfo=timezone.utc)
    assert accounted(events, led)


def test_padded_thread_is_agent_and_server_lines_stay_veeam():
    # grammar check (not a capture): VeeamAgent.exe pads the thread id inside the brackets
    padded = "[18.05.2020 00:00:15.296] <  5084> cli| ERR |Failed to connect to agent"
    server = "[18.05.2020 00:00:15] <01> Info     [AgentMngr] Starting agent"
    assert agent_lines.is_agent_line(padded)
    assert not agent_lines.is_agent_line(server)
    assert sniff_kind(padded) == "veeam-agent"
    assert sniff_kind(server) == "veeam"
    events, _ = read_text(padded + "\n", "x.log")
    assert events[0].data["marker"] == "ERR" and events[0].level == "Error"
    assert events[0].data["component"] == "cli"


def test_markdown_quoted_agent_log_is_read_and_flagged():
    text = "".join(f"> {line}\n" for line in (DATA / AGENT_LOG).read_text("utf-8").splitlines())
    events, led = read_text(text)
    assert led.kind == "veeam-agent" and len(events) == 5
    assert any(p.code == "quoted-log" for p in led.problems)
    assert events[2].locator.end_line == 8


def test_line_before_any_entry_is_a_problem_with_its_line():
    text = "junk before the log\n" + (DATA / AGENT_LOG).read_text("utf-8")
    events, led = read_text(text)
    assert led.kind == "veeam-agent" and len(events) == 5
    assert [p.where for p in led.problems if p.code == "unparsed-line"] == ["line 1"]
    assert led.skip_reasons["line fits no form"] == 1
    assert accounted(events, led)


def test_overlong_entry_is_bounded(monkeypatch):
    monkeypatch.setattr(agent_lines, "MAX_ENTRY_LINES", 10)
    first = "[12.10.2021 04:30:17.344] <139937450014464> lpbcore| ERR |failed\n"
    text = first + "continuation\n" * 50
    events, led = read_text(text)
    assert len(events) == 1 and len(events[0].message.splitlines()) == 10
    assert led.skip_reasons["entry too long"] == 41
    assert any(p.code == "long-entry" for p in led.problems)
    assert accounted(events, led)


def test_agent_session_error_without_times_zfsin354():
    # source: https://github.com/openzfsonwindows/ZFSin/issues/354
    events, led = read_sample("veeam_agent_session_zfsin354_vss_0x80042306.txt")
    assert led.kind == "veeam-session"
    assert len(events) == 1  # the wrapped second line joins the first
    ev = events[0]
    assert (ev.locator.line, ev.locator.end_line) == (1, 2)
    assert "shadow copy of the volumes containing writer's data" in ev.message
    assert ev.hresult == "0x80042306" and ev.level == "Error"
    assert ev.time_source == "none"


def test_agent_session_log_lines_veeamsnap12():
    # source: https://github.com/veeam/veeamsnap/issues/12
    events, led = read_sample("veeam_agent_linux_session_veeamsnap12_ioctl.txt")
    assert led.kind == "veeam-session" and len(events) == 7
    assert events[1].message == "Failed to create volume snapshot"
    assert events[1].level == "Error" and events[1].data["duration"] == "00:00:01"
    assert events[0].level == "Info" and events[0].data["duration"] == "00:00:02"
    assert events[5].message == "Failed to execute IOCTL_TRACKING_ADD"
    assert accounted(events, led)


def test_gzip_agent_log_is_read():
    import gzip

    data = gzip.compress((DATA / AGENT_LOG).read_bytes())
    events, led = read_bytes(data, "Agent.Job.Source.log.gz")
    assert led.kind == "veeam-agent" and len(events) == 5
