"""Compile a signature's ``match`` block into a predicate, once.

Grammar (documented in signatures/README.md)::

    match:
      kind: [evtx, evtx-xml]            # which event kinds (required)
      provider: Microsoft-Windows-Hyper-V-VMMS
      event_id: 10103                   # equals; a list means "one of"
      data.ErrorCode|hresult: 0x800423F4  # HRESULT equality in any written form
      message|contains: recovery checkpoint
      message|regex: "Error code: '(32768|32770)'"   # RE2 only: cannot backtrack
      writer_state|gte: 6
      any:                              # OR of AND-groups
        - {writer_name: SqlServerWriter}
        - {writer_id: a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}
      all:                              # several OR-groups that must all hold
        - any: [{writer_state|gte: 6}, {hresult: "0x800423F4"}]
      not: {level: Information}         # none of this AND-group

String comparisons are case-insensitive (Windows names are), except ``regex``, which is
written as meant (use ``(?i)`` for case-insensitive).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import re2

from .. import hresult as hr
from ..events import Event

Predicate = Callable[[Event], bool]

OPERATORS = ("equals", "contains", "startswith", "endswith", "regex", "gt", "gte", "lt", "lte",
             "hresult", "exists")
STRUCTURAL_KEYS = ("kind", "any", "all", "not")

_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.max_mem = 8 << 20
_RE2_OPTIONS.log_errors = False


class ConditionError(ValueError):
    """A condition that cannot be compiled; ``key`` names it for the validator."""

    def __init__(self, key: str, message: str) -> None:
        super().__init__(f"{key}: {message}")
        self.key = key


@dataclass(slots=True)
class IndexKeys:
    """Equality constraints the matcher can index on (None = any)."""

    providers: tuple[str, ...] | None
    event_ids: tuple[int, ...] | None


def split_key(key: str) -> tuple[str, str]:
    field, _, op = key.partition("|")
    return field.strip(), (op.strip() or "equals")


def re2_reason(exc: Exception) -> str:
    """RE2's own words for a rejected pattern (its messages come as bytes)."""
    arg = exc.args[0] if exc.args else exc
    return arg.decode("utf-8", "replace") if isinstance(arg, bytes) else str(arg)


def compile_regex(pattern: str) -> Any:  # noqa: ANN401 - re2 has no stubs
    """RE2-compile a pattern; raises ``re2.error`` for one RE2 rejects (never a fallback)."""
    return re2.compile(pattern, _RE2_OPTIONS)


def compile_group(group: dict[str, Any], prefix: str = "match") -> list[Predicate]:
    """Predicates for one AND-group (``kind`` excluded: the matcher indexes on it)."""
    preds: list[Predicate] = []
    for key, value in group.items():
        if key == "kind":
            continue
        if key == "any":
            if not isinstance(value, list) or not value:
                raise ConditionError(f"{prefix}.any", "must be a non-empty list of condition maps")
            alts = []
            for i, g in enumerate(value):
                if not isinstance(g, dict) or not g:
                    raise ConditionError(f"{prefix}.any[{i}]", "must be a non-empty mapping")
                alts.append(compile_group(g, f"{prefix}.any[{i}]"))
            preds.append(_any(alts))
            continue
        if key == "all":
            if not isinstance(value, list) or not value:
                raise ConditionError(f"{prefix}.all", "must be a non-empty list of condition maps")
            for i, g in enumerate(value):
                if not isinstance(g, dict) or not g:
                    raise ConditionError(f"{prefix}.all[{i}]", "must be a non-empty mapping")
                preds.extend(compile_group(g, f"{prefix}.all[{i}]"))
            continue
        if key == "not":
            if not isinstance(value, dict) or not value:
                raise ConditionError(f"{prefix}.not", "must be a non-empty mapping")
            inner = compile_group(value, f"{prefix}.not")
            preds.append(lambda ev, inner=inner: not all(p(ev) for p in inner))
            continue
        field, op = split_key(str(key))
        preds.append(compile_condition(field, op, value, f"{prefix}.{key}"))
    return preds


