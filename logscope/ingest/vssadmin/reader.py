"""vssadmin output (``list writers`` / ``shadows`` / ``shadowstorage`` / ``providers``) → events.

Why shape and not labels: the labels are localized (French ``Nom du rédacteur :``, Japanese
``ライター名:``), pastes lose indentation and blank lines, Markdown adds ``> `` and ``\\[11\\]``,
and scripts prefix every line with a timestamp. What survives all of that is the shape of a
block (windows-vss-events.md §1.4): a quoted name, two GUID lines, a ``[N]`` line and one more
line is a writer; a quoted name, a line, a GUID and a version is a provider; a GUID followed by a
volume path is a shadow copy; two volume lines and sizes are a shadow storage association.

One event per block (``ledger.records``); a capture (banner or command line to the next one)
that lists nothing gives a problem and no event. Every repair of paste damage is a problem with
its line number, aggregated per capture so a 40-writer paste without indentation says so once.

Parsing is a single forward pass with a lookahead of at most four non-blank lines, so memory is
bounded and the work is linear in the input (``Steps`` counts it for the tests).
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ...events import Event
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from ..textio import head_text, iter_lines
from . import replay
from .expectations import MissingWriter, expected_writer_problems
from .lines import (
    BANNER_RE,
    COPYRIGHT,
    KIND,
    KINDS,
    classify,
    clean,
    prefix_pattern,
)
from .parser import _Parser
from .stream import Steps
from .units import Units

__all__ = [
    "KINDS",
    "MissingWriter",
    "Steps",
    "detect",
    "expected_writer_problems",
    "parse",
    "parse_text",
]


COPYRIGHT_ANY_RE = re.compile(r"\(C\)[ \t]*Copyright", re.IGNORECASE)


def detect(head: bytes, name: str) -> str | None:
    """``vssadmin`` when the head holds the banner + copyright lines, or one complete block.

    Blocks are recognised by shape, so a capture pasted without its banner (a forum post
    starting at ``Writer name:``), in any language, is still found.
    """
    lines = head_text(head[:65536]).splitlines()
    if _banner_with_copyright(lines):
        return KIND
    parser = _Parser(name, FileLedger(name), None)
    for event in parser.run(enumerate(lines, 1)):
        if event.data.get("complete", True):
            return KIND
    return None


def _banner_with_copyright(lines: list[str]) -> bool:
    """A banner line followed by the copyright line (or joined with it), as in every capture.

    A banner alone is not enough: documentation quotes ``vssadmin 1.1 -`` in prose.
    """
    for i, line in enumerate(lines):
        m = BANNER_RE.search(line)
        if m is None:
            continue
        if COPYRIGHT_ANY_RE.search(line, m.end()):
            return True
        cleaned = clean(line, None)[0]
        m = BANNER_RE.search(cleaned)
        prefix = prefix_pattern(cleaned[: m.start()]) if m else None
        for nxt in lines[i + 1 : i + 3]:
            follow = classify(i + 2, nxt, prefix)
            if follow is None:
                continue
            if follow.kind == COPYRIGHT:
                return True
            break
    return False


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Events for every writer, shadow copy, storage association and provider block."""
    ledger.kind = KIND
    steps = options.extra.get("vssadmin_steps") if options.extra else None
    top = max(1024, options.max_line_bytes)
    with source.open() as fh:
        if not replay.REPLAY_UNITS:  # line by line, as a full parse (tests compare the two)
            numbered = iter_lines(fh, ledger, max_line_chars=top)
            yield from _Parser(source.display, ledger, steps).run(numbered)
            return
        units = Units(fh, ledger, top)
        yield from _Parser(source.display, ledger, steps).run(units.lines(), units)


def parse_text(text: str, display: str = "<text>", ledger: FileLedger | None = None) -> list[Event]:
    """Convenience for callers holding decoded text (tests, the diff command)."""
    ledger = ledger if ledger is not None else FileLedger(display)
    ledger.kind = KIND
    return list(_Parser(display, ledger, None).run(enumerate(text.splitlines(), 1)))


# --------------------------------------------------------------------------------------------


# -- helpers ----------------------------------------------------------------------------------


