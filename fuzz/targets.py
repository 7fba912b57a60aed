"""Fuzz targets: one function per reader, ``target(data: bytes) -> None``.

A target raises only when logscope has a bug: an exception out of a parser (parsers must
never raise on bad input: the pipeline's guard would turn it into a "parser failed" problem,
hiding it, so the targets call the parsers directly), a broken accounting invariant, a path
that escapes, a temporary folder left behind. Both harnesses (hypothesis in CI, atheris for
long runs) drive these same functions.
"""

from __future__ import annotations

import io
import os
import tempfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from logscope.events import Event
from logscope.ingest import detect, evtx, veeam, vssadmin
from logscope.ingest.bundle import Bundle
from logscope.ingest.source import IngestOptions, Source
from logscope.ingest.textio import NOT_LINES, iter_lines
from logscope.ledger import FileLedger

#: Inputs each target has run (reported by the harnesses).
RUNS: Counter[str] = Counter()

#: Invariant checks to switch off for a long run while a known bug is open
#: (``LOGSCOPE_FUZZ_SKIP=evtx-missing``), so that the fuzzer can look past it.
SKIP = frozenset(filter(None, os.environ.get("LOGSCOPE_FUZZ_SKIP", "").split(",")))

#: Small limits keep one fuzz input cheap; the code paths are the same as with the defaults.
FUZZ_OPTIONS = dict(max_total_bytes=8 << 20, max_member_bytes=4 << 20, max_members=200,
                    max_depth=3, max_line_bytes=64 << 10)


def _source(data: bytes, name: str) -> Source:
    return Source(name, opener=lambda: io.BytesIO(data), size=len(data))


def _parse(mod: object, data: bytes, name: str, **opts: object) -> tuple[list[Event], FileLedger]:
    ledger = FileLedger(name)
    options = IngestOptions(**{**FUZZ_OPTIONS, **opts})  # type: ignore[arg-type]
    events = list(mod.parse(_source(data, name), ledger, options))  # type: ignore[attr-defined]
    return events, ledger


def _check_events(events: list[Event], ledger: FileLedger) -> None:
    for ev in events:
        assert ev.file == ledger.path
        assert ev.time is None or ev.time.tzinfo is not None, "naive datetime"
        if ev.locator.line is not None:
            assert ev.locator.line >= 1
            assert ev.locator.end_line is None or ev.locator.end_line >= ev.locator.line
    assert ledger.skipped == sum(ledger.skip_reasons.values())
    assert all(n > 0 for n in ledger.skip_reasons.values())


def _check_lines(events: list[Event], ledger: FileLedger) -> None:
    """No line both in a record and skipped: covered + the parser's own skips <= lines read."""
    total = ledger.info.get("lines")
    if not isinstance(total, int):
        return
    covered: set[int] = set()
    for ev in events:
        if ev.locator.line:
            covered.update(range(ev.locator.line, (ev.locator.end_line or ev.locator.line) + 1))
    assert max(covered, default=0) <= total, "an event points past the last line"
    skips = sum(n for r, n in ledger.skip_reasons.items() if r not in NOT_LINES)
    assert len(covered) + skips <= total, (
        f"{len(covered)} covered + {skips} skipped > {total} lines: {dict(ledger.skip_reasons)}")


def text_lines(data: bytes) -> None:
    """textio: every line numbered once, in order, none longer than the cap."""
    RUNS["textio"] += 1
    ledger = FileLedger("x")
    numbers = []
    for n, text in iter_lines(io.BytesIO(data), ledger, max_line_chars=512, chunk_size=97):
        numbers.append(n)
        assert len(text) <= 512 and "\x00" not in text
        assert "\n" not in text and "\r" not in text
    assert numbers == list(range(1, len(numbers) + 1))
    assert ledger.info["lines"] == len(numbers)


def vssadmin_target(data: bytes) -> None:
    RUNS["vssadmin"] += 1
    events, ledger = _parse(vssadmin, data, "vss.txt")
    _check_events(events, ledger)
    _check_lines(events, ledger)
    assert ledger.records == len(events)


