"""The lines of a pasted-text file, cleaned (``paste_clean``), bounded, with repairs counted.

Why shared: every pasted-text reader (event text, PowerShell errors, diskshadow, messages) reads
its file the same way: decode through ``textio`` (encodings, NULs, overlong lines), undo the
e-mail/Markdown damage keeping the original line numbers, and stop at a bound so a huge file
costs bounded memory (the rest is counted as skipped, never dropped silently).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import islice

from ..ledger import FileLedger
from .paste_clean import Cleaned, clean_lines, clean_text, record_repairs
from .source import IngestOptions, Source
from .textio import head_text, iter_lines

#: Lines a pasted-text reader keeps in memory; beyond, lines are counted as skipped.
MAX_LINES = 200_000
BEYOND = "beyond the pasted-text line limit"
#: Lines of the file head that detection looks at.
SNIFF_LINES = 400


def read_clean(source: Source, ledger: FileLedger, options: IngestOptions,
               starts_record: Callable[[str], bool] | None = None,
               join_wrapped: bool = True, max_lines: int = MAX_LINES) -> Cleaned:
    """The file's cleaned lines; repairs go to the ledger (``info.paste_repairs``)."""
    with source.open() as fh:
        stream = iter_lines(fh, ledger, max_line_chars=min(options.max_line_bytes, 1 << 20))
        kept = list(islice(stream, max_lines))
        rest = sum(1 for _ in stream)  # read to the end: the count is exact, memory bounded
    if rest:
        ledger.skip(BEYOND, rest)
        ledger.problem(f"line {max_lines + 1}",
                       f"pasted text longer than {max_lines} lines; {rest} lines not read", "limit")
    cleaned = clean_lines(kept, starts_record=starts_record, join_wrapped=join_wrapped)
    record_repairs(ledger, cleaned)
    return cleaned


def sniff_clean(head: bytes, max_lines: int = SNIFF_LINES) -> Cleaned:
    """The first lines of a file head, cleaned (no re-wrap joining), for ``detect``."""
    text = head_text(head[: 64 * 1024])
    lines = text.splitlines()[:max_lines]
    return clean_text("\n".join(lines), join_wrapped=False)


def is_text(head: bytes) -> bool:
    """Mostly printable text (detection of pasted forms must never claim a binary file)."""
    sample = head[:4096]
    if not sample:
        return False
    if sample[:2] in (b"\xff\xfe", b"\xfe\xff") or sample.count(0) > len(sample) // 4:
        return True  # UTF-16 text: textio decodes it
    printable = sum(32 <= b < 127 or b in (9, 10, 13) or b >= 0x80 for b in sample)
    return printable / len(sample) > 0.95
