"""Which Sigma rules a signature becomes: one per log source its providers write to.

Why: a Sigma rule has one ``logsource``, and a SIEM picks the rules to run on a log by it. A
signature names its providers at the top (``provider: [VMMS, Worker]``) or per ``any``
alternative (the event-log form beside the pasted-text form); both can span providers that
write to different channels. Exporting such a signature as one rule gave it no service ("any
provider"), so a SIEM ran it nowhere or everywhere; it becomes one rule per service, each
testing only that service's providers. A signature with an event-log alternative that names
no provider reads every provider and stays one "any" rule.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .sigma_detection import as_list, text_only


@dataclass(frozen=True)
class Source:
    """One rule's share of a signature: its providers, ``logsource`` and rule folder."""

    providers: tuple[str, ...]
    logsource: dict[str, Any]
    folder: str
    #: the service, or the providers with none: the suffix of a further rule's file name and
    #: id when a signature splits
    key: str


def providers(match: dict[str, Any]) -> list[str] | None:
    """The providers a signature's event-log records come from, in the order first named:
    the top-level ``provider``, else every event-log alternative's of a top-level ``any``;
    None when some event-log alternative names none (the signature reads any provider)."""
    top = [str(p) for p in as_list(match.get("provider"))]
    if top:
        return top
    alts = match.get("any")
    if not isinstance(alts, list) or not alts:
        return None
    out: list[str] = []
    for alt in alts:
        if not isinstance(alt, dict):
            return None
        if text_only(alt):
            continue
        named = [str(p) for p in as_list(alt.get("provider"))]
        if not named:
            return None
        out.extend(p for p in named if p not in out)
    return out or None


def sources(match: dict[str, Any], table: dict[str, Any]) -> list[Source]:
    """The rules' log sources, grouped by Sigma service in the order first named (a provider
    with no entry in ``data/sigma.yml`` is a group of its own, with no service)."""
    known = table["providers"]
    provs = providers(match)
    if provs is None:
        return [_source((), known)]
    groups: dict[str, list[str]] = {}
    for p in provs:
        groups.setdefault(known[p]["service"] if p in known else f"provider:{p}", []).append(p)
    return [_source(tuple(g), known) for g in groups.values()]


def _source(provs: tuple[str, ...], known: dict[str, Any]) -> Source:
    entries = [known[p] for p in provs if p in known]
    logsource: dict[str, Any] = {"product": "windows"}
    service = "any"
    if entries and len(entries) == len(provs):
        logsource["service"] = service = entries[0]["service"]
    channels = sorted({e["channel"] for e in entries})
    logsource["definition"] = ("Event log channel: " + ", ".join(channels) if channels
                               else "Any Windows event log channel")
    folder = entries[0]["dir"] if entries else "any_provider"
    key = service if service != "any" or not provs else "_".join(provs)
    return Source(provs, logsource, f"windows/builtin/{service}/{folder}", key)


def narrowed(match: dict[str, Any], source: Source) -> dict[str, Any]:
    """``match`` testing only ``source``'s providers: the top-level provider list cut to
    them, or the ``any`` alternatives naming them (cut to them); text-only alternatives go
    (Sigma reads records)."""
    keep = set(source.providers)

    def cut(value: Any) -> Any:  # noqa: ANN401
        mine = [p for p in as_list(value) if p in keep]
        return mine[0] if len(mine) == 1 else mine

    out = dict(match)
    if out.get("provider") is not None:
        out["provider"] = cut(out["provider"])
        return out
    out["any"] = [{**alt, "provider": cut(alt["provider"])} for alt in match["any"]
                  if not text_only(alt) and keep & set(map(str, as_list(alt["provider"])))]
    return out
