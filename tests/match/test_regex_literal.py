"""The literal an RE2 pattern needs (match/regex_literal.py): every text the pattern matches
holds it, read on the library's own patterns and on texts built to match them.

Why: the pasted-message gate puts a signature regex's literal in its set instead of the
regex (``match/message_gate``); a literal a match can lack would make the gate skip a
paragraph a signature hits.
"""

from __future__ import annotations

import random
from pathlib import Path

import re2
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope.match.library import load_library
from logscope.match.regex_literal import needed_literals

ROOT = Path(__file__).resolve().parents[2]


def _holds(text: str, lits: list[str], ignore_case: bool) -> bool:
    if ignore_case:
        return any(re2.search("(?i:" + re2.escape(lit) + ")", text) for lit in lits)
    return any(lit in text for lit in lits)


def test_small_patterns() -> None:
    assert needed_literals("(?i)The component .{1,200} was skipped") == (["The component "], True)
    assert needed_literals("(?i)(Virtual Disk Provider|Failed to surface VHD .*0xC0000061)") == (
        ["Virtual Disk Provider", "Failed to surface VHD "], True)
    assert needed_literals(r"Loc=SignalAbort\. Desc=x.*Instance") == (["Loc=SignalAbort. Desc=x"],
                                                                       False)
    assert needed_literals("ab{2}cdef") == (["cdef"], False)  # the repeated b may not be "b"
    assert needed_literals("abcd?efgh") == (["efgh"], False)  # "abc" + optional d: 3 chars
    assert needed_literals("[[:alpha:]]xyz1") == (["xyz1"], False)
    assert needed_literals("(abcd)|(?:efgh)") == (["abcd", "efgh"], False)
    # what it does not read gives no answer (the gate then keeps the pattern itself)
    for pattern in ("abc|de", "x(?i)abcdef", r"a\Qbcdef\E", r"\p{Greek}abcdef", "a{,3}bcde",
                    r"(\d+)\1abcd", "abcd)", "[abcd"):
        assert needed_literals(pattern) is None, pattern


def _library_patterns() -> set[str]:
    """Every ``regex`` condition of the built-in library."""
    out: set[str] = set()

    def walk(node: object) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if isinstance(k, str) and k.endswith("|regex"):
                    out.update(str(x) for x in (v if isinstance(v, list) else [v]))
                walk(v)
        elif isinstance(node, list):
            for v in node:
                walk(v)

    for sig in load_library(None).signatures.values():
        walk(sig.match)
    return out


def _variants(text: str, rnd: random.Random) -> list[str]:
    return [text, text.upper(), text.lower(), f"x {text} y", text.replace(" ", "  ")]


def test_library_patterns_hold_their_literal_on_texts_they_match() -> None:
    patterns = _library_patterns()
    rnd = random.Random(21)
    texts: list[str] = []
    for folder in (ROOT / "tests" / "realworld", ROOT / "samples"):
        for path in sorted(folder.rglob("*")):
            if path.is_file() and path.suffix in (".txt", ".log", ".yml", ".md", ".csv"):
                texts.extend(path.read_text("utf-8", "replace").splitlines())
    read = matched = 0
    for pattern in sorted(patterns):
        found = needed_literals(pattern)
        if found is None:
            continue
        read += 1
        lits, ignore_case = found
        rx = re2.compile(pattern)
        # texts the pattern matches: the project's, and each literal in context
        cands = [t for t in texts if rx.search(t)]
        for lit in lits:
            cands.extend(_variants(lit, rnd))
        for text in cands:
            if rx.search(text):
                matched += 1
                assert _holds(text, lits, ignore_case), (pattern, text)
    assert read > 50 and matched > 100


def _read_patterns() -> list[str]:
    """The library's regexes this reader gives literals for, that Python's ``re`` also reads
    (hypothesis builds texts from them)."""
    import re

    keep = []
    for p in sorted(_library_patterns()):
        if needed_literals(p) is None:
            continue
        try:
            re.compile(p)
        except re.error:
            continue
        keep.append(p)
    return keep


_PATTERNS = _read_patterns()


@settings(max_examples=600, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.sampled_from(_PATTERNS).flatmap(lambda p: st.tuples(st.just(p), st.from_regex(p))))
def test_generated_matches_hold_the_literal(case: tuple[str, str]) -> None:
    pattern, text = case
    if not re2.search(pattern, text):  # Python and RE2 differ on this text: not a case
        return
    lits, ignore_case = needed_literals(pattern)  # type: ignore[misc]
    assert _holds(text, lits, ignore_case), (pattern, text)
