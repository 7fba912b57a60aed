"""The HTML report's timeline chart: hits per machine and source, as inline SVG.

Generated server-side (no script, no network): one lane per (machine, source kind), one dot
per hit coloured by severity, a tooltip (``<title>``) with time, signature and file. Hits
without a time (a vssadmin capture) go to a "no time" band at the right.
"""

from __future__ import annotations

import html
from datetime import datetime
from typing import Any

from . import timefmt

SEV_COLOR = {"critical": "#b00020", "high": "#e33", "medium": "#e90", "low": "#39c",
             "info": "#999"}
LANE_H = 26
LEFT = 250
RIGHT_BAND = 70
WIDTH = 1000
MAX_LANES = 40
#: Time labels along the axis (the first and last hit, and evenly between).
TICKS = 3


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _machine(r: dict[str, Any]) -> str:
    host = r.get("host") or ""
    return host.split(".", 1)[0] if host else (r["file"].split("/")[1]
                                               if r["file"].count("/") >= 2 else "?")


def chart(timeline: list[dict[str, Any]], tz: str | None = None) -> str:
    """The SVG element (empty string when there are no hits)."""
    if not timeline:
        return ""
    lanes: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for r in timeline:
        lanes.setdefault((_machine(r), r["kind"]), []).append(r)
    keys = sorted(lanes)[:MAX_LANES]
    times = [datetime.fromisoformat(r["time"]) for r in timeline if r["time"]]
    t0, t1 = (min(times), max(times)) if times else (None, None)
    span = max((t1 - t0).total_seconds(), 1.0) if t0 and t1 else 1.0
    plot_w = WIDTH - LEFT - RIGHT_BAND - 20
    top = 30
    height = top + LANE_H * len(keys) + 30
    out = [f"<svg id='chart' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {WIDTH} {height}' "
           f"width='100%' role='img' aria-label='Timeline of signature hits per machine and "
           f"source' data-points='{sum(len(lanes[k]) for k in keys)}'>",
           "<style>text{font:12px system-ui,sans-serif;fill:#333}.ax{stroke:#ccc}</style>"]
    x_nt = WIDTH - RIGHT_BAND
    out.append(f"<text x='{x_nt + 5}' y='20'>no time</text>")
    if t0 and t1:
        ticks = TICKS if span > 1.0 else 0
        for k in range(ticks + 1):
            x = LEFT + plot_w * k / max(ticks, 1)
            label = timefmt.show((t0 + (t1 - t0) * (k / max(ticks, 1))).isoformat(), tz,
                                 seconds_only=True)
            anchor = "start" if k == 0 else ("end" if k == ticks else "middle")
            out.append(f"<text x='{x:.1f}' y='20' text-anchor='{anchor}'>{_e(label)}</text>"
                       f"<line class='ax' x1='{x:.1f}' x2='{x:.1f}' y1='{top - 5}' "
                       f"y2='{top + LANE_H * len(keys)}' stroke-dasharray='2,3'/>")
    for i, key in enumerate(keys):
        y = top + LANE_H * i + LANE_H // 2
        out.append(f"<line class='ax' x1='{LEFT}' x2='{WIDTH - 10}' y1='{y}' y2='{y}'/>")
        out.append(f"<text x='{LEFT - 8}' y='{y + 4}' text-anchor='end'>{_e(key[0])} · "
                   f"{_e(key[1])}</text>")
        untimed = 0
        for r in lanes[key]:
            if r["time"]:
                dt = (datetime.fromisoformat(r["time"]) - t0).total_seconds() if t0 else 0
                x = LEFT + plot_w * dt / span
            else:
                x = x_nt + 10 + (untimed % 6) * 9
                untimed += 1
            color = "#fff" if r.get("benign") else SEV_COLOR.get(r.get("severity", ""), "#666")
            tip = (f"{timefmt.show(r['time'], tz) or 'no time'} {r['signature']} "
                   f"({r.get('severity')}) {r['file']}")
            out.append(f"<circle class='hit' cx='{x:.1f}' cy='{y}' r='6' fill='{color}' "
                       f"stroke='#333' stroke-width='1'><title>{_e(tip)}</title></circle>")
    out.append(f"<line class='ax' x1='{x_nt}' x2='{x_nt}' y1='{top - 5}' y2='{height - 25}'/>")
    legend_y = height - 8
    x = LEFT
    for sev, color in SEV_COLOR.items():
        out.append(f"<circle cx='{x}' cy='{legend_y - 4}' r='5' fill='{color}'/>"
                   f"<text x='{x + 9}' y='{legend_y}'>{sev}</text>")
        x += 80
    out.append(f"<circle cx='{x}' cy='{legend_y - 4}' r='5' fill='#fff' stroke='#333'/>"
               f"<text x='{x + 9}' y='{legend_y}'>benign</text>")
    if len(lanes) > MAX_LANES:
        out.append(f"<text x='10' y='{legend_y}'>{len(lanes) - MAX_LANES} more lanes not "
                   "drawn</text>")
    out.append("</svg>")
    return "".join(out)
