"""Unit replay (issue 22): a vssadmin file is cut into paragraphs from its raw text, and a
paragraph parsed before is replayed without classifying its lines. Every outcome must be the
one the line-by-line read gives: the lines themselves (``Units`` against ``iter_lines``), the
events, the ledger and the parser's work count, on real layouts and generated hostile ones.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vssadmin_helpers import CORPUS, parse_bytes

from logscope.ingest import vssadmin
from logscope.ingest.source import IngestOptions
from logscope.ingest.textio import iter_lines
from logscope.ingest.vssadmin import replay
from logscope.ingest.vssadmin.parser import _Parser
from logscope.ingest.vssadmin.units import Units
from logscope.ledger import FileLedger

BANNER = ("vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n"
          "(C) Copyright 2001-2013 Microsoft Corp.\n\n")
FR_BANNER = ("vssadmin 1.1 - Outil ligne de commande d'administration du service de cliché "
             "instantané de volume\n(C) Copyright 2001-2013 Microsoft Corp.\n\n")


def _writer(i: int, state: str = "[1] Stable", error: str = "No error") -> str:
    return (f"Writer name: 'Writer {i}'\n   Writer Id: {{{i:08x}-0639-4400-923a-5fd982e53c7e}}\n"
            f"   Writer Instance Id: {{{i:08x}-1111-4400-923a-5fd982e53c7e}}\n"
            f"   State: {state}\n   Last error: {error}\n\n")


def _fr_writer(i: int) -> str:
    return (f"Nom de l'enregistreur : 'Writer {i}'\n"
            f"   Id de l'enregistreur : {{{i:08x}-0639-4400-923a-5fd982e53c7e}}\n"
            f"   Id de l'instance de l'enregistreur : {{{i:08x}-1111-4400-923a-5fd982e53c7e}}\n"
            "   État : [1] Stable\n   Dernière erreur : Aucune erreur\n\n")


class Dribble(io.RawIOBase):
    """A file that hands out at most ``k`` bytes per read (every block boundary is hit), but
    for the first read, which holds more than a BOM (as any file's first read does)."""

    def __init__(self, data: bytes, k: int) -> None:
        self._data, self._k, self._pos = data, k, 0
        self._first = True

    def readable(self) -> bool:
        return True

    def read(self, n: int = -1) -> bytes:
        n = self._k if n < 0 else min(n, max(self._k, 8 if self._first else 0))
        self._first = False
        out = self._data[self._pos : self._pos + n]
        self._pos += len(out)
        return out


def _lines_both(data: bytes, k: int, top: int) -> None:
    a, b = FileLedger("f"), FileLedger("f")
    by_line = list(iter_lines(Dribble(data, k), a, max_line_chars=top))
    by_unit = list(Units(Dribble(data, k), b, top, block=k).lines())
    assert by_unit == by_line
    assert b.as_dict() == a.as_dict()


PIECES = ["\r", "\n", "\r\n", "\n\n", "\r\n\r\n", "\r\r", "\x00", "é", "ab", "x" * 40, " ",
          "Writer name: 'A'"]


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(PIECES), max_size=40), st.integers(1, 9),
       st.sampled_from(["utf-8", "utf-16-le", "cp1252"]), st.booleans())
