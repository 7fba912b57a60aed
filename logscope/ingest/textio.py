"""Decoding and line splitting for text logs of unknown encoding, in bounded memory.

Why here and not in each parser: vssadmin captures come as UTF-16LE with a BOM
(PowerShell 5.1 ``>``), UTF-8 with or without BOM, or an OEM code page (``cmd > file``);
Veeam logs are UTF-8 with occasional junk. Every text parser reads through this module so
that encoding guesses, NUL bytes and overlong lines are handled (and reported) once.
"""

from __future__ import annotations

import codecs
import io
import re
from collections import deque
from collections.abc import Iterator
from typing import IO

from ..ledger import FileLedger
from .linecoverage import NOT_LINES, UNACCOUNTED, LineCoverage, account_lines

__all__ = [
    "NOT_LINES", "UNACCOUNTED", "LineCoverage", "LineState", "account_lines", "complete_lines",
    "head_text", "iter_lines", "lines_from", "open_text_lines", "sniff_encoding",
]

_BOMS = (
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


def sniff_encoding(head: bytes) -> tuple[str, int]:
    """Guess the encoding of a text file from its first bytes.

    Returns ``(codec, bom_length)``. UTF-16 without BOM is recognised by NULs at odd
    (LE) or even (BE) positions of ASCII-heavy text. Anything that is not valid UTF-8
    falls back to cp1252/cp850/cp932 guessing in :func:`decode_head`.
    """
    for bom, codec in _BOMS:
        if head.startswith(bom):
            return ("utf-8" if codec == "utf-8-sig" else codec), len(bom)
    sample = head[:512]
    if len(sample) >= 4:
        even_nuls = sample[0::2].count(0)
        odd_nuls = sample[1::2].count(0)
        half = len(sample) // 2
        if odd_nuls > half * 0.4 and even_nuls < half * 0.1:
            return "utf-16-le", 0
        if even_nuls > half * 0.4 and odd_nuls < half * 0.1:
            return "utf-16-be", 0
    try:
        # A cut in the middle of a multibyte sequence at the end of the sample is fine.
        sample_text = head[:4096]
        sample_text.decode("utf-8")
        return "utf-8", 0
    except UnicodeDecodeError as exc:
        if exc.start >= len(head[:4096]) - 3:
            return "utf-8", 0
    return _guess_legacy(head), 0


def _guess_legacy(head: bytes) -> str:
    """Pick an OEM/ANSI code page for non-UTF-8 bytes (Shift-JIS for Japanese cmd output)."""
    try:
        head[:4000].decode("cp932")
        # cp932 decodes a lot of Western text too; require double-byte lead bytes.
        if any(0x81 <= b <= 0x9F or 0xE0 <= b <= 0xEF for b in head[:4000]):
            return "cp932"
    except UnicodeDecodeError:
        pass
    # cp850 is what `cmd > file` writes on Western European systems; box/accents differ
    # from cp1252, but both decode every byte, so this never fails.
    return "cp850" if any(b in (0x82, 0x85, 0x8A, 0x88) for b in head) else "cp1252"


#: Bytes of printable ASCII text, tab and line ends (counted by what ``bytes.translate``
#: deletes: no loop a byte).
ASCII_TEXT_BYTES = bytes(range(32, 127)) + b"\t\n\r"


def head_text(head: bytes) -> str:
    """Decode a file's first bytes for sniffing, never raising."""
    codec, bom = sniff_encoding(head)
    return head[bom:].decode(codec, errors="replace")


def iter_lines(
    fh: IO[bytes],
    ledger: FileLedger,
    *,
    max_line_chars: int = 1 << 20,
    chunk_size: int = 1 << 16,
    count_after: int | None = None,
) -> Iterator[tuple[int, str]]:
    """Yield ``(line_number, text)`` (1-based, without line ending) from a binary stream.

    Handles CRLF, LF and lone CR; replaces undecodable bytes (a problem once per file, with
    the first line it happened on); strips NUL bytes (counted); cuts lines longer than
    ``max_line_chars`` (the rest of that line is skipped and counted) so memory stays
    bounded on a binary file with a log's name. Past ``count_after`` lines nothing more is
    yielded: the rest is only counted (``ledger.info["lines"]``), with the same problems.
    """
    raw = fh.read(chunk_size)
    codec, bom = sniff_encoding(raw)
    ledger.info.setdefault("encoding", codec)
    state = LineState(ledger, codec, max_line_chars)
    yield from lines_from(raw[bom:], fh, state, chunk_size, count_after)
    state.finish()


def lines_from(raw: bytes, fh: IO[bytes], state: LineState,
               chunk_size: int = 1 << 16,
               count_after: int | None = None) -> Iterator[tuple[int, str]]:
    """The lines of ``raw`` and then of the rest of ``fh``, numbered on from ``state``
    (a block reader hands over here when a line outgrows its blocks); past line
    ``count_after`` only counted (``_counted``: a chunk at a time where nothing else can
    happen in it, else line by line as here)."""
    max_line_chars = state.max_chars
    counting = count_after is not None and state.lineno >= count_after
    decoder = codecs.getincrementaldecoder(state.codec)(errors="replace")
    # The current line's text so far, in pieces (no re-joining per chunk: each chunk is
    # scanned and copied once, whatever the line length).
    parts: list[str] = []
    size = 0
    carry = ""  # a CR that ended the previous chunk: maybe the first half of CRLF
    while True:
        final = not raw
        text = carry + decoder.decode(raw, final=final)
        carry = ""
        if text.endswith("\r") and not final:
            text, carry = text[:-1], "\r"
        if counting and (rest := _counted(text, parts, size, state)) is not None:
            if rest is not text:  # a line ended in it: the partial line starts anew
                parts, size = [], 0
            if rest:
                parts.append(rest)
                size += len(rest)
        else:
            pos = 0
            for m in _EOL.finditer(text):
                piece = text[pos : m.start()]
                line = "".join(parts) + piece if parts else piece
                parts, size = [], 0
                if len(line) > max_line_chars and not state.in_overflow:
                    lines = state.overflow(line, complete=True)
                else:
                    lines = state.emit(line)
                yield from (_drained(lines) if counting else lines)
                counting = count_after is not None and state.lineno >= count_after
                pos = m.end()
            rest = text[pos:]
            if rest and not state.in_overflow:
                parts.append(rest)
                size += len(rest)
                if size > max_line_chars:
                    lines = state.overflow("".join(parts))
                    yield from (_drained(lines) if counting else lines)
                    counting = count_after is not None and state.lineno >= count_after
                    parts, size = [], 0
        if final:
            break
        raw = fh.read(chunk_size)
    if parts or state.in_overflow:
        lines = state.emit("".join(parts))
        yield from (_drained(lines) if counting else lines)


def _drained(lines: Iterator[tuple[int, str]]) -> tuple[()]:
    """Nothing, once ``lines`` ran (only counting: their numbering and problems happen)."""
    deque(lines, maxlen=0)
    return ()


def _counted(text: str, parts: list[str], size: int, state: LineState) -> str | None:
    """Count the lines that end in ``text`` at once, when nothing but the count can happen
    in them (no NUL, no replaced byte, no line that could grow past the limit, no overlong
    tail to swallow; ``parts``: the line begun before it): the text after its last line end
    (``text`` itself when none ends in it). None: read it line by line."""
    if state.in_overflow or size + len(text) > state.max_chars:
        return None
    for piece in (text, *parts):
        if "\x00" in piece or (not state.bad_seen and "\ufffd" in piece):
            return None
    ends = text.count("\n") + text.count("\r") - text.count("\r\n")
    if not ends:
        return text
    state.lineno += ends
    return text[max(text.rfind("\n"), text.rfind("\r")) + 1:]


def complete_lines(text: str, state: LineState) -> Iterator[tuple[int, str]]:
    """The lines of ``text``, decoded whole lines (it ends at a line end, or at the end of
    the file), exactly as :func:`lines_from` would give them."""
    pos = 0
    for m in _EOL.finditer(text):
        line = text[pos : m.start()]
        if len(line) > state.max_chars:
            yield from state.overflow(line, complete=True)
        else:
            yield from state.emit(line)
        pos = m.end()
    rest = text[pos:]
    if rest:  # a last line without its line end
        if len(rest) > state.max_chars:
            yield from state.overflow(rest)
        yield from state.emit(rest)


_EOL = re.compile(r"\r\n|\r|\n")


class LineState:
    """Line numbering plus the per-file anomaly bookkeeping of :func:`iter_lines`."""

    __slots__ = ("ledger", "codec", "max_chars", "lineno", "bad_seen", "nul_count", "in_overflow",
                 "first_nul_line")

    def __init__(self, ledger: FileLedger, codec: str, max_chars: int) -> None:
        self.ledger, self.codec, self.max_chars = ledger, codec, max_chars
        self.lineno = 0
        self.bad_seen = False
        self.nul_count = 0
        self.first_nul_line = 0
        self.in_overflow = False

    def emit(self, line: str) -> Iterator[tuple[int, str]]:
        if self.in_overflow:
            # the tail of an overlong line: already counted, not a line of its own
            self.in_overflow = False
            return
        self.lineno += 1
        if "\x00" in line:
            if not self.nul_count:
                self.first_nul_line = self.lineno
            self.nul_count += line.count("\x00")
            line = line.replace("\x00", "")
        if not self.bad_seen and "\ufffd" in line:
            self.bad_seen = True
            self.ledger.problem(
                f"line {self.lineno}",
                f"bytes not valid {self.codec}; replaced with U+FFFD",
                "decode-error",
            )
        yield self.lineno, line

    def finish(self) -> None:
        """After the last line: the line count line accounting checks, and the NULs."""
        self.ledger.info["lines"] = self.lineno
        if self.nul_count:
            self.ledger.problem(f"line {self.first_nul_line}",
                                f"{self.nul_count} NUL characters removed (first on this line)",
                                "nul-bytes")

    def overflow(self, text: str, complete: bool = False) -> Iterator[tuple[int, str]]:
        """Emit the first ``max_chars`` of an overlong line; unless the line is ``complete``,
        the rest of it (up to the next line end) is then swallowed."""
        if not self.in_overflow:
            yield from self.emit(text[: self.max_chars])
            self.ledger.problem(
                f"line {self.lineno}",
                f"line longer than {self.max_chars} characters; the rest was skipped",
                "long-line",
            )
            self.ledger.skip("overlong line tail")
            self.in_overflow = not complete


def open_text_lines(data: bytes, ledger: FileLedger) -> Iterator[tuple[int, str]]:
    """Convenience for tests and small in-memory inputs."""
    return iter_lines(io.BytesIO(data), ledger)
