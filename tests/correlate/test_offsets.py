"""Veeam local times with no stated offset: inferred from the host's UTC events of the same VM."""

from __future__ import annotations

from pathlib import Path

from .helpers import copy_bundle, run


def test_veeam_offset_is_inferred_from_host_events_when_the_log_states_none(tmp_path: Path) -> None:
    b = copy_bundle("sqlwriter-chain", tmp_path)
    log = b / "VBR01" / "Backup" / "SQL Backup" / "Job.SQL Backup.Backup.log"
    lines = log.read_bytes().split(b"\r\n")
    log.write_bytes(b"\r\n".join(ln for ln in lines
                                 if not ln.startswith((b"UTC offset", b"UTC Time", b"Process start"))))
    rep = run(b)
    (off,) = rep["meta"]["veeam_offsets"]
    assert off["offset"] == "+01:00" and off["file"].endswith("Job.SQL Backup.Backup.log")
    top = rep["hints"][0]
    assert top["id"] == "chain.sqlwriter-checkpoint" and top["missing_evidence"] == []
    (veeam,) = [e for e in top["evidence"] if e["kind"] == "veeam"]
    assert (veeam["time"], veeam["time_source"]) == ("2026-03-14T09:02:11+00:00", "inferred")