def _any(alts: list[list[Predicate]]) -> Predicate:
    def pred(ev: Event) -> bool:
        return any(all(p(ev) for p in alt) for alt in alts)

    return pred


def _getter(field: str) -> Callable[[Event], Any]:
    if field in ("text", "message"):
        return lambda ev: ev.message
    if field.startswith("data."):
        name = field[5:]
        return lambda ev: ev.data.get(name)
    return lambda ev: ev.get(field)


def _as_list(value: Any) -> list[Any]:  # noqa: ANN401
    return list(value) if isinstance(value, (list, tuple)) else [value]


def compile_condition(field: str, op: str, value: Any, where: str) -> Predicate:  # noqa: ANN401, C901
    """One ``field|op: value`` condition."""
    get = _getter(field)
    if op not in OPERATORS:
        raise ConditionError(where, f"unknown operator {op!r} (known: {', '.join(OPERATORS)})")
    values = _as_list(value)
    if not values:
        raise ConditionError(where, "empty value list")
    if op == "exists":
        want = bool(value)
        return lambda ev: (get(ev) not in (None, "")) is want
    if op == "equals":
        ints = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
        strs = {str(v).casefold() for v in values if not isinstance(v, int) or isinstance(v, bool)}

        def eq(ev: Event) -> bool:
            got = get(ev)
            if got is None:
                return False
            if isinstance(got, int) and not isinstance(got, bool):
                return got in ints or str(got) in strs
            if isinstance(got, list):
                return any(str(g).casefold() in strs or g in ints for g in got)
            s = str(got).casefold()
            if s in strs:
                return True
            if ints and s.lstrip("-").isdigit():
                return int(s) in ints
            return False

        return eq
    if op in ("contains", "startswith", "endswith"):
        needles = tuple(str(v).casefold() for v in values)
        if op == "contains":
            return lambda ev: _str_test(get(ev), lambda s: any(n in s for n in needles))
        if op == "startswith":
            return lambda ev: _str_test(get(ev), lambda s: s.startswith(needles))
        return lambda ev: _str_test(get(ev), lambda s: s.endswith(needles))
    if op == "regex":
        try:
            pats = [compile_regex(str(v)) for v in values]
        except re2.error as exc:
            raise ConditionError(where, f"RE2 rejects the pattern: {re2_reason(exc)}") from None
        return lambda ev: _raw_test(get(ev), lambda s: any(p.search(s) for p in pats))
    if op == "hresult":
        codes = set()
        for v in values:
            code = hr.normalize(v)
            if code is None:
                raise ConditionError(where, f"{v!r} is not an HRESULT in any known form")
            codes.add(code)

        def hres(ev: Event) -> bool:
            got = get(ev)
            if got is None:
                return False
            for g in _as_list(got):
                c = hr_code(g)
                if c in codes:
                    return True
                if isinstance(g, str) and len(g) > 12 and any(x in codes for x in
                                                               _codes_in(g)):
                    return True
            return False

        return hres
    # numeric compare
    try:
        bound = float(values[0])
    except (TypeError, ValueError):
        raise ConditionError(where, f"{op} needs a number, got {values[0]!r}") from None
    cmp = {
        "gt": lambda x: x > bound,
        "gte": lambda x: x >= bound,
        "lt": lambda x: x < bound,
        "lte": lambda x: x <= bound,
    }[op]

    def num(ev: Event) -> bool:
        got = get(ev)
        if got is None or isinstance(got, bool):
            return False
        try:
            return cmp(float(got))
        except (TypeError, ValueError):
            return False

    return num


def _str_test(got: Any, test: Callable[[str], bool]) -> bool:  # noqa: ANN401
    if got is None:
        return False
    if isinstance(got, list):
        return any(test(str(g).casefold()) for g in got)
    return test(str(got).casefold())


def _raw_test(got: Any, test: Callable[[str], bool]) -> bool:  # noqa: ANN401
    if got is None:
        return False
    if isinstance(got, list):
        return any(test(str(g)) for g in got)
    return test(str(got))


def index_keys(match: dict[str, Any]) -> IndexKeys:
    """The top-level provider/event_id equalities (the matcher's index)."""
    return _group_keys(match)


