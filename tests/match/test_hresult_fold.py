"""``hresult.fold`` has an ASCII fast path (no per-character loop): it must give exactly what
the full fold gives, and every localized last-error word of ``data/hresults.yml`` must still
map to its code."""

from __future__ import annotations

import unicodedata
from importlib import resources

import yaml

from logscope import hresult


def full_fold(text: str) -> str:
    """The fold as written before the fast path (every character looked at)."""
    t = unicodedata.normalize("NFKD", text)
    t = "".join(c for c in t if not unicodedata.combining(c))
    t = t.replace("\u2019", "'").replace("\u2018", "'")
    return " ".join(t.casefold().split())


def test_fold_matches_the_full_fold() -> None:
    texts = ["Non-retryable error", "  Retryable\terror \n", "Erreur non renouvelable",
             "Nicht wiederholbarer Fehler", "Error no reintentable", "L\u2019op\u00e9ration",
             "\uff21\uff22\uff23", "Stra\u00dfe", "e\u0301t\u00e9", "", "0x800423F4",
             "\ufb01le", "\u00a8 x"]
    for t in texts:
        assert hresult.fold(t) == full_fold(t), t


def test_every_localized_word_still_maps_to_its_code() -> None:
    text = resources.files("logscope").joinpath("data/hresults.yml").read_text("utf-8")
    data = yaml.safe_load(text)
    n = 0
    for code, words in data["last_error_texts"].items():
        for word in words:
            assert hresult.from_last_error(word) == code.upper().replace("0X", "0x"), word
            assert hresult.from_last_error(word.upper()) == code.upper().replace("0X", "0x"), word
            n += 1
    assert n > 10


def test_long_strings_are_remembered_by_identity_only() -> None:
    """The one-entry memo of the HRESULT conditions answers for the same string object only:
    a different long text (same length, another code) gets its own answer."""
    from logscope.match.conditions import _codes_in, hr_code

    pad = "x" * 300
    a = f"{pad} failed with 0x800423F4 {pad}"
    b = f"{pad} failed with 0x80070005 {pad}"
    assert _codes_in(a) == ("0x800423F4",)
    assert _codes_in(a) == ("0x800423F4",)
    assert _codes_in(b) == ("0x80070005",)
    assert _codes_in("".join(["y" * 300, " 0x800423F4"])) == ("0x800423F4",)
    assert hr_code(a) is None and hr_code(b) is None  # prose is not one code
    long_word = " ".join(["Non-retryable error"] + [""] * 300)  # folds to a known word
    assert hr_code(long_word) == "0x800423F4"
    assert hr_code(long_word.replace("Non-r", "R")) == "0x800423F3"
