"""What in a Veeam log line can matter to ``analyze``: one RE2 pattern over raw bytes, so a
reader can count the lines it does not find and build events only for the rest.

Why here, beside the matcher: the answer is mostly the signature library's (each signature's
necessary condition on the message, as the matcher's own prefilter states it), plus what the
other consumers of Veeam events read from the text: the entity templates (job, session, VM,
codes: identity table, session tracking, HRESULT signatures), HRESULTs written in free text
and the throughput collector's sentences. The reader adds its own grammar needs
(``ingest/veeam/plain.py``). Never says "nothing" wrongly: a signature with no text condition,
or a pattern RE2 cannot take as it is, turns folding off for that kind (``None``).

A Veeam reader writes ``hresult`` / ``data.hresults`` only from the entry's text (entity
templates, ``codes.find_codes``), so a signature that needs one of some HRESULTs (or a
message condition) in each of its ``any`` alternatives -- the VSS signatures agent logs
share with pasted text -- has a text condition too: the ways the text can write those codes.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
import re
from typing import Any

import re2

from .. import hresult
from ..ingest.source import MESSAGE_GATE_KEY, TEXT_FOLD_KEY
from ..ingest.veeam.repeats import REPEATS_KEY
from ..events import Event
from .conditions import split_key
from .matcher import Matcher

# The Veeam grammars (``ingest/veeam/plain``: YAML data and three large RE2 patterns), the
# Veeam sentence templates and the throughput tables load only when a Veeam kind asks
# (``consumer_patterns``): an evtx-only run installs this rule but never calls it.

#: Kinds whose reader can fold (server and agent logs, session text: the long ones); the keys
#: of ``ingest.veeam.plain.BY_KIND`` (tests/veeam/test_fold.py checks they agree).
FOLDABLE_KINDS = ("veeam", "veeam-agent", "veeam-session")
#: Kinds whose readers count contents repeated past ``repeats.KEEP`` (agent logs and session
#: text: a server log's entries carry context from the lines before them).
REPEAT_KINDS = ("veeam-agent", "veeam-session")
#: What differs between two occurrences of one content (``ingest/veeam/repeats``).
_OCCURRENCE = frozenset({"time", "locator", "line", "end_line"})
#: Fields a Veeam reader fills from the entry's text only.
_TEXT_FIELDS = ("message", "text")
_CODE_FIELDS = ("hresult", "data.hresults")
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


#: Any run of what ``str.split`` splits on (``hresult.fold`` joins a code's words so).
_SPACES = (rb"[\t-\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
           rb"\x{202f}\x{205f}\x{3000}]+")


def code_forms(code: str) -> list[bytes]:
    """Every way a line can write HRESULT ``code`` that ``find_codes`` or ``hresult.normalize``
    reads as it: the hex digits (``0x``, bare, short), the unsigned and the negated decimal
    (``%%``, ``-``), the negated hex, its names and last-error words."""
    n = int(code, 16)
    neg = ((1 << 32) - n) & 0xFFFFFFFF
    forms = [_literal(f, True) for f in sorted({f"{n:08x}", f"{n:x}", str(n), str(neg),
                                                 f"{neg:x}"})]
    for word in hresult.spellings(code):
        # folded words: any case, any run of white space between the words
        forms.append(b"(?i:" + _SPACES.join(re2.escape(w).encode("utf-8")
                                              for w in word.split()) + b")")
    return forms


def _codes_of(field: str, op: str, value: Any) -> list[str] | None:  # noqa: ANN401
    if op not in ("hresult", "equals") or (op == "equals" and field not in _CODE_FIELDS):
        return None
    codes = [hresult.normalize(v) for v in (value if isinstance(value, list) else [value])]
    return None if not codes or None in codes else codes  # type: ignore[return-value]


def necessary_text(match: dict[str, Any]) -> list[bytes] | None:
    """Alternatives one of which a line must hold for ``match`` to hold on its entry, or
    None when the tree states none (a condition on fields the text does not decide)."""
    for key, value in match.items():
        if key == "any" and isinstance(value, list) and value:
            alts = [necessary_text(g) if isinstance(g, dict) else None for g in value]
            if all(a is not None for a in alts):
                return [p for a in alts for p in a]  # type: ignore[union-attr]
            continue
        if key == "all" and isinstance(value, list):
            for g in value:
                found = necessary_text(g) if isinstance(g, dict) else None
                if found is not None:
                    return found
            continue
        field, op = split_key(str(key))
        values = value if isinstance(value, list) else [value]
        if field in _TEXT_FIELDS and op in ("contains", "startswith", "endswith") and values:
            return [_literal(str(v).casefold(), True) for v in values]
        if field in _TEXT_FIELDS and op == "regex" and values:
            raws = [_raw(str(v)) for v in values]
            if all(r is not None for r in raws):
                return raws  # type: ignore[return-value]
        if field in (*_TEXT_FIELDS, *_CODE_FIELDS):
            codes = _codes_of(field, op, value)
            if codes:
                return [f for c in codes for f in code_forms(c)]
    return None


def consumer_patterns(matcher: Matcher, kind: str) -> list[bytes] | None:
    """The alternatives whose absence from a one-line entry means nothing downstream can use
    it; None when no such list can be given."""
    bucket = matcher._bucket_for(kind, None, None)  # noqa: SLF001 - the matcher's own index
    out: list[bytes] = []
    # a signature selected by its ``any`` parts is read from its tree, as one with no prefilter
    for comp in sorted((*bucket.always, *bucket.any_comps), key=lambda c: bucket.order[id(c)]):
        found = necessary_text(comp.sig.match)
        if found is None:
            return None  # a signature that needs no text: every line may matter
        out.extend(found)
    for comp in bucket.hr_comps:  # the codes as any reader of the kind may write them
        out.extend(f for c in sorted(comp.prefilter[1]) for f in code_forms(c))  # type: ignore[index]
    # the set's owner lists name a signature once per pattern: each signature once here
    for comp in {id(c): c for c in (*bucket.fold_comps, *bucket.raw_comps)}.values():
        how, values = comp.prefilter  # type: ignore[misc]
        if how == "any":
            continue  # read from its tree above
        for v in values:
            if how == "fold":
                # ``v`` is already escaped and casefolded (prefilter._text_prefilter)
                out.append(b"(?i:" + v.encode("utf-8") + b")")
            else:
                raw = _raw(v)
                if raw is None:
                    return None
                out.append(raw)
    # HRESULT signatures read ev.hresult / data.hresults: written by the entity templates
    # (below) and by hresult.find_in_text (its pattern without the look-arounds)
    out.append(hresult.HRESULT_IN_TEXT_CORE.encode())
    from ..ingest.veeam.data import entity_rules
    from .regex_literal import longest_literal
    from ..throughput.config import load as throughput_config
    from ..throughput.extract import needles as throughput_needles

    for rule in entity_rules():
        # the rule's literal, not its regex: a necessary condition, and bounded repeats
        # ({1,256}) of many rules in one pattern would outgrow RE2's DFA
        raw = _literal(rule.needle, rule.ignore_case) if rule.needle else _raw(rule.regex.pattern)
        if raw is None:
            return None
        out.append(raw)
    out.extend(_literal(n, False) for n in throughput_needles())
    if kind == "veeam-session":  # the collector reads every session line's summary figures
        for rx in throughput_config().summary.values():
            lit = longest_literal(rx)
            if lit is None:
                return None
            out.append(_literal(lit, bool(rx.flags & re.IGNORECASE)))
    return out


def veeam_fold(matcher: Matcher) -> Callable[[str], list[bytes] | None]:
    """The rule a Veeam reader asks per kind (cached: one answer per kind and library)."""

    @lru_cache(maxsize=8)
    def rule(kind: str) -> list[bytes] | None:
        if kind not in FOLDABLE_KINDS:
            return None
        return consumer_patterns(matcher, kind)

    return rule


def _reads(node: Any, fields: frozenset[str]) -> bool:  # noqa: ANN401 - a parsed YAML tree
    """Whether a ``match:`` tree names one of ``fields``."""
    if isinstance(node, dict):
        return any((isinstance(k, str) and split_key(k)[0] in fields) or _reads(v, fields)
                   for k, v in node.items())
    return isinstance(node, list) and any(_reads(v, fields) for v in node)


def veeam_repeats(matcher: Matcher) -> Callable[[str], Callable[[Event], tuple[str, ...]] | None]:
    """The repeat rule (``ingest/veeam/repeats``): per kind, the signature ids an event hits,
    or None when a signature of the kind reads where or when an entry was written (then two
    occurrences of one content may differ in their hits)."""

    def hits_of(ev: Event) -> tuple[str, ...]:
        return tuple(h.signature.id for h in matcher.match(ev))

    @lru_cache(maxsize=8)
    def rule(kind: str) -> Callable[[Event], tuple[str, ...]] | None:
        if kind not in REPEAT_KINDS:
            return None
        bucket = matcher._bucket_for(kind, None, None)  # noqa: SLF001 - the matcher's own index
        comps = (*bucket.always, *bucket.fold_comps, *bucket.raw_comps, *bucket.hr_comps,
                 *bucket.any_comps)
        return None if any(_reads(c.sig.match, _OCCURRENCE) for c in comps) else hits_of

    return rule


def with_text_fold(extra: dict[str, Any], matcher: Matcher) -> dict[str, Any]:
    """``extra`` with the fold, repeat and pasted-message gate rules, unless a caller turned
    folding off (``False``: a census counts every event, so nothing may be folded or counted)
    or one of them (a comparison run)."""
    if extra.get(TEXT_FOLD_KEY) is False:
        return extra
    out = {**extra, TEXT_FOLD_KEY: veeam_fold(matcher)}
    if extra.get(REPEATS_KEY) is not False:
        out[REPEATS_KEY] = veeam_repeats(matcher)
    if extra.get(MESSAGE_GATE_KEY) is not False:
        from .message_gate import BareSkip, message_gate  # the pasted-message readers' rule

        out[MESSAGE_GATE_KEY] = message_gate(matcher)
        if matcher.skip is None:  # and the pipeline's, asking about those messages again
            matcher.skip = BareSkip(matcher)
    return out
