"""The report's Throughput section as text, Markdown and HTML (with an inline SVG chart).

Each function takes the whole report dict and returns a fragment (empty when no Veeam session
carried throughput figures), so a renderer adds the section with one line. Log-derived values
are escaped for the target format here, as the renderers do.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any

from ..events import UTC
from ..report.escape import markdown as md_escape
from ..report.escape import terminal

STAGE_LABEL = {"source": "Source", "proxy": "Proxy", "source_wan": "Src WAN", "network": "Network",
               "target_wan": "Tgt WAN", "target": "Target", "throttling": "Throttling"}
PALETTE = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b",
           "#e377c2")
#: Scoped to the section's own tables (the page's CSP allows inline styles, nothing else).
CSS = ("<style>table.throughput td:first-child{white-space:nowrap}"
       "table.throughput tr.slow td{background:#fff4e5}"
       "table.throughput tr.context td{color:#a33;font-size:12px}</style>")
#: VMs named per session row in Markdown/HTML (the JSON lists all).
MAX_VMS_LISTED = 12
#: Jobs drawn in the chart (the tables list all of them).
MAX_CHART_JOBS = len(PALETTE)


def _size(n: int | None) -> str:
    if n is None:
        return "-"
    for unit, f in (("TB", 1 << 40), ("GB", 1 << 30), ("MB", 1 << 20), ("KB", 1 << 10)):
        if n >= f:
            return f"{n / f:.1f} {unit}"
    return f"{n} B"


def _dur(s: float | None) -> str:
    if s is None:
        return "-"
    s = int(s)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _when(row: dict[str, Any]) -> str:
    t = (row.get("start") or "no time")[:16].replace("T", " ")
    return t if row.get("time_source") in ("utc", "header", "flag", "inferred") else f"{t} [{row.get('time_source')}]"


def _stages(sec: dict[str, Any]) -> list[str]:
    """Stages that appear in any session, in data-pipe order."""
    seen = {k for r in sec["sessions"] for k in r["load"]}
    return [s for s in sec["stage_order"] if s in seen]


def _rows(sec: dict[str, Any], job: str) -> list[dict[str, Any]]:
    return [r for r in sec["sessions"] if r["scope"] == "job" and (r["job"] or "?") == job]


def _cells(r: dict[str, Any], stages: list[str], vms: bool = False) -> list[str]:
    rate = "-" if r["rate_mb_s"] is None else f"{r['rate_mb_s']:.0f}"
    return ([_when(r), _dur(r["duration_s"]), r["status"] or "-", _size(r["processed_bytes"]),
             _size(r["transferred_bytes"]), rate]
            + [f"{r['load'][s]}%" if s in r["load"] else "-" for s in stages]
            + [STAGE_LABEL.get(r["bottleneck"] or "", r["bottleneck"] or "-"),
               "slow" if r["slow"] else ""]
            + ([_vms(r)] if vms else []))


def _vms(r: dict[str, Any]) -> str:
    """``FS01 0:26:05 412 MB/s, APP01 ...``: the session's VMs (task sessions) in brief."""
    return ", ".join(f"{v['vm'] or '?'} {_dur(v['duration_s'])}"
                     + (f" {v['rate_mb_s']:.0f} MB/s" if v["rate_mb_s"] is not None else "")
                     + (f" {v['status']}" if v["status"] not in (None, "success") else "")
                     for v in r.get("vms", [])[:MAX_VMS_LISTED]) or "-"


def _head(stages: list[str], vms: bool = False) -> list[str]:
    return (["start (UTC)", "duration", "status", "processed", "written", "MB/s"]
            + [STAGE_LABEL[s] for s in stages] + ["bottleneck", ""] + (["VMs"] if vms else []))


# -- text ---------------------------------------------------------------------------------------
def _load_short(r: dict[str, Any], stages: list[str]) -> str:
    return " ".join(f"{STAGE_LABEL[s][:1]}{r['load'][s]}" for s in stages if s in r["load"])


