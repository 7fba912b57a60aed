"""A necessary condition for a signature whose only cheap conditions sit in ``any`` alternatives.

Why: signatures that read both event logs and pasted text say so with a top-level ``any``
(``{provider: VMMS, event_id: 10111}`` or ``{message|regex: ...}``; ``{hresult|hresult: X}``
or ``{message|hresult: X}`` or ``{message|contains: NAME}``). No single condition of theirs
is necessary, so the matcher tested every such signature on every pasted line (15 on each
``message-text`` line). But one condition of each alternative is necessary for that
alternative: the match needs at least one of them. Text conditions go into the bucket's RE2
sets with the others, HRESULT ones are set lookups on codes read once per event; an
alternative with neither is tested whole (exact, as before). A signature is tested in full
only when one of its parts holds, so hits are unchanged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..events import Event
from .conditions import _codes_in, compile_group, hr_code, split_key

#: ("fold", patterns) / ("raw", patterns) / ("hr", codes) as the matcher's own prefilters,
#: ("msghr", codes) for ``message|hresult``, ("pred", predicates) for an alternative tested whole.
Part = tuple[str, Any]


def any_parts(match: dict[str, Any],
              prefilter: Callable[[dict[str, Any]], tuple[str, Any] | None]) -> list[Part] | None:
    """One part per alternative of ``match``'s top-level ``any``; None when there is no
    ``any`` or no alternative has a cheap part (testing them all would gain nothing)."""
    alts = match.get("any")
    if not isinstance(alts, list) or not alts or not all(isinstance(g, dict) and g for g in alts):
        return None
    parts: list[Part] = []
    for alt in alts:
        found = prefilter(alt)
        if found is not None and found[0] == "any":
            parts.extend(found[1])
        elif found is not None:
            parts.append(found)
        elif (codes := _message_hr(alt)) is not None:
            parts.append(("msghr", codes))
        else:
            parts.append(("pred", compile_group(alt)))
    return None if all(kind == "pred" for kind, _ in parts) else parts


def _message_hr(alt: dict[str, Any]) -> frozenset[str] | None:
    """The codes of an alternative holding a ``message|hresult`` (or ``text|hresult``)."""
    from .. import hresult as hr

    for key, value in alt.items():
        field, op = split_key(str(key))
        if field in ("message", "text") and op == "hresult":
            codes = {hr.normalize(v) for v in (value if isinstance(value, list) else [value])}
            return None if None in codes else frozenset(codes)  # type: ignore[arg-type]
    return None


def message_codes(ev: Event) -> set[str | None] | None:
    """The codes a ``message|hresult`` condition finds in the event's message (its test:
    the whole message as one code, or, past 12 characters, any code written in it); None
    for a message that is not a string (the condition is then tested whole)."""
    text = ev.message
    if text is None:
        return set()
    if type(text) is not str:
        return None
    found: set[str | None] = {hr_code(text)}
    if len(text) > 12:
        found.update(_codes_in(text))
    return found
