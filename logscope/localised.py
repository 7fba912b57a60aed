"""Which event a pasted message is, in any language we hold its template for.

Why: a German or Japanese paste carries the provider's sentence as *that* Windows wrote it.
Signatures are written against the English text, and many messages carry no code at all
(``volsnap`` 25, ``VSS`` 12298, Hyper-V 10103). Matching the pasted text against the
provider's template in the paste's language gives back what the English text would have
given: the provider, the event id and the inserts, and from them the English sentence
(``messages.render``), so the existing signatures read a localised paste as they read an
English one. Templates are data: ``data/messages/localised/<lang>.yml`` (text seen in public
material, each with its source) plus the English ``data/messages/*.yml``.

Only pasted-text readers call this; the evtx path never does (it has the inserts already).
Matching is literal (no regex over the paste): the template's fixed parts are found in order
in the case-folded text without white space, the inserts are what lies between them.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from . import datafiles, messages
from .lazy import regex

#: A paste longer than this is matched on its first part only (bounded work).
MAX_MATCH_CHARS = 16 * 1024
#: A cut paste (``...``) still matches when this share of the fixed text was found in order.
MIN_PARTIAL_SHARE = 0.6
#: ... and at least this many fixed characters, white space not counted (a short cut
#: sentence is no evidence).
MIN_PARTIAL_CHARS = 20
#: A template whose longest fixed part is shorter than this is not used to identify text
#: (``%1. hr = %2.`` would match half the pastes in the world).
MIN_ANCHOR_CHARS = 10
_QUOTES = str.maketrans({c: '"' for c in "„“”«»″「」"} | {c: "'" for c in "‚‘’′`"})
#: The English heads of the Operation/Context block that follows a VSS description.
BLOCK_HEADS = ("Operation", "Context")
#: The labels inside that block as Windows writes them (longest first: "Execution Context"
#: before "Context"), each put back at the start of a line.
_BLOCK_LABEL = regex(r"\s*\b(Execution Context|Writer Class Id|Writer Instance ID|"
                     r"Writer Instance Name|Writer Name|Command Line|Process ID|"
                     r"Operation|Context):")


@dataclass(frozen=True, slots=True)
class Localised:
    """One template: its fixed parts (folded) and slots, and where it was seen."""

    provider: str
    event_id: int
    lang: str
    #: Fixed text before slot 1, between slots, after the last slot (folded).
    literals: tuple[str, ...]
    #: Insert number of each slot (``literals[i]`` precedes ``slots[i]``).
    slots: tuple[int, ...]
    anchor: str
    source: str | None = None

    @property
    def fixed_chars(self) -> int:
        return sum(len(x) for x in self.literals)


@dataclass(frozen=True, slots=True)
class Identified:
    """A pasted message recognised as a provider's event."""

    provider: str
    event_id: int
    lang: str
    inserts: tuple[str, ...]          # by insert number - 1 ("" where the paste had none)
    english: str | None               # the English sentence (None when no English template)
    source: str | None
    partial: bool = False             # the paste was cut: not every fixed part was found


def fold(text: str) -> tuple[str, Sequence[int]]:
    """Text as compared (lower case, straight quotes, no white space at all) and, for each
    folded character, its index in ``text``.

    White space is dropped, not collapsed: Japanese and Chinese text has none between words,
    so a line break a viewer or a mail client put into a sentence would otherwise break the
    match; for Latin text the fixed parts are long enough that spacing adds nothing.
    """
    if text.isascii():  # str methods, one step per word (a pasted record: ~0.3 ms less)
        t = text.translate(_QUOTES)
        return "".join(t.lower().split()), _Positions(t)
    return fold_by_character(text)


def fold_text(text: str) -> str:
    """``fold(text)[0]`` without building the index map (a template's fixed parts: the
    library folds ~300 of them at its first use)."""
    return _quick(text) if text.isascii() else fold_by_character(text)[0]


def fold_by_character(text: str) -> tuple[str, list[int]]:
    """``fold`` one character at a time (any text: a lower-cased letter may be two)."""
    out: list[str] = []
    where: list[int] = []
    for i, ch in enumerate(text.translate(_QUOTES)):
        if ch.isspace():
            continue
        low = ch.lower()
        out.append(low if len(low) == 1 else ch)
        where.append(i)
    return "".join(out), where


