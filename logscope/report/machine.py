"""Machine formats: json (the contract), jsonl (one record a line), csv (one row per hit)."""

from __future__ import annotations

import io
from typing import Any

import orjson

from ..events import timeline_ready
from .escape import csv_cell


def render_json(report: dict[str, Any]) -> str:
    return json_bytes(report).decode()


def json_bytes(report: dict[str, Any]) -> bytes:
    """The JSON report as the bytes written: a report of a large bundle runs to tens of MB,
    and each copy as text (decode, a newline appended, encode) is one more at the peak."""
    return orjson.dumps(report, option=orjson.OPT_INDENT_2 | orjson.OPT_APPEND_NEWLINE,
                        default=str)


def render_jsonl(report: dict[str, Any]) -> str:
    """``record_type`` meta | file | identity | event | hit | hint, one object a line.

    Event and hit lines carry Timesketch's ``datetime``/``timestamp_desc``/``message``, so the
    file imports as a timeline (Timesketch ignores the other record types' missing fields
    only if filtered; ``--format events`` style import: keep ``record_type`` event|hit).
    Events are present when the analysis kept them (the CLI does for jsonl).
    """
    dump = lambda obj: orjson.dumps(obj, default=str)  # noqa: E731
    # meta, file and identity lines carry Timesketch's three fields too (at the first time the
    # report knows), so the whole file imports; filter on record_type to hide them
    times = [r["time"] for r in report["timeline"] if r["time"]]
    times += [e["datetime"] for e in report.get("events") or [] if e.get("datetime")]
    first = min(times, default="1970-01-01T00:00:00+00:00")
    meta = report["meta"]
    out = [dump({"record_type": "meta", "datetime": first, "timestamp_desc": "logscope report",
                 "message": f"logscope {meta['logscope_version']} report: "
                            f"{len(report['files'])} files, {meta['events']} events, "
                            f"{len(report['hints'])} hints", **meta})]
    out += [dump({"record_type": "file", "datetime": first, "timestamp_desc": "File read",
                  "message": f"{f['path']}: {f['kind']}, {f['records']} records, "
                             f"{f['skipped']} skipped", **f}) for f in report["files"]]
    out += [dump({"record_type": "identity", "datetime": first, "timestamp_desc": "Machine",
                  "message": "machine " + ", ".join(r["vm_names"] or r["guest_hosts"] or ["?"]),
                  **r}) for r in report.get("identities", [])]
    # a state capture (vssadmin) has no time: such lines go at the epoch, marked (events.py)
    for ev in report.get("events") or []:
        out.append(dump(timeline_ready({"record_type": "event", **ev})))
    for h in report["hits"]:
        out.append(dump(timeline_ready({
            "record_type": "hit", "datetime": h["time"],
            "timestamp_desc": "Signature hit",
            "message": f"[{h['signature']}] {h['text']}", **h})))
    for i, h in enumerate(report["hints"], 1):
        first = min((e["time"] for e in h["evidence"] if e["time"]), default=None)
        out.append(dump(timeline_ready({"record_type": "hint", "rank": i, "datetime": first,
                                        "timestamp_desc": "Root-cause hint",
                                        "message": f"[{h['severity']}] {h['title']}", **h})))
    return b"\n".join(out).decode() + "\n"


CSV_COLUMNS = ("time", "time_source", "signature", "severity", "suppressed", "file", "locator",
               "kind", "vm_name", "vm_id", "host", "hresult", "text", "also_in", "hint_rank",
               "machine", "hyperv_host",
               "logscope_version", "signatures_version", "inputs_sha256")


def render_csv(report: dict[str, Any]) -> str:
    """One row per hit; every cell is formula-safe. The last columns repeat the report's meta
    (versions, input hashes) so a spreadsheet extract still says what produced it."""
    import csv  # the csv format only (start-up of the others)

    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    meta = report["meta"]
    tail = (meta["logscope_version"], meta["signatures_version"],
            " ".join(f"{i['path']}={i['sha256']}" for i in meta.get("inputs", [])))
    rank: dict[tuple[str, str], int] = {}
    for n, hint in enumerate(report["hints"], 1):
        for ev in hint["evidence"]:
            rank.setdefault((ev["file"], str(ev["locator"])), n)
    for h in report["hits"]:
        loc = h["locator"]
        locator = f"record {loc['record']}" if "record" in loc else f"line {loc.get('line', '')}"
        f = h["fields"]
        row = (h["time"], h["time_source"], h["signature"], h["severity"], h["suppressed"],
               h["file"], locator, h["kind"], f.get("vm_name"), f.get("vm_id"), f.get("host"),
               f.get("hresult"), h["text"],
               " ".join(a["file"] for a in f.get("also_in", [])),
               rank.get((h["file"], str(h["locator"])), ""),
               (h.get("machine") or {}).get("vm"),
               " ".join((h.get("machine") or {}).get("hyperv_hosts", [])), *tail)
        w.writerow([csv_cell(v) for v in row])
    return buf.getvalue()