def test_units_give_the_lines_iter_lines_gives(pieces, k, encoding, bad) -> None:
    """Any mix of line ends, NULs, overlong lines and undecodable bytes, cut anywhere."""
    data = "".join(pieces).encode(encoding, "replace")
    if encoding == "utf-16-le":
        data = b"\xff\xfe" + data
    if bad:
        data = data[: len(data) // 2] + b"\xff\xfe\xfd" + data[len(data) // 2 :]
    _lines_both(data, k, top=32)


def test_units_on_a_long_line_without_line_end() -> None:
    _lines_both(b"Writer name: '" + b"x" * 5000 + b"\r" + b"y" * 3000 + b"\r\nz\n", 700, 1024)
    _lines_both(b"a\n\n" + b"x" * 5000, 512, 1024)


def _parse_both(data: bytes, monkeypatch: pytest.MonkeyPatch) -> list[dict]:
    """Events of ``data`` with unit replay on; asserts that events, ledger and the work count
    equal those of the line-by-line parse."""
    out = []
    for units in (replay.REPLAY_UNITS, 0):
        monkeypatch.setattr(replay, "REPLAY_UNITS", units)
        steps = vssadmin.Steps()
        events, ledger = parse_bytes(data, options=IngestOptions(extra={"vssadmin_steps": steps}))
        out.append(([e.to_dict() for e in events], ledger.as_dict(), steps.n))
    monkeypatch.undo()
    assert out[0] == out[1]
    return out[0][0]


def _replayed(data: bytes) -> dict[str, int]:
    ledger = FileLedger("f")
    units = Units(io.BytesIO(data), ledger, 1024)
    parser = _Parser("f", ledger, None)
    list(parser.run(units.lines(), units))
    assert parser.unit_replay is not None
    return parser.unit_replay.stats


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
@pytest.mark.parametrize("eol", ["\n", "\r\n"])
def test_loop_listing_same_as_full_parse(encoding: str, eol: str,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    one = BANNER + "".join(_writer(i, *(("[8] Failed", "Timed out") if i == 3 else ()))
                           for i in range(6))
    fr = FR_BANNER + "".join(_fr_writer(i) for i in range(4))
    text = (one * 3 + fr * 2 + one).replace("\n", eol)
    data = text.encode(encoding)
    events = _parse_both(data, monkeypatch)
    assert len(events) == 6 * 4 + 4 * 2
    assert [e["locator"]["line"] for e in events[6:12]] == [e["locator"]["line"] + 39
                                                            for e in events[:6]]
    assert _replayed(data)["replayed"] >= 6 * 3 + 4 - 2  # the first block of each capture too


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_corpus_layouts_repeated_same_as_full_parse(shared: Path, encoding: str,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Every real capture (localised, pasted, damaged) as a capture loop repeats it."""
    files = sorted((shared / CORPUS).glob("*.txt"))
    assert files
    replayed = 0
    for f in files:
        text = f.read_bytes().decode("utf-8", "replace")
        for sep in ("\r\n", "\n\n"):
            data = sep.join([text] * 4).encode(encoding)
            _parse_both(data, monkeypatch)
            replayed += _replayed(data)["replayed"]
    assert replayed > 0


# -- generated hostile layouts ----------------------------------------------------------------

def _prefixed(block: str) -> str:
    return "".join(f"8/10/2018 9:28:02 AM\t{ln}\n" if ln else "\n" for ln in block.split("\n")[:-1])


BLOCKS = [
    BANNER, FR_BANNER, "C:\\>vssadmin list writers\n", _writer(1), _writer(1), _writer(2),
    _writer(2, "[7] Failed", "Retryable error"), _fr_writer(1),
    _writer(1).replace("   ", ""),  # indentation lost
    "".join("> " + ln + "\n" for ln in _writer(1).split("\n")[:-1]),  # e-mail quote
    _writer(1).replace("\n   State", "\n\n   State"),  # a blank line inside the block
    _writer(1).replace("-923a-5fd982e53c7e}\n   Writer Instance", "-923a-5f\nd982e53c7e}\n"
                       "   Writer Instance"),  # a wrapped GUID
    _prefixed(BANNER), _prefixed(_writer(1)), _prefixed(_writer(2)),
    _writer(1)[:-1],  # no blank line after it
    _writer(1).replace("Last error: No error\n", ""),  # no last error line
    "Writer name: 'Writer 1'\n   Writer Id: {00000001-0639-4400-923a-5fd982e53c7e}\n",  # cut
    "random words\n\n", "\n", "C:\\>\n", _writer(3).replace("\n", "\r"), "\x00\n\n",
    "Shadow Copy Storage association\n   For volume: (C:)\\\\?\\Volume{17f740d2-a681-4980-a131-"
    "9a4a5ae3db5a}\\\n   Shadow Copy Storage volume: (C:)\\\\?\\Volume{17f740d2-a681-4980-a131-"
    "9a4a5ae3db5a}\\\n   Used Shadow Copy Storage space: 0 B (0%)\n\n",
]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(BLOCKS), min_size=1, max_size=30),
       st.sampled_from(["\n", "\r\n"]), st.sampled_from(["utf-8", "utf-16"]))
def test_generated_sequences_same_as_full_parse(blocks, eol, encoding) -> None:
    data = "".join(blocks).replace("\n", eol).encode(encoding)
    with pytest.MonkeyPatch.context() as mp:
        _parse_both(data, mp)


def test_memo_bounded_and_clearing_counted(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (BANNER + "".join(_writer(i) for i in range(5))).encode() * 4
    full = _parse_both(data, monkeypatch)
    monkeypatch.setattr(replay, "REPLAY_UNITS", 2)
    ledger = FileLedger("capture.txt")
    units = Units(io.BytesIO(data), ledger, 1024)
    parser = _Parser("capture.txt", ledger, None)
    events = [e.to_dict() for e in parser.run(units.lines(), units)]
    assert events == full
    assert parser.unit_replay is not None
    assert len(parser.unit_replay.memo) <= 2 and parser.unit_replay.stats["cleared"] > 0
