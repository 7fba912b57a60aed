"""What a bare pasted message must hold for any signature to hit it: RE2 patterns over the
message, from the signatures' own ``match:`` trees.

Why: the ``message-text`` reader builds one event per paragraph and asks the matcher about
each. Most paragraphs of a note, a manifest or a README are bare: no code, no VM, no template,
so their event carries the kind, the message and where it came from, nothing else. For such
an event every condition on another field (provider, event id, HRESULT, ``data.*``, VM, host)
has one answer, found once on a probe event; only the message varies. So a signature that can
hit a bare event needs one of a few texts in its message, and a paragraph holding none of
them is no hit, without building the event or asking the matcher (``ingest/quiet_text``).

Never says "nothing" wrongly: a condition it cannot read as text or as a constant (a regex
RE2 cannot take in a set, a test of the file name) makes the answer None (ask the matcher).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import lru_cache
from typing import Any

import re2

from ..events import BARE_VARYING, Event, Locator, is_bare
from .conditions import compile_condition, compile_group, split_key
from .matcher import Matcher
from .regex_literal import needed_literals
from .text_gate import code_forms

#: Fields that differ between two bare events of one kind (the message is read as text).
_VARYING = frozenset(BARE_VARYING) - {"kind", "message"}
_TEXT = ("message", "text")
#: A necessary condition: patterns one of which the message holds, or None (unknown).
Need = list[str] | None
#: The condition can never hold on a bare event.
NEVER: list[str] = []


def _probe(kind: str) -> Event:
    return Event(kind=kind, file="", locator=Locator())


def _text_need(op: str, value: Any) -> Need:  # noqa: ANN401 - a parsed YAML value
    """Patterns one of which a message must hold for ``message|op: value``."""
    values = value if isinstance(value, list) else [value]
    if not values:
        return None
    if op in ("contains", "startswith", "endswith") or (
            op == "equals" and all(isinstance(v, str) for v in values)):
        # the condition compares casefolded text; the gate reads ASCII messages only,
        # where casefolding is lower-casing and ``(?i)`` finds the same
        return ["(?i:" + re2.escape(str(v).casefold()) + ")" for v in values]
    if op == "regex":
        out: list[str] = []
        for v in values:  # a literal the pattern needs: far cheaper in a set than the pattern
            found = needed_literals(str(v))
            if found is None:
                out.append(str(v))
                continue
            lits, ignore_case = found
            out.extend(("(?i:" if ignore_case else "(?:") + re2.escape(lit) + ")" for lit in lits)
        return out
    if op == "hresult":
        forms = [f.decode("utf-8") for v in values for f in code_forms(_code(v))]
        return forms or None
    return None


def _code(value: Any) -> str:  # noqa: ANN401
    from .. import hresult

    code = hresult.normalize(value)
    if code is None:  # the library's validation refuses such a condition
        raise ValueError(f"not an HRESULT: {value!r}")
    return code


def need(group: dict[str, Any], probe: Event) -> Need:
    """A necessary condition on the message for AND-group ``group`` to hold on a bare event
    like ``probe``: patterns, ``NEVER`` (it cannot hold) or None (no text says it)."""
    best: Need = None
    for key, value in group.items():
        if key == "kind":
            continue  # indexed, not tested (``conditions.compile_group``)
        if key == "any":
            found = _any_need(value, probe)
        elif key == "all":
            found = None
            for g in value:
                got = need(g, probe)
                if got is not None and (found is None or not got):
                    found = got
        elif key == "not":
            found = None if _reads_varying(value) else (
                None if not all(p(probe) for p in compile_group(value)) else NEVER)
        else:
            field, op = split_key(str(key))
            if field in _TEXT:
                found = _text_need(op, value)
            elif field in _VARYING:
                found = None
            else:  # the same answer on every bare event
                found = None if compile_condition(field, op, value, key)(probe) else NEVER
        if found is not None and not found:
            return NEVER  # one conjunct never holds: the group never holds
        if found is not None and best is None:
            best = found
    return best


def _any_need(alts: list[dict[str, Any]], probe: Event) -> Need:
    out: list[str] = []
    for alt in alts:
        got = need(alt, probe)
        if got is None:
            return None
        out.extend(got)
    return out


def _reads_varying(node: Any) -> bool:  # noqa: ANN401
    if isinstance(node, dict):
        return any((k not in ("any", "all", "not", "kind") and
                    (split_key(str(k))[0] in _VARYING or split_key(str(k))[0] in _TEXT))
                   or _reads_varying(v) for k, v in node.items())
    return isinstance(node, list) and any(_reads_varying(v) for v in node)


def bare_patterns(matcher: Matcher, kind: str) -> list[str] | None:
    """Patterns one of which a bare event's message of ``kind`` holds whenever a signature
    hits it; None when some signature gives no such text."""
    bucket = matcher._bucket_for(kind, None, None)  # noqa: SLF001 - the matcher's own index
    probe = _probe(kind)
    out: list[str] = []
    for comp in (*bucket.always, *bucket.fold_comps, *bucket.raw_comps, *bucket.hr_comps,
                 *bucket.any_comps):
        try:
            found = need(comp.sig.match, probe)
        except Exception:  # noqa: BLE001 - a tree this reader does not know: no gate
            return None
        if found is None:
            return None
        out.extend(found)
    return sorted(set(out))


class BareSkip:
    """``Matcher.match``'s shortcut for bare events (``events.is_bare``: a kept paste's
    paragraphs, asked about again by the pipeline): once ``MIN_EVENTS`` bare events of a kind
    came, that kind's bare patterns as one RE2 set; an ASCII bare message (case folding and
    white space mean there what the conditions mean) that holds none of them has no hit."""

    #: Bare events of a kind before its set is built (~5 ms; a full match is ~25 us).
    MIN_EVENTS = 256

    def __init__(self, matcher: Matcher) -> None:
        self.matcher = matcher
        self.kinds: dict[str, Any] = {}  # kind -> events seen so far, the set, or False

    def __call__(self, ev: Event) -> bool:
        """True when ``ev`` provably has no hit."""
        msg = ev.message
        if type(msg) is not str or not msg.isascii() or not is_bare(ev):
            return False
        found = self.kinds.get(ev.kind, 0)
        if type(found) is int:
            if found + 1 < self.MIN_EVENTS:
                self.kinds[ev.kind] = found + 1
                return False
            found = self.kinds[ev.kind] = _set_of(stored_bare_patterns(self.matcher, ev.kind))
        return found is not False and found.Match(msg) is None


def _set_of(patterns: list[str] | None) -> Any:  # noqa: ANN401 - re2 has no stubs
    if patterns is None:
        return False
    options = re2.Options()
    options.max_mem = 64 << 20
    options.log_errors = False
    rset = re2.Set.SearchSet(options)
    try:
        for p in patterns:
            rset.Add(p)
        rset.Compile()
    except re2.error:
        return False
    return rset


def message_gate(matcher: Matcher) -> Callable[[str], list[str] | None]:
    """The rule a pasted-message reader asks per kind (cached per kind and library)."""

    @lru_cache(maxsize=8)
    def rule(kind: str) -> list[str] | None:
        return stored_bare_patterns(matcher, kind)

    return rule


#: What ``bare_patterns`` is derived from besides the library (its key covers its files and
#: loader, ``match/conditions`` and ``events`` included): a change in one is a new entry.
_CODE = ("match/message_gate.py", "match/matcher.py", "match/regex_literal.py",
         "match/text_gate.py", "hresult.py", "data/hresults.yml")


def stored_bare_patterns(matcher: Matcher, kind: str) -> list[str] | None:
    """``bare_patterns(matcher, kind)``, kept in the user cache by the library's key and the
    deriving code (deriving them walks every signature's conditions: ~4 ms a run). A library
    loaded without the cache (no key) derives them each time."""
    key = matcher.library.cache_key
    if not key:
        return bare_patterns(matcher, kind)
    from .cache import json_cached

    return json_cached(f"message-gate-{kind}", key.encode() + b"\0" + _code_source(),
                       lambda: bare_patterns(matcher, kind), _checked)


@lru_cache(maxsize=1)
def _code_source() -> bytes:
    from pathlib import Path

    package = Path(__file__).resolve().parent.parent
    return b"".join(name.encode() + b"\0" + (package / name).read_bytes() + b"\0"
                    for name in _CODE)


def _checked(value: Any) -> list[str] | None:  # noqa: ANN401 - JSON from the cache
    if value is not None and not (isinstance(value, list)
                                  and all(isinstance(x, str) for x in value)):
        raise ValueError("bad message-gate entry")
    return value
