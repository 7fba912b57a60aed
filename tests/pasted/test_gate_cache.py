"""The pasted-message gate's patterns kept in the user cache give the gate built fresh.

Why: ``quiet_text.own_patterns`` (the reader's steps, from the templates and language words)
and ``message_gate.stored_bare_patterns`` (the signatures' texts, by the checked library's key)
skip deriving them in a run that finds them cached. A cached value must be the derived one,
a warm run must not derive again, and a change of what they come from must not be answered
from the old entry.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.ingest import quiet_text
from logscope.ingest.language import ascii_foreign_patterns
from logscope.match import compiled, message_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

KINDS = ("message-text", "event-text", "powershell-error")


@pytest.fixture()
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path))
    monkeypatch.delenv("LOGSCOPE_NO_CACHE", raising=False)
    compiled._read.clear()  # noqa: SLF001 - the per-process memo of library files
    return tmp_path


def _never(*_args: object) -> None:
    raise AssertionError("derived again on a warm cache")


def test_the_reader_patterns_come_back_as_derived(cache: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    fresh = (quiet_text.reader_patterns(), ascii_foreign_patterns())
    own = quiet_text.own_patterns
    own.cache_clear()  # once a process: a new process each time here
    assert own() == fresh  # cold: derived and kept
    assert list(cache.glob("quiet-gate-*.json"))
    monkeypatch.setattr(quiet_text, "reader_patterns", _never)
    own.cache_clear()
    assert own() == fresh  # warm: read back
    # another template or code text is another entry, derived again
    monkeypatch.setattr(quiet_text, "_source", lambda: b"changed")
    own.cache_clear()
    with pytest.raises(AssertionError, match="derived again"):
        own()
    own.cache_clear()


def test_the_bare_patterns_come_back_as_derived(cache: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    matcher = Matcher(load_library(None))
    assert matcher.library.cache_key
    fresh = {k: message_gate.bare_patterns(matcher, k) for k in KINDS}
    assert any(fresh.values())
    assert {k: message_gate.stored_bare_patterns(matcher, k) for k in KINDS} == fresh
    compiled._read.clear()  # noqa: SLF001 - as a new process would
    again = Matcher(load_library(None))
    monkeypatch.setattr(message_gate, "bare_patterns", _never)
    assert {k: message_gate.stored_bare_patterns(again, k) for k in KINDS} == fresh
    # other deriving code: the entry is not used
    monkeypatch.setattr(message_gate, "_code_source", lambda: b"other code")
    with pytest.raises(AssertionError, match="derived again"):
        message_gate.stored_bare_patterns(again, KINDS[0])


def test_a_damaged_entry_is_derived_again(cache: Path) -> None:
    matcher = Matcher(load_library(None))
    assert matcher.library.cache_key
    assert message_gate.stored_bare_patterns(matcher, KINDS[0]) is not None
    [entry] = cache.glob(f"message-gate-{KINDS[0]}-*.json")
    entry.write_bytes(b"[1, 2]")  # valid JSON, not a list of patterns
    compiled._read.clear()  # noqa: SLF001
    assert message_gate.stored_bare_patterns(matcher, KINDS[0]) == \
        message_gate.bare_patterns(matcher, KINDS[0])


def test_without_a_cache_the_patterns_are_derived(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LOGSCOPE_NO_CACHE", "1")
    matcher = Matcher(load_library(None))
    assert not matcher.library.cache_key
    assert message_gate.stored_bare_patterns(matcher, KINDS[0]) == \
        message_gate.bare_patterns(matcher, KINDS[0])
    quiet_text.own_patterns.cache_clear()
    assert quiet_text.own_patterns() == (quiet_text.reader_patterns(), ascii_foreign_patterns())
    quiet_text.own_patterns.cache_clear()


def test_the_cached_anchors_are_the_templates_first_look() -> None:
    """``may_identify`` is ``identify``'s own first look, from cached anchors: the same
    pattern, and no text it turns away is one a template reads."""
    from logscope import localised

    from .test_codes_pretest import _project_texts
    from .test_quiet_text import _generated

    anchors, quotes, most = quiet_text.first_look_of_templates()
    assert anchors == localised.library().any_anchor.pattern
    assert most == localised.MAX_MATCH_CHARS
    text = "".join(c for c, _ in quotes) + " It's  a `Quote` \u201etest\u201c \u00ab\u00bb\t\n."
    assert "".join(text.translate({ord(c): r for c, r in quotes}).lower().split()) == \
        localised._quick(text)  # noqa: SLF001 - the fold may_identify copies
    texts = [t for t in _project_texts() + _generated(Matcher(load_library(None)))
             if not any("\ud800" <= c <= "\udfff" for c in t)]  # a decoded file has none
    read = [t for t in texts if localised.identify(t) is not None]
    assert len(read) > 100
    assert all(quiet_text.may_identify(t) for t in read)
    assert sum(not quiet_text.may_identify(t) for t in texts) > 1000
