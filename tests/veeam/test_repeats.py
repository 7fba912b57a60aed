"""Contents repeated past ``repeats.KEEP`` (``ingest/veeam/repeats.py``): counted, not turned
into events, with the report -- hits listed and counted, hints, records, lines -- the one
every occurrence as an event gives, on real agent entries and real session lines repeated.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from logscope.ingest.source import IngestOptions
from logscope.ingest.veeam import repeats
from logscope.match import store
from logscope.pipeline import analyze
from logscope.report.build import build_report
from tests.pasted_readers.helpers import DATA

AGENT_LOG = DATA / "veeam_agent_linux_veeamsnap25_system_map.log"


def _run(paths: list[Path], counting: bool) -> tuple[dict[str, Any], int]:
    extra = {} if counting else {repeats.REPEATS_KEY: False}
    a = analyze(paths, IngestOptions(extra=extra))
    rep = build_report(a)
    rep.pop("meta", None)
    summarized = 0
    for f in rep.get("files", []):
        summarized += f.pop("summarized", 0)
    rep = json.loads(json.dumps(rep, default=str))
    rep["hits_not_kept"] = a.hits_not_kept
    rep["events"] = a.events_seen
    return rep, summarized


def test_keep_is_the_hit_stores_head_and_tail() -> None:
    assert repeats.KEEP >= store.KEEP_HEAD and repeats.TAIL >= store.KEEP_TAIL


def test_repeated_real_agent_error_entry(tmp_path: Path) -> None:
    """The real multi-line ERR entry (with its ``>>`` lines), given a code a signature reads,
    repeated 900 times with its neighbours: past the first ones counted, the same report."""
    real = AGENT_LOG.read_text("utf-8").splitlines()
    real[2] += " Error code: 0x800423F2."
    path = tmp_path / "Agent.Loop.Source.log"
    path.write_text("\n".join(real * 900) + "\n")
    on, summarized = _run([path], True)
    off, none = _run([path], False)
    assert on == off
    assert none == 0 and summarized == 5 * (900 - repeats.KEEP - repeats.TAIL)
    assert on["hits_not_kept"]["vss.writer-timeout-message"] == 900 - 500
    assert on["files"][0]["records"] == 900 * 5


def test_repeated_real_session_lines(shared: Path, tmp_path: Path) -> None:
    """Real session error lines (an RPC failure with its HRESULT) pasted 700 times."""
    real = (shared / "corpus/text/veeam/session_text_kb2825_rpc_vss_keepsnapshot_0x800401fd.log")
    path = tmp_path / "session.txt"
    path.write_text(real.read_text("utf-8") * 700)
    on, summarized = _run([path], True)
    off, _ = _run([path], False)
    assert on == off
    assert summarized > 0 and on["hits_not_kept"]
    assert on["files"][0]["records"] == 1400


def test_repeats_with_other_hits_between(tmp_path: Path) -> None:
    """Two repeated contents interleaved, with a different hit between each: every count the
    same as line by line; the listed hits are those of the first and the latest occurrences."""
    a = "[12.10.2021 04:30:17.344] <6388> vss| ERR |Writer failed: 0x800423F2"
    b = "[12.10.2021 04:30:18.000] <6388> vss| ERR |VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED"
    path = tmp_path / "Agent.Two.Source.log"
    path.write_text("\n".join([a, b] * 800) + "\n")
    on, summarized = _run([path], True)
    off, _ = _run([path], False)
    assert summarized > 0
    assert on["hits_not_kept"] == off["hits_not_kept"]
    assert on["files"] == off["files"] and on["events"] == off["events"]
    lines = sorted(h["locator"]["line"] for h in on["hits"])
    assert lines == sorted(h["locator"]["line"] for h in off["hits"])
