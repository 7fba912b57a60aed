"""The terminal report: what was read, the ranked hints, the timeline (rich; plain when piped).

This and ``progress.py`` are the only modules that import rich (lazily, from the CLI).
"""

from __future__ import annotations

import io
from typing import Any

from .escape import terminal as t

SEV_STYLE = {"critical": "bold red", "high": "red", "medium": "yellow", "low": "cyan",
             "info": "dim"}


def _loc(d: dict[str, Any]) -> str:
    if "record" in d:
        return f"record {d['record']}"
    if "line" in d:
        return f"line {d['line']}"
    return "?"


def render_text(report: dict[str, Any], *, color: bool = False, width: int = 80) -> str:
    """Render the report dict as terminal text; ``color`` only on a real terminal."""
    from rich.console import Console
    from rich.markup import escape

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width,
                  highlight=False, soft_wrap=False, emoji=False)
    e = lambda s: escape(t(s))  # noqa: E731 - log text: strip control chars, escape markup
    meta = report["meta"]
    con.print(f"[bold]logscope {meta['logscope_version']}[/]  signatures "
              f"{escape(meta['signatures_version'])} ({meta['signatures']} + "
              f"{meta['chains']} chains)")
    for w in meta.get("signature_warnings", []):
        con.print(f"[yellow]signature problem:[/] {e(w)}")
    # -- files ---------------------------------------------------------------------------
    con.print(f"[bold]Files read[/] ({len(report['files'])})")
    con.print(f"  {'kind':<13} {'records':>8} {'skipped':>8}  file")
    for f in report["files"]:
        why = ", ".join(f"{k}: {v}" for k, v in f["skip_reasons"].items())
        if f.get("reason"):
            why = f"{f['reason']}" + (f"; {why}" if why else "")
        if f["problems"]:
            why = (why + "; " if why else "") + f"{len(f['problems'])} problem(s)"
        if f.get("missing"):
            why = (why + "; " if why else "") + f"{f['missing']} records missing"
        con.print(f"  {f['kind']:<13} {f['records']:>8} {f['skipped']:>8}  {e(f['path'])}")
        if why:
            con.print(f"  {'':<31}[dim]{e(why)}[/]")
    probs = [(f["path"], p) for f in report["files"] for p in f["problems"]]
    if probs:
        con.print(f"[bold]Problems[/] ({len(probs)})")
        for path, p in probs[:20]:
            con.print(f"  {e(path)}: {e(p['where'])}: {e(p['message'])}")
        if len(probs) > 20:
            con.print(f"  … {len(probs) - 20} more (see --format json)")
    # -- hints -----------------------------------------------------------------------------
    hints = report["hints"]
    con.print()
    if not hints:
        con.print("[bold green]No known failure found.[/] Checked "
                  f"{meta['events']} events from {len(report['files'])} files "
                  f"({', '.join(meta['checked'])}) against {meta['signatures']} signatures "
                  f"and {meta['chains']} chains.")
    else:
        con.print(f"[bold]Root-cause hints[/] ({len(hints)}, most likely first)")
    for i, h in enumerate(hints, 1):
        style = SEV_STYLE.get(h["severity"], "")
        con.print(f"\n[{style}]{i}. [{h['severity'].upper()}] {e(h['title'])}[/]  "
                  f"confidence {h['confidence']:.2f}" + (f"  VM {e(h['vm'])}" if h["vm"] else ""))
        con.print(f"   [bold]Cause:[/] {e(h['cause'])}")
        con.print("   [bold]Evidence:[/]")
        for ev in h["evidence"]:
            when = ev["time"] or "(no time)"
            tag = "" if ev["time_source"] in ("utc", "none") else f" \\[{ev['time_source']}]"
            con.print(f"     - {e(when)}{tag} {e(ev['file'])} {_loc(ev['locator'])}")
            con.print(f"       {e(ev['text'][:300])}")
        con.print("   [bold]What to do:[/]")
        for n, step in enumerate(h["remedy"], 1):
            con.print(f"     {n}. {e(step)}")
        for m in h.get("missing_evidence", []):
            if m.get("collect"):
                con.print(f"   [bold]Missing {e(m['role'])} evidence:[/] {e(m['collect'])}")
    # -- identities ----------------------------------------------------------------------------
    ids = report.get("identities") or []
    if ids:
        con.print("\n[bold]Machines[/]")
        for r in ids:
            con.print("  " + e(", ".join(r["vm_names"] or r["guest_hosts"] or ["?"]))
                      + (f"  id {e(', '.join(r['vm_ids']))}" if r["vm_ids"] else "")
                      + (f"  on {e(', '.join(r['hyperv_hosts']))}" if r["hyperv_hosts"] else "")
                      + f"  ({', '.join(r['sources'])})")
    for o in report["meta"].get("veeam_offsets", []):
        con.print(f"\nVeeam time offset for {e(o['file'])}: UTC{o['offset']} inferred from "
                  f"{o['pairs']} event pair(s), confidence {o['confidence']:.2f}")
    # -- timeline ----------------------------------------------------------------------------
    tl = report["timeline"]
    if tl:
        con.print(f"\n[bold]Timeline[/] (UTC; {len(tl)} events that matched a signature)")
        for r in tl:
            when = (r["time"] or "(no time)")[:19].replace("T", " ")
            mark = " benign" if r["benign"] else ""
            src = "" if r["time_source"] in ("utc", "none") else f" \\[{r['time_source']}]"
            con.print(f"  {when}{src}  {e(r['signature'])}{mark}")
            con.print(f"      {e(r['file'])} {_loc(r['locator'])}: {e(r['text'][:160])}")
    return buf.getvalue()
