"""Two literal readers, one per regex dialect (match/regex_literal.py): ``needed_literals`` for
RE2 signature patterns, ``longest_literal`` for compiled stdlib patterns (the Veeam sentence
templates, the throughput figures). Why not one: each is wrong on the other's dialect, shown
here on a text the pattern matches that lacks the other reader's literal."""

from __future__ import annotations

import re
import warnings

import re2

from logscope.ingest.veeam.data import entity_rules
from logscope.match.regex_literal import longest_literal, needed_literals
from logscope.throughput.config import load as throughput_config


def _stdlib_patterns() -> list[re.Pattern[str]]:
    cfg = throughput_config()
    return [r.regex for r in entity_rules()] + [*cfg.summary.values(), cfg.transferred]


def test_the_readers_agree_on_every_stdlib_pattern_we_ship() -> None:
    """Where one literal is asked of a shipped pattern, both readers give the same one: the
    split is about the dialects, not about what a pattern of ours needs."""
    pats = _stdlib_patterns()
    assert len(pats) > 40
    for rx in pats:
        found = needed_literals(rx.pattern, 2)
        other = None
        if found is not None and len(found[0]) == 1:
            lit, ignore_case = found[0][0], found[1] or bool(rx.flags & re.IGNORECASE)
            other = lit.lower() if ignore_case else lit
        assert longest_literal(rx) == other, rx.pattern


def test_the_rule_needles_are_the_stdlib_literals() -> None:
    for rule in entity_rules():
        assert rule.needle == longest_literal(rule.regex)
        if rule.needle:  # a literal every match holds: a match of the pattern contains it
            assert rule.ignore_case == bool(rule.regex.flags & re.IGNORECASE)


def test_stdlib_reader() -> None:
    assert longest_literal(re.compile(r"(?i)Failed to create (?P<what>\w+) snapshot")) == "failed to create "
    assert longest_literal(re.compile(r"abc|defg")) is None  # a top-level alternative
    assert longest_literal(re.compile(r"a.b")) is None  # under 2 characters
    assert longest_literal(re.compile(r"abc\x41BCd?")) == "abcABC"  # escapes as re reads them


def test_re2_reader_on_a_verbose_stdlib_pattern_would_be_wrong() -> None:
    pattern = r"(?x) Failed \s to \s create"
    text = "Failed\tto\tcreate"
    assert re.search(pattern, text)
    assert longest_literal(re.compile(pattern)) == "Failed"
    assert "Failed" in text
    lits, _ = needed_literals(pattern, 2)
    assert not any(lit in text for lit in lits)  # " Failed ": spaces verbose mode drops


def test_stdlib_reader_on_an_re2_posix_class_would_be_wrong() -> None:
    pattern = r"[[:digit:]]abcd"
    text = "7abcd"
    assert re2.search(pattern, text)
    assert needed_literals(pattern) == (["abcd"], False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # "possible nested set"
        lit = longest_literal(re.compile(pattern))
    assert lit == "]abcd" and lit not in text
