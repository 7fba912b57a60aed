"""Stage 4: hits → root-cause hints and a timeline.

Order of work: de-duplicate hits (the same record read from an .evtx and its XML export
counts once), infer Veeam UTC offsets where no header or flag gave one, run the chain
rules per VM entity, then turn the hits no chain explained into single-signature hints.
Suppression signatures (known-benign events) keep the events they mark out of every hint.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..events import UTC, format_offset
from ..ingest.veeam.offset import infer_offset
from ..match.model import Hit, severity_rank
from . import collect
from .chains import Chain, Step
from .filters import Filters
from .filters import apply as apply_filters
from .identity import SERVER_KINDS, IdentityTable, short_name

MAX_EVIDENCE_PER_STEP = 8


@dataclass
class Finding:
    """A ranked root-cause hint with its evidence (the report's ``hints[]``)."""

    id: str
    title: str
    severity: str
    confidence: float
    cause: str
    remedy: list[str]
    evidence: list[Hit]
    kind: str = "signature"
    entity: str | None = None
    vm: str | None = None
    references: tuple[str, ...] = ()
    missing: list[dict[str, str]] = field(default_factory=list)
    steps: list[dict[str, Any]] = field(default_factory=list)
    #: Other signatures that matched this finding's evidence events (alternative readings of
    #: the same records, folded in rather than raised as separate hints).
    related: list[str] = field(default_factory=list)

    @property
    def first_time(self) -> datetime | None:
        times = [h.time for h in self.evidence if h.time is not None]
        return min(times) if times else None


@dataclass
class Correlation:
    hints: list[Finding]
    hits: list[Hit]
    duplicates: int
    offsets: list[dict[str, Any]]
    #: Hits before the report filters (after de-duplication).
    hits_total: int = 0


def _dedupe_key(h: Hit) -> tuple[Any, ...]:
    """What makes two hits the same record, whichever file they were read from.

    An evtx record is the same record in the .evtx and in its XML/CSV export when host,
    channel, provider, record id and event id agree; a text record (Veeam line, vssadmin block)
    when kind, machine, text and time agree.
    """
    ev = h.event
    if ev.record_id is not None and ev.kind.startswith("evtx"):
        # no time in the key: a CSV export carries the exporting machine's local time
        return (h.signature.id, "evtx", short_name(ev.host or ""), ev.channel, ev.provider,
                ev.record_id, ev.event_id)
    return (h.signature.id, ev.kind, (ev.host or "").casefold(), ev.vm_name, ev.message,
            ev.time)


def dedupe(hits: list[Hit]) -> tuple[list[Hit], int]:
    """Keep the first of hits for the same record read from two files (an .evtx and its XML
    export, two copies of a log); the copies are listed in the kept hit's ``also_in``.

    Two equal records inside one file are two records (a vssadmin file may hold two captures),
    unless they carry the same evtx record id.
    """
    seen: dict[tuple[Any, ...], Hit] = {}
    out: list[Hit] = []
    dups = 0
    for h in hits:
        k = _dedupe_key(h)
        first = seen.get(k)
        if first is not None and (first.event.file != h.event.file or k[1] == "evtx"):
            dups += 1
            first.fields.setdefault("also_in", []).append(
                {"file": h.event.file, "locator": h.event.locator.as_dict()})
            continue
        if first is None:
            seen[k] = h
        out.append(h)
    return out, dups


def correlate(hits: list[Hit], identity: IdentityTable, chains: dict[str, Chain],
              filters: Filters | None = None) -> Correlation:
    hits, dups = dedupe(hits)
    ent = {id(h): identity.entity(h.fields, h.event.kind) for h in hits}
    offsets = _infer_offsets(hits, ent, chains)
    total = len(hits)
    if filters is not None:
        hits = apply_filters(hits, ent, identity, filters)
    # events marked benign by a suppression signature are never blamed
    benign = {id(h.event) for h in hits if h.signature.suppress}
    active = [h for h in hits if not h.signature.suppress and id(h.event) not in benign]
    by_sig: dict[str, list[Hit]] = defaultdict(list)
    for h in active:
        by_sig[h.signature.id].append(h)
    findings: list[Finding] = []
    consumed: set[int] = set()
    for chain in chains.values():
        findings.extend(_run_chain(chain, by_sig, ent, identity, consumed))
    findings = _fold_contained(_drop_explained_absences(findings))
    # a record a chain explains is not raised again by another signature on it
    explained = {id(h.event): f for f in findings for h in f.evidence}
    folded: set[tuple[str, str | None]] = set()
    for h in active:
        f = explained.get(id(h.event))
        if f is not None and id(h) not in consumed:
            folded.add((h.signature.id, ent[id(h)]))
            if h.signature.id not in f.related and h.signature.severity != "info":
                f.related.append(h.signature.id)
    # ...nor by its echoes on the same VM (a task's "completed ... details:" line repeats it)
    consumed |= {id(h) for h in active if (h.signature.id, ent[id(h)]) in folded}
    findings.extend(_single_hints(active, ent, identity, consumed))
    findings.sort(key=lambda f: (-f.confidence, -severity_rank(f.severity),
                                 f.first_time or datetime.max.replace(tzinfo=UTC), f.id))
    return Correlation(findings, hits, dups, offsets, total)


def _in_window(h: Hit, anchors: list[Hit], step: Step) -> bool:
    if h.time is None or h.event.time_source in ("none",):
        return True  # a state capture (vssadmin) joins on the entity alone
    for a in anchors:
        if a.time is None or a.event.time_source == "none":
            return True
        if (a.event.time_source == "local") != (h.event.time_source == "local"):
            # local wall time vs UTC with no known offset: cannot compare, accept but
            # the finding says so
            return True
        d = (h.time - a.time).total_seconds()
        if step.window[0] <= d <= step.window[1]:
            return True
    return False


def _run_chain(chain: Chain, by_sig: dict[str, list[Hit]], ent: dict[int, str | None],
               identity: IdentityTable, consumed: set[int]) -> list[Finding]:
    symptom = chain.steps[0]
    groups: dict[str, list[Hit]] = defaultdict(list)
    for sid in symptom.signatures:
        for h in by_sig.get(sid, ()):
            e = ent[id(h)]
            if e is not None:
                groups[e].append(h)
    out = []
    for entity, anchors in sorted(groups.items()):
        present: dict[str, list[Hit]] = {symptom.id: anchors}
        hosts = {short_name(x) for x in identity.hosts_of(entity)}
        for step in chain.steps[1:]:
            got = [h for sid in step.signatures for h in by_sig.get(sid, ())
                   if _joins(h, ent[id(h)], entity, hosts) and _in_window(h, anchors, step)]
            if got:
                present[step.id] = sorted(got, key=_time_key)
        if len(present) < 2 and not chain.absence:
            continue
        if any(s.required and s.id not in present for s in chain.steps):
            continue
        total = sum(s.weight for s in chain.steps)
        have = sum(s.weight for s in chain.steps if s.id in present)
        conf = round(chain.hint.confidence * have / total, 2)
        vm = identity.name_of(entity)
        evidence: list[Hit] = []
        steps_out = []
        for s in chain.steps:
            hs = present.get(s.id, [])
            evidence.extend(hs[:MAX_EVIDENCE_PER_STEP])
            steps_out.append({"id": s.id, "role": s.role, "found": len(hs),
                              "signatures": list(s.signatures)})
            for h in hs:
                consumed.add(id(h))
        missing = _missing(chain, present, anchors, entity, identity, vm)
        out.append(Finding(
            id=chain.id, title=_fmt(chain.title, vm=vm), severity=chain.severity,
            confidence=conf, cause=_fmt(chain.hint.cause, vm=vm),
            remedy=[_fmt(r, vm=vm) for r in chain.hint.remedy], evidence=evidence,
            kind="chain", entity=entity, vm=vm, references=chain.references,
            missing=missing, steps=steps_out))
    return out


def _drop_explained_absences(findings: list[Finding]) -> list[Finding]:
    """An absence finding (only the symptom seen) is dropped when another chain joined the
    same symptom hits to a mechanism or cause: the failure is explained, nothing is missing."""
    def found(f: Finding) -> int:
        return sum(1 for s in f.steps if s["found"])

    explained = {id(h.event) for f in findings if found(f) >= 2 for h in f.evidence}
    return [f for f in findings
            if found(f) >= 2 or not all(id(h.event) in explained for h in f.evidence)]


def _fold_contained(findings: list[Finding]) -> list[Finding]:
    """A chain finding whose every evidence record is also evidence of a larger chain finding
    on the same VM tells a part of that story: it is folded into it (listed as related), so a
    Veeam failure, a merge error and the VM's state become one finding, not three."""
    ev = [{id(h.event) for h in f.evidence} for f in findings]
    same: dict[str | None, list[int]] = defaultdict(list)  # per VM: a VM has few findings
    for i, f in enumerate(findings):
        same[f.entity].append(i)
    out = []
    for i, f in enumerate(findings):
        host = next((findings[j] for j in same[f.entity] if ev[i] < ev[j]), None)
        if host is None:
            out.append(f)
        elif f.id not in host.related:
            host.related.append(f.id)
    return out


def _joins(h: Hit, e: str | None, entity: str, hosts: set[str]) -> bool:
    """A step hit joins the entity by its VM, or, when it names no VM (a cluster or CSV event
    on the host), by being on a Hyper-V host that runs the VM."""
    if e is not None:
        return e == entity
    return bool(h.event.host) and short_name(h.event.host or "") in hosts and \
        h.event.kind not in SERVER_KINDS


def _single_hints(active: list[Hit], ent: dict[int, str | None], identity: IdentityTable,
                  consumed: set[int]) -> list[Finding]:
    groups: dict[tuple[str, str | None], list[Hit]] = defaultdict(list)
    for h in active:
        if id(h) in consumed or h.signature.severity == "info":
            continue
        groups[(h.signature.id, ent[id(h)])].append(h)
    out = []
    for (sid, entity), hs in sorted(groups.items(), key=lambda kv: (kv[0][0], kv[0][1] or "")):
        sig = hs[0].signature
        vm = identity.name_of(entity) if entity else None
        f0 = hs[0].fields
        ctx = {**{k: v for k, v in f0.items() if isinstance(v, (str, int))}, "vm": vm or "?"}
        out.append(Finding(
            id=sid, title=_fmt(sig.title, **ctx), severity=sig.severity,
            confidence=round(sig.hint.confidence, 2), cause=_fmt(sig.hint.cause, **ctx),
            remedy=[_fmt(r, **ctx) for r in sig.hint.remedy],
            evidence=sorted(hs, key=_time_key)[:MAX_EVIDENCE_PER_STEP],
            kind="signature", entity=entity, vm=vm, references=sig.references,
            missing=_confirm(sig.hint.collect, hs, entity, identity, ctx)))
    return out


def _bounds(hs: list[Hit]) -> tuple[str, str]:
    times = [h.time for h in hs if h.time is not None and h.event.time_source != "local"]
    return collect.window(min(times, default=None), max(times, default=None))


def _context(entity: str | None, identity: IdentityTable, vm: str | None,
             hs: list[Hit]) -> dict[str, Any]:
    since, until = _bounds(hs)
    vm = vm or "?"
    hosts = identity.hosts_of(entity) if entity else []
    guests = identity.guests_of(entity) if entity else [vm]
    return {"vm": vm, "guest": guests[0], "host": collect.host_name(hosts, vm),
            "since": since, "until": until}


def _missing(chain: Chain, present: dict[str, list[Hit]], anchors: list[Hit], entity: str,
             identity: IdentityTable, vm: str) -> list[dict[str, str]]:
    """Each absent step with the exact command that collects it, time-filtered."""
    ctx = _context(entity, identity, vm, [h for hs in present.values() for h in hs] or anchors)
    out = []
    for s in chain.steps:
        if s.id in present:
            continue
        cmd = _fmt(s.collect, **ctx) if s.collect else collect.for_role(s.role, ctx)
        out.append({"step": s.id, "role": s.role, "signatures": ", ".join(s.signatures),
                    "collect": collect.with_time_filter(cmd, ctx["since"], ctx["until"])})
    return out


def _confirm(template: str, hs: list[Hit], entity: str | None, identity: IdentityTable,
             ctx: dict[str, Any]) -> list[dict[str, str]]:
    if not template:
        return []
    c = {**_context(entity, identity, ctx.get("vm") if ctx.get("vm") != "?" else None, hs),
         **{k: v for k, v in ctx.items() if k != "vm" or v != "?"}}
    cmd = _fmt(template, **c)
    return [{"step": "confirm", "role": "cause",
             "collect": collect.with_time_filter(cmd, c["since"], c["until"])}]


def _time_key(h: Hit) -> tuple[int, str]:
    return (0, h.time.isoformat()) if h.time else (1, "")


class _Safe(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def _fmt(text: str, **ctx: Any) -> str:  # noqa: ANN401
    """``{vm}``-style templates from data files; unknown names stay as written."""
    try:
        return text.format_map(_Safe(ctx))
    except (ValueError, IndexError, AttributeError):
        return text


def _infer_offsets(hits: list[Hit], ent: dict[int, str | None],
                   chains: dict[str, Chain]) -> list[dict[str, Any]]:
    """Pair local-time symptom hits with UTC hits of the same VM (the next chain step), infer
    each file's offset, and convert that file's local-time hits (``time_source=inferred``)."""
    by_sig: dict[str, list[Hit]] = defaultdict(list)
    for h in hits:
        by_sig[h.signature.id].append(h)
    pairs: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for chain in chains.values():
        sym, nxt = chain.steps[0], chain.steps[1]
        for sid in sym.signatures:
            for a in by_sig.get(sid, ()):
                if a.event.time_source != "local" or a.time is None or ent[id(a)] is None:
                    continue
                for sid2 in nxt.signatures:
                    for b in by_sig.get(sid2, ()):
                        if (b.event.time_source == "utc" and b.time is not None
                                and ent[id(b)] == ent[id(a)]):
                            pairs[a.event.file].append((a.time, b.time))
    out = []
    for file, ps in sorted(pairs.items()):
        offset, confidence = infer_offset(ps)
        if confidence <= 0:
            continue
        for h in hits:
            ev = h.event
            if ev.file == file and ev.time_source == "local" and ev.time is not None:
                ev.time = ev.time - offset
                ev.time_source = "inferred"
                ev.utc_offset = offset
        out.append({"file": file, "offset": format_offset(offset), "pairs": len(ps),
                    "confidence": confidence,
                    "method": "paired with Hyper-V host events of the same VM"})
    return out
