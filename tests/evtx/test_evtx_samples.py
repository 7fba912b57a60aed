"""The .evtx twins of the sample bundles (samples/evtx/, made by samples/make_evtx.py)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from evtx_helpers import run, source_for

from logscope.ingest import evtx
from logscope.ingest.eventlog_text import xml_export as evtx_xml

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = ROOT / "samples" / "bundles"
TWINS = ROOT / "samples" / "evtx"
COMPARE = ("datetime", "message", "host", "provider", "channel", "event_id", "record_id", "level",
           "hresult", "vm_name", "vm_id", "data")


def twins() -> list[tuple[Path, Path]]:
    out = []
    for twin in sorted(TWINS.rglob("*.evtx")):
        xml = (BUNDLES / twin.relative_to(TWINS)).with_suffix(".xml")
        out.append((xml, twin))
    return out


def test_twins_are_up_to_date():
    """Every twin is what make_evtx.py writes from its XML today (a bundle added since the
    last run simply has no twin yet; rerun ``python samples/make_evtx.py``)."""
    sys.path.insert(0, str(ROOT / "samples"))
    try:
        import make_evtx
    finally:
        sys.path.pop(0)
    assert twins(), "samples/evtx holds no twins"
    for xml, twin in twins():
        assert xml.exists(), f"{twin} has no XML source"
        assert twin.read_bytes() == make_evtx.render(xml), f"stale: {twin}"


@pytest.mark.parametrize("engine", ["rust", "python"])
def test_twins_read_back_as_their_xml(engine):
    for xml, twin in twins():
        if not xml.exists():
            continue
        expected, _ = run(evtx_xml, source_for(xml))
        got, ledger = run(evtx, source_for(twin), engine=engine)
        assert ledger.problems == [] and ledger.missing == 0, twin
        assert len(got) == len(expected) > 0
        for a, b in zip(expected, got):
            da, db = a.to_dict(), b.to_dict()
            da["data"].pop("RenderedMessage", None)  # an .evtx holds no RenderingInfo
            assert {k: da.get(k) for k in COMPARE} == {k: db.get(k) for k in COMPARE}, twin


def test_bundle_with_evtx_instead_of_xml_gives_the_same_top_hint(tmp_path):
    """The sqlwriter chain, with every Event XML replaced by its .evtx twin."""
    pipeline = pytest.importorskip("logscope.pipeline")
    from logscope.ingest.source import IngestOptions
    from logscope.report.build import build_report

    bundle = tmp_path / "sqlwriter-chain"
    shutil.copytree(BUNDLES / "sqlwriter-chain", bundle)
    for xml, twin in twins():
        if xml.is_relative_to(BUNDLES / "sqlwriter-chain"):
            target = bundle / xml.relative_to(BUNDLES / "sqlwriter-chain")
            target.unlink()
            shutil.copy(twin, target.with_suffix(".evtx"))
    xml_rep = build_report(pipeline.analyze([BUNDLES / "sqlwriter-chain"], IngestOptions()))
    rep = build_report(pipeline.analyze([bundle], IngestOptions()))
    assert rep["hints"][0]["id"] == xml_rep["hints"][0]["id"] == "chain.sqlwriter-checkpoint"
    assert "evtx" in rep["hints"][0]["evidence_kinds"]
    kinds = {f["path"].rsplit("/", 1)[-1]: f["kind"] for f in rep["files"]}
    assert kinds["Application.evtx"] == "evtx"
    assert [h["id"] for h in rep["hints"]] == [h["id"] for h in xml_rep["hints"]]


def test_make_evtx_check_passes_and_writes_nothing(tmp_path):
    """``make_evtx.py --check`` (documented: exit 1 when a twin is missing or stale) passes
    on the repository: every Event XML export under samples/bundles/ has its twin. It only
    reads: a missing twin makes no folder."""
    sys.path.insert(0, str(ROOT / "samples"))
    try:
        import make_evtx
    finally:
        sys.path.pop(0)
    assert make_evtx.main(["--check"]) == 0
    out = tmp_path / "twins"
    assert make_evtx.main(["--check", "--out", str(out)]) == 1
    assert not out.exists()