class _Positions(Sequence[int]):
    """``fold``'s index map of an ASCII text, from its words: the folded character ``k`` is
    ``text[start + k - folded_start]`` of the word it falls in (each character of ASCII
    text folds to one, and only white space is dropped)."""

    __slots__ = ("_folded", "_starts", "_size")

    def __init__(self, text: str) -> None:
        self._folded: list[int] = []  # where each word starts in the folded text
        self._starts: list[int] = []  # ... and in ``text``
        at = 0
        for m in _WORD.finditer(text):
            self._folded.append(at)
            self._starts.append(m.start())
            at += m.end() - m.start()
        self._size = at

    def __len__(self) -> int:
        return self._size

    def __getitem__(self, k: int) -> int:  # type: ignore[override]
        if k < 0:
            k += self._size
        if not 0 <= k < self._size:
            raise IndexError(k)
        i = bisect_right(self._folded, k) - 1
        return self._starts[i] + k - self._folded[i]


#: A run of characters ``str.split`` keeps (``\s`` is ``str.isspace`` in ``re``).
_WORD = regex(r"\S+")


def _quick(text: str) -> str:
    """The folded text without the index map (str methods only: the common no-match case)."""
    return "".join(text.translate(_QUOTES).lower().split())


def _split(provider: str, event_id: int, lang: str, text: str,
           source: str | None) -> Localised | None:
    """A template text -> its folded fixed parts and slot numbers (``%{Name}`` slots are
    positional in pasted text too: their order is the template's order)."""
    literals: list[str] = []
    slots: list[int] = []
    pos = 0
    named = 0
    for m in messages.INSERT.finditer(text):
        if m.group(1):
            continue
        literals.append(fold_text(text[pos:m.start()]))
        named += 1
        slots.append(int(m.group(2)) if m.group(2) is not None else named)
        pos = m.end()
    literals.append(fold_text(text[pos:]))
    anchor = max(literals, key=len)
    if len(anchor) < MIN_ANCHOR_CHARS:
        return None
    return Localised(provider, event_id, lang, tuple(literals), tuple(slots), anchor, source)


@dataclass(frozen=True, slots=True)
class Library:
    templates: tuple[Localised, ...]
    by_event: dict[tuple[str, int], tuple[Localised, ...]]
    #: Any anchor at all (one RE2 pass tells a paste that no template can match).
    any_anchor: Any
    #: Per language: localised context words -> English, longest first.
    context: dict[str, tuple[tuple[str, str], ...]]
    #: Folded provider name or alias -> the name the English templates use.
    names: dict[str, str]
    #: Folded heads of a description's Operation/Context block, in every language held.
    block_heads: frozenset[str]


@lru_cache(maxsize=1)
def library() -> Library:
    """English templates and every ``localised/*.yml`` file, compiled once."""
    out: list[Localised] = []
    names: dict[str, str] = {}
    for e in messages.entries():
        for n in (e.provider, *e.aliases):
            names[n.casefold()] = e.provider
        tpl = _split(e.provider, e.event_id, "en", e.text, None)
        if tpl:
            out.append(tpl)
    context: dict[str, tuple[tuple[str, str], ...]] = {}
    folder = datafiles.DATA / "messages" / "localised"
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yml"):
            continue
        doc: Any = datafiles.table(f"messages/localised/{entry.name}") or {}
        lang = str(doc["lang"])
        words = {str(k): str(v) for k, v in (doc.get("context") or {}).items()}
        context[lang] = tuple(sorted(words.items(), key=lambda kv: -len(kv[0])))
        for spec in doc.get("templates") or ():
            provider = names.get(str(spec["provider"]).casefold(), str(spec["provider"]))
            tpl = _split(provider, int(spec["event_id"]), lang, str(spec["text"]),
                         spec.get("source"))
            if tpl:
                out.append(tpl)
    by_event: dict[tuple[str, int], list[Localised]] = {}
    for t in out:
        by_event.setdefault((t.provider.casefold(), t.event_id), []).append(t)
    pattern = "|".join(sorted({re2.escape(t.anchor) for t in out}))
    heads = {fold_text(w) for pairs in context.values() for w, en in pairs
             if en in BLOCK_HEADS} | {fold_text(h) for h in BLOCK_HEADS}
    return Library(tuple(out), {k: tuple(v) for k, v in by_event.items()},
                   re2.compile(pattern), context, names, frozenset(heads))


#: White space ``str.split`` drops from ASCII text (``_quick`` removes every run of it).
_ASCII_SPACE = "[\\t-\\r\\x1c-\\x1f ]*"
#: Characters of each anchor the gate looks for: a text that holds an anchor holds its start
#: (the whole anchors cost ~10 ms more to compile, for ~15 % fewer texts sent on).
ANCHOR_HEAD = 24