def index_entries(match: dict[str, Any], kinds: Iterable[str]
                  ) -> Iterator[tuple[str, IndexKeys]]:
    """Each (kind, keys) the matcher files a signature under: per top-level ``any``
    alternative when ``index_alternatives`` allows, else the match's own keys. ``logscope hunt``
    asks the same question of a census, so both read it here."""
    alts = index_alternatives(match) or [(None, index_keys(match))]
    for alt_kinds, keys in alts:
        for kind in kinds:
            if alt_kinds is None or kind in alt_kinds:
                yield kind, keys


def index_alternatives(match: dict[str, Any]) -> list[tuple[tuple[str, ...] | None, IndexKeys]]:
    """Index keys per alternative of a top-level ``any``, when the match has none of its own.

    A signature read from both event logs and pasted text is written ``any: [{provider: P,
    event_id: N}, {kind: message-text, message|regex: ...}]``: every alternative names a
    provider (an event-log record) or a kind (a text form), so each can be indexed on its own
    (``(kinds or None, keys)``; None = all the signature's kinds). Empty when some alternative
    names neither: the signature then needs the kind-wide index, as before.
    """
    if match.get("provider") is not None or match.get("event_id") is not None:
        return []
    alts = match.get("any")
    if not isinstance(alts, list) or not alts:
        return []
    out: list[tuple[tuple[str, ...] | None, IndexKeys]] = []
    for alt in alts:
        if not isinstance(alt, dict):
            return []
        keys = _group_keys(alt)
        kinds = alt.get("kind")
        if keys.providers is None and kinds is None:
            return []
        out.append((tuple(str(k) for k in _as_list(kinds)) if kinds is not None else None, keys))
    return out


def _group_keys(match: dict[str, Any]) -> IndexKeys:
    prov = match.get("provider")
    eids = match.get("event_id")
    providers = tuple(str(p).casefold() for p in _as_list(prov)) if prov is not None else None
    event_ids = None
    if eids is not None:
        try:
            event_ids = tuple(int(e) for e in _as_list(eids))
        except (TypeError, ValueError):
            event_ids = None
    return IndexKeys(providers, event_ids)


#: Why a cache: an HRESULT field holds the same few strings across thousands of events, and
#: ``hr.normalize`` on a text that is not a bare code (``"0x800423f4, The writer…"``) goes
#: through Unicode folding for the word table. Both functions are pure; only short strings
#: are cached (bounded memory on hostile input), anything else is computed as before.
_CACHED_LEN = 256


@lru_cache(maxsize=4096)
def _normalize_str(text: str) -> str | None:
    return hr.normalize(text)


@lru_cache(maxsize=4096)
def _find_str(text: str) -> tuple[str, ...]:
    return tuple(hr.find_in_text(text))


#: The last long string each function saw and its answer: the conditions of one event's
#: signatures test the same message object one after another (a pasted paragraph went
#: through the same regex and fold once per HRESULT condition). One entry, compared by
#: identity: bounded, and a str object cannot change.
_LAST_NORMALIZED: list[Any] = [None, None]
_LAST_FOUND: list[Any] = [None, ()]


def hr_code(value: object) -> str | None:
    """``hr.normalize(value)``, memoized for short strings (and the last long one)."""
    if type(value) is str:
        if len(value) <= _CACHED_LEN:
            return _normalize_str(value)
        if _LAST_NORMALIZED[0] is value:
            return _LAST_NORMALIZED[1]
        code = hr.normalize(value)
        _LAST_NORMALIZED[:] = (value, code)
        return code
    return hr.normalize(value)


def _codes_in(text: str) -> tuple[str, ...] | list[str]:
    """``hr.find_in_text(text)``, memoized for short strings (and the last long one)."""
    if len(text) <= _CACHED_LEN:
        return _find_str(text)
    if _LAST_FOUND[0] is text:
        return _LAST_FOUND[1]
    codes = tuple(hr.find_in_text(text))
    _LAST_FOUND[:] = (text, codes)
    return codes
