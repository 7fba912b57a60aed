"""``logscope hunt``: walk the archive, plan, run the bundles on Dask, write the index.

The driver is the index's only writer: workers send back compact results (``result.py``)
and the driver commits them in batches as they arrive, so an interrupted hunt resumes.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

from .. import __version__, signals
from . import index
from .archive import assign_hashes, walk
from .plan import FAILED, Scope, make_plan
from .progress import Progress
from .versions import parser_version, signature_hashes


@dataclass
class HuntOptions:
    archives: list[Path]
    index: Path
    signature_dirs: list[Path] = field(default_factory=list)
    workers: int = 2
    scheduler: str | None = None
    timeout: float = 3600.0
    max_memory: int = 4 << 30
    changed: bool = False
    signature_ids: list[str] = field(default_factory=list)
    strict: bool = False
    export_parquet: Path | None = None
    retry_failed: bool = False
    engine: str = "rust"


class HuntError(Exception):
    """A usage problem found before any work (exit 2)."""


def _say(msg: str) -> None:
    from ..report.escape import terminal

    sys.stderr.write(terminal(msg) + "\n")


def hunt(o: HuntOptions) -> dict[str, int]:
    """Run one hunt; the counts by outcome (``failed`` or ``failed_before`` > 0: the archive
    holds bundles without a result, which makes ``--strict`` exit 1)."""
    from ..pipeline import load_knowledge

    library, _chains = load_knowledge(o.signature_dirs)
    for issue in library.issues:
        _say(f"signature warning: {issue}")
    unknown = [s for s in o.signature_ids if s not in library.signatures]
    if unknown:
        raise HuntError(f"--signature: no such signature: {', '.join(unknown)}")
    hashes = signature_hashes(library)
    pv = parser_version()
    con = index.connect(o.index)
    found = walk(o.archives)
    for path, why in found.ignored:
        _say(f"{path}: not a bundle ({why}), ignored")
    hashed = assign_hashes(found.bundles, index.known_hash(con))
    index.remember_hashes(con, found.bundles)
    mode = "changed" if o.changed else ("signature" if o.signature_ids else "all")
    run_id = index.new_run(con, {
        "started": datetime.now(UTC), "logscope_version": __version__,
        "signatures_version": library.version, "parser_version": pv, "mode": mode,
        "archives": orjson.dumps([str(a) for a in o.archives]).decode(), "engine": o.engine,
        "bundles_total": len(found.bundles)})
    index.purge_signatures(con, set(hashes))
    ids = (frozenset(library.signatures) if o.changed else
           frozenset(o.signature_ids) if o.signature_ids else None)
    scope = Scope(hashes, pv, ids, o.timeout, o.max_memory, o.retry_failed)
    plan = make_plan(con, found.bundles, library, scope, run_id)
    index.cover_by_census(con, plan.census_rows)
    _say(f"hunt run {run_id}: {len(found.bundles)} bundles ({hashed} hashed), "
         f"{len(plan.todo)} to analyse" + "".join(f", {n} {w}" for w, n in plan.why.items())
         + f"; {plan.skipped} up to date, {plan.census_bundles} settled by their census, "
         f"{plan.failed_before} failed before (--retry-failed), "
         f"{plan.duplicates} duplicates")
    counts = {"analysed": 0, "failed": 0, "failed_before": plan.failed_before,
              "skipped": plan.skipped + plan.failed_before,
              "census_only": plan.census_bundles, "to_analyse": len(plan.todo)}
    writer = index.Writer(con, run_id)
    try:
        if plan.todo:
            _execute(o, plan, library.version, hashes, pv, run_id, writer, counts)
    finally:
        with signals.deferred():  # a commit cut by a signal aborts its transaction
            writer.flush()
            index.finish_run(con, run_id, counts)
        if o.export_parquet is not None:
            written = index.export_parquet(con, o.export_parquet)
            _say(f"{len(written)} tables written as Parquet to {o.export_parquet}")
        con.close()
    return counts


def _execute(o: HuntOptions, plan: Any, sig_version: str,  # noqa: ANN401
             hashes: dict[str, str], pv: str,
             run_id: int, writer: index.Writer, counts: dict[str, int]) -> None:
    from . import engine

    todo = sorted(plan.todo, key=lambda r: -r.size)  # largest first: a short tail
    known = {r[0] for r in writer.con.execute("SELECT bundle_sha FROM bundles").fetchall()}
    refs = {r.sha: r for r in todo}
    specs = [{"path": str(r.path.resolve()), "sha": r.sha, "run_id": run_id,
              "signature_dirs": [str(d.resolve()) for d in o.signature_dirs],
              "signatures_version": sig_version, "timeout": o.timeout,
              "max_memory": o.max_memory, "engine": o.engine} for r in todo]
    progress = Progress(len(specs), sum(r.size for r in todo))

    def on_result(spec: dict[str, Any], res: dict[str, Any]) -> None:
        ref = refs[spec["sha"]]
        data = res.get("result")
        ok = res["status"] == "ok" and data is not None
        row = {"bundle_sha": ref.sha, "path": str(ref.path), "size": ref.size,
               "status": res["status"], "error": res.get("error"),
               "records": data["records"] if ok else None, "seconds": res.get("seconds"),
               "parser_version": pv, "timeout_s": o.timeout, "max_memory": o.max_memory,
               "worker": res.get("worker")}
        coverage = []
        if ok:
            for h in data["hits"]:
                h["signature_hash"] = hashes.get(h["signature"])
            coverage = [{"bundle_sha": ref.sha, "signature": s, "signature_hash": h,
                         "parser_version": pv, "run_id": run_id, "how": "analysed"}
                        for s, h in hashes.items()]
        writer.bundle(row, data if ok else None, coverage, replace=ref.sha in known)
        counts["analysed" if ok else "failed"] += 1
        counts[f"status_{res['status']}"] = counts.get(f"status_{res['status']}", 0) + 1
        if not ok:
            first = (res.get("error") or "").strip().splitlines()
            progress.stream.write(("\r\x1b[K" if progress.tty else "") +
                                  f"{ref.path}: {res['status']}"
                                  + (f": {first[-1][:200]}" if first else "") + "\n")
        progress.update(ref.size, data["records"] if ok else 0, not ok)

    with engine.client(o.workers, o.scheduler) as c:
        engine.run(c, specs, on_result)
    progress.close()
    statuses = ", ".join(f"{n} {k[7:]}" for k, n in sorted(counts.items())
                         if k.startswith("status_"))
    _say(f"hunt run {run_id}: {statuses}; index {o.index}")


__all__ = ["FAILED", "HuntError", "HuntOptions", "hunt"]
