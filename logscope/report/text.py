"""The terminal report: what was read, the ranked hints, machines, the timeline.

Rich on a terminal (colour), plain text when piped; every line fits ``width`` columns
(long paths and messages wrap with a hanging indent instead of running to column 0). This
and ``progress.py`` are the only modules that import rich (lazily, from the CLI).
"""

from __future__ import annotations

import io
from typing import Any

from . import sections, timefmt
from .build import not_understood_note, versions_line
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
    from rich.padding import Padding
    from rich.text import Text

    buf = io.StringIO()
    con = Console(file=buf, force_terminal=color, no_color=not color, width=width,
                  highlight=False, soft_wrap=False, emoji=False)

    def e(s: object) -> str:  # log text: strip control characters, escape rich markup
        return escape(t(s))

    def para(markup: str, indent: int = 0, hang: int = 0) -> None:
        """One paragraph wrapped to the width; continuation lines indented by ``hang``."""
        text = Text.from_markup(markup)
        if hang:
            lines = text.wrap(con, width - indent - hang)
            first = True
            for line in lines:
                pad = indent if first else indent + hang
                con.print(Padding(line, (0, 0, 0, pad), expand=False), overflow="fold")
                first = False
        else:
            con.print(Padding(text, (0, 0, 0, indent), expand=False), overflow="fold")

    meta = report["meta"]
    tz = meta.get("display_tz")
    zl = timefmt.label(tz)

    def when(iso: str | None, short: bool = False) -> str:
        return timefmt.show(iso, tz, seconds_only=short) or "(no time)"

    para(f"[bold]logscope {e(meta['logscope_version'])}[/]  signatures "
         f"{e(meta['signatures_version'])} ({meta['signatures']} + {meta['chains']} chains)")
    if meta.get("redacted"):
        para("[yellow]Redacted:[/] host, user, domain and IP names are placeholders.")
    flt = meta.get("filters")
    if flt:
        parts = [f"{k} {v}" for k, v in (("since", flt["since"]), ("until", flt["until"])) if v]
        parts += [f"vm {v}" for v in flt["vm"]] + [f"job {v}" for v in flt["job"]]
        para(f"[bold]Filters:[/] {e(', '.join(parts))}; {meta.get('hits_total', 0)} hits "
             f"before filtering, {len(report['hits'])} after", hang=2)
        for u in flt.get("unmatched", []):
            para(f"[yellow]No {e(u)} in this bundle.[/]", indent=2)
    for w in meta.get("signature_warnings", []):
        para(f"[yellow]signature problem:[/] {e(w)}", hang=2)
    # -- hints -----------------------------------------------------------------------------
    hints = report["hints"]
    con.print()
    if not hints and meta.get("analysed") is False:
        para(f"[bold yellow]Nothing was analysed[/]: {e(meta.get('nothing_analysed') or '')}. "
             "No conclusion can be drawn from this input; see Files read for each file's reason.")
    elif not hints:
        para("[bold green]No known failure found.[/]")
        _checked(report, para, e)
    else:
        para(f"[bold]Root-cause hints[/] ({len(hints)}, most likely first)")
    for i, h in enumerate(hints, 1):
        style = SEV_STYLE.get(h["severity"], "")
        con.print()
        para(f"[{style}]{i}. [{h['severity'].upper()}] {e(h['title'])}[/]", hang=3)
        para(f"confidence {h['confidence']:.2f}" + (f", VM {e(h['vm'])}" if h["vm"] else "")
             + f", evidence from {e(', '.join(h.get('evidence_kinds', [])))}", indent=3)
        para(f"[bold]Cause:[/] {e(h['cause'])}", indent=3, hang=2)
        para(f"[bold]Evidence[/] ({zl}):", indent=3)
        for ev in h["evidence"]:
            tag = "" if ev["time_source"] in ("utc", "none") else f" \\[{ev['time_source']}]"
            para(f"- {e(when(ev['time']))}{tag}  {e(ev['file'])} {_loc(ev['locator'])}",
                 indent=5, hang=2)
            para(f"[dim]{e(ev['text'][:300])}[/]", indent=7, hang=0)
            for a in ev.get("also_in", [])[:3]:
                para(f"[dim]same record also in {e(a['file'])} {_loc(a['locator'])}[/]", indent=7,
                     hang=2)
        para("[bold]What to do:[/]", indent=3)
        for n, step in enumerate(h["remedy"], 1):
            para(f"{n}. {e(step)}", indent=5, hang=3)
        missing = [m for m in h.get("missing_evidence", []) if m.get("collect")]
        if missing:
            para("[bold]Missing evidence, collect:[/]", indent=3)
            for m in missing:
                para(f"- {e(m['role'])}: {e(m['collect'])}", indent=5, hang=2)
        if h.get("references"):
            para(f"[bold]References:[/] {e('; '.join(h['references']))}", indent=3, hang=2)
        if h.get("related_signatures"):
            para(f"[bold]Also matched:[/] {e(', '.join(h['related_signatures']))}", indent=3,
                 hang=2)
    # -- registered sections (e.g. throughput) --------------------------------------------------
    for sec, fn in sections.present(report, "text"):
        con.print()
        para(f"[bold]{e(sec.title)}[/]")
        out = fn(report[sec.key], report)
        for line in (out.splitlines() if isinstance(out, str) else out):
            para(e(line), indent=2, hang=2)
    # -- identities ----------------------------------------------------------------------------
    ids = report.get("identities") or []
    if ids:
        con.print()
        para(f"[bold]Machines[/] ({len(ids)})")
        for r in ids:
            para("[bold]" + e(", ".join(r["vm_names"] or r["guest_hosts"] or ["?"])) + "[/]",
                 indent=2)
            for label, key in (("VM id", "vm_ids"), ("guest", "guest_hosts"),
                               ("Hyper-V host", "hyperv_hosts"), ("Veeam job", "jobs"),
                               ("Veeam task", "veeam_tasks"), ("Veeam server", "veeam_servers"),
                               ("disks", "disks"), ("sources", "sources")):
                if r.get(key):
                    para(f"{label:<13} {e(', '.join(r[key]))}", indent=4, hang=14)
    for o in meta.get("veeam_offsets", []):
        para(f"Veeam time offset for {e(o['file'])}: UTC{o['offset']} inferred from "
             f"{o['pairs']} event pair(s), confidence {o['confidence']:.2f}", hang=2)
    # -- files ---------------------------------------------------------------------------------
    con.print()
    para(f"[bold]Files read[/] ({len(report['files'])})")
    para(f"{'kind':<13} {'records':>8} {'skipped':>8}  file", indent=2)
    for f in report["files"]:
        why = ", ".join(f"{k}: {v}" for k, v in f["skip_reasons"].items())
        if f.get("reason"):
            why = f"{f['reason']}" + (f"; {why}" if why else "")
        if f["problems"]:
            why = (why + "; " if why else "") + f"{len(f['problems'])} problem(s)"
        if f.get("missing"):
            why = (why + "; " if why else "") + f"{f['missing']} records missing"
        nu = not_understood_note(f)
        if nu:
            why = (why + "; " if why else "") + nu
        row = f"{e(f['kind']):<13} {f['records']:>8} {f['skipped']:>8}  "
        if 2 + len(row) + len(t(f["path"])) <= width:
            para(row + e(f["path"]), indent=2)
        else:
            para(row.rstrip(), indent=2)
            para(e(f["path"]), indent=6, hang=2)
        if why:
            para(f"[dim]{e(why)}[/]", indent=6, hang=2)
    probs = [(f["path"], p) for f in report["files"] for p in f["problems"]]
    if probs:
        para(f"[bold]Problems[/] ({len(probs)})")
        for path, p in probs[:20]:
            para(f"{e(path)}: {e(p['where'])}: {e(p['message'])}", indent=2, hang=2)
        if len(probs) > 20:
            para(f"… {len(probs) - 20} more (see --format json)", indent=2)
    dups = meta.get("duplicate_hits")
    if dups:
        para(f"{dups} duplicate record(s) read from more than one file were counted once.")
    not_kept = meta.get("hits_not_kept") or {}
    if not_kept:
        para(f"{sum(not_kept.values())} repeated hit(s) counted but not listed (the first and "
             "last of each signature and machine are kept): "
             + e(", ".join(f"{k} {v}" for k, v in not_kept.items())))
    # -- reproduce ---------------------------------------------------------------------------
    con.print()
    versions = versions_line(meta)
    para(f"[bold]Reproduce:[/] {e(versions)}", hang=2)
    for i in meta.get("inputs", []):
        para(f"{e(i['path'])} sha256 {i['sha256']}", indent=2, hang=2)
        for note in i.get("unsteady", ()):  # the hash matches no single state of it
            para(f"[yellow]changed while hashed:[/] {e(note)}", indent=4, hang=2)
    # -- timeline ----------------------------------------------------------------------------
    tl = report["timeline"]
    if tl:
        con.print()
        para(f"[bold]Timeline[/] ({zl}; {len(tl)} events that matched a signature)")
        for r in tl:
            mark = " (benign)" if r["benign"] else ""
            src = "" if r["time_source"] in ("utc", "none") else f" \\[{r['time_source']}]"
            para(f"{e(when(r['time'], short=True))}{src}  {e(r['signature'])}{mark}", indent=2,
                 hang=4)
            para(f"[dim]{e(r['file'])} {_loc(r['locator'])}: {e(r['text'][:160])}[/]", indent=6)
    return "".join(line.rstrip(" ") + "\n" for line in buf.getvalue().splitlines())


def _checked(report: dict[str, Any], para: Any, e: Any) -> None:  # noqa: ANN401
    """What a clean result rests on: per source kind, files, records, signatures applied."""
    meta = report["meta"]
    chk = report.get("checked") or {}
    para(f"Checked {meta['events']} events from {len(report['files'])} files against "
         f"{meta['signatures']} signatures and {meta['chains']} chains:", indent=2, hang=2)
    for k in chk.get("kinds", []):
        para(f"- {e(k['kind'])}: {k['files']} file(s), {k['records']} records, "
             f"{k['signatures']} signatures for this kind", indent=4, hang=2)
    if chk.get("chains"):
        para(f"- chains: {e(', '.join(chk['chains']))}", indent=4, hang=2)
