"""Which evtx records ``analyze`` builds into events: the matcher's record gate, plus the
providers the identity table learns from; and the same answer per chunk (``chunk_gate``).

It sits with the matcher because the answer is the signature library's: the evtx reader only
calls the ``evtx_want`` rule (and the ``evtx_chunk_gate``) it is given, and the worker
processes build the same from their own matcher, so neither the pipeline nor the workers have
to import each other.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ..ingest.evtx.chunk_gate import ChunkGate, GateSpec
from ..ingest.evtx.repeats import INERT_KEY
from ..ingest.source import TEXT_FOLD_KEY, IngestOptions
from .matcher import Matcher
from .text_gate import with_text_fold

#: Providers whose records feed the identity table or role detection even when no signature
#: wants them (VMMS / Worker events carry VmName and VmId).
IDENTITY_PROVIDERS = ("microsoft-windows-hyper-v",)
#: Provider prefixes a summary event teaches a host role from (``correlate/expected.py``):
#: a chunk that names one is always read, so the role is learnt as before.
ROLE_PROVIDERS = ("sqlwriter", "sqlvdi", "mssqlserver", "mssql$")


def with_evtx_gate(options: IngestOptions, matcher: Matcher) -> IngestOptions:
    """Options that let the evtx parser build full events only for records that can matter.

    The rest are counted, and the first of each (machine, provider, channel) of a file
    becomes a summary event (System fields only) so the host is still known. ``logscope
    events`` and ``keep_events`` never use this.
    """
    def want(provider: str | None, event_id: int | None) -> Any:  # noqa: ANN401
        if provider and provider.casefold().startswith(IDENTITY_PROVIDERS):
            return True
        return matcher.record_gate("evtx", provider, event_id)

    # the Veeam readers' fold rule travels with it (the same callers, the same matcher)
    extra: dict[str, object] = with_text_fold({**options.extra, "evtx_want": want}, matcher)
    # repeats of an event with no hit are counted, not built, unless every event must be
    # given (a census turns folding off) or a comparison run turned this rule off
    if extra.get(TEXT_FOLD_KEY) is not False and extra.get(INERT_KEY) is not False:
        extra[INERT_KEY] = matcher.inert
    if options.extra.get("evtx_chunk_skip", True):
        extra["evtx_chunk_gate"] = chunk_gate(matcher)
    return replace(options, extra=extra)


def gate_spec(matcher: Matcher) -> GateSpec:
    """The (provider, event ids) and any-provider HRESULTs the matcher's index can use."""
    providers: dict[str, set[int] | None] = {p: None for p in (*IDENTITY_PROVIDERS, *ROLE_PROVIDERS)}
    hresults: set[str] = set()
    skippable = True
    for (kind, prov, eid), comps in matcher.index().items():
        if kind != "evtx" or not comps:
            continue
        if prov is None:
            if eid is not None:
                skippable = False  # any provider with this id: no name to look for
                continue
            for comp in comps:
                if comp.prefilter is None or comp.prefilter[0] != "hr":
                    skippable = False
                else:
                    hresults |= set(comp.prefilter[1])
            continue
        if eid is None:
            providers[prov] = None
        elif prov not in providers or providers[prov] is not None:
            providers.setdefault(prov, set()).add(eid)  # type: ignore[union-attr]
    frozen = {p: (None if e is None else frozenset(e)) for p, e in providers.items()}
    return GateSpec(frozen, frozenset(hresults), skippable)


def chunk_gate(matcher: Matcher) -> ChunkGate:
    return ChunkGate(gate_spec(matcher))
