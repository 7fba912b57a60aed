"""Which steps of the pasted-message read a paragraph needs: a few RE2 set tests.

Why: the ``message-text`` reader turns every paragraph of an unclaimed text into an event,
reads its codes and VM, reads it through the message templates (and guesses its language),
and asks the matcher; ~70 us a paragraph. Most paragraphs of a manifest, a note or a log dump
need none of it. Each step has a cheap necessary condition on the text (stated beside the
code it mirrors: ``codes``, ``vm_refs``, ``localised``, ``language``, and the signatures'
own for a bare event, ``match/message_gate``); a step whose condition the paragraph does not
meet would find nothing, so the reader skips it and the event and the file's accounting are
the ones the full read gives.

Only ASCII text is tested (case folding, white space and digits mean the same to RE2 and to
Python there); any other text takes every step. The message is tested as the reader builds
it (white space collapsed to single spaces).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2

from ..datafiles import DATA
from .codes import ascii_code_patterns
from .language import ascii_foreign_patterns
from .source import MESSAGE_GATE_KEY, IngestOptions
from .vm_refs import ascii_vm_patterns

#: Steps (bits): ``find_codes``, ``find_vm``, ``understand`` (templates and language), the
#: matcher for an event that stays bare, and ``understand``'s language guess alone (a text
#: with another language's words but no template's anchor: no template can read it).
CODES, VM, TEMPLATES, MATCH, FOREIGN = 1, 2, 4, 8, 16
ALL = CODES | VM | TEMPLATES | MATCH | FOREIGN

#: Lines below which a text is read in full: the gate costs ~10 ms to build once (the
#: signatures' conditions, one RE2 set), the full read ~60 us a paragraph.
MIN_LINES = 256

_OPTIONS = re2.Options()
_OPTIONS.max_mem = 64 << 20
_OPTIONS.log_errors = False

#: ``text -> the steps it needs``.
Gate = Callable[[str], int]


def gate_for(options: IngestOptions, kind: str, lines: int | None = None) -> Gate | None:
    """The gate of ``kind``'s paragraphs, or None (every paragraph takes every step): also
    for a text of fewer than ``MIN_LINES`` lines, which the full read costs less than
    building the gate."""
    rule = options.extra.get(MESSAGE_GATE_KEY)
    if not callable(rule) or (lines is not None and lines < MIN_LINES):
        return None
    patterns = rule(kind)
    return None if patterns is None else _compiled(tuple(patterns))


def reader_patterns() -> list[tuple[int, list[str]]]:
    """The reader's own steps and what each needs in an ASCII text (the language's words in
    a set of their own, below)."""
    from ..localised import ascii_anchor_patterns  # on a cache miss only (~2 ms to import)

    return [(CODES, ascii_code_patterns()), (VM, ascii_vm_patterns()),
            (TEMPLATES, ascii_anchor_patterns())]


@lru_cache(maxsize=1)
def own_patterns() -> tuple[list[tuple[int, list[str]]], list[str]]:
    """``reader_patterns()`` and the other languages' words, kept as JSON in the user cache
    by the content of the code and data they are derived from (``match/cache.json_cached``):
    the templates' anchors cost ~3 ms a run to derive (every template split and folded)."""
    from ..match.cache import json_cached

    return json_cached("quiet-gate", _source(),
                       lambda: [reader_patterns(), ascii_foreign_patterns()], _decode)


#: What ``own_patterns`` is derived from: these modules, the templates, the language words.
_CODE = ("ingest/quiet_text.py", "ingest/codes.py", "ingest/vm_refs.py", "ingest/language.py",
         "localised.py", "messages.py", "datafiles.py", "yamlio.py")


def may_identify(message: str) -> bool:
    """False when ``localised.identify(message)`` without a provider answers None for sure:
    its first look (no template's whole anchor in the folded text) fails. From what the
    first look uses, kept in the user cache: the templates (and their module, ~2 ms to
    import) are built only for a text that holds one (a manifest line with an anchor's first
    words is not worth ~3 ms of building them)."""
    anchors, quotes, most = _first_look()
    return anchors.search("".join(message[:most].translate(quotes).lower().split())) is not None


@lru_cache(maxsize=1)
def _first_look() -> tuple[Any, dict[int, str], int]:
    from ..match.cache import json_cached

    pattern, quotes, most = json_cached("quiet-anchors", _source(), first_look_of_templates,
                                        lambda v: v)
    return re2.compile(pattern), {ord(c): str(r) for c, r in quotes}, int(most)


def first_look_of_templates() -> list[Any]:
    """What ``localised.identify``'s first look uses: ``library().any_anchor``'s pattern,
    the quote folding of ``_quick`` (which lower-cases and drops white space) and how much
    of a message it reads."""
    from .. import localised

    anchors = localised.library().any_anchor.pattern
    quotes = sorted((chr(c), r) for c, r in localised._QUOTES.items())  # noqa: SLF001
    return [anchors, quotes, localised.MAX_MATCH_CHARS]


@lru_cache(maxsize=1)
def _source() -> bytes:
    package = DATA.parent
    files = [package / name for name in _CODE] + [DATA / "message_languages.yml"] + sorted(
        (DATA / "messages").rglob("*.y*ml"))
    return b"\0".join(str(f.relative_to(package)).encode() + b"\0" + f.read_bytes()
                       for f in files)


def _decode(value: Any) -> tuple[list[tuple[int, list[str]]], list[str]]:  # noqa: ANN401
    steps, foreign = value
    return [(int(step), [str(p) for p in ps]) for step, ps in steps], [str(p) for p in foreign]


@lru_cache(maxsize=4)
def _compiled(matcher_patterns: tuple[str, ...]) -> Gate | None:
    # RE2 sets: a pass over the text each, no capture groups, no per-match Python work. Three
    # of them, because patterns in one set multiply each other's states (RE2 builds its DFA
    # on the first pass over a text, most of the cost): the code pretests' hex and digit runs
    # with the phrases (templates' anchors, signatures' texts) cost a manifest of hashes ~1.5
    # ms more than two sets; the languages' short words (``de``, ``il``, ``un`` ...) and the
    # ``.*`` between two of them double the first pass of any set they join, and are asked
    # only when no anchor was found
    own, foreign_words = own_patterns()
    by_step = dict(own)
    phrase_steps: list[int] = []
    token_steps: list[int] = []
    try:
        phrases = _set([(TEMPLATES, by_step[TEMPLATES]), (MATCH, list(matcher_patterns))],
                       phrase_steps)
        tokens = _set([(CODES, by_step[CODES]), (VM, by_step[VM])], token_steps)
        words = _set([(FOREIGN, foreign_words)], [])
    except re2.error:  # too big for one set: no gate
        return None
    phrase, token, foreign = phrases.Match, tokens.Match, words.Match

    def needs(text: str) -> int:
        if not text.isascii():
            return ALL
        raw = text.encode("ascii")  # once: a str would be encoded again for each set
        found = 0
        for i in phrase(raw) or ():
            found |= phrase_steps[i]
        for i in token(raw) or ():
            found |= token_steps[i]
        if not found & TEMPLATES and foreign(raw) is not None:
            found |= FOREIGN
        return found

    return needs


def _set(groups: list[tuple[int, list[str]]], steps: list[int]) -> Any:  # noqa: ANN401
    """One RE2 set of ``groups``' patterns; ``steps`` gets each pattern's step."""
    rset = re2.Set.SearchSet(_OPTIONS)
    for step, patterns in groups:
        for p in patterns:
            rset.Add(p)
            steps.append(step)
    rset.Compile()
    return rset