def ascii_anchor_patterns() -> list[str]:
    """Every template anchor's first ``ANCHOR_HEAD`` characters as RE2 over an unfolded
    ASCII paste: what ``identify``'s first look (``_quick``, then ``any_anchor``) needs, in any
    case, with any white space between its characters and a backtick for a quote. An ASCII
    text that holds none of them is read by no template (``ingest/quiet_text``)."""
    out = set()
    for anchor in {t.anchor for t in library().templates}:
        if anchor.isascii():  # an anchor with another letter cannot be in ASCII text
            out.add(_ASCII_SPACE.join(_ascii_char(c) for c in anchor[:ANCHOR_HEAD]))
    return sorted(out)


def _ascii_char(c: str) -> str:
    if c.isalpha():
        return f"[{c}{c.upper()}]"
    return "['`]" if c == "'" else re2.escape(c)


def continues_description(text: str) -> bool:
    """True when a pasted paragraph is the Operation/Context block of the description before
    it (``Operation:`` / ``Vorgang:`` / ``操作: ...``): a paste split at its blank lines must
    not turn ``Old failure: 0x800423f4`` into an event of its own."""
    head = text.lstrip().split(":", 1)[0].split("：", 1)[0]
    return len(head) <= 40 and fold_text(head) in library().block_heads


def english_block(text: str, lang: str) -> str:
    """A description's Operation/Context block with its localised words in English."""
    return _english_context(text, lang, library())


def identify(message: str, provider: str | None = None,
             event_id: int | None = None) -> Identified | None:
    """The event a pasted message is, or None when no template matches it.

    With a provider and an event id (an Event Viewer paste names them) only that event's
    templates are tried; otherwise every template whose anchor the text holds.
    """
    lib = library()
    text = message[:MAX_MATCH_CHARS]
    if provider and event_id is not None:
        name = lib.names.get(provider.casefold(), provider)
        candidates = lib.by_event.get((name.casefold(), event_id), ())
    else:
        # cheap first look (str methods, no per-character loop): most pasted lines hold
        # no template at all
        quick = _quick(text)
        if not lib.any_anchor.search(quick):
            return None
        candidates = tuple(t for t in lib.templates if t.anchor in quick)
    if not candidates:
        return None
    folded, where = fold(text)
    best: tuple[float, Localised, list[str], bool] | None = None
    for tpl in candidates:
        got = _match(tpl, folded, where, text)
        if got is not None:
            inserts, share = got
            if best is None or (share, tpl.fixed_chars) > (best[0], best[1].fixed_chars):
                best = (share, tpl, inserts, share < 1.0)
    if best is None:
        return None
    _, tpl, inserts, partial = best
    inserts = [_english_context(v, tpl.lang, lib) for v in inserts]
    english = messages.render(tpl.provider, tpl.event_id, inserts).text
    return Identified(tpl.provider, tpl.event_id, tpl.lang, tuple(inserts), english,
                      tpl.source, partial)


def _match(tpl: Localised, folded: str, where: Sequence[int],
           text: str) -> tuple[list[str], float] | None:
    """The inserts (original text) and the share of fixed text found, or None."""
    if tpl.anchor not in folded:
        return None
    size = max(tpl.slots, default=0)
    inserts = [""] * size
    first = tpl.literals[0]
    pos = folded.find(first) if first else 0
    if pos < 0:
        return None
    found = len(first)
    pos += len(first)
    for i, slot in enumerate(tpl.slots):
        lit = tpl.literals[i + 1]
        last = i + 1 == len(tpl.slots)
        end = len(folded) if (last and not lit) else (folded.find(lit, pos) if lit else pos)
        if end < 0:  # the rest was cut: the insert runs to the end of the paste
            inserts[slot - 1] = _original(text, where, pos, len(folded))
            share = found / max(tpl.fixed_chars, 1)
            if share >= MIN_PARTIAL_SHARE and found >= MIN_PARTIAL_CHARS:
                return inserts, share
            return None
        inserts[slot - 1] = _original(text, where, pos, end)
        found += len(lit)
        pos = end + len(lit)
    return inserts, 1.0


def _original(text: str, where: Sequence[int], start: int, end: int) -> str:
    """The original text behind folded positions ``start:end`` (trimmed)."""
    if start >= end or start >= len(where):
        return ""
    return text[where[start]:where[end - 1] + 1].strip()


def _english_context(value: str, lang: str, lib: Library) -> str:
    """An insert with the localised words of its Operation/Context block in English (so
    ``Writer Name: NTDS`` reads the same from every language), one label per line again
    (a paste joined into one line must not make ``Operation: (.*)`` run to the end)."""
    for word, english in lib.context.get(lang, ()):
        if word in value:
            value = value.replace(word, english)
    return _BLOCK_LABEL.sub(lambda m: "\n" + m.group(1) + ":", value).lstrip("\n")
