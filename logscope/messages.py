"""Message text for Windows events from templates shipped as data (``data/messages/*.yml``).

Why: an .evtx record holds only the inserts; Windows builds the sentence from the provider's
message file on the machine that reads the log. A support bundle is read elsewhere, so logscope
carries the templates of the backup-relevant providers itself. A template also says which
insert holds the HRESULT (VSS 8193 ``hr = %2``), which is how ``hresult`` is found without
guessing from prose.

File shape (one file per provider)::

    provider: VSS                 # Provider@Name, compared case-insensitively
    aliases: [...]                # other names of the same provider (optional)
    events:
      8193:
        text: "Volume Shadow Copy Service error: Unexpected error calling routine %1. hr = %2. %3"
        hresult: 2                # 1-based insert that holds the HRESULT (optional)

``%n`` is the n-th insert (classic sources: the n-th unnamed Data); ``%{Name}`` is a named
Data or UserData value (manifest sources, where positions vary between versions).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from . import hresult as hr
from .lazy import regex

#: ``%n`` (1-based insert) or ``%{Name}`` (a named Data/UserData value), ``%%n`` literal
#: (group 1 set). Also how ``localised`` splits a template into fixed parts and slots.
INSERT = regex(r"%(%?)(?:(\d{1,2})|\{([A-Za-z0-9_ ]{1,64})\})")
_PCT = regex(r"^%%(\d{1,10})$")
#: An insert longer than this is cut in the one-line message (the full value stays in data).
MAX_INSERT_CHARS = 400


@dataclass(frozen=True, slots=True)
class Template:
    text: str
    hresult: int | None = None
    #: The text split once into literals and slots: (literal, insert number or name or None).
    parts: tuple[tuple[str, int | str | None], ...] = ()


def _compile(text: str) -> tuple[tuple[str, int | str | None], ...]:
    parts: list[tuple[str, int | str | None]] = []
    pos = 0
    for m in INSERT.finditer(text):
        if m.group(1):  # "%%n" in a template text is a literal
            continue
        slot: int | str = int(m.group(2)) if m.group(2) is not None else m.group(3)
        parts.append((text[pos:m.start()], slot))
        pos = m.end()
    parts.append((text[pos:], None))
    return tuple(parts)


@dataclass(frozen=True, slots=True)
class Rendered:
    """A rendered message (None when no template is known) and the template's HRESULT insert."""

    text: str | None
    hresult_insert: int | None


@dataclass(frozen=True, slots=True)
class Entry:
    """One English template as written in its data file (provider by its own name)."""

    provider: str
    aliases: tuple[str, ...]
    event_id: int
    text: str
    hresult: int | None = None


@lru_cache(maxsize=1)
def entries() -> tuple[Entry, ...]:
    """Every English template of ``data/messages/*.yml``, in file order.

    Parsed once per version of the files (and of this module): the rows are kept as JSON in
    the user cache (``match/cache.json_cached``), so a run reads no YAML for them (PyYAML's
    import and parse are ~15% of a one-file ``analyze``)."""
    from .datafiles import DATA

    folder = DATA / "messages"
    files = [(e.name, e.read_bytes()) for e in sorted(folder.iterdir(), key=lambda e: e.name)
             if e.name.endswith((".yml", ".yaml"))]
    source = b"\0".join([Path(__file__).read_bytes(), *(n.encode() + b"\0" + raw
                                                        for n, raw in files)])
    from .match.cache import json_cached

    return json_cached("messages", source, lambda: _rows(files), _entries)


def _rows(files: list[tuple[str, bytes]]) -> list[list[Any]]:
    from . import yamlio

    out: list[list[Any]] = []
    for _name, raw in files:
        doc: Any = yamlio.load_data(raw.decode("utf-8")) or {}
        aliases = [str(a) for a in doc.get("aliases", [])]
        for event_id, spec in (doc.get("events") or {}).items():
            if isinstance(spec, str):
                spec = {"text": spec}
            out.append([str(doc["provider"]), aliases, int(event_id), str(spec["text"]),
                        spec.get("hresult")])
    return out


def _entries(rows: list[list[Any]]) -> tuple[Entry, ...]:
    out = []
    for provider, aliases, event_id, text, hresult in rows:
        if not (isinstance(provider, str) and isinstance(text, str) and type(event_id) is int
                and (hresult is None or type(hresult) is int)):
            raise ValueError("bad cached template row")
        out.append(Entry(provider, tuple(str(a) for a in aliases), event_id, text, hresult))
    return tuple(out)


@lru_cache(maxsize=1)
def templates() -> dict[tuple[str, int], Template]:
    """All templates keyed by (folded provider name, event id)."""
    out: dict[tuple[str, int], Template] = {}
    for e in entries():
        tpl = Template(e.text, e.hresult, _compile(e.text))
        for name in (e.provider, *e.aliases):
            out[(name.casefold(), e.event_id)] = tpl
    return out


def lookup(provider: str | None, event_id: int | None) -> Template | None:
    if not provider or event_id is None:
        return None
    return templates().get((provider.casefold(), event_id))


@lru_cache(maxsize=4096)
def resolve_insert(value: str) -> str:
    """An insert as a reader sees it: ``%%2147754996`` becomes its HRESULT and name."""
    m = _PCT.match(value.strip())
    if m:
        code = hr.normalize(value.strip())
        if code:
            info = hr.describe(code)
            return f"{code} {info['name']}" if info else code
    return value


def render(
    provider: str | None,
    event_id: int | None,
    inserts: Sequence[str],
    names: Sequence[str | None] = (),
) -> Rendered:
    """Fill a template's ``%n`` with the record's inserts (%1 = first insert).

    Non-empty inserts the template does not place are appended (``Name=value``), so that a
    template that only states an event's meaning never hides the values.
    """
    tpl = lookup(provider, event_id)
    if tpl is None:
        return Rendered(None, None)
    used: set[int] = set()
    out: list[str] = []
    count = len(inserts)
    for literal, slot in tpl.parts:
        out.append(literal)
        if slot is None:
            continue
        if type(slot) is str:
            try:
                n = list(names).index(slot) + 1
            except ValueError:
                continue
        else:
            n = slot  # type: ignore[assignment]
        if 0 < n <= count:
            used.add(n)
            out.append(_clip(resolve_insert(inserts[n - 1]).strip()))
    text = "".join(out)
    if len(used) < count:
        extra = []
        for i, value in enumerate(inserts, 1):
            if i in used or not value or value.isspace():
                continue
            name = names[i - 1] if i - 1 < len(names) else None
            v = _clip(resolve_insert(value.strip()))
            extra.append(f"{name}={v}" if name else v)
        if extra:
            text = f"{text} [{'; '.join(extra)}]"
    return Rendered(text, tpl.hresult)


def _clip(value: str) -> str:
    if len(value) > MAX_INSERT_CHARS:
        return value[: MAX_INSERT_CHARS - 3] + "..."
    return value
