"""Which event-log channels each block exports, derived from the signature library.

A signature names providers (``provider: VSS``), not channels, and says by its tags where it
looks (``host``, ``guest``); a provider's channels go to the blocks its signatures' tags name,
or to both when none names either, and to the blocks ``data/collect_script.yml`` ``blocks``
names for it: where a service writes is the provider's fact, not the signatures' (the
FailoverClustering signatures read host CSVs, and guest clusters run the same service).
``data/collect_script.yml`` maps each provider
to its channels; a provider that no entry maps is returned as ``unknown`` so the command can
say which events it cannot collect, instead of leaving them out silently.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..match.library import Library
from .data import table

ROLES = ("host", "guest")


@dataclass(slots=True)
class ProviderChannels:
    """Per block, the channels to export (in a stable order), and the unmapped providers."""

    channels: dict[str, list[str]] = field(default_factory=dict)
    #: provider → ids of the signatures that name it, for providers no channel entry maps.
    unknown: dict[str, list[str]] = field(default_factory=dict)


def named_providers(match: Any) -> Iterator[str]:  # noqa: ANN401
    """Every provider a match names as wanted (values under ``not`` are exclusions)."""
    if isinstance(match, dict):
        for key, value in match.items():
            if key == "not":
                continue
            if str(key).split("|", 1)[0] == "provider":
                for v in value if isinstance(value, list) else [value]:
                    if isinstance(v, str) and v:
                        yield v
            else:
                yield from named_providers(value)
    elif isinstance(match, list):
        for item in match:
            yield from named_providers(item)


def placement(tag_sets: list[tuple[str, ...]]) -> tuple[str, ...]:
    """The blocks a provider's events come from: the ``host``/``guest`` tags of the
    signatures naming it, or both blocks when none of them says."""
    roles = tuple(r for r in ROLES if any(r in tags for tags in tag_sets))
    return roles or ROLES


def channels_by_block(library: Library) -> ProviderChannels:
    """The channels of each block: the ``always`` ones, then each named provider's."""
    data = table()
    by_provider = {str(k).casefold(): [str(c) for c in v] for k, v in data["providers"].items()}
    extra = {str(k).casefold(): [str(r) for r in v] for k, v in (data.get("blocks") or {}).items()}
    for prov, roles in extra.items():
        if set(roles) - set(ROLES):
            raise ValueError(f"logscope/data/collect_script.yml: blocks: {prov}: {roles} "
                             f"(blocks are {', '.join(ROLES)})")
    out = ProviderChannels({r: [str(c) for c in data["always"][r]] for r in ROLES})
    tags: dict[str, list[tuple[str, ...]]] = {}
    for sig in sorted(library.signatures.values(), key=lambda s: s.id):
        for prov in dict.fromkeys(named_providers(sig.match)):
            if prov.casefold() not in by_provider:
                out.unknown.setdefault(prov, []).append(sig.id)
                continue
            tags.setdefault(prov.casefold(), []).append(sig.tags)
    for prov, tag_sets in sorted(tags.items()):
        roles = placement(tag_sets)
        for role in (r for r in ROLES if r in roles or r in extra.get(prov, ())):
            for c in by_provider[prov]:
                if c not in out.channels[role]:
                    out.channels[role].append(c)
    return out
