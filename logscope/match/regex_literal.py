"""The literal text every match of a regex contains: an RE2 pattern's, read conservatively
(:func:`needed_literals`), and a compiled stdlib pattern's (:func:`longest_literal`).

Why two readers: the dialects differ where it matters, and each reader is wrong on the
other's. The stdlib parser reads RE2's ``[[:digit:]]`` as a class and a literal ``]``; the
RE2 reader, given a stdlib ``(?x)`` (verbose) pattern, keeps the spaces verbose mode drops.
Signatures are RE2; the Veeam sentence templates and throughput figures are stdlib ``re``.

Why: a gate that only has to say "this text cannot match" needs one literal of a pattern, not
the pattern: ``(?i)The component .{1,200} was skipped during the snapshot`` needs ``was
skipped during the snapshot``. A set of literals costs RE2 far fewer DFA states than the
patterns themselves (a ``.*`` or a ``.{1,200}`` keeps threads alive to the end of every line
once its head is seen), which is most of what a big set costs the first time it runs.

RE2, conservative: only characters at the top level of an alternative count; groups, classes and
escapes other than an escaped punctuation mark end a run; a character under a quantifier is
not counted; anything this reader does not know (``\\Q``, ``\\p``, ``\\x``, a flag group in
the middle) gives no answer.
"""

from __future__ import annotations

import re

from ..lazy import regex

#: A leading flag group: ``(?i)``, ``(?is)`` ...
_LEADING_FLAGS = regex(r"\(\?([imsU]+)\)")
_REPEAT = regex(r"\{\d+(?:,\d*)?\}")
#: Escapes whose letters are no literal and that this reader can step over.
_CLASS_ESCAPES = frozenset("dDwWsSbBAznrtfva")
#: At least this many characters, or the literal says too little.
MIN_CHARS = 4


def needed_literals(pattern: str, min_chars: int = MIN_CHARS) -> tuple[list[str], bool] | None:
    """One literal per top-level alternative of ``pattern`` that every match of that
    alternative contains, and whether they compare ignoring case; None when some alternative
    has none this long (or the pattern holds what this reader does not know)."""
    m = _LEADING_FLAGS.match(pattern)
    ignore_case = bool(m and "i" in m.group(1))
    body = pattern[m.end():] if m else pattern
    alts = _split_top(body)
    if alts is None:
        return None
    out: list[str] = []
    for alt in alts:
        inner = _group_body(alt)
        if inner is not None:  # ``(a|b)`` as a whole: its alternatives
            found = needed_literals(inner if not m else m.group(0) + inner, min_chars)
            if found is None:
                return None
            out.extend(found[0])
            continue
        lit = _longest_run(alt)
        if lit is None or len(lit) < min_chars:
            return None
        out.append(lit)
    return out, ignore_case


def _group_body(alt: str) -> str | None:
    """The inside of an alternative that is one plain, non-capturing or named group."""
    if not alt.startswith("(") or _skip(alt, 0) != len(alt):
        return None
    if alt.startswith("(?:"):
        return alt[3:-1]
    if alt.startswith("(?P<"):
        end = alt.find(">")
        return alt[end + 1:-1] if end > 0 else None
    return None if alt.startswith("(?") else alt[1:-1]


def _split_top(body: str) -> list[str] | None:
    """The top-level alternatives (None when a group or class does not close)."""
    out, start, i = [], 0, 0
    while i < len(body):
        c = body[i]
        if c == "\\":
            i += 2
            continue
        if c in "([":
            end = _skip(body, i)
            if end is None:
                return None
            i = end
            continue
        if c == "|":
            out.append(body[start:i])
            start = i + 1
        elif c == ")":
            return None
        i += 1
    out.append(body[start:])
    return out


def _skip(s: str, i: int) -> int | None:
    """The index after the group or class that opens at ``s[i]``."""
    if s[i] == "[":
        j = i + 1
        if j < len(s) and s[j] == "^":
            j += 1
        if j < len(s) and s[j] == "]":
            j += 1
        while j < len(s):
            if s[j] == "\\":
                j += 2
            elif s.startswith("[:", j):
                k = s.find(":]", j + 2)
                if k < 0:
                    return None
                j = k + 2
            elif s[j] == "]":
                return j + 1
            else:
                j += 1
        return None
    depth, j = 0, i
    while j < len(s):
        c = s[j]
        if c == "\\":
            j += 2
            continue
        if c == "[":
            end = _skip(s, j)
            if end is None:
                return None
            j = end
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return j + 1
        j += 1
    return None


def _longest_run(alt: str) -> str | None:
    """The longest run of literal characters at the top level of one alternative."""
    best, run, i = "", "", 0
    while i < len(alt):
        c = alt[i]
        if c == "\\":
            n = alt[i + 1:i + 2]
            if not n:
                return None
            if n.isalnum():
                if n not in _CLASS_ESCAPES:
                    return None  # \Q, \p, \x, \1 ...: not read here
                best, run = max(best, run, key=len), ""
            else:
                run += n
            i += 2
        elif c in "([":
            if alt.startswith("(?", i) and (m := _LEADING_FLAGS.match(alt, i)):
                return None  # flags that change in the middle
            end = _skip(alt, i)
            if end is None:
                return None
            best, run = max(best, run, key=len), ""
            i = end
        elif c in "*+?{":
            if c == "{":
                rep = _REPEAT.match(alt, i)
                if rep is None:
                    return None  # RE2 reads some braces as literals: not decided here
                i = rep.end()
            else:
                i += 1
            best, run = max(best, run[:-1], key=len), ""  # the repeated one may be absent
        elif c in ".^$":
            best, run = max(best, run, key=len), ""
            i += 1
        else:
            run += c
            i += 1
    return max(best, run, key=len)


def longest_literal(rx: re.Pattern[str]) -> str | None:
    """The longest run of literal characters at the top level of a compiled stdlib regex
    (None if under 2), lower-case when it ignores case: read by the stdlib's own parser, so
    every escape and flag reads as ``re`` reads it; a top-level ``|`` gives none."""
    try:
        from re import _parser as sre  # the stdlib's own regex parser (3.11+)

        tokens = list(sre.parse(rx.pattern))
        literal = sre.LITERAL
    except Exception:  # pragma: no cover - a Python without the parser: no prefilter
        return None
    best, run = "", ""
    for op, arg in tokens:
        if op == literal:
            run += chr(arg)
            best = max(best, run, key=len)
        else:
            run = ""
    if len(best) < 2:
        return None
    return best.lower() if rx.flags & re.IGNORECASE else best
