"""What a hunt task sends back for one bundle: the index rows, nothing else.

Why compact: a bundle's events stay in the worker; only the report's hits, hints, the
per-file accounting, the hosts and the census cross the network to the driver, which is
the index's only writer. The hits and hints are the JSON report's own (``build_report``),
so the index says exactly what ``logscope analyze`` says for the bundle.
"""

from __future__ import annotations

from typing import Any

import orjson

from ..correlate.identity import short_name
from ..pipeline import Analysis
from ..report.build import build_report
from .census import Census


def _json(v: Any) -> str:  # noqa: ANN401
    return orjson.dumps(v, option=orjson.OPT_SORT_KEYS, default=str).decode()


def compact(a: Analysis, census: Census) -> dict[str, Any]:
    """The rows of every index table for this bundle (``bundle_sha`` added by the driver)."""
    report = build_report(a)
    files = [{
        "path": f["path"], "kind": f["kind"], "records": f["records"], "skipped": f["skipped"],
        "summarized": f.get("summarized", 0),
        "problems": len(f["problems"]) + f.get("problems_dropped", 0),
        "problem_details": _json(f["problems"]) if f["problems"] else None,
        "skip_reasons": _json(f["skip_reasons"]) if f["skip_reasons"] else None,
        "size": f.get("size"),
    } for f in report["files"]]
    hits = []
    for h in report["hits"]:
        fields = h["fields"]
        machine = h.get("machine") or {}
        hits.append({
            "signature": h["signature"], "severity": h["severity"], "time": h["time"],
            "time_source": h["time_source"], "file": h["file"], "kind": h["kind"],
            "locator": _json(h["locator"]), "host": fields.get("host"),
            "vm": fields.get("vm_name") or machine.get("vm"), "job": fields.get("job_name"),
            "fields": _json(fields),
        })
    hints = [{"id": h["id"], "title": h["title"], "severity": h["severity"],
              "confidence": h["confidence"]} for h in report["hints"]]
    return {
        "records": sum(f["records"] for f in files if f["kind"] != "zip"),
        "files": files, "hits": hits, "hints": hints, "hosts": hosts(a),
        "census": census.rows(), "census_overflow": census.overflow,
        "signatures_version": a.library.version,
    }


def hosts(a: Analysis) -> list[dict[str, Any]]:
    """One row per machine the bundle's records name: its role, OS and product version.

    The role comes from what wrote the records (Hyper-V host events, a Veeam server's logs,
    a guest's VSS/SQL logs); OS and product version from Veeam log headers, where stated.
    """
    seen: dict[str, dict[str, Any]] = {}

    def row(name: str) -> dict[str, Any]:
        key = short_name(name)
        r = seen.get(key)
        if r is None:
            r = seen[key] = {"host": name, "role": None, "os": None, "product_version": None}
        return r

    for led in a.ledgers:
        for run in led.info.get("runs", []) if isinstance(led.info.get("runs"), list) else []:
            if isinstance(run, dict) and run.get("machine"):
                r = row(str(run["machine"]))
                r["os"] = r["os"] or run.get("os")
                r["product_version"] = r["product_version"] or run.get("version")
                r["role"] = r["role"] or "veeam-server"
    for ent in a.identity.rows():
        for g in ent["guest_hosts"]:
            r = row(g)
            r["role"] = r["role"] or "guest"
        for hv in ent["hyperv_hosts"]:
            r = row(hv)
            r["role"] = "hyperv-host"
        for srv in ent["veeam_servers"]:
            r = row(srv)
            r["role"] = r["role"] or "veeam-server"
    for hv in sorted(a.identity.hyperv_hosts):
        if hv not in seen:
            row(hv)["role"] = "hyperv-host"
    for led in a.ledgers:
        server = led.info.get("server")
        if isinstance(server, str) and server:
            r = row(server)
            r["role"] = r["role"] or "veeam-server"
    return sorted(seen.values(), key=lambda r: r["host"].casefold())
