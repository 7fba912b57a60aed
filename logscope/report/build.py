"""The report as plain data (the JSON contract); every output format renders this dict.

Why one dict: the HTML page, the Markdown summary and the terminal view must show the same
numbers as the JSON; a test compares them.
"""

from __future__ import annotations

import os
import platform
import sys
from typing import Any

from .. import __version__, accel
from ..correlate.engine import Finding
from ..match.model import Hit
from ..pipeline import Analysis

#: Severity at or above which an event is shown in the timeline by default.
TIMELINE_MIN_SEVERITY = "info"


def evidence_item(h: Hit) -> dict[str, Any]:
    ev = h.event
    return {
        "file": ev.file,
        "locator": ev.locator.as_dict(),
        "time": ev.time.isoformat() if ev.time else None,
        "time_source": ev.time_source,
        "kind": ev.kind,
        "signature": h.signature.id,
        "text": ev.message,
        "also_in": h.fields.get("also_in", []),
    }


def hint_dict(f: Finding) -> dict[str, Any]:
    return {
        "id": f.id,
        "kind": f.kind,
        "title": f.title,
        "severity": f.severity,
        "confidence": f.confidence,
        "vm": f.vm,
        "cause": f.cause,
        "remedy": f.remedy,
        "evidence": [evidence_item(h) for h in f.evidence],
        "evidence_kinds": sorted({h.event.kind for h in f.evidence}),
        "references": list(f.references),
        "missing_evidence": f.missing,
        "steps": f.steps,
        "related_signatures": f.related,
    }


def timeline(hits: list[Hit]) -> list[dict[str, Any]]:
    rows = []
    for h in hits:
        ev = h.event
        rows.append({
            "time": ev.time.isoformat() if ev.time else None,
            "time_source": ev.time_source,
            "file": ev.file,
            "locator": ev.locator.as_dict(),
            "kind": ev.kind,
            "host": ev.host,
            "vm": h.fields.get("vm_name"),
            "text": ev.message,
            "signature": h.signature.id,
            "severity": h.signature.severity,
            "benign": h.signature.suppress,
        })
    rows.sort(key=lambda r: (r["time"] is None, r["time"] or "", r["file"],
                             str(r["locator"])))
    return rows


def _version(dist: str) -> str | None:
    """An installed distribution's version, from its ``<name>-<version>.dist-info`` folder
    name, first on ``sys.path`` as ``importlib.metadata`` finds it; that module only when no
    such folder is found (importing it costs ~20 ms, a tenth of a small run)."""
    prefix = dist.replace("-", "_").lower() + "-"
    for entry in sys.path:
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith(".dist-info") and name.lower().startswith(prefix):
                return name[len(prefix):-len(".dist-info")]
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def checked(a: Analysis, files: list[dict[str, Any]]) -> dict[str, Any]:
    """What was looked at: per source kind the files, records and signatures applied, and the
    chains; so "no known failure" can say what it rests on."""
    per_kind: dict[str, dict[str, Any]] = {}
    for f in files:
        k = per_kind.setdefault(f["kind"], {"kind": f["kind"], "files": 0, "records": 0,
                                            "signatures": 0})
        k["files"] += 1
        k["records"] += f["records"]
    for kind, row in per_kind.items():
        row["signatures"] = sum(1 for sig in a.library.signatures.values()
                                if kind in sig.kinds
                                or (kind.startswith("evtx") and "evtx" in sig.kinds))
    return {"kinds": sorted(per_kind.values(), key=lambda r: r["kind"]),
            "signatures": len(a.library.signatures),
            "chains": sorted(a.chains)}


def nothing_analysed(files: list[dict[str, Any]]) -> dict[str, Any]:
    """``analysed`` is false when no file gave a single record: then the report must say why
    instead of "no known failure found" (an empty folder, only unreadable or unknown files)."""
    if any(f["records"] for f in files):
        return {"analysed": True, "nothing_analysed": None}
    if not files:
        return {"analysed": False, "nothing_analysed": "no file to read"}
    reasons = [f"{f['path']}: {f.get('reason') or _first_problem(f) or f['kind'] + ', no records'}"
               for f in files[:3]]
    more = f" (+{len(files) - 3} more)" if len(files) > 3 else ""
    return {"analysed": False,
            "nothing_analysed": f"{len(files)} file(s), none gave a record: "
                                + "; ".join(reasons) + more}


