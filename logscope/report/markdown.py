"""A Markdown summary to paste into a ticket: hints with evidence, machines, files, timeline."""

from __future__ import annotations

from typing import Any

from . import sections, timefmt
from .build import not_understood_note, versions_line
from .escape import markdown as m
from .escape import terminal


def _loc(d: dict[str, Any]) -> str:
    return f"record {d['record']}" if "record" in d else f"line {d.get('line', '?')}"


def _code(v: object) -> str:
    """Text for an inline code span (no backticks, one line)."""
    return m(v).replace("\\", "").replace("`", "'")


def _span(v: object) -> str:
    """A code span for log text and commands: copied exactly, nothing to unescape."""
    t = terminal(v).replace("``", "''")
    return f"`` {t} ``"


def render_markdown(report: dict[str, Any]) -> str:
    meta = report["meta"]
    tz = meta.get("display_tz")
    zl = timefmt.label(tz)

    def when(iso: str | None) -> str:
        return timefmt.show(iso, tz) or "no time"

    out = ["# logscope report", "",
           f"logscope `{_code(meta['logscope_version'])}`, signatures "
           f"`{_code(meta['signatures_version'])}`; "
           f"{meta['events']} events from {len(report['files'])} files; times in {m(zl)}."
           + (" Redacted: host, user, domain and IP names are placeholders."
              if meta.get("redacted") else ""), ""]
    hints = report["hints"]
    out += ["## Root-cause hints", ""]
    if not hints and meta.get("analysed") is False:
        out += [f"**Nothing was analysed**: {m(meta.get('nothing_analysed') or '')}. No "
                "conclusion can be drawn from this input; see the files table for each "
                "file's reason.", ""]
    elif not hints:
        chk = report.get("checked") or {}
        out.append(f"**No known failure found.** Checked {meta['events']} events from "
                   f"{len(report['files'])} files against {meta['signatures']} signatures and "
                   f"{meta['chains']} chains:")
        out.append("")
        for k in chk.get("kinds", []):
            out.append(f"- {m(k['kind'])}: {k['files']} file(s), {k['records']} records, "
                       f"{k['signatures']} signatures for this kind")
        out.append("")
    for i, h in enumerate(hints, 1):
        out.append(f"### {i}. {m(h['title'])}")
        out.append("")
        out.append(f"- **Severity:** {h['severity']}  **Confidence:** {h['confidence']:.2f}"
                   + (f"  **VM:** {m(h['vm'])}" if h["vm"] else ""))
        out.append(f"- **Cause:** {m(h['cause'])}")
        out.append(f"- **Evidence** ({m(zl)}):")
        for ev in h["evidence"]:
            out.append(f"  - `{m(when(ev['time']))}` {m(ev['file'])} {_loc(ev['locator'])}: "
                       f"{_span(ev['text'][:300])}")
        out.append("- **What to do:**")
        for n, s in enumerate(h["remedy"], 1):
            out.append(f"  {n}. {m(s)}")
        missing = [x for x in h.get("missing_evidence", []) if x.get("collect")]
        if missing:
            out.append("- **Missing evidence, collect:**")
            for x in missing:
                out.append(f"  - {m(x['role'])}: {_span(x['collect'])}")
        if h.get("references"):
            out.append(f"- **References:** {m('; '.join(h['references']))}")
        if h.get("related_signatures"):
            out.append(f"- **Also matched:** {m(', '.join(h['related_signatures']))}")
        out.append("")
    for sec, fn in sections.present(report, "markdown"):
        body = fn(report[sec.key], report)
        out += [f"## {m(sec.title)}", "", *(body.splitlines() if isinstance(body, str) else body),
                ""]
    ids = report.get("identities") or []
    if ids:
        out += ["## Machines", "", "| VM | VM id | guest | Hyper-V host | Veeam job | sources |",
                "|---|---|---|---|---|---|"]
        for r in ids:
            out.append("| " + " | ".join(m(", ".join(r.get(k, []))) for k in (
                "vm_names", "vm_ids", "guest_hosts", "hyperv_hosts", "jobs", "sources")) + " |")
        out.append("")
    out += ["## Files read", "", "| file | kind | records | skipped | problems |",
            "|---|---|---:|---:|---:|"]
    for f in report["files"]:
        out.append(f"| {m(f['path'])} | {m(f['kind'])} | {f['records']} | {f['skipped']} | "
                   f"{len(f['problems'])} |")
    out.append("")
    notes = [(f["path"], not_understood_note(f)) for f in report["files"]]
    out += [f"- {m(path)}: {m(note)}" for path, note in notes if note]
    if any(note for _, note in notes):
        out.append("")
    if report["timeline"]:
        out += [f"## Timeline ({m(zl)})", ""]
        for r in report["timeline"]:
            out.append(f"- `{m(when(r['time']))}` {m(r['signature'])} — {m(r['file'])} "
                       f"{_loc(r['locator'])}")
        out.append("")
    out.append(f"Reproduce: {m(versions_line(meta))}")
    out.append("")
    out.append("Inputs: " + "; ".join(f"{m(i['path'])} sha256 `{i['sha256']}`"
                                      for i in meta.get("inputs", [])))
    # an input that changed while it was hashed: its hash matches no single state of it
    out += [f"- changed while hashed: {m(note)}"
            for i in meta.get("inputs", []) for note in i.get("unsteady", ())]
    return "\n".join(out) + "\n"