def text_lines(sec: dict[str, Any], report: dict[str, Any] | None = None) -> list[str]:
    """Plain lines (no markup, not yet escaped) under the renderer's "Throughput" title."""
    if not sec or not sec.get("sessions"):
        return []
    stages = _stages(sec)
    out = [f"{_cap(_slow_rule(sec))}. Load: " + ", ".join(
        f"{STAGE_LABEL[s][:1]} = {STAGE_LABEL[s]}" for s in stages) + " (% busy)."]
    for j in sec["jobs"]:
        out.append(f"{j['job']}" + (f" on {', '.join(j['servers'])}" if j["servers"] else "")
                   + f": {j['sessions']} session(s), {j['task_sessions']} VM task(s), median "
                   f"{j['median_rate_mb_s'] if j['median_rate_mb_s'] is not None else '-'} MB/s, "
                   f"{j['slow_sessions']} slow")
        rows = [["start", "duration", "processed", "MB/s", "load", "bottleneck", ""]]
        for r in _rows(sec, j["job"]):
            rows.append([_when(r), _dur(r["duration_s"]), _size(r["processed_bytes"]),
                         "-" if r["rate_mb_s"] is None else f"{r['rate_mb_s']:.0f}",
                         _load_short(r, stages),
                         STAGE_LABEL.get(r["bottleneck"] or "", r["bottleneck"] or "-"),
                         "SLOW" if r["slow"] else ""])
        widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
        out += ["  " + " ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
        for r in _rows(sec, j["job"]):
            out += [f"  ! {_when(r)} host-side {c['signature']} ({c['host'] or '?'}, "
                    f"{c['file']}): {c['text'][:160]}" for c in r["context"]]
    out += [f"Trend: {t['text']}" for t in sec["trends"]]
    if not sec["hints"]:
        out.append("No throughput hint: no job was slow with one stage dominating "
                   "(a named bottleneck alone is not a problem).")
    return out


def render_text(report: dict[str, Any]) -> str:
    """The section as terminal text with its title, control characters stripped."""
    lines = text_lines(report.get("throughput") or {}, report)
    return "".join(terminal(x) + "\n" for x in ["", "Throughput", *lines]) if lines else ""


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def _slow_rule(sec: dict[str, Any]) -> str:
    s = sec["thresholds"]["slow"]
    return (f"a session is slow when it ran {s['min_duration_minutes']} min or more and moved "
            f"under {s['max_rate_mb_s']} MB/s or took {s['slowdown_vs_best']}x the job's fastest")


# -- markdown ---------------------------------------------------------------------------------------
def render_markdown(report: dict[str, Any]) -> str:
    """The section with its heading, for a renderer that has no section registry."""
    body = markdown(report.get("throughput") or {}, report)
    return f"## Throughput\n\n{body}" if body else ""


def markdown(sec: dict[str, Any], report: dict[str, Any] | None = None) -> str:
    """Markdown body of the section (no top heading)."""
    if not sec or not sec.get("sessions"):
        return ""
    stages = _stages(sec)
    head = _head(stages, vms=True)
    out = [f"{md_escape(_cap(_slow_rule(sec)))}; a named bottleneck "
           "alone is not a problem.", ""]
    for j in sec["jobs"]:
        out += [f"### {md_escape(j['job'])}" + (f" ({md_escape(', '.join(j['servers']))})"
                                                if j["servers"] else ""), ""]
        out.append("| " + " | ".join(h or "slow?" for h in head) + " |")
        out.append("|" + "---|" * len(head))
        for r in _rows(sec, j["job"]):
            out.append("| " + " | ".join(md_escape(c) for c in _cells(r, stages, vms=True))
                       + " |")
        out.append("")
        for r in _rows(sec, j["job"]):
            for c in r["context"]:
                out.append(f"- {md_escape(_when(r))}: host-side `{md_escape(c['signature'])}` "
                           f"{md_escape(c['file'])}: {md_escape(c['text'][:200])}")
    if sec["trends"]:
        out += ["**Trends**", ""] + [f"- {md_escape(t['text'])}" for t in sec["trends"]] + [""]
    return "\n".join(out) + "\n"


# -- html ---------------------------------------------------------------------------------------------
def _e(v: object) -> str:
    """Escaped for HTML and SVG; control characters (invalid in XML) removed."""
    from html import escape  # the html format only: ~1 ms of every start-up

    return escape(terminal("" if v is None else v), quote=True)


def render_html(report: dict[str, Any]) -> str:
    """The section with its heading, for a renderer that has no section registry."""
    body = html_fragment(report.get("throughput") or {}, report)
    return f"<section id='throughput'><h2>Throughput</h2>{body}</section>" if body else ""


def html_fragment(sec: dict[str, Any], report: dict[str, Any] | None = None) -> str:
    """HTML body of the section (no top heading): chart, a table per job, trends."""
    if not sec or not sec.get("sessions"):
        return ""
    stages = _stages(sec)
    head = _head(stages, vms=True)
    parts = [CSS, f"<p>{_e(_cap(_slow_rule(sec)))}; a named bottleneck alone is not a "
             "problem.</p>",
             chart_svg(sec)]
    for j in sec["jobs"]:
        parts.append(f"<h3>{_e(j['job'])}" + (f" <small>({_e(', '.join(j['servers']))})</small>"
                                              if j["servers"] else "") + "</h3>")
        parts.append("<table class='throughput' data-job='" + _e(j["job"]) + "'><tr>"
                     + "".join(f"<th>{_e(h)}</th>" for h in head) + "</tr>")
        for r in _rows(sec, j["job"]):
            cls = " class='slow'" if r["slow"] else ""
            parts.append(f"<tr{cls} data-session='{_e(r['id'])}'>"
                         + "".join(f"<td>{_e(c)}</td>" for c in _cells(r, stages, vms=True))
                         + "</tr>")
            for c in r["context"]:
                parts.append(f"<tr class='context'><td colspan='{len(head)}'>host-side "
                             f"<code>{_e(c['signature'])}</code> {_e(c['time'])} {_e(c['file'])}"
                             f": {_e(c['text'][:300])}</td></tr>")
        parts.append("</table>")
    if sec["trends"]:
        parts.append("<ul class='trends'>" + "".join(f"<li>{_e(t['text'])}</li>"
                                                     for t in sec["trends"]) + "</ul>")
    return "".join(parts)


def chart_svg(sec: dict[str, Any], width: int = 900, panel: int = 180) -> str:
    """Rate (MB/s) and the primary bottleneck's load (%) per session over time, one line per job."""
    jobs = [j["job"] for j in sec["jobs"]][:MAX_CHART_JOBS]
    series = {j: [r for r in _rows(sec, j) if r["start"]] for j in jobs}
    times = [_ts(r["start"]) for rs in series.values() for r in rs]
    if not times:
        return ""
    t0, t1 = min(times), max(times)
    span = (t1 - t0) or 1.0
    rates = [r["rate_mb_s"] for rs in series.values() for r in rs if r["rate_mb_s"] is not None]
    rmax = _nice(max(rates)) if rates else 1.0
    left, right, top, gap = 60, 60, 24, 44
    w = width - left - right
    height = top + panel + gap + panel + 50

    def x(t: float) -> float:
        return left + (t - t0) / span * w if t1 > t0 else left + w / 2

    def y(v: float, vmax: float, base: float) -> float:
        return base + panel - (v / vmax) * panel

    p = [f"<svg xmlns='http://www.w3.org/2000/svg' class='throughput-chart' role='img' "
         f"width='{width}' height='{height}' viewBox='0 0 {width} {height}' "
         f"aria-label='Processing rate and bottleneck load per session, one line per job'>",
         "<style>text{font:11px sans-serif;fill:#444}.ax{stroke:#999}.grid{stroke:#eee}</style>"]
    base2 = top + panel + gap
    for base, label, vmax, unit in ((top, "rate MB/s", rmax, ""), (base2, "primary bottleneck's load (S/P/N/T)", 100.0, "%")):
        for k in range(5):
            v = vmax * k / 4
            yy = y(v, vmax, base)
            p.append(f"<line class='grid' x1='{left}' x2='{left + w}' y1='{yy:.1f}' y2='{yy:.1f}'/>"
                     f"<text x='{left - 6}' y='{yy + 4:.1f}' text-anchor='end'>{v:.0f}{unit}</text>")
        p.append(f"<line class='ax' x1='{left}' x2='{left}' y1='{base}' y2='{base + panel}'/>"
                 f"<text x='{left}' y='{base - 6}'>{_e(label)}</text>")
    for k in range(5):
        t = t0 + span * k / 4
        p.append(f"<text x='{x(t):.1f}' y='{base2 + panel + 16}' text-anchor='middle'>"
                 f"{_label(t)} UTC</text>")
    for n, job in enumerate(jobs):
        color = PALETTE[n % len(PALETTE)]
        rs = series[job]
        pts_r = [(x(_ts(r["start"])), y(r["rate_mb_s"], rmax, top), r) for r in rs
                 if r["rate_mb_s"] is not None]
        pts_l = [(x(_ts(r["start"])), y(r["load"][r["bottleneck"]], 100.0, base2), r) for r in rs
                 if r["bottleneck"] in r["load"]]
        for pts, what in ((pts_r, "rate"), (pts_l, "load")):
            if len(pts) > 1:
                p.append(f"<polyline fill='none' stroke='{color}' stroke-width='2' "
                         f"data-job='{_e(job)}' data-series='{what}' points='"
                         + " ".join(f"{a:.1f},{b:.1f}" for a, b, _ in pts) + "'/>")
            for a, b, r in pts:
                ring = " stroke='#000' stroke-width='1.5'" if r["slow"] else ""
                tip = (f"{job} {_when(r)}: {r['rate_mb_s']} MB/s, {_dur(r['duration_s'])}, "
                       f"bottleneck {STAGE_LABEL.get(r['bottleneck'] or '', '-')} "
                       f"{r['load'].get(r['bottleneck'] or '', '-')}%"
                       + (" (slow)" if r["slow"] else ""))
                p.append(f"<circle cx='{a:.1f}' cy='{b:.1f}' r='3.5' fill='{color}'{ring}>"
                         f"<title>{_e(tip)}</title></circle>")
                if what == "load":  # which stage the load belongs to: S, P, N, T...
                    p.append(f"<text x='{a:.1f}' y='{b - 7:.1f}' text-anchor='middle'>"
                             f"{_e(STAGE_LABEL.get(r['bottleneck'], '?')[:1])}</text>")
        p.append(f"<rect x='{left + 10 + n * 150}' y='{height - 16}' width='10' height='10' "
                 f"fill='{color}'/><text x='{left + 24 + n * 150}' y='{height - 7}'>"
                 f"{_e(job[:22])}</text>")
    p.append("</svg>")
    return "".join(p)


def _nice(v: float) -> float:
    """The smallest 1, 2, 2.5 or 5 x 10^k at or above ``v`` (a round axis maximum)."""
    if v <= 0:
        return 1.0
    step = 10 ** math.floor(math.log10(v))
    for m in (1, 2, 2.5, 5, 10):
        if m * step >= v:
            return m * step
    return 10 * step


def _ts(iso: str) -> float:
    return datetime.fromisoformat(iso).timestamp()


def _label(t: float) -> str:
    return datetime.fromtimestamp(t, tz=UTC).strftime("%m-%d %H:%M")


def register() -> None:
    """Offer the section to the report's section registry, when the report package has one."""
    try:
        from ..report import sections
    except ImportError:  # an older report package: renderers call render_* directly
        return
    sections.register(sections.Section(key="throughput", title="Throughput", text=text_lines,
                                       markdown=markdown, html=html_fragment))


register()  # on import: ``report.sections`` imports this module for a report with the section
