"""Checks on a signature's ``match`` and ``extract`` that compiling alone cannot see.

A signature that compiles can still never fire: a field name with a typo, an event id no
event can carry, two conditions no event can satisfy together. Each problem is reported at
the key that causes it (file:line:column), so ``logscope validate`` points at the mistake.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import re2

from ..events import Event
from .conditions import OPERATORS, STRUCTURAL_KEYS, compile_regex, re2_reason, split_key

#: Fields a condition may name besides ``data.<name>``.
EVENT_FIELDS = frozenset(Event.__dataclass_fields__) | {"text"}
#: Fields whose value is a list: two different equals on them are not a contradiction.
LIST_FIELDS = frozenset(("data.hresults",))
MAX_EVENT_ID = 65535


@dataclass(slots=True)
class Problem:
    """One lint finding: the mapping and key it is about (for the position), the message."""

    node: Any
    key: str
    message: str
    code: str


def _mark(node: Any, key: str) -> tuple[int, int]:  # noqa: ANN401
    marks = getattr(node, "marks", {})
    return marks.get(key, getattr(node, "start", (1, 1)))


def position(p: Problem) -> tuple[int, int]:
    return _mark(p.node, p.key)


@dataclass(slots=True)
class _Cond:
    field: str
    op: str
    value: Any
    node: Any
    key: str


def _and_conditions(group: dict[str, Any]) -> Iterator[_Cond]:
    """Conditions that must all hold: the group's own, ``all`` groups, one-alternative ``any``."""
    for key, value in group.items():
        if key == "all" and isinstance(value, list):
            for g in value:
                if isinstance(g, dict):
                    yield from _and_conditions(g)
        elif key == "any" and isinstance(value, list) and len(value) == 1 \
                and isinstance(value[0], dict):
            yield from _and_conditions(value[0])
        elif key not in STRUCTURAL_KEYS:
            field, op = split_key(str(key))
            yield _Cond(field, op, value, group, str(key))


def _all_conditions(group: dict[str, Any]) -> Iterator[_Cond]:
    """Every leaf condition, however nested (for per-condition checks)."""
    for key, value in group.items():
        if key in ("all", "any") and isinstance(value, list):
            for g in value:
                if isinstance(g, dict):
                    yield from _all_conditions(g)
        elif key == "not" and isinstance(value, dict):
            yield from _all_conditions(value)
        elif key not in STRUCTURAL_KEYS:
            field, op = split_key(str(key))
            yield _Cond(field, op, value, group, str(key))


def _values(v: Any) -> list[Any]:  # noqa: ANN401
    return list(v) if isinstance(v, (list, tuple)) else [v]


def _norm(v: Any) -> str:  # noqa: ANN401
    """How ``equals`` compares: integers by value, strings case-insensitively."""
    if isinstance(v, bool):
        return str(v).casefold()
    if isinstance(v, int):
        return str(v)
    s = str(v).casefold()
    return str(int(s)) if s.lstrip("-").isdigit() else s


def _num(v: Any) -> float | None:  # noqa: ANN401
    if isinstance(v, bool):
        return None
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


def check_match(match: dict[str, Any]) -> list[Problem]:
    """Unknown fields, event ids out of range, and contradictions of one ``match`` block."""
    out: list[Problem] = []
    for c in _all_conditions(match):
        if c.op not in OPERATORS:
            continue  # the compiler reports unknown operators
        if not c.field.startswith("data.") and c.field not in EVENT_FIELDS:
            hint = f"; source fields are written data.{c.field}" if c.field else ""
            out.append(Problem(c.node, c.key, f"unknown field {c.field!r} in condition "
                               f"{c.key!r}{hint}", "unknown-field"))
        if c.field == "event_id" and c.op == "equals":
            for e in _values(c.value):
                if not isinstance(e, int) or isinstance(e, bool) or not 0 <= e <= MAX_EVENT_ID:
                    out.append(Problem(c.node, c.key, f"event id {e!r} outside 0-{MAX_EVENT_ID}",
                                       "event-id"))
    out.extend(_contradictions(match))
    return out


