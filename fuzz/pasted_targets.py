"""Fuzz targets for the readers of pasted and exported text, through the real entry point.

Unlike ``fuzz/targets.py`` (parsers called directly), these go through ``read_source`` on a
``Source`` made from the bytes, as ``analyze`` does: detection picks the reader (a mutated
input may well be read by another one: that is the point of fuzzing the chain), and the
pipeline's guard would turn an exception into a ``parser-error`` problem, so the targets
fail on that problem instead. One target per reader family, each seeded with that family's
real captures (``fuzz/pasted_seeds.py``); ``explain`` runs the whole ``logscope explain``.
"""

from __future__ import annotations

import io
from collections.abc import Callable

from logscope.events import Event
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger

from .targets import FUZZ_OPTIONS, RUNS, _check_events, _check_lines

#: Target name → the reader family (see ``fuzz/pasted_seeds.py``).
FAMILIES = ("event-text", "powershell-error", "diskshadow", "message-text", "veeam-agent",
            "hyperv-state")


def read_bytes(data: bytes, name: str = "pasted.txt") -> tuple[FileLedger, list[Event]]:
    """``read_source`` on the bytes as one file of a bundle; every event consumed."""
    from logscope.ingest import read_source

    options = IngestOptions(**FUZZ_OPTIONS)  # type: ignore[arg-type]
    source = Source(name, opener=lambda: io.BytesIO(data), size=len(data))
    ledger, events = read_source(source, options)
    return ledger, list(events)


def _checked(data: bytes) -> None:
    ledger, events = read_bytes(data)
    bugs = [p.message for p in ledger.problems if p.code == "parser-error"]
    assert not bugs, bugs
    _check_events(events, ledger)
    _check_lines(events, ledger)
    total = ledger.info.get("lines")
    if isinstance(total, int):  # records + skips account for every line, none twice
        assert ledger.summarized_lines >= 0 and ledger.records >= 0


def _family_target(family: str) -> Callable[[bytes], None]:
    def target(data: bytes) -> None:
        RUNS[family] += 1
        _checked(data)
    target.__name__ = family.replace("-", "_")
    return target


def explain_target(data: bytes) -> None:
    """``logscope explain`` on the bytes: a report, never an exception; no parser bug."""
    from logscope.explain import explain

    RUNS["explain"] += 1
    options = IngestOptions(**FUZZ_OPTIONS)  # type: ignore[arg-type]
    report, note = explain(data, "<argument>", options)
    files = report.get("files") or []
    # bytes with gzip magic are read as a member too: "<argument>!gunzip"
    assert files and all(f["path"].startswith("<argument>") for f in files), files
    problems = [p for f in files for p in f.get("problems") or []]
    assert not [p for p in problems if p.get("code") == "parser-error"], problems
    assert note is None or "No known message" in note


TARGETS: dict[str, Callable[[bytes], None]] = {
    **{f: _family_target(f) for f in FAMILIES}, "explain": explain_target}
