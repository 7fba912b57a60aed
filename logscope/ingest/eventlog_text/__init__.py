"""Event logs exported or copied as text: Event XML (``evtx-xml``), Event Viewer /
``Export-Csv`` CSV (``evtx-csv``), and events a person pasted (``event-text``: Event Viewer
"Copy details as text" in any UI language, ``wevtutil qe /f:text``, ``Get-WinEvent`` list and
table output, ``Provider/ID: message`` shorthand). The exports normalize through
``evtx.normalize``; the pasted forms through ``pasted_record``, so every form of one record
reads the same.
"""

from __future__ import annotations

from collections.abc import Iterator
from types import ModuleType

from ...events import Event
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from . import csv_export, shorthand, viewer_text, winevent_list, winevent_table, xml_export

#: Detection order inside the family: the XML root is unambiguous, CSV headers come next, then
#: the pasted forms from the most structured (labelled blocks, PowerShell tables and lists) to
#: the loosest (a shorthand line naming a known provider).
READERS: tuple[ModuleType, ...] = (xml_export, csv_export, viewer_text, winevent_table,
                                   winevent_list, shorthand)
KINDS = tuple(dict.fromkeys(k for mod in READERS for k in mod.KINDS))


def detect(head: bytes, name: str) -> str | None:
    """The kind of the first reader of the family that recognises the file."""
    return _reader(head, name)[0]


def _reader(head: bytes, name: str) -> tuple[str | None, ModuleType | None]:
    for mod in READERS:
        kind = mod.detect(head, name)
        if kind:
            return kind, mod
    return None, None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Events of one file, by the reader that recognises it (several readers share a kind)."""
    head = source.head(64 * 1024)
    kind, mod = _reader(head, source.display.rsplit("/", 1)[-1])
    if mod is None or kind != ledger.kind:
        raise ValueError(f"{source.display}: no eventlog_text reader for kind {ledger.kind!r}")
    ledger.info.setdefault("form", mod.__name__.rsplit(".", 1)[-1])
    return mod.parse(source, ledger, options)
