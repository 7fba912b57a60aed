"""find_codes' cheap pre-tests never change its answer.

Why: ``find_codes`` skips its ``re`` scans on texts the pre-tests rule out (an RE2 search for
where a token could be, another for a Win32 word with a number after it). That is safe only
if each pre-test says yes wherever its ``re`` pattern would find something. Checked here two ways on
real texts (the corpus text files and manifest, the realworld cases, the project's samples)
and on generated strings built to sit on the boundaries: the pre-test's superset property,
and ``find_codes`` equal to itself with both pre-tests forced on (the path before them).
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Iterator
from pathlib import Path

import pytest

from logscope.ingest import codes
from logscope.ingest.codes import find_codes

ROOT = Path(__file__).resolve().parents[2]


def _lines_and_paragraphs(path: Path) -> Iterator[str]:
    text = path.read_bytes().decode("utf-8", "surrogateescape")
    yield from text.splitlines()
    yield from text.split("\n\n")


def _project_texts() -> list[str]:
    out: list[str] = []
    for folder in (ROOT / "tests" / "realworld", ROOT / "samples"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".log", ".yml", ".md", ".csv", ".tsv"):
                out.extend(_lines_and_paragraphs(path))
    return out


def _shared_texts(shared: Path) -> list[str]:
    out: list[str] = []
    for path in sorted((shared / "corpus" / "text").rglob("*")):
        if path.is_file():
            out.extend(_lines_and_paragraphs(path))
    for name in ("MANIFEST.tsv", "README.md"):
        path = shared / "corpus" / "evtx" / name
        if path.is_file():
            out.extend(_lines_and_paragraphs(path))
    return out


#: Pieces that sit on a token's edges: codes in every written form, near-misses one digit
#: short or long, GUIDs, hashes, dates, full-width and other-script digits, separators.
_PIECES = [
    "0x800423F4", "0X800423f4", "0x800423F4L", "0x800423FBL)", "0x800423F", "0x800423F40",
    "800423F4", "800423f4", "80070070", "C0000005", "c000000", "a1b2c3d4", "8E3FA1B2",
    "%%2147754996", "%%214775499", "%%21477549961", "2147754996", "-2147212300",
    "-214721230", "32768", "32775", "32770", "327680", "3276", "error 32", "Win32 error 0x20",
    "GetLastError() = 5", "Fehler 5", "erreur: 0x20", "errore 112", "ERROR 2.", "error 32,",
    "error code:", "error '", "error(", "fehler#", "ERREUR =", "system error code", "Win32 error",
    "getlasterror()", "Error Code\t", "errore:", "error 0x", "error 0X2",
    "VSS_E_INSUFFICIENT_STORAGE", "E_ACCESSDENIED", "ERROR_DISK_FULL", "RPC_S_SERVER_UNAVAILABLE",
    "CO_E_SERVER_EXEC_FAILURE", "E_X", "VSS_E_", "e_accessdenied",
    "8e3fa1b2-1111-2222-3333-444455556666", "{8E3FA1B2-1111-2222-3333-444455556666}",
    "3c03ab12aed9cc32be0ee6587f345b578229aa0dbe9095148309ea5eb29feed5",
    "0af9cfa150fe411132aa1c35217eca754abe9152", "2026-12-04", "20261204", "12:30:05.123",
    "０ｘ８００４２３Ｆ４", "３２７６８", "２１４７７５４９９６", "٢١٤٧٧٥٤٩٩٦", "2١٤٧٧٥٤٩٩٦",
    "エラー", "コード", "код", "ошибка", "code", "hr =", "return value", "'", '"', "(", "[", "]",
    ")", "-", "_", "%", "%%", "L", " ", "\t", "\n", ",", ".", ":", "=", "#", "\udcff", "ſ", "K",
]


def _generated(n: int = 4000) -> list[str]:
    rnd = random.Random(21)
    out = []
    for _ in range(n):
        parts = rnd.choices(_PIECES, k=rnd.randint(1, 6))
        seps = rnd.choices(["", " ", "-", "_", "%", "(", ":", "x", "\u3000"], k=len(parts))
        out.append("".join(s + p for s, p in zip(seps, parts)))
    return out


def _forced(text: str, monkeypatch: pytest.MonkeyPatch) -> codes.Codes:
    with monkeypatch.context() as m:
        m.setattr(codes, "_may_hold_token", lambda _t: True)
        m.setattr(codes, "_may_hold_win32", lambda _t: True)
        return find_codes(text)


def _check(texts: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Compare on every text; the number of texts the pre-tests ruled out."""
    skipped = 0
    for text in texts:
        t = text[: codes.MAX_SCAN_CHARS]
        if not t.isascii():
            t = unicodedata.normalize("NFKC", t)
        if codes._TOKENS.search(t):
            assert codes._may_hold_token(t), repr(text)
        if codes._WIN32.search(t):
            assert codes._may_hold_win32(t), repr(text)
        skipped += not codes._may_hold_token(t)
        assert find_codes(text) == _forced(text, monkeypatch), repr(text)
    return skipped


def test_generated_boundary_strings_give_the_same_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _PIECES + _generated()
    found = [find_codes(t) for t in texts]
    assert sum(bool(c.hresults) for c in found) > 500  # the strings do hold codes
    assert sum(not c for c in found) > 100  # ... and near-misses that hold none
    assert _check(texts, monkeypatch) > 50


def test_project_texts_give_the_same_codes(monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _project_texts()
    assert len(texts) > 500
    _check(texts, monkeypatch)


def test_corpus_texts_give_the_same_codes(shared: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _shared_texts(shared)
    assert len(texts) > 800
    skipped = _check(texts, monkeypatch)
    assert skipped > len(texts) // 4  # the manifest's hash columns are ruled out cheaply


def test_a_lone_surrogate_falls_back_to_the_full_scan() -> None:
    assert find_codes("read \udcff failed (0x80070005)").hresults == ["0x80070005"]
    assert codes._may_hold_token("\udcff no code here")


def test_ascii_words_are_read_as_the_unicode_pattern_reads_them() -> None:
    # language_of reads casefolded ASCII text with [a-z]+: the same words as [^\W\d_]+ there
    from logscope.ingest import language

    every_ascii = "".join(chr(c) for c in range(128))
    texts = [every_ascii, *_PIECES, *_generated(500), *_project_texts()]
    ascii_texts = [t.casefold() for t in texts if t.isascii()]
    assert len(ascii_texts) > 3000
    for t in ascii_texts:
        assert language._ASCII_WORD.findall(t) == language._WORD.findall(t), repr(t)
    assert [language.language_of(t) for t in ascii_texts].count(None) < len(ascii_texts)
