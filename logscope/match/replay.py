"""Match outcome replay: a capture loop prints the same writer blocks again and again, and
an event equal to one already matched (but for where it was: line, capture index) has the
same hits. The matcher keeps, per index key, the signatures that matched each such content
and renews only the hits (the new event, its extracted fields).
"""

from __future__ import annotations

from dataclasses import fields
from operator import attrgetter
from typing import Any

from ..events import Event
from .conditions import split_key

#: Replay on (tests compare reports with it off).
ENABLED = True
#: Kinds whose events repeat byte-identical blocks (a capture loop lists the same writers).
REPLAY_KINDS = frozenset({"vssadmin"})
#: Outcomes remembered per index key (bounded memory; cleared when full, counted).
REPLAY_OUTCOMES = 8192
#: Fields that differ between occurrences of the same block: left out of the replay key,
#: so a signature reading one of them is never replayed.
_OCCURRENCE_FIELDS = frozenset({"capture", "data.capture", "locator", "line", "end_line"})
_KEY_FIELDS = ("file", "time", "time_source", "timestamp_desc", "message", "host", "provider",
               "channel", "event_id", "record_id", "level", "writer_name", "writer_id",
               "writer_state", "last_error", "hresult", "vm_name", "vm_id", "job_name",
               "utc_offset")
_key_fields = attrgetter(*_KEY_FIELDS)
# every field but the occurrence (locator) and those keyed apart (kind, data)
assert set(_KEY_FIELDS) == {f.name for f in fields(Event)} - {"kind", "locator", "data"}


def replay_key(ev: Event) -> tuple[Any, ...] | None:
    """The event's content without its occurrence (locator, capture index), or None when it
    is not of a replayed kind or holds a value that cannot be a key (a list)."""
    if ev.kind not in REPLAY_KINDS:
        return None
    data = []
    for k, v in ev.data.items():
        if k == "capture":
            continue
        if v is not None and not isinstance(v, (str, int, float)):
            return None
        data.append((k, v, type(v)))  # True == 1 == 1.0 as keys
    return ev.kind, tuple(data), _key_fields(ev)


def reads_occurrence(node: Any) -> bool:  # noqa: ANN401 - a parsed YAML tree
    """Whether a ``match:`` tree names a field that differs between occurrences."""
    if isinstance(node, dict):
        return any((isinstance(k, str) and split_key(k)[0] in _OCCURRENCE_FIELDS)
                   or reads_occurrence(v) for k, v in node.items())
    if isinstance(node, list):
        return any(reads_occurrence(v) for v in node)
    return False
