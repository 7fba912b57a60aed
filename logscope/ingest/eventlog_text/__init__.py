"""Event logs exported or copied as text: Event XML (``evtx-xml``) and Event Viewer /
``Export-Csv`` CSV (``evtx-csv``). Both normalize through ``evtx.normalize``, so a record reads
the same whichever way it was exported.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from ...events import Event
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from . import csv_export, xml_export

#: Detection order inside the family: the XML root is unambiguous, CSV headers come next.
READERS: tuple[ModuleType, ...] = (xml_export, csv_export)
KINDS = tuple(k for mod in READERS for k in mod.KINDS)


def detect(head: bytes, name: str) -> str | None:
    """The first reader of the family that recognises the file names its kind."""
    for mod in READERS:
        kind = mod.detect(head, name)
        if kind:
            return kind
    return None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Events of one file, by the reader of the kind ``detect`` gave (``ledger.kind``)."""
    for mod in READERS:
        if ledger.kind in mod.KINDS:
            return mod.parse(source, ledger, options)
    raise ValueError(f"{source.display}: no eventlog_text reader for kind {ledger.kind!r}")
