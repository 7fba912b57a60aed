"""Stage 1: bytes → events. Detects each file's kind from its content and runs its parser.

The parser registry is explicit (no import-time magic): ``PARSER_MODULES`` lists the family
packages (``evtx``, ``eventlog_text``, ``vssadmin``, ``veeam``, ``hyperv_state``) in
detection order; each exposes ``KINDS``, ``detect(head, name)`` and ``parse(source, ledger,
options)``. The first module whose ``detect`` answers wins; a text family is asked only
when its markers are in the file's head (``first_look``): the verdict is the same.
"""

from __future__ import annotations

import importlib
from collections.abc import Iterator
from dataclasses import dataclass
from types import ModuleType

from ..events import Event
from ..ledger import FileLedger
from . import first_look
from .source import IngestOptions, Source
from .linecoverage import LineCoverage, account_lines
from .textio import ASCII_TEXT_BYTES

#: Detection order matters: binary magic first, then structured text, then free text.
#: ``message_text`` stays last: it reads any text no other reader claims.
PARSER_MODULES = ("evtx", "eventlog_text", "vssadmin", "veeam", "diskshadow", "hyperv_state",
                  "powershell", "message_text")
SNIFF_BYTES = 64 * 1024
#: What a binary format's magic needs (evtx: 8 bytes): read first, so a bundle of .evtx does
#: not read (and copy) 64 KiB per file only to look at 8 of them.
MAGIC_BYTES = 8


@dataclass(slots=True)
class Detected:
    kind: str
    module: ModuleType | None
    reason: str | None = None


def parser_modules() -> list[ModuleType]:
    """Every parser module (imports all families: for listings, not for detection)."""
    return [_parser(m) for m in PARSER_MODULES]


def _parser(name: str) -> ModuleType:
    """One family's package, imported when ``detect`` first reaches it (families in order):
    a bundle of .evtx never loads the text readers' grammars."""
    return importlib.import_module(f"{__name__}.{name}")


def detect(source: Source) -> Detected:
    """The kind of one file, from its first bytes; ``unknown`` with a reason otherwise."""
    name = source.display.rsplit("/", 1)[-1]
    if source.magic is not None and len(source.magic) == MAGIC_BYTES:
        first = _parser(PARSER_MODULES[0])
        kind = first.detect(source.magic, name)  # what the walk read: no open just for it
        if kind:
            return Detected(kind, first)
    try:
        with source.open() as fh:
            head = fh.read(MAGIC_BYTES)
            if len(head) == MAGIC_BYTES:
                first = _parser(PARSER_MODULES[0])  # evtx: its magic is all it reads
                kind = first.detect(head, name)
                if kind:
                    return Detected(kind, first)
                head += fh.read(SNIFF_BYTES - MAGIC_BYTES)
    except OSError as exc:
        return Detected("unknown", None, f"cannot read: {exc}")
    if not head:
        return Detected("unknown", None, "empty file")
    first = _parser(PARSER_MODULES[0])
    kind = first.detect(head, name)
    if kind:
        return Detected(kind, first)
    may = first_look.families(head, name)  # None: ask every family
    for family in PARSER_MODULES[1:]:
        if may is not None and family not in may:
            continue  # none of its markers: its detection would say no
        mod = _parser(family)
        kind = mod.detect(head, name)
        if kind:
            return Detected(kind, mod)
    return Detected("unknown", None, _unknown_reason(head))


def _unknown_reason(head: bytes) -> str:
    printable = len(head[:4096]) - len(head[:4096].translate(None, ASCII_TEXT_BYTES))
    if head[:4096] and printable / len(head[:4096]) < 0.7:
        return f"binary content of no known format (starts {head[:8].hex()})"
    return "text in no known format (not evtx, Event XML, vssadmin or a Veeam log)"


def read_source(source: Source, options: IngestOptions) -> tuple[FileLedger, Iterator[Event]]:
    """Detect and parse one file; the ledger fills in as the event iterator is consumed."""
    ledger = FileLedger(source.display, size=source.size)
    found = detect(source)
    ledger.kind = found.kind
    if found.module is None:
        ledger.reason = found.reason
        return ledger, iter(())
    return ledger, _guarded(found.module, source, ledger, options)


def _guarded(mod: ModuleType, source: Source, ledger: FileLedger,
             options: IngestOptions) -> Iterator[Event]:
    """Run a parser; a bug or an I/O error in it becomes a problem entry, not a crash."""
    coverage = LineCoverage()  # every text line in an event or skipped (nothing is lost)
    try:
        for ev in mod.parse(source, ledger, options):
            if ev.host is None and source.host_hint:
                ev.host = source.host_hint
            coverage.add(ev.locator.line, ev.locator.end_line)
            yield ev
        account_lines(ledger, coverage)
    except OSError as exc:
        ledger.problem("file", f"read error: {exc}", "io-error")
    except Exception as exc:  # noqa: BLE001 - one bad file must not stop the bundle
        ledger.problem("file", f"parser failed: {type(exc).__name__}: {exc}", "parser-error")


__all__ = ["IngestOptions", "Source", "detect", "read_source", "parser_modules"]
