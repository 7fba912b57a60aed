"""Each signature's necessary condition that is cheap to test for many signatures at once.

Why apart from the matcher: deciding a signature's prefilter reads only its ``match:`` tree,
once, when the library is indexed; the matcher then only tests the prefilters (RE2 sets over
the message, set lookups on HRESULT codes). A prefilter is ("fold", [escaped casefolded
literals]) for a message contains/startswith/endswith, ("raw", [patterns]) for a message
regex, ("hr", {codes}) for an HRESULT the event's ``hresult`` or ``data.hresults`` must hold,
("any", parts) for one necessary part per top-level ``any`` alternative (``any_prefilter``),
or None (the signature is tested on every event of its index keys).
"""

from __future__ import annotations

from typing import Any

import re2

from .. import hresult as hr
from .any_prefilter import any_parts
from .conditions import split_key

#: Fields whose values are already normalized HRESULTs (``0x%08X``), so set membership is
#: exactly what the ``hresult`` operator decides for them.
_HR_FIELDS = ("hresult", "data.hresults")


def _hr_codes(group: dict[str, Any]) -> set[str] | None:
    """The codes of a one-condition group ``{hresult|hresult: ...}`` (or data.hresults)."""
    if len(group) != 1:
        return None
    (key, value), = group.items()
    field, op = split_key(str(key))
    if op != "hresult" or field not in _HR_FIELDS:
        return None
    codes = {hr.normalize(v) for v in (value if isinstance(value, list) else [value])}
    return None if None in codes else codes  # type: ignore[return-value]


def prefilter(match: dict[str, Any]) -> tuple[str, Any] | None:
    """A top-level (so necessary) condition cheap to test for many signatures at once; else
    one part per alternative of the top-level ``any``."""
    found = _plain_prefilter(match)
    if found is not None:
        return found
    parts = any_parts(match, prefilter)
    return ("any", parts) if parts else None


def _plain_prefilter(match: dict[str, Any]) -> tuple[str, Any] | None:
    found = _text_prefilter(match)
    if found is not None:
        return found
    for key, value in match.items():
        codes = _hr_codes({key: value})
        if codes:
            return ("hr", frozenset(codes))
        if key == "any" and isinstance(value, list) and value:
            alts = [_hr_codes(g) if isinstance(g, dict) else None for g in value]
            if all(alts):
                return ("hr", frozenset().union(*alts))  # type: ignore[arg-type]
    # every group of ``all`` must hold too, so its cheap condition is as necessary
    for group in match.get("all") or ():
        if isinstance(group, dict):
            found = _plain_prefilter(group)
            if found is not None:
                return found
    return None


def _text_prefilter(match: dict[str, Any]) -> tuple[str, Any] | None:
    for key, value in match.items():
        field, op = split_key(str(key))
        if field not in ("message", "text"):
            continue
        values = list(value) if isinstance(value, list) else [value]
        if not values:
            continue
        if op in ("contains", "startswith", "endswith"):
            return ("fold", [re2.escape(str(v).casefold()) for v in values])
        if op == "regex":
            return ("raw", [str(v) for v in values])
    return None
