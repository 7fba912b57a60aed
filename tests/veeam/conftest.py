"""Helpers for the Veeam parser tests: parse a file or bytes into (events, ledger)."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import pytest

from logscope.events import Event
from logscope.ingest import veeam
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger

Parsed = tuple[list[Event], FileLedger]


def parse_bytes(data: bytes, display: str = "x.log", offset: timedelta | None = None,
                **extra: object) -> Parsed:
    ledger = FileLedger(display)
    src = Source(display=display, opener=lambda: io.BytesIO(data), size=len(data))
    opts = IngestOptions(veeam_utc_offset=offset, extra=dict(extra))
    events = list(veeam.parse(src, ledger, opts))
    return events, ledger


@pytest.fixture(scope="session")
def parse_file() -> Callable[..., Parsed]:
    def run(path: Path, display: str | None = None, offset: timedelta | None = None) -> Parsed:
        return parse_bytes(path.read_bytes(), display or path.name, offset)

    return run


@pytest.fixture(scope="session")
def veeam_corpus(shared: Path) -> Path:
    return shared / "corpus" / "text" / "veeam"
