"""A record's raw text against the HRESULTs some signatures need: the matcher's answer for
index keys whose signatures all need one (``Matcher.record_gate``).

Why its own module: the evtx fold asks it for nearly every record no signature names, so
it is the per-record test that matters after the engine; the matcher only builds it.
"""

from __future__ import annotations

from functools import lru_cache

from .. import hresult as hr
from .conditions import compile_regex


class TextGate:
    """Whether a raw record's text writes one of some HRESULT codes (8 hex digits, or the
    unsigned decimal, which is also the tail of the signed form and of ``%%decimal``).

    Why the prefixes: nearly every record writes none of the codes, and plain substring
    tests for the few first characters the written forms share (``8004``, ``2147``,
    ``c03a`` in the lower-cased text) reject those records at C speed; RE2 runs only on the
    rest. Why the memory of answers: the records of one kind often write the same body (a
    service's start and stop, a logon of the same account), and a dict lookup costs a
    fraction of the substring tests; bounded, and only for short texts.
    """

    __slots__ = ("_pattern", "_prefixes", "_fold", "_seen", "codes")
    #: The answer depends on the text alone: a caller may remember it (``evtx.fold``).
    pure = True

    def __init__(self, codes: set[str]) -> None:
        #: The codes (``0x%08X``): the chunk gate looks for them in a chunk's bytes.
        self.codes = frozenset(codes)
        alts = [form for code in sorted(codes) for form in hr.insert_forms(code)]
        self._pattern = compile_regex("(?i)" + "|".join(alts))
        # each form's first 4 characters, lower-cased (hex may be written in any case)
        self._prefixes = tuple(sorted({a[:4].lower() for a in alts}))
        self._fold = any(not p.isdigit() for p in self._prefixes)
        self._seen: dict[str, bool] = {}

    def __call__(self, raw: str) -> bool:
        known = self._seen.get(raw)
        if known is not None:
            return known
        answer = self._test(raw)
        if len(raw) <= GATE_MEMO_CHARS:
            if len(self._seen) >= GATE_MEMO_ENTRIES:
                self._seen.clear()
            self._seen[raw] = answer
        return answer

    def _test(self, raw: str) -> bool:
        low = raw.lower() if self._fold else raw
        for p in self._prefixes:
            if p in low:
                break
        else:
            return False
        # inserts live after the System block: search from EventData / UserData on
        start = raw.find('"EventData"')
        if start < 0:
            start = max(raw.find('"UserData"'), 0)
        # a slice, not ``pos``: the wrapper converts a ``pos`` from characters to bytes (slow)
        return self._pattern.search(raw[start:] if start else raw) is not None


#: Bounds on a :class:`TextGate`'s memory of answers: texts longer than this are tested
#: each time; when this many are held, it starts over (~8 MB at most).
GATE_MEMO_CHARS = 2048
GATE_MEMO_ENTRIES = 4096


@lru_cache(maxsize=256)
def text_gate(codes: frozenset[str]) -> TextGate:
    """One gate per set of codes (many index keys share the same HRESULT-only signatures)."""
    return TextGate(set(codes))
