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
from .textio import ASCII_TEXT_BYTES, head_text, iter_lines, sniff_encoding

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
        stream = iter_lines(fh, ledger, max_line_chars=min(options.max_line_bytes, 1 << 20),
                            count_after=max_lines)
        kept = list(islice(stream, max_lines))
        for _ in stream:  # read to the end, counting only: the count is exact, memory bounded
            pass
    rest = ledger.info["lines"] - len(kept)
    if rest:
        ledger.skip(BEYOND, rest)
        ledger.problem(f"line {max_lines + 1}",
                       f"pasted text longer than {max_lines} lines; {rest} lines not read", "limit")
    cleaned = clean_lines(kept, starts_record=starts_record, join_wrapped=join_wrapped)
    record_repairs(ledger, cleaned)
    return cleaned


def sniff_clean(head: bytes, max_lines: int = SNIFF_LINES) -> Cleaned:
    """The first lines of a file head, cleaned (no re-wrap joining), for ``detect``.

    Four readers of the event-text family ask for the same head in turn (~10 ms each on a
    64 KiB text): the last answer is kept. Callers only read it."""
    global _last_sniff
    last = _last_sniff
    if last is not None and last[1] == max_lines and (last[0] is head or last[0] == head):
        return last[2]
    text = head_text(head[: 64 * 1024])
    lines = text.splitlines()[:max_lines]
    cleaned = clean_text("\n".join(lines), join_wrapped=False)
    _last_sniff = (head, max_lines, cleaned)
    return cleaned


_last_sniff: tuple[bytes, int, Cleaned] | None = None


def is_text(head: bytes) -> bool:
    """Mostly printable text (detection of pasted forms must never claim a binary file)."""
    sample = head[:4096]
    if not sample:
        return False
    codec, bom = sniff_encoding(sample)
    if codec.startswith("utf-16"):  # BOM or NULs at alternate places: textio decodes it
        text = sample[bom:].decode(codec, errors="replace")
        return bool(text) and sum(c.isprintable() or c in "\t\r\n" for c in text) / len(text) > 0.95
    try:  # high bytes count as text only when they are UTF-8 (a cut at the end is fine)
        sample.decode("utf-8")
        high_ok = True
    except UnicodeDecodeError as exc:
        high_ok = exc.start >= len(sample) - 3
    text_bytes = _TEXT_BYTES if high_ok else ASCII_TEXT_BYTES
    printable = len(sample) - len(sample.translate(None, text_bytes))  # no loop a byte
    return printable / len(sample) > 0.95


#: Bytes ``is_text`` counts as text: printable ASCII, tab and line ends (and, in UTF-8, high
#: bytes).
_TEXT_BYTES = ASCII_TEXT_BYTES + bytes(range(0x80, 0x100))
