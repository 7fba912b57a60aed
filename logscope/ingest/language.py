"""The language a pasted message is written in (``en``, ``de``, ``ja`` ...), or None.

Why: a localised message that no template reads must be reported as "not understood";
reading it as English would give no hint and no reason. Latin-script languages are told by
their short function words, the others by their letters (``data/message_languages.yml``).
It is a cheap guess on one message, not a language detector.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from .. import datafiles
from ..lazy import regex

#: Letters of the scripts the data file may name (compiled when a text that is not ASCII
#: first asks: ~1 ms each, for a range class, in every run that reads a text file).
_SCRIPTS = {
    "hiragana": regex(r"[\u3040-\u309f]"),
    "katakana": regex(r"[\u30a0-\u30ff]"),
    "cjk": regex(r"[\u4e00-\u9fff]"),
    "cyrillic": regex(r"[\u0400-\u04ff]"),
}
_WORD = regex(r"[^\W\d_]+")
#: The same words in casefolded ASCII text (its only letters are a-z), twice as fast: most
#: pasted lines are ASCII.
_ASCII_WORD = regex(r"[a-z]+")
#: Only this much of a message is looked at.
MAX_CHARS = 4096


@lru_cache(maxsize=1)
def _data() -> tuple[int, dict[str, tuple[str, ...]], list[tuple[str, list[str]]]]:
    """(least words, word -> the languages it belongs to, scripts by language)."""
    raw: Any = datafiles.table("message_languages.yml")
    langs_of: dict[str, list[str]] = {}
    for lang, ws in raw["words"].items():
        for w in ws:
            langs_of.setdefault(str(w).casefold(), []).append(lang)
    return (int(raw["min_words"]), {w: tuple(v) for w, v in langs_of.items()},
            [(k, list(v)) for k, v in raw["scripts"].items()])


def language_of(text: str) -> str | None:
    """``en``, another language code, or None when the text says too little."""
    text = text[:MAX_CHARS]
    least, langs_of, scripts = _data()
    ascii_only = text.isascii()
    if not ascii_only:
        for lang, names in scripts:  # the first script that appears decides (kana before CJK)
            if any(_SCRIPTS[n].search(text) for n in names):
                return lang
    counts: dict[str, int] = {}
    words = _ASCII_WORD if ascii_only else _WORD
    for w in words.findall(text.casefold()):
        for lang in langs_of.get(w, ()):
            counts[lang] = counts.get(lang, 0) + 1
    english = counts.pop("en", 0)
    best = max(((n, lang) for lang, n in counts.items()), default=(0, ""))
    if best[0] >= least and best[0] > english:
        return best[1]
    return "en" if english >= least else None


def ascii_foreign_patterns() -> list[str]:
    """RE2 one of which every ASCII text matches that ``language_of`` finds in another
    language than English: ``min_words`` whole words of another language's list (any of
    them, in any case). An ASCII text that matches none is English or too short to tell,
    the same answer as not asking (``ingest/quiet_text``)."""
    least, langs_of, _ = _data()
    words = sorted(w for w, langs in langs_of.items()
                   if any(lang != "en" for lang in langs) and re.fullmatch("[a-z]+", w))
    if least <= 0:
        return [""]  # any text
    if not words:
        return []
    word = "(?:" + "|".join(words) + ")"
    # a word is a run of letters: a non-letter (or the text's edge) on each side
    between = "[^a-z](?:.*[^a-z])?"
    return ["(?is)(?:^|[^a-z])" + word + (between + word) * (least - 1) + "(?:[^a-z]|$)"]
