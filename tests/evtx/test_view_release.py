"""A file's slot view goes when the file is done, not at the next cyclic collection: its
record skip holds the view's own verdict method, a cycle that kept each file's memos alive
(peak memory grew with every file of a bundle)."""

from __future__ import annotations

import gc
from pathlib import Path

from logscope.ingest import evtx
from logscope.ingest.evtx.slots import SlotView
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "evtx" / "sqlwriter-chain" / "HV01" / "Microsoft-Windows-Hyper-V-VMMS-Admin.evtx"


def _views() -> int:
    return sum(1 for o in gc.get_objects() if isinstance(o, SlotView))


def test_view_freed_by_reference_counting_alone() -> None:
    options = with_evtx_gate(IngestOptions(engine="rust"), Matcher(load_library()))
    gc.collect()
    before = _views()
    gc.disable()
    try:
        for _ in range(3):
            ledger = FileLedger(SAMPLE.name)
            source = Source(display=SAMPLE.name, opener=lambda: open(SAMPLE, "rb"), fs_path=SAMPLE,
                            size=SAMPLE.stat().st_size)
            events = list(evtx.parse(source, ledger, options))
            assert events and ledger.records > 0
        assert _views() == before, "a released view is still alive (a reference cycle)"
    finally:
        gc.enable()