def veeam_target(data: bytes) -> None:
    RUNS["veeam"] += 1
    events, ledger = _parse(veeam, data, "Job.x.Backup.log")
    _check_events(events, ledger)
    _check_lines(events, ledger)


def _evtx(data: bytes, engine: str) -> None:
    RUNS[f"evtx-{engine}"] += 1
    events, ledger = _parse(evtx, data, "x.evtx", engine=engine)
    _check_events(events, ledger)
    assert ledger.records >= 0
    if "evtx-missing" not in SKIP:
        assert ledger.missing >= 0, f"negative missing: {ledger.missing}"
    assert len(ledger.problems) + ledger.problems_dropped >= 0


def evtx_rust(data: bytes) -> None:
    _evtx(data, "rust")


_GATED: list[IngestOptions] = []


def evtx_gated(data: bytes) -> None:
    """The Rust engine as ``analyze`` runs it: with the library's record rule and chunk gate,
    so the chunk gate, the record walk, the record skip and the hazard pre-scan (compiled
    where they were built: run this under a sanitizer build, fuzz/README.md) read the bytes."""
    RUNS["evtx-gated"] += 1
    if not _GATED:
        from logscope.match.evtx_gate import with_evtx_gate
        from logscope.match.library import load_library
        from logscope.match.matcher import Matcher

        base = IngestOptions(**FUZZ_OPTIONS, engine="rust")  # type: ignore[arg-type]
        _GATED.append(with_evtx_gate(base, Matcher(load_library())))
    ledger = FileLedger("x.evtx")
    events = list(evtx.parse(_source(data, "x.evtx"), ledger, _GATED[0]))
    _check_events(events, ledger)
    assert ledger.records >= 0
    assert len(ledger.problems) + ledger.problems_dropped >= 0


def evtx_python(data: bytes) -> None:
    _evtx(data, "python")


def detect_target(data: bytes) -> None:
    """Every parser's ``detect`` on arbitrary heads (they run on every file of a bundle)."""
    RUNS["detect"] += 1
    found = detect(_source(data, "x.log"))
    assert found.kind == "unknown" or found.module is not None


def bundle_target(data: bytes) -> None:
    """The archive walker on arbitrary bytes as a zip (or gzip) member of a folder; then every
    source it yields is detected and parsed as the pipeline would."""
    from logscope.ingest import read_source

    RUNS["bundle"] += 1
    with tempfile.TemporaryDirectory(prefix="logscope-fuzz-") as work:
        root = Path(work) / "b"
        root.mkdir()
        (root / "in.zip").write_bytes(data)
        options = IngestOptions(**FUZZ_OPTIONS)  # type: ignore[arg-type]
        saved = tempfile.tempdir
        tempfile.tempdir = work  # the walker's private folder lives in ours: checked below
        try:
            with Bundle([root], options) as bundle:
                for src in bundle.sources():
                    parts = src.display.split("/")
                    assert ".." not in parts and not src.display.startswith("/"), src.display
                    ledger, events = read_source(src, options)
                    for _ in events:
                        pass
                    assert not any(p.code == "parser-error" for p in ledger.problems), \
                        [p.message for p in ledger.problems if p.code == "parser-error"]
                for led in bundle.ledgers:
                    assert led.path.startswith("b/")
        finally:
            tempfile.tempdir = saved
        left = [p for p in Path(work).iterdir() if p.name != "b"]
        assert left == [], f"temporary files left behind: {left}"
        assert sorted(os.listdir(root)) == ["in.zip"], "the walker wrote into the bundle"


TARGETS: dict[str, Callable[[bytes], None]] = {
    "textio": text_lines,
    "vssadmin": vssadmin_target,
    "veeam": veeam_target,
    "evtx-rust": evtx_rust,
    "evtx-gated": evtx_gated,
    "evtx-python": evtx_python,
    "detect": detect_target,
    "bundle": bundle_target,
}
