"""A Veeam log export zip, in the documented layout, read through the bundle walker.

Layout (FORMATS.md §2.5, partly inferred): ``yyyy-MM-ddTHHmmss_VeeamBackupLogs.zip`` with one
folder per server, each with ``Backup/<Job>/`` folders; rolled logs as ``.gz`` and ``.log.1``.
The zip is built here from samples/veeam, so the test needs nothing but the repository.
"""

from __future__ import annotations

import gzip
import zipfile
from pathlib import Path

from logscope.ingest import read_source
from logscope.ingest.bundle import Bundle
from logscope.ingest.source import IngestOptions

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "veeam"
TASK = "Task.SQL01.a7e3b5d1-9c2f-4e8a-b6d4-0f1e2c3a5b79.log"


def _export(tmp_path: Path) -> Path:
    z = tmp_path / "2021-03-30T091500_VeeamBackupLogs.zip"
    job = (SAMPLES / "Job.SQL_Backup.Backup.log").read_bytes()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("VBR01/Backup/SQL_Backup/Job.SQL_Backup.Backup.log", job)
        zf.writestr("VBR01/Backup/SQL_Backup/Job.SQL_Backup.Backup.log.1", job)
        zf.writestr(f"HVPROXY01/Backup/SQL_Backup/{TASK}.gz",
                    gzip.compress((SAMPLES / TASK).read_bytes()))
        zf.writestr("VBR01/Backup/Svc.VeeamBackup.log",
                    b"[27.03.2021 22:00:00] <05> Info     [JobStarter] Starting job 'SQL Backup'\r\n")
    return z


def test_export_zip_every_log_read_with_its_server(tmp_path):
    opts = IngestOptions()
    seen = {}
    with Bundle([_export(tmp_path)], opts) as bundle:
        for src in bundle.sources():
            ledger, events = read_source(src, opts)
            evs = list(events)
            seen[src.display] = (ledger, evs)
    by_name = {d.rsplit("/", 1)[-1]: v for d, v in seen.items()}
    job_led, job_evs = by_name["Job.SQL_Backup.Backup.log"]
    rolled_led, rolled_evs = by_name["Job.SQL_Backup.Backup.log.1"]
    task_led, task_evs = by_name[TASK]  # the walker names a .gz member without .gz
    svc_led, svc_evs = by_name["Svc.VeeamBackup.log"]
    assert job_led.kind == rolled_led.kind == task_led.kind == svc_led.kind == "veeam"
    assert job_led.records == rolled_led.records == 27
    assert {e.data["server"] for e in job_evs + rolled_evs + svc_evs} == {"VBR01"}
    assert {e.data["server"] for e in task_evs} == {"HVPROXY01"}
    assert {e.job_name for e in task_evs} == {"SQL_Backup"} and {e.vm_name for e in task_evs} == {"SQL01"}
    assert svc_led.info["log_type"] == "service" and svc_evs[0].host == "VBR01"
    assert svc_evs[0].time_source == "local"  # no header, no flag
    assert not any(led.problems for led, _ in seen.values())
