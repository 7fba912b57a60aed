"""One self-contained HTML file (no network, no CDN): hints, chart, machines, files, timeline.

Every value from a log goes through ``html.escape``; a Content-Security-Policy forbids any
fetch; the page embeds summary numbers as JSON in a ``<script type="application/json">``
block with ``<`` escaped, so no log text can run. Times show in the display zone (``--tz``).
"""

from __future__ import annotations

import html
from typing import Any

import orjson

from . import sections, svg, timefmt
from .build import not_understood_note, versions_line

CSS = """body{font:14px/1.45 system-ui,sans-serif;margin:2em auto;max-width:1100px;color:#222;
padding:0 1em}h1{font-size:1.6em;margin-bottom:.2em}h2{border-bottom:1px solid #ccc;
margin-top:2em}.meta{color:#555}.summary{display:flex;gap:1em;margin:1em 0}
.card{background:#f4f6f8;border-radius:6px;padding:.6em 1.2em}.card b{font-size:1.5em;display:block}
.hint{border-left:6px solid #888;padding:.3em 1em;margin:1em 0;background:#fafafa}
.hint h3{margin:.4em 0}.critical{border-color:#b00020}.high{border-color:#e33}
.medium{border-color:#e90}.low{border-color:#39c}.info{border-color:#999}
.sev{display:inline-block;padding:0 .5em;border-radius:3px;color:#fff;font-size:12px;
background:#888}.sev.critical{background:#b00020}.sev.high{background:#e33}
.sev.medium{background:#e90}.sev.low{background:#39c}
.ok{background:#e8f5e9;border-left:6px solid #2e7d32;padding:.5em 1em}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #eee;padding:3px 6px;
text-align:left;vertical-align:top}th{background:#f4f6f8}code{font-size:12px;word-break:break-all}
.num{text-align:right}#identities td{overflow-wrap:anywhere}.ev{margin:.3em 0}.ev code.t{color:#555}.missing{background:#fff8e1;
padding:.3em .8em}.dim{color:#777}details summary{cursor:pointer}"""


def _e(v: object) -> str:
    return html.escape("" if v is None else str(v), quote=True)


def _loc(d: dict[str, Any]) -> str:
    return f"record {d['record']}" if "record" in d else f"line {d.get('line', '?')}"


def render_html(report: dict[str, Any]) -> str:
    meta = report["meta"]
    tz = meta.get("display_tz")
    zl = timefmt.label(tz)

    def when(iso: str | None) -> str:
        return timefmt.show(iso, tz) or "no time"

    hints = report["hints"]
    p = ["<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>",
         "<meta http-equiv='Content-Security-Policy' content=\"default-src 'none'; "
         "style-src 'unsafe-inline'; img-src data:\">",
         "<meta name='viewport' content='width=device-width, initial-scale=1'>",
         f"<title>logscope report</title><style>{CSS}</style></head><body>",
         "<h1>logscope report</h1>",
         f"<p class='meta'>logscope {_e(meta['logscope_version'])} · signatures "
         f"{_e(meta['signatures_version'])} · times in {_e(zl)}"
         + (" · <b>redacted</b>" if meta.get("redacted") else "") + "</p>",
         "<div class='summary'>",
         f"<div class='card'><b id='n-hints'>{len(hints)}</b>hints</div>",
         f"<div class='card'><b id='n-files'>{len(report['files'])}</b>files</div>",
         f"<div class='card'><b id='n-events'>{meta['events']}</b>events</div>",
         f"<div class='card'><b id='n-hits'>{len(report['hits'])}</b>signature hits</div>",
         f"<div class='card'><b id='n-machines'>{len(report.get('identities', []))}</b>"
         "machines</div></div>"]
    flt = meta.get("filters")
    if flt:
        parts = [f"{k} {v}" for k, v in (("since", flt["since"]), ("until", flt["until"])) if v]
        parts += [f"vm {v}" for v in flt["vm"]] + [f"job {v}" for v in flt["job"]]
        p.append(f"<p><b>Filters:</b> {_e(', '.join(parts))}</p>")
    p.append(f"<h2>Root-cause hints ({len(hints)})</h2>")
    if not hints and report["meta"].get("analysed") is False:
        p.append("<div class='warn' id='nothing'><p><b>Nothing was analysed</b>: "
                 f"{_e(report['meta'].get('nothing_analysed') or '')}. No conclusion can be "
                 "drawn from this input; see the files table for each file's reason.</p></div>")
    elif not hints:
        p.append(_clean(report))
    for i, h in enumerate(hints, 1):
        p.append(_hint(i, h, when))
    for sec, fn in sections.present(report, "html"):
        out = fn(report[sec.key], report)
        p.append(f"<h2>{_e(sec.title)}</h2>" + (out if isinstance(out, str) else "".join(out)))
    p.append(f"<h2>Timeline chart ({_e(zl)})</h2>")
    chart = svg.chart(report["timeline"], tz)
    p.append(chart or "<p>No signature hits to draw.</p>")
    p.append(_machines(report.get("identities", [])))
    p.append(_files(report["files"], meta))
    p.append(f"<h2>Timeline ({_e(zl)})</h2><table id='timeline'><tr><th>time</th>"
             "<th>signature</th><th>source</th><th>text</th></tr>")
    for r in report["timeline"]:
        mark = " <span class='dim'>(benign)</span>" if r.get("benign") else ""
        src = "" if r["time_source"] in ("utc", "none") else f" [{r['time_source']}]"
        p.append(f"<tr><td><code>{_e(when(r['time']))}{_e(src)}</code></td>"
                 f"<td>{_e(r['signature'])}{mark}</td><td>{_e(r['file'])} "
                 f"{_e(_loc(r['locator']))}</td><td>{_e(r['text'][:300])}</td></tr>")
    p.append("</table>")
    inputs = "".join(f"<li><code>{_e(i['path'])}</code> sha256 <code>{_e(i['sha256'])}</code>"
                     + "".join(f"<br><span class='dim'>changed while hashed: {_e(n)}</span>"
                               for n in i.get("unsteady", ()))
                     + "</li>" for i in meta.get("inputs", []))
    versions = versions_line(meta)
    p.append(f"<h2>Reproduce</h2><p class='dim'>{_e(versions)}</p><ul>{inputs}</ul>")
    data = orjson.dumps({"hints": len(hints), "files": len(report["files"]),
                         "events": meta["events"], "hits": len(report["hits"]),
                         "logscope_version": meta["logscope_version"],
                         "signatures_version": meta["signatures_version"]}).decode()
    p.append("<script type='application/json' id='report-data'>"
             + data.replace("<", "\\u003c") + "</script></body></html>\n")
    return "".join(p)


