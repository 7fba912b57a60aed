"""``logscope events`` with a process pool writes exactly what one process writes, in bundle
order, with the same per-file ledgers, and leaves no temp files behind."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from logscope.cli import app
from logscope.export_pool import event_line, iter_lines_pooled
from logscope.ingest.source import IngestOptions
from logscope.ledger import FileLedger
from logscope.pipeline import iter_events

ROOT = Path(__file__).resolve().parents[2]


def _both(paths: list[Path]) -> tuple[list[bytes], list[bytes], list[FileLedger], list[FileLedger]]:
    opts = IngestOptions()
    one_led: list[FileLedger] = []
    one = [event_line(ev) for ev in iter_events(paths, opts, one_led)]
    two_led: list[FileLedger] = []
    two = list(iter_lines_pooled(paths, opts, two_led, 2))
    return one, two, one_led, two_led


def _ledgers(leds: list[FileLedger]) -> list[tuple]:
    return [(led.path, led.kind, led.records, led.skipped, led.missing, led.recovered) for led in leds]


def test_pooled_events_equal_one_process_on_mixed_bundles(tmp_path: Path) -> None:
    """.evtx on the pool, XML / vssadmin / Veeam text inline between them: same lines, same order."""
    zpath = tmp_path / "evtx.zip"
    with zipfile.ZipFile(zpath, "w", zipfile.ZIP_DEFLATED) as zf:
        for p in sorted((ROOT / "samples" / "evtx" / "sqlwriter-chain").rglob("*.evtx")):
            zf.write(p, p.name)
    paths = [ROOT / "samples" / "bundles" / "sqlwriter-chain", ROOT / "samples" / "evtx", zpath,
             ROOT / "samples" / "bundles" / "veeam-throughput-target"]
    before = set(Path(tempfile.gettempdir()).glob("logscope-events-*"))
    one, two, one_led, two_led = _both(paths)
    assert len(one) > 100 and one == two
    assert _ledgers(one_led) == _ledgers(two_led)
    assert {led.kind for led in two_led} >= {"evtx", "vssadmin", "veeam", "zip"}
    assert set(Path(tempfile.gettempdir()).glob("logscope-events-*")) == before


@pytest.mark.corpus
def test_pooled_events_equal_one_process_on_damaged_corpus_files(shared: Path) -> None:
    """Recovery, missing records and problems travel back from the workers unchanged."""
    base = shared / "corpus" / "evtx"
    names = ("System2.evtx", "sample-with-zero-data-size-event.evtx", "sample_with_a_bad_chunk_magic.evtx")
    paths = sorted(p for p in base.rglob("*.evtx") if p.name in names)
    one, two, one_led, two_led = _both(paths)
    assert one == two
    assert _ledgers(one_led) == _ledgers(two_led)
    assert [[p.as_dict() for p in led.problems] for led in one_led] == \
        [[p.as_dict() for p in led.problems] for led in two_led]
    assert sum(led.recovered for led in two_led) > 200


def test_cli_events_workers_flag_gives_the_same_output() -> None:
    runner = CliRunner()
    args = ["events", str(ROOT / "samples" / "evtx"), "--format", "json"]
    one = runner.invoke(app, [*args, "--workers", "1"])
    two = runner.invoke(app, [*args, "--workers", "2"])
    assert one.exit_code == two.exit_code == 0
    assert one.stdout == two.stdout and one.stdout.startswith("[")
