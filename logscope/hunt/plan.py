"""Which bundles a hunt must read, and which coverage it can settle without reading.

The unit of work is a bundle (its events are not kept, so evaluating any signature on it
means reading it again, and then every signature is evaluated at once). A bundle is read
when it is new, when its last analysis failed under other limits or another parser, when the
parser changed, or when a signature in scope has a hash its ``coverage`` lacks.

``--changed`` and ``--signature ID`` narrow that last case with the census: a bundle whose
census holds no (kind, provider, event id) the stale signature can match is not read; its
coverage moves to the new hash and the signature's old hits there (there can be none now)
are dropped.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from ..match.library import Library
from .archive import BundleRef
from .census import can_match
from .versions import CHAINS

FAILED = ("timeout", "oom", "crash", "error", "lost")


@dataclass
class Plan:
    todo: list[BundleRef] = field(default_factory=list)
    #: Coverage rows settled by the census (no read needed).
    census_rows: list[dict[str, Any]] = field(default_factory=list)
    census_bundles: int = 0
    skipped: int = 0
    #: Failed before under the same limits and parser: not retried (``--retry-failed``).
    failed_before: int = 0
    duplicates: int = 0
    why: dict[str, int] = field(default_factory=lambda: defaultdict(int))


@dataclass(frozen=True)
class Scope:
    hashes: dict[str, str]
    parser_version: str
    #: None: every signature, no census narrowing; else the ids in scope (narrowed).
    ids: frozenset[str] | None
    timeout: float
    max_memory: int
    retry_failed: bool = False


def make_plan(con: Any, refs: list[BundleRef], library: Library, scope: Scope,  # noqa: ANN401
              run_id: int) -> Plan:
    plan = Plan()
    state = {sha: (status, pv, t, m) for sha, status, pv, t, m in con.execute(
        "SELECT bundle_sha, status, parser_version, timeout_s, max_memory FROM bundles"
    ).fetchall()}
    covered: dict[str, dict[str, str]] = defaultdict(dict)
    for sha, sig, h in con.execute("SELECT bundle_sha, signature, signature_hash FROM coverage "
                                   "WHERE parser_version = ?", [scope.parser_version]).fetchall():
        covered[sha][sig] = h
    in_scope = [s for s in scope.hashes if scope.ids is None or s in scope.ids or s == CHAINS]
    seen: set[str] = set()
    narrowed: dict[str, list[str]] = {}
    for ref in refs:
        if ref.sha in seen:
            plan.duplicates += 1
            continue
        seen.add(ref.sha)
        st = state.get(ref.sha)
        if st is None:
            plan.why["new"] += 1
            plan.todo.append(ref)
            continue
        status, pv, timeout, max_memory = st
        if status in FAILED:
            if (scope.retry_failed or pv != scope.parser_version or timeout != scope.timeout
                    or max_memory != scope.max_memory):
                plan.why[f"retry {status}"] += 1
                plan.todo.append(ref)
            else:
                plan.failed_before += 1
            continue
        if pv != scope.parser_version:
            plan.why["parser changed"] += 1
            plan.todo.append(ref)
            continue
        have = covered.get(ref.sha, {})
        stale = [s for s in in_scope if have.get(s) != scope.hashes[s]]
        if not stale:
            plan.skipped += 1
        elif scope.ids is None:
            plan.why["signatures changed"] += 1
            plan.todo.append(ref)
        else:
            narrowed[ref.sha] = stale
    if narrowed:
        _narrow(con, plan, refs, narrowed, library, scope, run_id)
    return plan


def _narrow(con: Any, plan: Plan, refs: list[BundleRef],  # noqa: ANN401
            narrowed: dict[str, list[str]],
            library: Library, scope: Scope, run_id: int) -> None:
    """Read only bundles whose census can match a stale signature; settle the rest."""
    keys: dict[str, list[tuple[str, str | None, int | None]]] = defaultdict(list)
    with_hits: set[str] = set()
    for sha, kind, prov, eid in con.execute(
            "SELECT bundle_sha, kind, provider, event_id FROM census").fetchall():
        if sha in narrowed:
            keys[sha].append((kind, prov, eid))
    for (sha,) in con.execute("SELECT DISTINCT bundle_sha FROM hits").fetchall():
        with_hits.add(sha)
    by_sha = {r.sha: r for r in refs}
    for sha, stale in narrowed.items():
        def matters(sid: str) -> bool:
            if sid == CHAINS:  # chains only turn hits into hints
                return sha in with_hits
            sig = library.signatures.get(sid)
            return sig is None or can_match(sig, keys[sha])
        if any(matters(s) for s in stale):
            plan.why["census can match a changed signature"] += 1
            plan.todo.append(by_sha[sha])
            continue
        plan.census_bundles += 1
        plan.census_rows.extend({"bundle_sha": sha, "signature": s,
                                 "signature_hash": scope.hashes[s],
                                 "parser_version": scope.parser_version, "run_id": run_id,
                                 "how": "census"} for s in stale)
