"""The lines of a vssadmin file read in large blocks and cut, before any line is classified,
into units: the text from one paragraph's start (its leading blank lines included) to the
line end of its last line. A capture loop prints the same paragraphs (one writer block each)
over and over; ``replay`` looks a unit up by its raw text and, when it was parsed before,
skips its lines here instead of handing them to the parser one by one.

Why blank lines and not the localised ``Writer name:`` label: every vssadmin listing, in any
language and encoding, separates its blocks by an empty line, so the cut needs no label
table, and a unit is only ever replayed when its exact text (with its line ends) was parsed
before in the same state. The lines given out are the ones ``textio.lines_from`` gives for
the same bytes: same numbers, same NUL, U+FFFD and overlong-line handling.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from typing import IO

from ...ledger import FileLedger
from ..textio import _EOL, LineState, sniff_encoding

#: Bytes read at a time (the decoded text of one block is cut into units).
BLOCK = 1 << 20
#: Not looked for yet (below any position: the next ``_cut`` looks).
_UNKNOWN = -2


class Units:
    """Numbered lines of one file (iterate ``lines()``), cut into units; between two units
    the next one can be looked at (``peek``) and passed over (``skip``) without its lines."""

    def __init__(self, fh: IO[bytes], ledger: FileLedger, max_line_chars: int,
                 block: int = BLOCK) -> None:
        raw = fh.read(1 << 16)
        codec, bom = sniff_encoding(raw)
        ledger.info.setdefault("encoding", codec)
        self.state = LineState(ledger, codec, max_line_chars)
        self._fh, self._block = fh, block
        self._decoder = codecs.getincrementaldecoder(codec)(errors="replace")
        self._text = self._decoder.decode(raw[bom:], final=not raw)
        self._pos = 0
        self._eof = not raw
        self._crlf = self._lf = _UNKNOWN  # where the next blank line is (-1: none in the text)
        #: The most long a text gets without a cut before a line is treated as overlong.
        self._limit = max(block, max_line_chars + 1)
        self._peeked: tuple[str, bool] | None = None
        #: Units given out (as lines or skipped) and whether the last line given out ended one.
        self.taken = 0
        self.boundary = True

    # -- units ----------------------------------------------------------------------------

    def peek(self) -> str | None:
        """The next unit's text (None at the end, or when it is a piece of an overlong line)."""
        unit = self._peeked
        if unit is None:
            unit = self._peeked = self._cut()
        return unit[0] if unit is not None and unit[1] else None

    def skip(self, lines: int) -> None:
        """Pass over the peeked unit, whose ``lines`` lines were counted when it was parsed."""
        self._peeked = None
        self.taken += 1
        self.state.lineno += lines

    def _take(self) -> tuple[str, bool] | None:
        unit = self._peeked if self._peeked is not None else self._cut()
        self._peeked = None
        if unit is not None:
            self.taken += 1
        return unit

    def _cut(self) -> tuple[str, bool] | None:
        """The next unit and whether it is whole (ends at a line end, or ends the file)."""
        while True:
            text, pos = self._text, self._pos
            # the line end before the next blank line (CRLF, LF): each found once, -1 none
            crlf, lf = self._crlf, self._lf
            if crlf < pos and crlf != -1:
                crlf = self._crlf = text.find("\n\r\n", pos)
            if lf < pos and lf != -1:
                lf = self._lf = text.find("\n\n", pos)
            at = crlf if lf < 0 or 0 <= crlf < lf else lf
            if at < 0 and len(text) - pos > self._limit:
                # no blank line for a long stretch: cut at the last line end, if there is one
                at = text.rfind("\n", pos)
                if at < 0:
                    at = text.rfind("\r", pos, len(text) - 1)  # lone CR: its next char is known
                if at < 0:  # one line longer than the limit: hand it on as a piece
                    # (a CR at the very end stays: it may end this line, or begin a CRLF)
                    self._pos = len(text) - text.endswith("\r")
                    return text[pos : self._pos], False
            if at >= 0:
                self._pos = at + 1
                return text[pos : at + 1], True
            if self._eof:
                if pos < len(text):
                    self._pos = len(text)
                    return text[pos:], True
                return None
            self._fill()

    def _fill(self) -> None:
        raw = self._fh.read(self._block)
        self._eof = not raw
        self._text = self._text[self._pos :] + self._decoder.decode(raw, final=self._eof)
        self._pos = 0
        self._crlf = self._lf = _UNKNOWN

    # -- lines ----------------------------------------------------------------------------

    def lines(self) -> Iterator[tuple[int, str]]:
        """``(number, text)`` of every line not skipped, as ``textio.lines_from`` numbers them."""
        state = self.state
        while (item := self._take()) is not None:
            unit, whole = item
            if not whole:  # a piece of an overlong line
                self.boundary = False
                if not state.in_overflow:
                    yield from state.overflow(unit)
                continue
            yield from self._split(unit)
        self.boundary = True
        if state.in_overflow:
            yield from state.emit("")  # ends the swallowed tail
        state.finish()

    def _split(self, unit: str) -> Iterator[tuple[int, str]]:
        state, top, pos, end = self.state, self.state.max_chars, 0, len(unit)
        for m in _EOL.finditer(unit):
            line = unit[pos : m.start()]
            pos = m.end()
            self.boundary = pos == end
            if len(line) > top and not state.in_overflow:
                yield from state.overflow(line, complete=True)
            else:
                yield from state.emit(line)
        if pos < end:  # the file's last line, without a line end
            self.boundary = True
            rest = unit[pos:]
            if len(rest) > top and not state.in_overflow:
                yield from state.overflow(rest)
            else:
                yield from state.emit(rest)
