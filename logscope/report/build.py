"""The report as plain data (the JSON contract); every output format renders this dict.

Why one dict: the HTML page, the Markdown summary and the terminal view must show the same
numbers as the JSON; a test compares them.
"""

from __future__ import annotations

from typing import Any

from .. import __version__
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


def build_report(a: Analysis) -> dict[str, Any]:
    """The JSON report (contract: meta, files, hits, hints, timeline; more keys are extra)."""
    corr = a.correlation
    files = [led.as_dict() for led in a.ledgers]
    return {
        "meta": {
            "logscope_version": __version__,
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
            "duplicate_hits": corr.duplicates,
            "veeam_offsets": corr.offsets,
            "checked": sorted({f["kind"] for f in files}),
        },
        "files": files,
        "identities": a.identity.rows(),
        "hits": [h.as_dict() for h in corr.hits],
        "hints": [hint_dict(f) for f in corr.hints],
        "timeline": timeline(corr.hits),
    }
