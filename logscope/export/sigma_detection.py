"""Translate a signature's ``match`` block into a Sigma ``detection`` (selections + condition).

Why a translator rather than a template: the match grammar nests ``any``/``all``/``not``
freely, so the Sigma condition is built as a boolean expression over named selections: one
selection per AND-group of field tests, one per keyword list. What Sigma cannot say the same
way is recorded as a reason (codes in ``data/sigma.yml``), never dropped silently; a test
Sigma cannot express at all makes the signature unexportable (:class:`Unexpressible`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .. import hresult as hr
from ..match.conditions import split_key

#: The kinds read from event-log records (what a Sigma rule reads).
EVENTLOG_KINDS = frozenset({"evtx", "evtx-xml", "evtx-csv"})

#: logscope operator -> Sigma modifier chain ("" = plain equality).
_MODIFIERS = {
    "equals": "", "contains": "|contains", "startswith": "|startswith",
    "endswith": "|endswith", "regex": "|re", "gt": "|gt", "gte": "|gte", "lt": "|lt",
    "lte": "|lte", "exists": "|exists", "hresult": "|contains",
}


class Unexpressible(ValueError):
    """A condition Sigma has no way to state; ``reason`` is a code of ``data/sigma.yml``."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(detail)
        self.reason = reason
        self.detail = detail


@dataclass
class Detection:
    """A Sigma detection: ``selections`` (name -> mapping or keyword list) and ``condition``."""

    selections: dict[str, Any]
    condition: str
    #: reason code -> details, in the order met
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def as_yaml_obj(self) -> dict[str, Any]:
        return {**self.selections, "condition": self.condition}


def hresult_forms(code: str) -> list[str]:
    """The literal texts an HRESULT is written as in event records: ``0x800423F4``,
    unsigned decimal (``2147754996``, also inside ``%%2147754996``) and signed decimal."""
    n = int(code, 16)
    forms = [code, str(n)]
    if n >= 0x80000000:
        forms.append(str(n - (1 << 32)))
    return forms


def as_list(value: Any) -> list[Any]:  # noqa: ANN401
    """A condition value as a list (None: empty)."""
    if value is None:
        return []
    return list(value) if isinstance(value, (list, tuple)) else [value]


def text_only(group: Any) -> bool:  # noqa: ANN401
    """Whether an ``any`` alternative can hold only for pasted or product text, never for an
    event-log record: its ``kind`` names no event-log kind, or it wants no provider (every
    record has one). Sigma rules read records, so such an alternative is left out."""
    if not isinstance(group, dict):
        return False
    kinds = group.get("kind")
    if kinds is not None and not EVENTLOG_KINDS & {str(k) for k in as_list(kinds)}:
        return True
    return group.get("provider|exists") is False


