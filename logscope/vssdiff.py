"""``logscope vssadmin diff A B``: what changed between two ``list writers`` captures.

Why keyed by writer id: the class id is the same on every machine and in every language, while
the instance id changes whenever the writer's service restarts (windows-vss-events.md §1.1) and
the name line may be damaged in a paste. A changed instance id is shown as "restarted", which
is itself useful (someone restarted the SQL Writer service between the two captures).

By default the last ``list writers`` capture of A is compared with the last of B; when A and B
are the same file holding several captures (before/after a backup), its first capture is
compared with its last. ``diff_files`` returns plain data; ``render_text`` / ``render_json``
turn it into output. The CLI exits 0 whatever the differences are.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from .events import Event
from .hresult import fold
from .ingest import vssadmin
from .ingest.source import IngestOptions, Source
from .ledger import FileLedger

#: Writer fields compared between the captures (instance id is reported separately).
COMPARED = ("writer_name", "writer_state", "state_text", "last_error", "hresult")


def load(path: str | Path) -> tuple[list[Event], FileLedger]:
    """Parse one vssadmin file (any encoding the parser reads)."""
    p = Path(path)
    ledger = FileLedger(str(path))
    src = Source(str(path), lambda: open(p, "rb"), size=p.stat().st_size, fs_path=p)  # noqa: SIM115
    return list(vssadmin.parse(src, ledger, IngestOptions())), ledger


def writer_captures(events: list[Event]) -> dict[int, list[Event]]:
    """Writer events grouped by capture number, in file order."""
    out: dict[int, list[Event]] = {}
    for ev in events:
        if ev.data.get("listing") == "writers":
            out.setdefault(int(ev.data.get("capture", 1)), []).append(ev)
    return out


def writer_key(ev: Event) -> str:
    """Writer class id, or the folded name when the paste lost the id."""
    return ev.writer_id or f"name:{fold(ev.writer_name or '')}"


def _row(ev: Event) -> dict[str, Any]:
    return {
        "writer_id": ev.writer_id,
        "writer_name": ev.writer_name,
        "writer_state": ev.writer_state,
        "state_text": ev.data.get("state_text"),
        "state_name": ev.data.get("state_name"),
        "last_error": ev.last_error,
        "hresult": ev.hresult,
        "instance_id": ev.data.get("instance_id"),
        "line": ev.locator.line,
        "complete": ev.data.get("complete", True),
    }


def diff_events(a: list[Event], b: list[Event]) -> dict[str, Any]:
    """Compare two lists of writer events (one capture each), keyed by writer id."""
    rows_a = {writer_key(e): _row(e) for e in a}
    rows_b = {writer_key(e): _row(e) for e in b}
    added = [rows_b[k] for k in rows_b if k not in rows_a]
    removed = [rows_a[k] for k in rows_a if k not in rows_b]
    changed: list[dict[str, Any]] = []
    unchanged: list[dict[str, Any]] = []
    for key, ra in rows_a.items():
        rb = rows_b.get(key)
        if rb is None:
            continue
        changes = {f: {"a": ra[f], "b": rb[f]} for f in COMPARED if ra[f] != rb[f]}
        restarted = bool(ra["instance_id"] and rb["instance_id"] and ra["instance_id"] != rb["instance_id"])
        entry = {
            "writer_id": rb["writer_id"] or ra["writer_id"],
            "writer_name": rb["writer_name"] or ra["writer_name"],
            "a": ra,
            "b": rb,
        }
        if changes or restarted:
            changed.append({**entry, "changes": changes, "restarted": restarted})
        else:
            unchanged.append(entry)
    return {
        "added": added,
        "removed": removed,
        "changed": changed,
        "unchanged": unchanged,
        "summary": {
            "added": len(added),
            "removed": len(removed),
            "changed": len(changed),
            "unchanged": len(unchanged),
            "failed_a": sum(1 for r in rows_a.values() if _failed(r)),
            "failed_b": sum(1 for r in rows_b.values() if _failed(r)),
        },
    }


def _failed(row: dict[str, Any]) -> bool:
    state = row.get("writer_state")
    return (state is not None and state >= 6) or row.get("hresult") not in (None, "0x00000000")


def diff_files(
    path_a: str | Path,
    path_b: str | Path,
    *,
    capture_a: int | None = None,
    capture_b: int | None = None,
) -> dict[str, Any]:
    """The diff of two vssadmin files as a JSON-ready dict (see the module docstring)."""
    events_a, ledger_a = load(path_a)
    same = Path(path_a).resolve() == Path(path_b).resolve()
    events_b, ledger_b = (events_a, ledger_a) if same else load(path_b)
    caps_a, caps_b = writer_captures(events_a), writer_captures(events_b)
    nums_a, nums_b = _capture_numbers(caps_a, ledger_a), _capture_numbers(caps_b, ledger_b)
    if capture_a is None:
        capture_a = min(nums_a) if (same and nums_a) else max(nums_a, default=None)
    if capture_b is None:
        capture_b = max(nums_b, default=None)
    a = caps_a.get(capture_a, []) if capture_a is not None else []
    b = caps_b.get(capture_b, []) if capture_b is not None else []
    out: dict[str, Any] = {
        "a": _side(path_a, capture_a, a, caps_a, ledger_a),
        "b": _side(path_b, capture_b, b, caps_b, ledger_b),
    }
    out.update(diff_events(a, b))
    return out


def _capture_numbers(captures: dict[int, list[Event]], ledger: FileLedger) -> list[int]:
    """Captures that are writer listings, including empty and failed ones (0 writers)."""
    nums = set(captures)
    for summary in ledger.info.get("vssadmin_captures", []):
        if summary.get("listing") == "writers" or (
            summary.get("listing") is None and not summary.get("records")
        ):
            nums.add(int(summary["capture"]))
    return sorted(nums)


def _side(
    path: str | Path,
    capture: int | None,
    events: list[Event],
    captures: dict[int, list[Event]],
    ledger: FileLedger,
) -> dict[str, Any]:
    return {
        "file": str(path),
        "capture": capture,
        "captures": _capture_numbers(captures, ledger),
        "writers": len(events),
        "problems": [p.as_dict() for p in ledger.problems],
    }


def render_json(diff: dict[str, Any]) -> str:
    return json.dumps(diff, indent=2, ensure_ascii=False)


def _state(row: dict[str, Any]) -> str:
    if row.get("writer_state") is None:
        return "state unknown (block cut off)" if not row.get("complete", True) else "state unknown"
    text = f"[{row['writer_state']}] {row.get('state_text') or row.get('state_name') or ''}".rstrip()
    if row.get("last_error") is not None:
        text += f", {row['last_error']}"
        if row.get("hresult") not in (None, "0x00000000"):
            text += f" ({row['hresult']})"
    return text


def _who(row: dict[str, Any]) -> str:
    wid = f" {{{row['writer_id']}}}" if row.get("writer_id") else ""
    return f"'{row.get('writer_name')}'{wid}"


def _which(side: dict[str, Any]) -> str:
    if side["capture"] is None:
        return "no writer listing"
    return f"capture {side['capture']} of {len(side['captures'])}"


def render_text(diff: dict[str, Any]) -> str:
    """A short human-readable diff: removed, added, changed writers, then a count of the rest."""
    a, b, s = diff["a"], diff["b"], diff["summary"]
    lines = [
        f"{name}: {side['file']} ({_which(side)}, {side['writers']} writers, {failed} failed)"
        for name, side, failed in (("A", a, s["failed_a"]), ("B", b, s["failed_b"]))
    ]
    if not a["writers"] or not b["writers"]:
        for side, name in ((a, "A"), (b, "B")):
            if not side["writers"]:
                lines.append(f"note: {name} lists no writers")
                lines.extend(f"  {p['where']}: {p['message']}" for p in side["problems"][:3])
    for row in diff["removed"]:
        lines.append(f"- removed  {_who(row)}: was {_state(row)}")
    for row in diff["added"]:
        lines.append(f"+ added    {_who(row)}: {_state(row)}")
    for ch in diff["changed"]:
        parts = []
        if any(k in ch["changes"] for k in ("writer_state", "last_error", "hresult", "state_text")):
            parts.append(f"{_state(ch['a'])} -> {_state(ch['b'])}")
        if "writer_name" in ch["changes"]:
            c = ch["changes"]["writer_name"]
            parts.append(f"name {c['a']!r} -> {c['b']!r}")
        if ch["restarted"]:
            parts.append("restarted (new instance id)")
        lines.append(f"~ changed  {_who(ch['b'])}: " + "; ".join(parts))
    lines.append(
        f"= {s['unchanged']} unchanged, {s['changed']} changed, {s['added']} added, "
        f"{s['removed']} removed"
    )
    return "\n".join(lines) + "\n"
