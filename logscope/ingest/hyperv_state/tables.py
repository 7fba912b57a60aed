"""The object table of ``data/hyperv_state.yml``: which cmdlet a record comes from, and its
properties under normalized names.

Why data: the property names are the contract of each cmdlet's output object; adding an object
(or a property a later Windows version shows) is a data change, not a code change.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ... import datafiles


@dataclass(frozen=True, slots=True)
class ObjectSpec:
    """One PowerShell output object (``Get-VHD``'s VirtualHardDisk, ...)."""

    key: str
    cmdlet: str
    identify: tuple[frozenset[str], ...]
    excluded: frozenset[str]
    types: frozenset[str]
    fields: dict[str, tuple[str, ...]]
    times: frozenset[str]
    sizes: frozenset[str]
    bools: frozenset[str]


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    data = datafiles.table("hyperv_state.yml")
    return data if isinstance(data, dict) else {}


def _low(names: Any) -> frozenset[str]:  # noqa: ANN401
    return frozenset(str(n).casefold() for n in names or ())


@lru_cache(maxsize=1)
def objects() -> tuple[ObjectSpec, ...]:
    out = []
    for key, o in table().get("objects", {}).items():
        sets = [_low(o.get("identify"))] + [_low(a) for a in o.get("alt_identify") or ()]
        out.append(ObjectSpec(
            key=str(key), cmdlet=str(o["cmdlet"]), identify=tuple(sets),
            excluded=_low(o.get("not")), types=frozenset(o.get("types") or ()),
            fields={k: tuple(v) for k, v in (o.get("fields") or {}).items()},
            times=frozenset(o.get("times") or ()), sizes=frozenset(o.get("sizes") or ()),
            bools=frozenset(o.get("bools") or ())))
    return tuple(out)


def identify(names: list[str] | set[str], type_name: str | None = None) -> ObjectSpec | None:
    """The object whose identifying property names are all among ``names`` (or whose .NET type
    an Export-Csv ``#TYPE`` line names)."""
    if type_name:
        for spec in objects():
            if type_name in spec.types:
                return spec
    have = {n.casefold() for n in names}
    for spec in objects():
        if have & spec.excluded:
            continue
        if any(s <= have for s in spec.identify):
            return spec
    return None


def by_cmdlet(cmdlet: str) -> ObjectSpec | None:
    c = cmdlet.casefold()
    return next((s for s in objects() if s.cmdlet.casefold() == c), None)


def words(kind: str) -> frozenset[str]:
    return _low(table().get(kind))


def enum_name(kind: str, value: Any) -> str | None:  # noqa: ANN401
    """``1`` → ``Recovery`` for ``snapshot_types`` (ConvertTo-Json writes enums as numbers)."""
    names = table().get(kind) or {}
    try:
        return str(names.get(int(value))) if int(value) in names else None
    except (TypeError, ValueError):
        return None
