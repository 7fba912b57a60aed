"""``analyze`` builds full evtx events only for records a signature or the identity table can
use; everything else becomes a summary event. The answer must not change: same hits, same
identities, same per-file counts as building every event in full."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]


def _digest(rep: dict) -> tuple:
    hits = sorted((h["signature"], h["file"], str(h["locator"]), str(sorted(h["fields"].items())))
                  for h in rep["hits"])
    files = sorted((f["path"], f["kind"], f["records"], f["skipped"], f.get("missing", 0))
                   for f in rep["files"])
    return hits, files, rep["identities"], [h["id"] for h in rep["hints"]]


def _both(paths: list[Path]) -> tuple[tuple, tuple]:
    opts = IngestOptions(extra={"evtx_recover": False})
    summary = build_report(analyze(paths, opts))
    full = build_report(analyze(paths, opts, keep_events=True))
    return _digest(summary), _digest(full)


def test_samples_same_answer_with_summary_events() -> None:
    summary, full = _both([ROOT / "samples" / "evtx"])
    assert summary == full
    assert summary[0], "the .evtx samples must give hits"


@pytest.mark.corpus
def test_corpus_same_answer_with_summary_events(shared: Path) -> None:
    summary, full = _both([shared / "corpus" / "evtx"])
    assert summary == full