def _first_problem(f: dict[str, Any]) -> str | None:
    probs = f.get("problems") or []
    return probs[0].get("message") if probs and isinstance(probs[0], dict) else None


def _identities(a: Analysis) -> list[dict[str, Any]]:
    """The identity table; with --vm/--job, only the machines the filters selected."""
    rows = a.identity.rows()
    if not (a.filters.vms or a.filters.jobs):
        return rows
    keep = {a.identity.entity(h.fields, h.event.kind) for h in a.correlation.hits}
    return [r for r in rows if r["entity"] in keep]


def _hit(h: Hit, a: Analysis) -> dict[str, Any]:
    """A hit with the machine it belongs to, resolved through the identity table."""
    d = h.as_dict()
    e = a.identity.entity(h.fields, h.event.kind)
    d["machine"] = {"entity": e, "vm": a.identity.name_of(e),
                    "hyperv_hosts": a.identity.hosts_of(e)} if e else None
    return d


def build_report(a: Analysis) -> dict[str, Any]:
    """The JSON report (contract: meta, files, hits, hints, timeline; more keys are extra)."""
    corr = a.correlation
    files = [led.as_dict() for led in a.ledgers]
    report: dict[str, Any] = {
        "meta": {
            "logscope_version": __version__,
            "versions": {"logscope": __version__, "python": platform.python_version(),
                         "evtx": _version("evtx"), "python-evtx": _version("python-evtx"),
                         "engine": a.engine, "hot_loops": accel.summary()},
            "signatures_version": a.library.version,
            "signatures": len(a.library.signatures),
            "chains": len(a.chains),
            "signature_overrides": [
                {"id": i, "builtin": old, "user": new} for i, new, old in
                [(i, n, o) for i, o, n in a.library.overrides]
            ],
            "signature_warnings": a.warnings,
            "inputs": a.inputs,
            "events": a.events_seen,
            "hits_total": corr.hits_total,
            # hits counted beyond the per-signature, per-machine bound (first and last kept)
            "hits_not_kept": a.hits_not_kept,
            "duplicate_hits": corr.duplicates,
            "veeam_offsets": corr.offsets,
            "filters": a.filters.as_dict() if a.filters.active() else None,
            "checked": sorted({f["kind"] for f in files}),
            "redacted": False,
        },
        "files": files,
        "checked": checked(a, files),
        "identities": _identities(a),
        "hits": [_hit(h, a) for h in corr.hits],
        "hints": [hint_dict(f) for f in corr.hints],
        "timeline": timeline(corr.hits),
    }
    report["meta"].update(nothing_analysed(files))
    if a.events is not None:
        report["events"] = [ev.to_dict() for ev in a.events]
    # throughput (issue 11): per-session figures; its hints join the ranked hints
    report["throughput"] = _throughput(a)
    report["hints"].extend(report["throughput"].get("hints", []))
    # Hyper-V state (issue 17): per VM and capture, and the chain trend across captures
    report["hyperv_state"] = _hyperv_state(a)
    return report


# Each stage's section code loads only for a run whose collector kept something (start-up):
# an empty collector's section is {} either way.
def _throughput(a: Analysis) -> dict[str, Any]:
    if not (a.throughput.jobs or a.throughput.tasks):
        return {}
    from ..throughput.analyze import section

    return section(a.throughput, a.correlation.hits, a.correlation.offsets)


def _hyperv_state(a: Analysis) -> dict[str, Any]:
    if not a.state:
        return {}
    from ..state.section import section

    return section(a.state)


def versions_line(meta: dict[str, Any]) -> str:
    """What produced the report, one line for every format: the versions, the evtx engine
    and the form of the hot loops (``logscope 1.2, ..., engine rust, hot_loops compiled``)."""
    return ", ".join(f"{k} {v}" for k, v in (meta.get("versions") or {}).items() if v)


def not_understood_note(f: dict[str, Any]) -> str | None:
    """One plain sentence for a file whose pasted localised messages no template read (the
    renderers all say it the same way), or None."""
    nu = f.get("messages_not_understood")
    if not nu:
        return None
    by_lang: dict[str, list[str]] = {}
    for p in nu["places"]:
        by_lang.setdefault(p["language"] or "?", []).append(str(p["line"]))
    where = "; ".join(f"{lang} at line {', '.join(lines)}" for lang, lines in by_lang.items())
    more = nu["count"] - len(nu["places"])
    where += f" and {more} more" if more > 0 else ""
    return (f"{nu['count']} localised message(s) not understood ({where}): no shipped "
            "template reads them")
