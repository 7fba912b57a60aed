"""Read a pasted text through the real ingest registry (detection + reader + ledger)."""

from __future__ import annotations

import io

from logscope.events import Event
from logscope.ingest import read_source
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger


def read_text(text: str | bytes, name: str = "pasted.txt",
              options: IngestOptions | None = None) -> tuple[FileLedger, list[Event]]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    src = Source(name, lambda: io.BytesIO(data), size=len(data))
    ledger, events = read_source(src, options or IngestOptions())
    out = list(events)
    ledger.records = len(out)
    return ledger, out
