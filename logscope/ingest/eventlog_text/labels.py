"""Event Viewer's field labels, level words and source names in every language we read.

Why data and a lookup: the same "Copy details as text" paste arrives as ``Log Name:`` /
``Protokollname:`` / ``ログの名前:``; the readers ask one question ("which field is this label,
in which language?") and the answer lives in ``data/eventviewer_labels.yml``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from ... import datafiles

#: ``Label: value`` with an ASCII or full-width colon; the label is short and colon-free.
_LABEL_LINE = re.compile(r"^\s*([^:：\n]{1,40}?)\s*[:：]\s?(.*)$")


@dataclass(frozen=True, slots=True)
class Labels:
    """The lookup tables built once from the data file."""

    fields: dict[str, tuple[str, frozenset[str]]]  # folded label -> (field, its languages)
    levels: dict[str, str]                  # folded level word -> English level
    sources: dict[str, str]                 # folded Event Viewer source -> provider name
    providers: frozenset[str]               # folded names a shorthand paste may use
    channels: dict[str, str]                # folded localised channel -> English channel
    date_formats: dict[str, tuple[str, ...]]
    date_order: dict[str, str]
    ampm: dict[str, str]


def fold(label: str) -> str:
    """Compare form of a label: case-folded, apostrophes unified, spaces collapsed."""
    t = label.replace("\u2019", "'").replace("\u00a0", " ").strip().strip("*").strip()
    return " ".join(t.casefold().split())


@lru_cache(maxsize=1)
def labels() -> Labels:
    data = datafiles.table("eventviewer_labels.yml")
    pairs: dict[str, tuple[str, set[str]]] = {}
    for name, langs in data["fields"].items():
        for lang, labs in langs.items():
            for lab in labs:
                pairs.setdefault(fold(lab), (name, set()))[1].add(lang)
    fields = {k: (name, frozenset(langs)) for k, (name, langs) in pairs.items()}
    levels = {fold(w): level for level, words in data["levels"].items() for w in words}
    sources = {fold(k): v for k, v in data["sources"].items()}
    providers = frozenset({*sources, *(fold(v) for v in sources.values()),
                           *(fold(c) for c in data["classic_sources"]), *_template_providers()})
    channels = {fold(w): name for name, words in data["channels"].items() for w in words}
    formats = {k: tuple(v) for k, v in data["date_formats"].items()}
    ampm = {fold(w): k for k, words in data["ampm"].items() for w in words}
    return Labels(fields, levels, sources, providers, channels, formats,
                  dict(data["date_order"]), ampm)


def _template_providers() -> set[str]:
    """Providers (and aliases) the shipped message templates know: from ``messages.entries``,
    kept as JSON in the user cache, which the template readers load anyway (parsing the
    template files' YAML again here cost ~20 ms on a text file's first detection)."""
    from ... import messages

    return {fold(name) for e in messages.entries() for name in (e.provider, *e.aliases) if name}


def field_of(line: str) -> tuple[str, frozenset[str], str] | None:
    """``(field, languages, value)`` when the line is ``<known label>: value`` (a label such
    as ``Source`` or ``Computer`` belongs to several languages)."""
    m = _LABEL_LINE.match(line)
    if not m:
        # "Описание." (a translated article's full stop): a bare description label
        bare = labels().fields.get(fold(line.rstrip().rstrip(".")))
        if bare is not None and bare[0] == "description" and len(line) < 40:
            return bare[0], bare[1], ""
        return None
    found = labels().fields.get(fold(m.group(1)))
    if found is None:
        return None
    return found[0], found[1], m.group(2).strip()


def provider_of(source: str) -> str:
    """The Provider@Name of an Event Viewer "Source" (``Hyper-V-VMMS`` -> full name)."""
    s = source.strip()
    return labels().sources.get(fold(s), s)


def level_of(word: str) -> str | None:
    """English level of a (localised) level word; None when the word is unknown."""
    return labels().levels.get(fold(word)) if word.strip() else None


def channel_of(name: str) -> str:
    """English name of a classic log shown localised (``Anwendung`` -> ``Application``)."""
    return labels().channels.get(fold(name), name.strip())


def is_known_provider(name: str) -> bool:
    return fold(name) in labels().providers
