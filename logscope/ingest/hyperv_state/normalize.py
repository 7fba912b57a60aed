"""A found object → an event of kind ``hyperv-state`` with its fields under normalized names.

``data`` keeps ``cmdlet``, ``object`` (the table key: ``vhd``, ``snapshot``, ``file``...),
``form`` (format-list, format-table, json, csv, dir) and every mapped property; ``vm_name``,
``vm_id`` and ``host`` go to the event's own fields so the identity table joins them.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from ...events import Event, Locator
from .records import Record
from .tables import ObjectSpec, enum_name, words
from .times import parse_time

KIND = "hyperv-state"
_GUID = re.compile(r"[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}")
_ENUMS = {"snapshot_type": "snapshot_types", "vhd_type": "vhd_types",
          "controller_type": "controller_types"}


_FOLDED: dict[str, tuple[tuple[str, tuple[str, ...]], ...]] = {}


def _folded_fields(spec: ObjectSpec) -> tuple[tuple[str, tuple[str, ...]], ...]:
    """``spec.fields`` with the property names casefolded (once per object kind, not per
    record: a listing of 500,000 rows looked each name up a dozen times a row)."""
    got = _FOLDED.get(spec.key)
    if got is None:
        got = _FOLDED[spec.key] = tuple((k, tuple(n.casefold() for n in v))
                                        for k, v in spec.fields.items())
    return got


def _lookup(low: dict[str, Any], names: tuple[str, ...]) -> Any:  # noqa: ANN401
    """The first non-empty of ``names`` (casefolded) in ``low`` (properties by casefolded
    name)."""
    for n in names:
        v = low.get(n)
        if v not in (None, ""):
            return v
    return None


def _scalar(v: Any) -> Any:  # noqa: ANN401
    """JSON nests objects (``SharedVolumeInfo``, ``Drives``): keep a short text of them."""
    if isinstance(v, (str, int, float, bool)):
        return v
    if isinstance(v, list):
        return [_scalar(x) for x in v[:64]]
    if isinstance(v, dict):
        for k in ("FriendlyVolumeName", "Path", "Name", "value"):
            if k in v:
                return _scalar(v[k])
        return str(v)[:400]
    return str(v)


def to_event(rec: Record, spec: ObjectSpec, file: str, capture: datetime | None,
             capture_host: str | None) -> Event:
    data: dict[str, Any] = {"cmdlet": spec.cmdlet, "object": spec.key, "form": rec.form}
    times: list[tuple[datetime, str]] = []
    low = {k.casefold(): v for k, v in rec.props.items()}
    for name, props in _folded_fields(spec):
        v = _lookup(low, props)
        if v is None:
            continue
        v = _scalar(v)
        if name in spec.times and isinstance(v, str):
            t = parse_time(v)
            if t is not None:
                times.append(t)
                data[name] = t[0].isoformat()
            else:
                data[name] = v
            continue
        if name in spec.sizes:
            digits = re.sub(r"[^\d]", "", str(v))
            data[name] = int(digits) if digits else v
            continue
        if name in spec.bools:
            data[name] = _bool(v)
            continue
        if name in _ENUMS and (isinstance(v, int) or str(v).isdigit()):
            v = enum_name(_ENUMS[name], v) or v
        data[name] = v
    ev = Event(kind=KIND, file=file, locator=Locator(line=rec.line, end_line=rec.end_line))
    if times:
        ev.time, ev.time_source = times[0]
        ev.timestamp_desc = f"{spec.cmdlet} {next(iter(spec.times))}"
    ev.vm_name = str(data.pop("vm_name")) if "vm_name" in data else None
    vid = data.pop("vm_id", None)
    if isinstance(vid, str) and _GUID.search(vid):
        ev.vm_id = _GUID.search(vid).group(0).lower()  # type: ignore[union-attr]
    host = data.pop("host", None) or capture_host
    ev.host = str(host) if host else None
    if capture is not None:
        data["capture_time"] = capture.isoformat()
    ev.data = data
    ev.message = _message(spec.cmdlet, ev, data)
    return ev


def file_event(rec: Record, file: str, capture: datetime | None,
               capture_host: str | None) -> Event:
    """A disk-related file of a directory listing."""
    p = rec.props
    data: dict[str, Any] = {"cmdlet": "Get-ChildItem" if rec.form == "dir" else "dir",
                            "object": "file", "form": rec.form, "path": p["Path"],
                            "name": p["Name"], "directory": p["Directory"]}
    if p.get("Length"):
        data["file_size"] = int(p["Length"])
    ev = Event(kind=KIND, file=file, locator=Locator(line=rec.line, end_line=rec.end_line))
    t = parse_time(p["LastWriteTime"])
    if t is not None:
        ev.time, ev.time_source = t
        ev.timestamp_desc = "file last written"
        data["last_write"] = t[0].isoformat()
    if capture is not None:
        data["capture_time"] = capture.isoformat()
    ev.host = capture_host
    ev.data = data
    ev.message = f"file {p['Path']} ({data.get('file_size', '?')} bytes)"
    return ev


def _bool(v: Any) -> bool | Any:  # noqa: ANN401
    if isinstance(v, bool):
        return v
    s = str(v).strip().casefold()
    if s in words("true_words"):
        return True
    if s in words("false_words"):
        return False
    return v


_SUMMARY = ("name", "snapshot_type", "creation_time", "parent_snapshot", "vhd_type", "path",
            "parent_path", "file_size", "controller_type", "controller_number", "enabled",
            "state", "node")


def _message(cmdlet: str, ev: Event, data: dict[str, Any]) -> str:
    parts = [f"{k}={data[k]}" for k in _SUMMARY if k in data]
    who = f" VM '{ev.vm_name}'" if ev.vm_name else ""
    return f"{cmdlet}{who}: " + ", ".join(parts)
