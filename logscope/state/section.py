"""The report's ``hyperv_state`` section: per VM and capture the chain, checkpoints and
hardware that matter for backups, and the chain trend across captures.

Every time says its clock: ``local`` (the host's wall time, zone unknown) is never shown as
UTC. Rendered in text, Markdown and HTML through ``report.sections``.
"""

from __future__ import annotations

from typing import Any

from ..report.escape import markdown as md
from .collector import StateCollector
from .model import VmState
from .trend import gb


def _vm_row(vm: VmState) -> dict[str, Any]:
    cap = vm.capture
    return {
        "vm": vm.name, "vm_id": vm.vm_id, "host": vm.host or cap.host, "capture": cap.key,
        "capture_time": cap.time.isoformat() if cap.time else None,
        "capture_time_source": cap.time_source, "capture_time_from": cap.how,
        "depth": vm.depth,
        "chains": [{"top": c.top, "base": c.base, "depth": c.depth, "size": c.size,
                    "source": c.source, "file": c.ev.file, "locator": c.ev.locator.as_dict()}
                   for c in vm.chains],
        "recovery_checkpoints": [
            {"name": c.name, "kind": c.kind, "age_hours": c.age_hours,
             "created": c.ev.time.isoformat() if c.ev.time else None,
             "time_source": c.ev.time_source, "file": c.ev.file,
             "locator": c.ev.locator.as_dict()} for c in vm.recovery],
        "vhd_sets": vm.vhds, "shared_with": vm.shared_with,
        "scsi_controllers": vm.scsi_count, "backup_integration_enabled": vm.backup_ic_enabled,
        "on_csv": vm.on_csv, "autorecovery_files": [d.path for d in vm.autorecovery],
        "guest_csv": [str(ev.data.get("name") or "?") for ev in vm.guest_csv],
        "notes": vm.notes,
    }


def section(collector: StateCollector) -> dict[str, Any]:
    """The section dict (empty when the run had no state listing)."""
    if not collector:
        return {}
    return {
        "captures": [{"capture": c.key, "host": c.host,
                      "time": c.time.isoformat() if c.time else None,
                      "time_source": c.time_source, "time_from": c.how,
                      "records": len(c.events)} for c in collector.captures],
        "vms": [_vm_row(vm) for vm in collector.vms],
        "trends": [{"vm": t.vm, "base": t.base, "growing": t.growing,
                    "ordered_by": t.ordered_by, "series": t.series}
                   for t in collector.trends],
        "dropped_events": collector.dropped,
    }


def _when(t: str | None, source: str) -> str:
    if not t:
        return "no time"
    s = t[:16].replace("T", " ")
    return f"{s} UTC" if source == "utc" else f"{s} (host local time)"


def _age(h: float | None) -> str:
    return "age unknown" if h is None else f"{h / 24:.1f} d"


def _vm_line(r: dict[str, Any]) -> str:
    parts = [f"chain depth {r['depth']}"]
    for kind, label in (("recovery checkpoint", "recovery checkpoints"),
                        ("VHD Set snapshot", "VHD Set snapshots")):
        cps = [c for c in r["recovery_checkpoints"] if c["kind"] == kind]
        if cps:
            old = max(cps, key=lambda c: c["age_hours"] if c["age_hours"] is not None else -1)
            parts.append(f"{label} {len(cps)} (oldest {old['name']}, {_age(old['age_hours'])})")
    if r["vhd_sets"]:
        parts.append("VHD Set" + (f" shared with {', '.join(r['shared_with'])}"
                                  if r["shared_with"] else ""))
    if r["scsi_controllers"] is not None:
        parts.append(f"SCSI controllers {r['scsi_controllers']}")
    if r["backup_integration_enabled"] is not None:
        parts.append("backup integration " + ("on" if r["backup_integration_enabled"] else "OFF"))
    if r["on_csv"]:
        parts.append("on CSV")
    if r.get("guest_csv"):
        parts.append("CSV inside the guest: " + ", ".join(r["guest_csv"]))
    if r["autorecovery_files"]:
        parts.append(f"{len(r['autorecovery_files'])} AutoRecovery file(s) left")
    return "; ".join(parts)


def _trend_line(t: dict[str, Any]) -> str:
    steps = " → ".join(f"{p['depth']} ({gb(p['size'])}, {_when(p['time'], p['time_source'])})"
                       for p in t["series"])
    flag = "GROWING" if t["growing"] else "stable"
    return f"{t['vm']} {t['base']}: {steps} [{flag}; ordered by {t['ordered_by']}]"


def text_lines(sec: dict[str, Any], report: dict[str, Any] | None = None) -> list[str]:
    out = []
    for r in sec["vms"]:
        out.append(f"{r['vm']} @ {r['host'] or '?'}, "
                   f"{_when(r['capture_time'], r['capture_time_source'])}: {_vm_line(r)}")
    if sec["trends"]:
        out.append("Chain trend across captures:")
        out.extend("  " + _trend_line(t) for t in sec["trends"])
    return out


def markdown(sec: dict[str, Any], report: dict[str, Any] | None = None) -> str:
    rows = ["| VM | host | capture | state |", "|---|---|---|---|"]
    for r in sec["vms"]:
        rows.append(f"| {md(r['vm'])} | {md(r['host'] or '?')} | "
                    f"{md(_when(r['capture_time'], r['capture_time_source']))} | "
                    f"{md(_vm_line(r))} |")
    if sec["trends"]:
        rows.append("")
        rows.append("Chain trend across captures:")
        rows.append("")
        rows.extend(f"- {md(_trend_line(t))}" for t in sec["trends"])
    return "\n".join(rows)


def html_fragment(sec: dict[str, Any], report: dict[str, Any] | None = None) -> str:
    from html import escape as e  # the html format only: ~1 ms of every start-up
    body = "".join(f"<tr><td>{e(r['vm'])}</td><td>{e(r['host'] or '?')}</td>"
                   f"<td>{e(_when(r['capture_time'], r['capture_time_source']))}</td>"
                   f"<td>{e(_vm_line(r))}</td></tr>" for r in sec["vms"])
    out = ("<table class='hyperv-state'><tr><th>VM</th><th>host</th><th>capture</th>"
           f"<th>state</th></tr>{body}</table>")
    if sec["trends"]:
        out += "<ul>" + "".join(f"<li>{e(_trend_line(t))}</li>" for t in sec["trends"]) + "</ul>"
    return out


def register() -> None:
    from ..report import sections

    sections.register(sections.Section(key="hyperv_state", title="Hyper-V state",
                                       text=text_lines, markdown=markdown, html=html_fragment))


register()  # on import: ``report.sections`` imports this module for a report with the section
