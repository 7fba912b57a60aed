"""Throughput extraction: the real v11 excerpt's Load / bottleneck lines, line forms, bounds."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from logscope.events import UTC, Event, Locator
from logscope.ingest.source import IngestOptions
from logscope.pipeline import iter_events
from logscope.throughput import Collector
from logscope.throughput.config import parse_size
from logscope.throughput.extract import parse_bottleneck, parse_load

EXCERPT = "corpus/text/veeam/vbr11_job_log_user_cancel_error_and_stacktrace.log"


def collect(*paths: Path) -> Collector:
    c = Collector()
    for ev in iter_events(list(paths), IngestOptions(), []):
        c.feed(ev)
    return c


def test_real_excerpt_load_and_bottleneck_numbers(shared: Path) -> None:
    sessions = collect(shared / EXCERPT).sessions()
    assert len(sessions) == 1
    s = sessions[0]
    assert s.scope == "job" and s.id == "ee4fa1eb-c516-4795-bdcf-ecc78e917557"
    assert s.job_name == "Backup_job_1"
    assert s.load == {"source": 95, "proxy": 0, "network": 0, "target": 0}
    assert s.bottleneck == "source"
    assert s.status == "failed" and s.completed
    # "'1024 MB' of '1024 MB' bytes", "Backuped size: 1.6 MB"
    assert s.processed_bytes == s.total_bytes == 1024 << 20
    assert s.transferred_bytes == int(1.6 * (1 << 20))
    # no run header in the excerpt: the wall time is kept, marked local
    assert s.time_source == "local"
    assert s.end == datetime(2021, 7, 7, 16, 43, 8, tzinfo=UTC)
    cited = {e["role"]: e["locator"]["line"] for e in s.evidence}
    assert cited["load"] == 72 and cited["bottleneck"] == 73 and cited["completed"] == 75


def test_load_line_forms() -> None:
    assert parse_load("Load: Source 95% > Proxy 0% > Network 0% > Target 0%") == {
        "source": 95, "proxy": 0, "network": 0, "target": 0}
    wan = parse_load("Load: Source 12% > Proxy 5% > Source WAN 40% > Network 88% > "
                     "Target WAN 20% > Target 7%")
    assert wan == {"source": 12, "proxy": 5, "source_wan": 40, "network": 88, "target_wan": 20,
                   "target": 7}
    assert parse_load("Load: Source 95% > Warp drive 3%") is None  # unknown stage: not guessed
    assert parse_load("Load: nothing here") is None
    assert parse_load("Loading job options") is None
    assert parse_bottleneck("Primary bottleneck: Target") == "target"
    assert parse_bottleneck("Primary bottleneck: Throttling") == "throttling"
    assert parse_bottleneck("Primary bottleneck: Source WAN") == "source_wan"
    assert parse_bottleneck("Primary bottleneck: ") is None


def test_sizes() -> None:
    assert parse_size("0 B") == 0
    assert parse_size("1.6 MB") == int(1.6 * (1 << 20))
    assert parse_size("2 TB") == 2 << 40
    assert parse_size("665719930880") == 665719930880
    assert parse_size("lots") is None


def _ev(line: int, when: datetime, text: str, sid: str = "s1", vm: str | None = None,
        **data: object) -> Event:
    return Event(kind="veeam", file="Job.J.Backup.log", locator=Locator(line=line), time=when,
                 time_source="header", message=text, job_name="J", vm_name=vm,
                 data={"job_session_id": sid, "log_type": "job", **data})


def test_task_sessions_and_console_summary_lines() -> None:
    t0 = datetime(2026, 1, 1, 21, 0, tzinfo=UTC)
    c = Collector()
    c.feed(_ev(1, t0, "Task session 't1' created for Vm 'VM1'", vm="VM1", task_session_id="t1"))
    c.feed(_ev(2, t0 + timedelta(minutes=50), "Task session 't1' has been completed, status: "
               "'Success', '3221225472' of '3221225472' bytes, '1' of '1' objects, details: ''",
               task_session_id="t1", status="success"))
    # the console summary form (inferred templates in throughput.yml)
    c.feed(_ev(3, t0 + timedelta(minutes=55), "Duration: 0:55:00 Processing rate: 85 MB/s "
               "Read: 40 GB Transferred: 12.5 GB (3.2x)"))
    c.feed(_ev(4, t0 + timedelta(minutes=55), "Bottleneck: Throttling"))
    by_scope = {s.scope: s for s in c.sessions()}
    task = by_scope["task"]
    assert task.vm_name == "VM1" and task.job_session_id == "s1"
    assert task.processed_bytes == 3 << 30 and task.duration_s == 3000
    job = by_scope["job"]
    assert job.stated_rate == 85 << 20 and job.rate_bytes_s == 85 << 20
    assert job.read_bytes == 40 << 30 and job.transferred_bytes == int(12.5 * (1 << 30))
    assert job.duration_s == 3300 and job.bottleneck == "throttling"


def test_non_veeam_events_and_hostile_lines_are_cheap() -> None:
    c = Collector()
    t0 = datetime(2026, 1, 1, tzinfo=UTC)
    c.feed(Event(kind="evtx", file="x.evtx", locator=Locator(record=1), time=t0,
                 message="Load: Source 99% > Target 99%"))
    assert c.sessions() == []
    huge = "Load: " + "Source 1% > " * 200_000
    c.feed(_ev(1, t0, huge))
    c.feed(_ev(2, t0, "Primary bottleneck: " + "x" * 1_000_000))
    assert c.sessions() == []  # nothing parsed from either, nothing raised


def test_load_line_in_a_task_log_belongs_to_its_task() -> None:
    t0 = datetime(2026, 1, 1, 21, 0, tzinfo=UTC)

    def tev(line: int, text: str, **data: object) -> Event:
        return Event(kind="veeam", file="Task.VM1.t9.log", locator=Locator(line=line), time=t0,
                     time_source="header", message=text, job_name="J", vm_name="VM1",
                     data={"job_session_id": "s9", "log_type": "task", **data})

    c = Collector()
    c.feed(tev(1, "Task session 't9' created for Vm 'VM1'", task_session_id="t9"))
    c.feed(tev(2, "Load: Source 10% > Proxy 5% > Network 2% > Target 93%"))
    c.feed(tev(3, "Primary bottleneck: Target"))
    (task,) = [s for s in c.sessions() if s.scope == "task"]
    assert task.id == "t9" and task.load["target"] == 93 and task.bottleneck == "target"
    assert not [s for s in c.sessions() if s.scope == "job"]  # the job got no figures
