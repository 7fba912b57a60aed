"""Event XML → valid .evtx (file header, 64 KiB chunks with CRC32s, BinXML templates).

Use :func:`xml_to_evtx` for files, :func:`write_events` for lxml ``<Event>`` elements, or
``python -m logscope.evtxwriter IN.xml OUT.evtx`` from a shell.
"""

from __future__ import annotations

from pathlib import Path

from ..ingest.eventlog_text.xml_export import iter_event_elements
from ..ledger import FileLedger
from .layout import EvtxWriter, RecordTooLarge, WriteStats, write_events

__all__ = ["EvtxWriter", "RecordTooLarge", "WriteStats", "write_events", "xml_to_evtx"]


def xml_to_evtx(src: Path, dst: Path) -> tuple[WriteStats, FileLedger]:
    """Convert an Event XML export to .evtx; the ledger says what could not be read."""
    ledger = FileLedger(str(src), kind="evtx-xml")
    with open(src, "rb") as fh, open(dst, "wb") as out:
        stats = write_events((el for _n, el in iter_event_elements(fh, ledger)), out)
    return stats, ledger