def _hint(i: int, h: dict[str, Any], when: Any) -> str:  # noqa: ANN401
    sev = _e(h["severity"])
    p = [f"<div class='hint {sev}' data-id='{_e(h['id'])}'>",
         f"<h3>{i}. {_e(h['title'])}</h3>",
         f"<p><span class='sev {sev}'>{sev}</span> confidence {h['confidence']:.2f}"
         + (f" · VM <b>{_e(h['vm'])}</b>" if h.get("vm") else "")
         + f" · evidence from {_e(', '.join(h.get('evidence_kinds', [])))}</p>",
         f"<p><b>Cause:</b> {_e(h['cause'])}</p><p><b>Evidence</b></p>"]
    for ev in h["evidence"]:
        p.append(f"<div class='ev'><code class='t'>{_e(when(ev['time']))}</code> "
                 f"<code>{_e(ev['file'])}</code> {_e(_loc(ev['locator']))}<br>"
                 f"<code>{_e(ev['text'][:500])}</code>"
                 + "".join(f"<br><span class='dim'>same record also in {_e(a['file'])} "
                           f"{_e(_loc(a['locator']))}</span>" for a in ev.get("also_in", [])[:3])
                 + "</div>")
    p.append("<p><b>What to do</b></p><ol>")
    p.extend(f"<li>{_e(s)}</li>" for s in h["remedy"])
    p.append("</ol>")
    missing = [m for m in h.get("missing_evidence", []) if m.get("collect")]
    if missing:
        p.append("<div class='missing'><b>Missing evidence — collect:</b><ul>")
        p.extend(f"<li>{_e(m['role'])}: <code>{_e(m['collect'])}</code></li>" for m in missing)
        p.append("</ul></div>")
    if h.get("references"):
        p.append(f"<p class='dim'>References: {_e('; '.join(h['references']))}</p>")
    if h.get("related_signatures"):
        p.append(f"<p class='dim'>Also matched: {_e(', '.join(h['related_signatures']))}</p>")
    p.append("</div>")
    return "".join(p)


def _clean(report: dict[str, Any]) -> str:
    meta = report["meta"]
    chk = report.get("checked") or {}
    rows = "".join(f"<li>{_e(k['kind'])}: {k['files']} file(s), {k['records']} records, "
                   f"{k['signatures']} signatures for this kind</li>"
                   for k in chk.get("kinds", []))
    return (f"<div class='ok' id='clean'><p><b>No known failure found.</b> Checked "
            f"{meta['events']} events from {len(report['files'])} files against "
            f"{meta['signatures']} signatures and {meta['chains']} chains:</p><ul>{rows}"
            f"<li>chains: {_e(', '.join(chk.get('chains', [])))}</li></ul></div>")


def _machines(ids: list[dict[str, Any]]) -> str:
    cols = (("VM", "vm_names"), ("VM id", "vm_ids"), ("guest", "guest_hosts"),
            ("Hyper-V host", "hyperv_hosts"), ("Veeam job", "jobs"),
            ("Veeam task", "veeam_tasks"), ("disks", "disks"), ("sources", "sources"))
    p = [f"<h2>Machines ({len(ids)})</h2><table id='identities'><tr>"
         + "".join(f"<th>{c}</th>" for c, _ in cols) + "</tr>"]
    for r in ids:
        p.append("<tr>" + "".join(f"<td>{'<br>'.join(_e(v) for v in r.get(k, []))}</td>"
                                  for _, k in cols) + "</tr>")
    p.append("</table>")
    return "".join(p)


def _files(files: list[dict[str, Any]], meta: dict[str, Any]) -> str:
    p = [f"<h2>Files read ({len(files)})</h2><table id='files'><tr><th>file</th><th>kind</th>"
         "<th class=num>records</th><th class=num>skipped</th><th>why skipped / problems</th>"
         "</tr>"]
    for f in files:
        why = [f"{k}: {v}" for k, v in f["skip_reasons"].items()]
        if f.get("reason"):
            why.insert(0, f["reason"])
        if not_understood_note(f):
            why.append(not_understood_note(f))  # type: ignore[arg-type]
        why += [f"{q['where']}: {q['message']}" for q in f["problems"][:5]]
        if len(f["problems"]) > 5:
            why.append(f"… {len(f['problems']) - 5} more problems")
        p.append(f"<tr><td><code>{_e(f['path'])}</code></td><td>{_e(f['kind'])}</td>"
                 f"<td class=num>{f['records']}</td><td class=num>{f['skipped']}</td>"
                 f"<td>{'<br>'.join(_e(w) for w in why)}</td></tr>")
    p.append("</table>")
    if meta.get("duplicate_hits"):
        p.append(f"<p class='dim'>{meta['duplicate_hits']} duplicate record(s) read from more "
                 "than one file were counted once.</p>")
    return "".join(p)
