"""What in a Veeam log line can matter to ``analyze``: one RE2 pattern over raw bytes, so a
reader can count the lines it does not find and build events only for the rest.

Why here, beside the matcher: the answer is mostly the signature library's (each signature's
necessary condition on the message, as the matcher's own prefilter states it), plus what the
other consumers of Veeam events read from the text: the entity templates (job, session, VM,
codes: identity table, session tracking, HRESULT signatures), HRESULTs written in free text
and the throughput collector's sentences. The reader adds its own grammar needs
(``ingest/veeam/fold.py``). Never says "nothing" wrongly: a signature with no text condition,
or a pattern RE2 cannot take as it is, turns folding off for that kind (``None``).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2

from .. import hresult
from ..ingest.source import TEXT_FOLD_KEY
from ..throughput.extract import needles as throughput_needles
from .matcher import Matcher

#: Kinds whose reader can fold (server job/task/service logs: the long ones).
FOLDABLE_KINDS = ("veeam",)
#: Anchors and assertions that mean something else in a raw line than in the message.
_ANCHORS = ("^", "$", "\\A", "\\z", "\\B", "(?m")


def _compiles(pattern: bytes) -> bool:
    try:
        re2.compile(pattern)
    except re2.error:
        return False
    return True


def _raw(pattern: str) -> bytes | None:
    """A message regex as a raw-line alternative, or None when the line would read it
    differently (anchors) or RE2 refuses it as bytes."""
    if any(a in pattern for a in _ANCHORS):
        return None
    b = pattern.encode("utf-8")
    return b if _compiles(b) else None


def _literal(text: str, ignore_case: bool) -> bytes:
    return (b"(?i:" if ignore_case else b"(?:") + re2.escape(text).encode("utf-8") + b")"


def consumer_patterns(matcher: Matcher, kind: str) -> list[bytes] | None:
    """The alternatives whose absence from a one-line entry means nothing downstream can use
    it; None when no such list can be given."""
    bucket = matcher._bucket_for(kind, None, None)  # noqa: SLF001 - the matcher's own index
    if bucket.always or bucket.any_comps:
        return None  # a signature that needs no text: every line may matter
    out: list[bytes] = []
    # the set's owner lists name a signature once per pattern: each signature once here
    for comp in {id(c): c for c in (*bucket.fold_comps, *bucket.raw_comps)}.values():
        how, values = comp.prefilter  # type: ignore[misc]
        for v in values:
            if how == "fold":
                # ``v`` is already escaped and casefolded (matcher._text_prefilter)
                out.append(b"(?i:" + v.encode("utf-8") + b")")
            else:
                raw = _raw(v)
                if raw is None:
                    return None
                out.append(raw)
    # HRESULT signatures read ev.hresult / data.hresults: written by the entity templates
    # (below) and by hresult.find_in_text (its pattern without the look-arounds)
    out.append(hresult.HRESULT_IN_TEXT_CORE.encode())
    from ..ingest.veeam.data import load as veeam_data  # Veeam kinds only: not at start-up

    for rule in veeam_data().entities:
        # the rule's literal, not its regex: a necessary condition, and bounded repeats
        # ({1,256}) of many rules in one pattern would outgrow RE2's DFA
        raw = _literal(rule.needle, rule.ignore_case) if rule.needle else _raw(rule.regex.pattern)
        if raw is None:
            return None
        out.append(raw)
    out.extend(_literal(n, False) for n in throughput_needles())
    return out


def veeam_fold(matcher: Matcher) -> Callable[[str], list[bytes] | None]:
    """The rule a Veeam reader asks per kind (cached: one answer per kind and library)."""

    @lru_cache(maxsize=8)
    def rule(kind: str) -> list[bytes] | None:
        if kind not in FOLDABLE_KINDS:
            return None
        return consumer_patterns(matcher, kind)

    return rule


def with_text_fold(extra: dict[str, Any], matcher: Matcher) -> dict[str, Any]:
    """``extra`` with the fold rule, unless a caller turned it off (``False``: a census
    counts every event, so nothing may be folded)."""
    if extra.get(TEXT_FOLD_KEY) is False:
        return extra
    return {**extra, TEXT_FOLD_KEY: veeam_fold(matcher)}
