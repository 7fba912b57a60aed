"""Match outcome replay: a capture loop prints the same writer blocks again and again, and
an event whose values equal those of one already matched in every field the signatures of
its index key read has the same hits. The matcher keeps, per index key, the signatures that
matched each such tuple of values and renews only the hits (the new event, its extracted
fields).

Why the fields read and not the whole event: what differs between two occurrences of the
same block (line numbers, the capture index) is read by no signature in practice, and a key
of a few values costs a fraction of one of every field. A signature that does read one of
them simply has it in the key.
"""

from __future__ import annotations

from collections.abc import Callable
from operator import attrgetter
from typing import Any

from ..events import _FIELD_NAMES, Event
from .conditions import split_key

#: Replay on (tests compare reports with it off).
ENABLED = True
#: Kinds whose events repeat: a capture loop lists the same writers; a host's evtx logs
#: repeat the same few events (Hyper-V information records the identity table reads, each
#: matched against the any-provider HRESULT signatures for nothing).
REPLAY_KINDS = frozenset({"vssadmin", "evtx"})
#: Outcomes remembered per index key (bounded memory; cleared when full, counted).
REPLAY_OUTCOMES = 8192
#: Characters of text values the remembered keys of one matcher may hold, all buckets
#: together (~2 MB of ASCII): past it every bucket starts over (counted as ``cleared``).
REPLAY_CHARS = 2_000_000
#: Keys of a match tree that hold condition groups, not fields.
_GROUPS = ("any", "all", "not")

ContentKey = Callable[[Event], tuple[Any, ...]]


def read_fields(node: Any) -> set[str]:  # noqa: ANN401 - a parsed YAML tree
    """The field names a ``match:`` tree's conditions read (``kind``: the index holds it)."""
    out: set[str] = set()
    if isinstance(node, dict):
        for k, v in node.items():
            if k in _GROUPS:
                out |= read_fields(v)
            elif k != "kind":
                out.add(split_key(str(k))[0])
    elif isinstance(node, list):
        for v in node:
            out |= read_fields(v)
    return out


def content_key(fields: set[str]) -> ContentKey:
    """A function giving the values of ``fields`` in an event, as the conditions read them
    (``conditions._getter``: ``text`` is the message, ``data.X`` and names that are no event
    field are ``data`` keys), with their types (True == 1 == 1.0 as keys)."""
    attrs, data = set(), set()
    for f in fields:
        if f in ("text", "message"):
            attrs.add("message")
        elif f.startswith("data."):
            data.add(f[5:])
        elif f in _FIELD_NAMES:
            attrs.add(f)
        else:
            data.add(f)
    names, keys = sorted(attrs), sorted(data)
    get = attrgetter(*names) if names else None
    one = len(names) == 1

    def key(ev: Event) -> tuple[Any, ...]:
        vals = () if get is None else (get(ev),) if one else get(ev)
        if keys:
            vals = (*vals, *map(ev.data.get, keys))
        return vals, tuple(map(type, vals))

    return key


def hashable(key: tuple[Any, ...]) -> tuple[Any, ...] | None:
    """A matcher's replay key ``(kind, (values, types))`` with its list values as tuples
    (an evtx event's ``hresults``; the types still say list), or None when a value still
    cannot be a key (a dict, a list of lists)."""
    kind, (vals, types) = key
    fixed = tuple(tuple(v) if type(v) is list else v for v in vals)
    try:
        hash(fixed)
    except TypeError:
        return None
    return kind, (fixed, types)


def key_chars(key: tuple[Any, ...]) -> int:
    """Characters of the text values a content key holds (what its memory costs)."""
    return sum(len(v) if type(v) is str else
               sum(len(x) for x in v if type(x) is str) if type(v) is tuple else 0
               for v in key[0])