class _Builder:
    def __init__(self, table: dict[str, Any]) -> None:
        self.fields: dict[str, str] = table["fields"]
        self.derived = set(table["derived_hresult_fields"])
        self.selections: dict[str, Any] = {}
        self.reasons: dict[str, list[str]] = {}
        self._counts: dict[str, int] = {}

    def note(self, reason: str, detail: str) -> None:
        details = self.reasons.setdefault(reason, [])
        if detail not in details:
            details.append(detail)

    def _name(self, base: str) -> str:
        n = self._counts.get(base, 0) + 1
        self._counts[base] = n
        return base if n == 1 else f"{base}_{n}"

    def group(self, group: dict[str, Any], where: str, role: str) -> str:
        """The condition expression of one AND-group (its selections are registered)."""
        maps: list[dict[str, Any]] = [{}]
        parts: list[str] = []
        # field tests first, so the top-level AND-group is the rule's ``selection``
        items = sorted(group.items(), key=lambda kv: kv[0] in ("any", "all", "not"))
        for key, value in items:
            if key == "kind":
                continue
            if key == "any":
                alts = list(dict.fromkeys(  # hresult and data.hresults give one keyword list
                    self._alternatives(value, f"{where}.any", role)))
                parts.append(_paren(" or ".join(alts)) if len(alts) > 1 else alts[0])
            elif key == "all":
                parts.extend(self.group(g, f"{where}.all[{i}]", role) for i, g in enumerate(value))
            elif key == "not":
                parts.append("not " + _paren(self.group(value, f"{where}.not", "filter")))
            else:
                name, op = split_key(str(key))
                sigma_key, values = self.leaf(name, op, value, f"{where}.{key}")
                if sigma_key is None:
                    parts.append(self._keywords(values))
                    continue
                target = next((m for m in maps if sigma_key not in m), None)
                if target is None:
                    target = {}
                    maps.append(target)
                target[sigma_key] = values[0] if len(values) == 1 else values
        names = []
        for m in maps:
            if m:
                sel = self._name("selection" if role == "selection" else "filter_main")
                self.selections[sel] = m
                names.append(sel)
        expr = names + parts
        if not expr:
            raise Unexpressible("unsupported-field", f"{where}: an empty condition group")
        return " and ".join(_paren(e) if " or " in e and not e.startswith("(") else e
                            for e in expr)

    def _alternatives(self, groups: list[dict[str, Any]], where: str, role: str) -> list[str]:
        """The expressions of an ``any``'s groups. A text-only group (see :func:`text_only`)
        is left out; so is a group that only tests the message with a regex (the pasted-text
        form of a record) when another group remains: that one tests the record's own value."""
        out, dropped = [], []
        for i, g in enumerate(groups):
            if text_only(g):
                continue
            try:
                out.append(self.group(g, f"{where}[{i}]", role))
            except Unexpressible as exc:
                if exc.reason != "message-regex":
                    raise
                dropped.append(exc.detail)
        if not out and not dropped:
            raise Unexpressible("no-eventlog-kind", f"{where}: every alternative reads text")
        if not out:
            raise Unexpressible("message-regex", "; ".join(dropped))
        for detail in dropped:
            self.note("message-regex", detail)
        return out

    def _keywords(self, values: list[Any]) -> str:
        """The name of a keyword selection with these values (one selection per list)."""
        for name, existing in self.selections.items():
            if existing == values:
                return name
        name = self._name("keywords")
        self.selections[name] = values
        return name

    def leaf(self, name: str, op: str, value: Any, where: str  # noqa: ANN401
             ) -> tuple[str | None, list[Any]]:
        """``(sigma key, values)``; key None means a keyword (full-text) list."""
        values = as_list(value)
        if name in self.derived:
            if op not in ("hresult", "equals"):
                raise Unexpressible("unsupported-field", f"{where}: {op} on a computed field")
            self.note("derived-field", f"{where}")
            return None, self._codes(values, where)
        if name in ("message", "text"):
            if op != "contains":
                # a regex or an HRESULT search over the message is the pasted-text form of a
                # record: an alternative the exporter may leave out (see _alternatives)
                raise Unexpressible("message-regex" if op in ("regex", "hresult")
                                    else "unsupported-field",
                                    f"{where}: only 'contains' on the message maps to keywords")
            return None, [str(v) for v in values]
        if name.startswith("data."):
            inner = name[5:]
            if inner.isdigit():
                self.note("insert-position", f"{where}: insert %{inner} -> Data")
                sigma_field = "Data"
            else:
                sigma_field = inner
        elif name in self.fields:
            sigma_field = self.fields[name]
        else:
            raise Unexpressible("unsupported-field",
                                f"{where}: logscope field {name!r} has no event-record field")
        if op == "hresult":
            values = self._codes(values, where)
        elif op == "exists":
            values = [bool(value)]
        return sigma_field + _MODIFIERS[op], values

    def _codes(self, values: list[Any], where: str) -> list[str]:
        out: list[str] = []
        for v in values:
            code = hr.normalize(v)
            if code is None:
                raise Unexpressible("unsupported-field", f"{where}: {v!r} is not an HRESULT")
            out.extend(f for f in hresult_forms(code) if f not in out)
        self.note("hresult-forms", where)
        return out


def _paren(expr: str) -> str:
    return expr if expr.startswith("(") and expr.endswith(")") and _balanced(expr[1:-1]) \
        else f"({expr})" if (" and " in expr or " or " in expr) else expr


def _balanced(inner: str) -> bool:
    depth = 0
    for ch in inner:
        depth += (ch == "(") - (ch == ")")
        if depth < 0:
            return False
    return depth == 0


def translate(match: dict[str, Any], table: dict[str, Any]) -> Detection:
    """The Sigma detection of a ``match`` block; raises :class:`Unexpressible`."""
    b = _Builder(table)
    condition = b.group(match, "match", "selection")
    return Detection(b.selections, condition, b.reasons)