def _contradictions(match: dict[str, Any]) -> list[Problem]:  # noqa: C901
    out: list[Problem] = []
    allowed: dict[str, tuple[set[str], _Cond]] = {}
    lower: dict[str, tuple[float, bool, _Cond]] = {}
    upper: dict[str, tuple[float, bool, _Cond]] = {}
    eq_nums: dict[str, tuple[list[float], _Cond]] = {}
    for c in _and_conditions(match):
        if c.field in LIST_FIELDS:
            continue
        if c.op == "equals":
            vals = {_norm(v) for v in _values(c.value)}
            if c.field in allowed:
                prev, first = allowed[c.field]
                if not prev & vals:
                    fl = _mark(first.node, first.key)[0]
                    out.append(Problem(c.node, c.key, f"contradictory conditions: {first.key!r} "
                                       f"(line {fl}) and {c.key!r} require different values of "
                                       f"{c.field!r}; no event can match", "contradiction"))
                    continue
                vals = prev & vals
            allowed[c.field] = (vals, c)
            nums = [_num(v) for v in _values(c.value)]
            if nums and all(n is not None for n in nums):
                eq_nums[c.field] = ([n for n in nums if n is not None], c)
        elif c.op in ("gt", "gte", "lt", "lte"):
            n = _num(_values(c.value)[0])
            if n is None:
                continue  # the compiler reports it
            strict = c.op in ("gt", "lt")
            side = lower if c.op in ("gt", "gte") else upper
            cur = side.get(c.field)
            tighter = cur is None or (n > cur[0] if side is lower else n < cur[0]) or \
                (n == cur[0] and strict)
            if tighter:
                side[c.field] = (n, strict, c)
    for field in set(lower) & set(upper):
        lo, lo_strict, lc = lower[field]
        hi, hi_strict, hc = upper[field]
        if lo > hi or (lo == hi and (lo_strict or hi_strict)):
            later = hc if _mark(hc.node, hc.key) > _mark(lc.node, lc.key) else lc
            out.append(Problem(later.node, later.key, f"contradictory conditions: {lc.key!r} "
                               f"and {hc.key!r} leave no value of {field!r}", "contradiction"))
    for field, (nums, c) in eq_nums.items():
        lo = lower.get(field)
        hi = upper.get(field)

        def ok(n: float, lo: Any = lo, hi: Any = hi) -> bool:  # noqa: ANN401
            if lo and (n < lo[0] or (n == lo[0] and lo[1])):
                return False
            return not (hi and (n > hi[0] or (n == hi[0] and hi[1])))

        if (lo or hi) and not any(ok(n) for n in nums):
            bound = (lo or hi)[2]  # type: ignore[index]
            out.append(Problem(bound.node, bound.key, f"contradictory conditions: {c.key!r} "
                               f"and {bound.key!r} cannot both hold", "contradiction"))
    neg = match.get("not")
    if isinstance(neg, dict) and len(neg) == 1:
        (key, value), = neg.items()
        field, op = split_key(str(key))
        if op == "equals" and field in allowed and field not in LIST_FIELDS:
            if allowed[field][0] <= {_norm(v) for v in _values(value)}:
                out.append(Problem(neg, str(key), f"contradictory conditions: 'not' excludes "
                                   f"every value {allowed[field][1].key!r} allows",
                                   "contradiction"))
    return out


def check_extract(extract: Any) -> list[Problem]:  # noqa: ANN401
    """``extract``: ``name: field`` or ``name: {field: F, regex: R}`` with an RE2 regex."""
    out: list[Problem] = []
    if not isinstance(extract, dict):
        return [Problem(extract, "", "extract must be a mapping of name: field", "schema")]
    for name, spec in extract.items():
        key = str(name)
        if isinstance(spec, str):
            field = spec
        elif isinstance(spec, dict):
            unknown = set(map(str, spec)) - {"field", "regex"}
            if unknown:
                out.append(Problem(spec, sorted(unknown)[0],
                                   f"extract.{key}: unknown key {sorted(unknown)[0]!r} "
                                   "(known: field, regex)", "unknown-field"))
            if "regex" not in spec:
                out.append(Problem(extract, key, f"extract.{key}: a mapping needs 'regex'",
                                   "schema"))
                continue
            field = str(spec.get("field", "message"))
            try:
                compile_regex(str(spec["regex"]))
            except re2.error as exc:
                out.append(Problem(spec, "regex", f"extract.{key}: RE2 rejects the pattern: "
                                   f"{re2_reason(exc)}", "regex"))
                continue
        else:
            out.append(Problem(extract, key, f"extract.{key}: must be a field name or "
                               "{field, regex}", "schema"))
            continue
        if not field.startswith("data.") and field not in EVENT_FIELDS:
            node = spec if isinstance(spec, dict) else extract
            out.append(Problem(node, "field" if isinstance(spec, dict) else key,
                               f"extract.{key}: unknown field {field!r}", "unknown-field"))
    return out


#: Names every hint text may use besides the hit's entity fields and ``extract`` names:
#: the finding's VM, and for ``collect`` the time bounds and machines the engine fills in.
CONTEXT_NAMES = frozenset(("vm", "guest", "host", "since", "until"))
#: ``evidence`` describes one record, so it may also name the record's text.
EVIDENCE_NAMES = frozenset(("message",))


def check_placeholders(data: dict[str, Any], entity_fields: tuple[str, ...]) -> list[Problem]:
    """``{name}`` placeholders in the title and hint texts must be names the engine fills in;
    an unknown one would be printed as written (``{DiskNumber}``) in every report."""
    import string

    extract = data.get("extract") if isinstance(data.get("extract"), dict) else {}
    known = set(entity_fields) | CONTEXT_NAMES | {str(k) for k in extract}
    out: list[Problem] = []
    texts: list[tuple[Any, str, str, str]] = []
    if isinstance(data.get("title"), str):
        texts.append((data, "title", data["title"], "title"))
    hint = data.get("hint")
    if isinstance(hint, dict):
        for key in ("cause", "evidence", "collect"):
            if isinstance(hint.get(key), str):
                texts.append((hint, key, hint[key], f"hint.{key}"))
        remedy = hint.get("remedy")
        for i, step in enumerate(remedy if isinstance(remedy, list) else [remedy]):
            if isinstance(step, str):
                texts.append((hint, "remedy", step, f"hint.remedy[{i}]"))
    for node, key, text, where in texts:
        allowed = known | (EVIDENCE_NAMES if where == "hint.evidence" else set())
        try:
            names = [f for _, f, _, _ in string.Formatter().parse(text) if f is not None]
        except ValueError as exc:
            out.append(Problem(node, key, f"{where}: {exc} (write {{{{ and }}}} for a literal "
                               "brace)", "placeholder"))
            continue
        for name in names:
            base = name.split(".")[0].split("[")[0]
            if base not in allowed:
                out.append(Problem(node, key, f"{where}: unknown placeholder {{{name}}} (known: "
                                   "entity fields, extract names, " + ", ".join(
                                       sorted(CONTEXT_NAMES)) + ")", "placeholder"))
    return out
