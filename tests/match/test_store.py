"""Bounded hit memory: first and last hits per (signature, machine) kept, the rest counted."""

from __future__ import annotations

from pathlib import Path

from logscope.ingest.source import IngestOptions
from logscope.match import store
from logscope.pipeline import analyze
from logscope.report.build import build_report

LINE = ("[14.03.2026 {h:02d}:{m:02d}:{s:02d}] <18> Error        Failed to create VM recovery "
        "checkpoint (mode: Veeam application-aware processing) Details: Failed to create VM "
        "(ID: 4e4fd04e-b8ce-42c0-bc6e-3d9f554c4670) recovery checkpoint. Job failed "
        "('Checkpoint operation for 'SQL01' failed.'). Error code: '32768'.\r\n")


def test_repeated_hits_are_bounded_and_counted(tmp_path: Path, monkeypatch) -> None:  # noqa: ANN001
    monkeypatch.setattr(store, "KEEP_HEAD", 5)
    monkeypatch.setattr(store, "KEEP_TAIL", 5)
    n = 40
    text = "".join(LINE.format(h=i // 3600, m=i // 60 % 60, s=i % 60) for i in range(n))
    (tmp_path / "VBR01").mkdir()
    (tmp_path / "VBR01" / "Job.SQL Backup.Backup.log").write_text(text, encoding="utf-8")
    rep = build_report(analyze([tmp_path], IngestOptions(veeam_utc_offset=None)))
    sig = "veeam.hv.recovery-checkpoint-failed"
    lines = sorted(h["locator"]["line"] for h in rep["hits"] if h["signature"] == sig)
    assert lines == [1, 2, 3, 4, 5, 36, 37, 38, 39, 40]
    assert rep["meta"]["hits_not_kept"] == {sig: n - 10}
    (f,) = [f for f in rep["files"] if f["kind"] == "veeam"]
    assert f["records"] == n  # every entry is still read and counted
