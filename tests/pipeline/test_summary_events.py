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


@pytest.mark.corpus
def test_two_workers_give_the_same_answer_as_one(shared: Path) -> None:
    """The process pool merges in submission order: nothing in the report depends on timing."""
    paths = [shared / "corpus" / "evtx", ROOT / "samples" / "bundles" / "sqlwriter-chain"]
    opts = IngestOptions(extra={"evtx_recover": False})
    one = build_report(analyze(paths, opts, workers=1))
    two = build_report(analyze(paths, opts, workers=2))
    a, b = _digest(one), _digest(two)
    assert (sorted(a[0]), sorted(a[1]), a[2], a[3]) == (sorted(b[0]), sorted(b[1]), b[2], b[3])
    assert one["meta"]["events"] == two["meta"]["events"]
    assert two["hints"][0]["id"] == "chain.sqlwriter-checkpoint"


def test_pooled_zip_members_survive_the_walk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Members extracted from a zip are removed as the walk moves on; pooled ones are kept
    (hard links) until their worker has read them."""
    import zipfile

    from logscope import workers

    monkeypatch.setattr(workers, "MIN_POOLED_BYTES", 0)
    zpath = tmp_path / "evtx.zip"
    base = ROOT / "samples" / "evtx"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted(base.rglob("*.evtx")):
            zf.write(p, p.relative_to(base).as_posix())
    opts = IngestOptions(extra={"evtx_recover": False})
    one, two = (build_report(analyze([zpath], opts, workers=w)) for w in (1, 2))
    a, b = _digest(one), _digest(two)
    assert sorted(a[0]) == sorted(b[0]) and a[0]
    assert sorted(a[1]) == sorted(b[1])
    assert all(f["records"] > 0 for f in two["files"] if f["kind"] == "evtx")
