"""Report filters: ``--since``/``--until`` (UTC), ``--vm``, ``--job``.

Why here and not at ingest: a Veeam time is only comparable once its offset is inferred, and
a VM name only denotes a set of hits once the identity table is complete; so filters apply to
hits after de-duplication and offset inference. Hits without a time (a vssadmin capture is a
state, not an event) pass the time filter: they describe the machine at collection time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..match.model import Hit
from .identity import IdentityTable


@dataclass(slots=True)
class Filters:
    since: datetime | None = None
    until: datetime | None = None
    vms: tuple[str, ...] = ()
    jobs: tuple[str, ...] = ()
    unknown: list[str] = field(default_factory=list)

    def active(self) -> bool:
        return bool(self.since or self.until or self.vms or self.jobs)

    def as_dict(self) -> dict[str, Any]:
        return {"since": self.since.isoformat() if self.since else None,
                "until": self.until.isoformat() if self.until else None,
                "vm": list(self.vms), "job": list(self.jobs), "unmatched": list(self.unknown)}


def apply(hits: list[Hit], ent: dict[int, str | None], identity: IdentityTable,
          f: Filters) -> list[Hit]:
    """The hits that pass every filter given."""
    if not f.active():
        return hits
    wanted: set[str] | None = None
    if f.vms:
        wanted = set()
        for name in f.vms:
            e = identity.lookup(name)
            if e is None:
                f.unknown.append(f"vm {name}")
            else:
                wanted.add(e)
    job_entities: set[str] = set()
    jobs = {j.casefold() for j in f.jobs}
    for j in f.jobs:
        es = identity.entities_of_job(j)
        if not es:
            f.unknown.append(f"job {j}")
        job_entities |= es
    out = []
    for h in hits:
        t = h.time
        if t is not None and h.event.time_source != "none":
            if f.since and t < f.since:
                continue
            if f.until and t > f.until:
                continue
        e = ent.get(id(h))
        if wanted is not None and e not in wanted:
            continue
        if jobs:
            job = (h.event.job_name or "").casefold()
            if job not in jobs and (e is None or e not in job_entities):
                continue
        out.append(h)
    return out
