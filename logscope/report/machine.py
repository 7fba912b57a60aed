"""Machine formats: json (the contract), jsonl (one record a line), csv (one row per hit)."""

from __future__ import annotations

import csv
import io
from typing import Any

import orjson

from .escape import csv_cell


def render_json(report: dict[str, Any]) -> str:
    return orjson.dumps(report, option=orjson.OPT_INDENT_2, default=str).decode() + "\n"


def render_jsonl(report: dict[str, Any]) -> str:
    """``record_type`` meta | file | hit | hint | event; hit and event lines carry Timesketch's
    ``datetime``/``timestamp_desc``/``message`` so the file imports as a timeline."""
    out = [orjson.dumps({"record_type": "meta", **report["meta"]}, default=str)]
    for f in report["files"]:
        out.append(orjson.dumps({"record_type": "file", **f}, default=str))
    for h in report["hits"]:
        out.append(orjson.dumps({
            "record_type": "hit", "datetime": h["time"], "timestamp_desc": "Signature hit",
            "message": f"[{h['signature']}] {h['text']}", **h}, default=str))
    for h in report["hints"]:
        out.append(orjson.dumps({"record_type": "hint", **h}, default=str))
    return b"\n".join(out).decode() + "\n"


CSV_COLUMNS = ("time", "time_source", "signature", "severity", "suppressed", "file", "locator",
               "kind", "vm_name", "vm_id", "host", "hresult", "text")


def render_csv(report: dict[str, Any]) -> str:
    """One row per hit; every cell is formula-safe."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for h in report["hits"]:
        loc = h["locator"]
        locator = f"record {loc['record']}" if "record" in loc else f"line {loc.get('line', '')}"
        f = h["fields"]
        row = (h["time"], h["time_source"], h["signature"], h["severity"], h["suppressed"],
               h["file"], locator, h["kind"], f.get("vm_name"), f.get("vm_id"), f.get("host"),
               f.get("hresult"), h["text"])
        w.writerow([csv_cell(v) for v in row])
    return buf.getvalue()
