"""One self-contained HTML file (no network, no CDN): hints, machines, files, timeline.

Every value from a log goes through ``html.escape``; the page embeds the report JSON in a
``<script type="application/json">`` block with ``<`` escaped, so no log text can run.
"""

from __future__ import annotations

import html
from typing import Any

import orjson

CSS = """body{font:14px/1.4 system-ui,sans-serif;margin:2em;max-width:1100px;color:#222}
h1{font-size:1.5em}h2{border-bottom:1px solid #ccc;margin-top:2em}
.hint{border-left:5px solid #888;padding:.3em 1em;margin:1em 0;background:#fafafa}
.critical{border-color:#b00}.high{border-color:#e33}.medium{border-color:#e90}
.low{border-color:#39c}.info{border-color:#999}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:2px 6px;
text-align:left;vertical-align:top}code{font-size:12px;word-break:break-all}.num{text-align:right}"""


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _loc(d: dict[str, Any]) -> str:
    return f"record {d['record']}" if "record" in d else f"line {d.get('line', '?')}"


def render_html(report: dict[str, Any]) -> str:
    meta = report["meta"]
    parts = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
             "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
             "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
             f"<title>logscope report</title><style>{CSS}</style></head><body>",
             "<h1>logscope report</h1>",
             f"<p>logscope {_e(meta['logscope_version'])} · signatures "
             f"{_e(meta['signatures_version'])} · <span id='n-events'>{meta['events']}</span> "
             f"events from <span id='n-files'>{len(report['files'])}</span> files</p>",
             f"<h2>Root-cause hints (<span id='n-hints'>{len(report['hints'])}</span>)</h2>"]
    if not report["hints"]:
        parts.append("<p>No known failure found.</p>")
    for i, h in enumerate(report["hints"], 1):
        parts.append(f"<div class='hint {_e(h['severity'])}' data-id='{_e(h['id'])}'>")
        parts.append(f"<h3>{i}. {_e(h['title'])}</h3><p><b>{_e(h['severity'])}</b>, confidence "
                     f"{h['confidence']:.2f}" + (f", VM {_e(h['vm'])}" if h["vm"] else "") + "</p>")
        parts.append(f"<p><b>Cause:</b> {_e(h['cause'])}</p><p><b>Evidence</b></p><ul>")
        for ev in h["evidence"]:
            parts.append(f"<li><code>{_e(ev['time'] or 'no time')}</code> {_e(ev['file'])} "
                         f"{_e(_loc(ev['locator']))}<br><code>{_e(ev['text'][:500])}</code></li>")
        parts.append("</ul><p><b>What to do</b></p><ol>")
        parts.extend(f"<li>{_e(s)}</li>" for s in h["remedy"])
        parts.append("</ol>")
        for miss in h.get("missing_evidence", []):
            if miss.get("collect"):
                parts.append(f"<p><b>Missing ({_e(miss['role'])}):</b> {_e(miss['collect'])}</p>")
        parts.append("</div>")
    parts.append("<h2>Machines</h2><table><tr><th>VM</th><th>VM id</th><th>guest</th>"
                 "<th>Hyper-V host</th><th>sources</th></tr>")
    for r in report.get("identities", []):
        parts.append("<tr>" + "".join(f"<td>{_e(', '.join(r[k]))}</td>" for k in
                                      ("vm_names", "vm_ids", "guest_hosts", "hyperv_hosts",
                                       "sources")) + "</tr>")
    parts.append("</table><h2>Files read</h2><table id='files'><tr><th>file</th><th>kind</th>"
                 "<th class=num>records</th><th class=num>skipped</th><th>problems</th></tr>")
    for f in report["files"]:
        probs = "; ".join(f"{p['where']}: {p['message']}" for p in f["problems"][:5])
        parts.append(f"<tr><td>{_e(f['path'])}</td><td>{_e(f['kind'])}</td>"
                     f"<td class=num>{f['records']}</td><td class=num>{f['skipped']}</td>"
                     f"<td>{_e(probs)}</td></tr>")
    parts.append("</table><h2>Timeline (UTC)</h2><table id='timeline'><tr><th>time</th>"
                 "<th>signature</th><th>source</th><th>text</th></tr>")
    for r in report["timeline"]:
        parts.append(f"<tr><td><code>{_e(r['time'] or 'no time')}</code></td>"
                     f"<td>{_e(r['signature'])}</td><td>{_e(r['file'])} {_e(_loc(r['locator']))}"
                     f"</td><td>{_e(r['text'][:300])}</td></tr>")
    parts.append("</table>")
    data = orjson.dumps({"meta": meta, "hints": len(report["hints"]),
                         "files": len(report["files"])}, default=str).decode()
    parts.append("<script type='application/json' id='report-data'>"
                 + data.replace("<", "\\u003c") + "</script></body></html>\n")
    return "".join(parts)
