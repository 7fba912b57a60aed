"""A pasted-text file as cleaned lines, read in bounded chunks (for the line-grouping readers).

Why: ``paste_clean.clean_lines`` works on a list; a reader of a huge transcript must not hold
the whole file, so lines are cleaned a chunk at a time (cut at a blank line, where no record
spans the cut). Repairs are counted in the ledger; a code fence line is left to the
pipeline's line accounting (``linecoverage.account_lines``): one inside a record's lines is in
that record, one outside is a line in no record. Counting it as skipped here, before the
records form, counted a fence inside a record twice.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from ..ledger import FileLedger
from .paste_clean import CleanLine, clean_lines, record_repairs
from .source import IngestOptions, Source
from .textio import iter_lines

#: Lines cleaned at a time at most (a chunk ends at the first blank line after this many).
CHUNK_LINES = 4000
#: A text with no blank line is cut anyway after this many chunks' worth of lines (bounded
#: memory; the only state lost at the cut is whether a code fence is open).
FORCED_CUT = 4
#: Markdown backslash escapes (``\<Unknown error code>``, ``\+ CategoryInfo``, ``\[11\]``).
MD_ESCAPE = re.compile(r"\\([<>\[\]()+*_#`~-])")


def cleaned_lines(source: Source, ledger: FileLedger, options: IngestOptions,
                  chunk_lines: int = CHUNK_LINES) -> Iterator[CleanLine]:
    """The file's lines with paste damage undone (original line numbers kept)."""
    try:
        fh = source.open()
    except OSError as exc:
        ledger.problem("file", f"cannot open: {exc}", "io-error")
        return
    with fh:
        chunk: list[tuple[int, str]] = []
        for item in iter_lines(fh, ledger, max_line_chars=options.max_line_bytes):
            chunk.append(item)
            if len(chunk) >= chunk_lines and (not item[1].strip()
                                              or len(chunk) >= FORCED_CUT * chunk_lines):
                yield from _clean(chunk, ledger)
                chunk = []
        if chunk:
            yield from _clean(chunk, ledger)


def _clean(raw: list[tuple[int, str]], ledger: FileLedger) -> Iterator[CleanLine]:
    cleaned = clean_lines(raw, join_wrapped=False)
    record_repairs(ledger, cleaned)
    for cl in cleaned.lines:
        if "\\" in cl.text:  # an escape needs its backslash (most lines hold none)
            cl.text = MD_ESCAPE.sub(r"\1", cl.text)
        yield cl
