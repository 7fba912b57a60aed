"""A Markdown summary to paste into a ticket: hints with evidence, files read, timeline."""

from __future__ import annotations

from typing import Any

from .escape import markdown as m


def _loc(d: dict[str, Any]) -> str:
    return f"record {d['record']}" if "record" in d else f"line {d.get('line', '?')}"


def render_markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    out = [f"# logscope report", "",
           f"logscope {meta['logscope_version']}, signatures {m(meta['signatures_version'])}; "
           f"{meta['events']} events from {len(report['files'])} files.", ""]
    hints = report["hints"]
    out.append("## Root-cause hints")
    out.append("")
    if not hints:
        out.append(f"No known failure found. Checked kinds: {', '.join(meta['checked'])}.")
    for i, h in enumerate(hints, 1):
        out.append(f"### {i}. {m(h['title'])}")
        out.append("")
        out.append(f"- **Severity:** {h['severity']}  **Confidence:** {h['confidence']:.2f}"
                   + (f"  **VM:** {m(h['vm'])}" if h["vm"] else ""))
        out.append(f"- **Cause:** {m(h['cause'])}")
        out.append("- **Evidence:**")
        for ev in h["evidence"]:
            out.append(f"  - `{m(ev['time'] or 'no time')}` {m(ev['file'])} {_loc(ev['locator'])}: "
                       f"{m(ev['text'][:300])}")
        out.append("- **What to do:**")
        for n, s in enumerate(h["remedy"], 1):
            out.append(f"  {n}. {m(s)}")
        for miss in h.get("missing_evidence", []):
            if miss.get("collect"):
                out.append(f"- **Missing ({m(miss['role'])}):** {m(miss['collect'])}")
        out.append("")
    out.append("## Files read")
    out.append("")
    out.append("| file | kind | records | skipped | problems |")
    out.append("|---|---|---:|---:|---:|")
    for f in report["files"]:
        out.append(f"| {m(f['path'])} | {f['kind']} | {f['records']} | {f['skipped']} | "
                   f"{len(f['problems'])} |")
    out.append("")
    if report["timeline"]:
        out.append("## Timeline (UTC)")
        out.append("")
        for r in report["timeline"]:
            out.append(f"- `{m(r['time'] or 'no time')}` {m(r['signature'])} — {m(r['file'])} "
                       f"{_loc(r['locator'])}")
    return "\n".join(out) + "\n"
