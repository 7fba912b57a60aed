"""``fleet report`` output: text, json, csv, md, and html with a trend chart (inline SVG).

The chart is drawn server-side like the bundle report's timeline (``report/svg.py``): no
script, no network; one line per signature (the most frequent), hits per month.
"""

from __future__ import annotations

import html
from typing import Any

import orjson

from ..report.svg import SEV_COLOR
from .fleet import render_rows

FORMATS = ("text", "json", "csv", "md", "html")
#: Line colours for the trend series (then the severity colours, for more series).
_SERIES = ("#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2",
           "#17becf", *SEV_COLOR.values())
W, H, LEFT, TOP, BOTTOM, RIGHT = 900, 320, 60, 20, 60, 260


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def render(data: dict[str, Any], fmt: str) -> str:
    cols = [*data["by"], "hits", "bundles"]
    rows = [tuple(r[c] for c in cols) for r in data["rows"]]
    if fmt == "json":
        return orjson.dumps(data, option=orjson.OPT_INDENT_2).decode()
    if fmt == "csv":
        return render_rows(cols, rows, "csv")
    state = ", ".join(f"{n} {s}" for s, n in data["bundles"].items()) or "no bundles"
    if fmt == "text":
        return (f"fleet index {data['index']}: bundles {state}\n"
                f"hits by {', '.join(data['by'])}\n" + render_rows(cols, rows, "text"))
    if fmt == "md":
        out = [f"# Fleet report: hits by {', '.join(data['by'])}", "",
               f"Bundles: {state}.", "", "| " + " | ".join(cols) + " |",
               "|" + "---|" * len(cols)]
        out += ["| " + " | ".join(_md(v) for v in r) + " |" for r in rows]
        return "\n".join(out) + "\n"
    return _html(data, cols, rows, state)


def _md(v: object) -> str:
    return ("" if v is None else str(v)).replace("|", "\\|").replace("\n", " ")


def _html(data: dict[str, Any], cols: list[str], rows: list[tuple[Any, ...]], state: str) -> str:
    body = "".join("<tr>" + "".join(f"<td>{_e(v)}</td>" for v in r) + "</tr>" for r in rows)
    return (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        f"<title>Fleet report: {_e(data['index'])}</title><style>"
        "body{font:14px system-ui,sans-serif;margin:2em;color:#222}"
        "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;"
        "text-align:left}th{background:#f3f3f3}</style></head><body>"
        f"<h1>Fleet report</h1><p>Index <code>{_e(data['index'])}</code>: bundles "
        f"{_e(state)}.</p><h2>Hits per month</h2>{trend_chart(data)}"
        f"<h2>Hits by {_e(', '.join(data['by']))}</h2><table><thead><tr>"
        + "".join(f"<th>{_e(c)}</th>" for c in cols)
        + f"</tr></thead><tbody>{body}</tbody></table></body></html>\n")


def trend_chart(data: dict[str, Any]) -> str:
    """An SVG line chart: hits per month for each of the most frequent signatures."""
    points = data["trend"]
    if not points:
        return "<p>No hit has a time: nothing to chart.</p>"
    months = sorted({p["month"] for p in points})
    series = data["trend_signatures"]
    peak = max(p["hits"] for p in points)
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM

    def x(m: str) -> float:
        i = months.index(m)
        return LEFT + (plot_w * i / (len(months) - 1) if len(months) > 1 else plot_w / 2)

    def y(n: int) -> float:
        return TOP + plot_h - plot_h * n / peak

    out = [f"<svg id='trend' xmlns='http://www.w3.org/2000/svg' viewBox='0 0 {W} {H}' "
           f"width='100%' role='img' aria-label='Hits per month per signature' "
           f"data-series='{len(series)}' data-months='{len(months)}'>",
           "<style>text{font:12px system-ui,sans-serif;fill:#333}.ax{stroke:#bbb}</style>",
           f"<line class='ax' x1='{LEFT}' x2='{LEFT}' y1='{TOP}' y2='{TOP + plot_h}'/>",
           f"<line class='ax' x1='{LEFT}' x2='{LEFT + plot_w}' y1='{TOP + plot_h}' "
           f"y2='{TOP + plot_h}'/>",
           f"<text x='{LEFT - 6}' y='{TOP + 4}' text-anchor='end'>{peak}</text>",
           f"<text x='{LEFT - 6}' y='{TOP + plot_h}' text-anchor='end'>0</text>"]
    step = max(1, len(months) // 12)
    for m in months[::step]:
        out.append(f"<text x='{x(m):.1f}' y='{TOP + plot_h + 18}' text-anchor='middle'>"
                   f"{_e(m)}</text>")
    for i, sig in enumerate(series):
        color = _SERIES[i % len(_SERIES)]
        counts = {p["month"]: p["hits"] for p in points if p["signature"] == sig}
        coords = [(x(m), y(counts.get(m, 0))) for m in months]
        out.append(f"<polyline class='series' fill='none' stroke='{color}' stroke-width='2' "
                   f"points='{' '.join(f'{a:.1f},{b:.1f}' for a, b in coords)}'/>")
        for m, (a, b) in zip(months, coords, strict=True):
            if counts.get(m):
                out.append(f"<circle cx='{a:.1f}' cy='{b:.1f}' r='3' fill='{color}'>"
                           f"<title>{_e(sig)} {_e(m)}: {counts[m]} hits</title></circle>")
        ly = TOP + 14 + 18 * i
        out.append(f"<rect x='{W - RIGHT + 15}' y='{ly - 9}' width='12' height='4' "
                   f"fill='{color}'/><text x='{W - RIGHT + 32}' y='{ly - 4}'>"
                   f"{_e(sig[:36])}</text>")
    out.append("</svg>")
    return "".join(out)
