"""Entities and status changes named in one Veeam entry (job, session, VM, codes, retry, status).

Why one function for every Veeam kind: the same sentences ("Failed to create VM recovery
checkpoint ... Error code: '32768'") appear in server logs, console session text and e-mail
reports; the templates live in ``data/veeam_patterns.yml``, this module only applies them and
normalizes what they capture into Event fields.
"""

from __future__ import annotations

from typing import Any

from ... import hresult
from ...events import Event
from .data import entity_rules, load

#: Entity search looks at the first characters of an entry only: option dumps run to many KiB
#: and a hostile line to megabytes, while every template we know sits near the start.
MAX_SCAN_CHARS = 64 * 1024

_INT_FIELDS = ("retry", "retry_of", "wmi")


def extract(text: str) -> dict[str, str]:
    """Raw captures of every template that matches ``text`` (the first match of a group wins)."""
    scan = text[:MAX_SCAN_CHARS]
    lowered: str | None = None
    out: dict[str, str] = {}
    for rule in entity_rules():
        if rule.needle is not None:
            if rule.ignore_case:
                if lowered is None:
                    lowered = scan.lower()
                if rule.needle not in lowered:
                    continue
            elif rule.needle not in scan:
                continue
        m = rule.regex.search(scan)
        if m is None:
            continue
        for key, value in m.groupdict().items():
            if value is not None and key not in out:
                out[key] = value.strip()
        if rule.status and "status" not in out:
            out["status"] = rule.status
        if rule.scope and "scope" not in out:
            out["scope"] = rule.scope
    return out


def normalize_status(word: str | None) -> str | None:
    """Veeam's status words (Success, Failed, InProgress, Error...) in one lower-case vocabulary."""
    if not word:
        return None
    return load().statuses.get(word.lower())


def apply(event: Event, found: dict[str, str]) -> None:
    """Fill an event's fields and ``data`` from :func:`extract`'s captures."""
    data = load()
    d: dict[str, Any] = event.data
    written: list[str] = []  # HRESULTs the templates captured (decimal forms included)
    for key, value in found.items():
        if key == "job":
            event.job_name = value
        elif key == "vm":
            event.vm_name = value
        elif key == "vmid":
            event.vm_id = value.lower().strip("{}")
        elif key in ("hr", "hr_generic"):
            code = hresult.normalize(value)
            if code:
                event.hresult = event.hresult or code
                written.append(code)
        elif key == "writer":
            event.writer_name = value
        elif key == "writer_id":
            event.writer_id = value.lower()
        elif key == "writer_state":
            d["writer_state_name"] = value
            if value in data.writer_states:
                event.writer_state = data.writer_states[value]
        elif key == "status":
            status = normalize_status(value)
            if status:
                d["status"] = status
            if value.lower() != status:
                d["status_text"] = value
        elif key == "event_id":
            event.event_id = int(value)
        elif key == "provider":
            event.provider = value
        elif key == "wmi":
            d["wmi_code"] = int(value)
            text = hresult.wmi_return_code(int(value))
            if text:
                d["wmi_text"] = text
        elif key in _INT_FIELDS:
            d[key] = int(value)
        elif key == "state":
            d["state"] = value
            status = normalize_status(value)
            if status and "status" not in found:
                d["status"] = status
        elif key in ("job_session", "task_session"):
            d[f"{key}_id"] = value.lower()
        elif key in ("job_id", "writer_instance"):
            d[key] = value.lower().strip("{}")
        else:
            d[key] = value
    if d.get("status") == "failed" and "reason" not in d:
        d["reason"] = event.message.split("\n", 1)[0][:512]
    codes = written + hresult.find_in_text(event.message[:MAX_SCAN_CHARS])
    if codes:
        event.hresult = event.hresult or codes[0]
        every = list(dict.fromkeys([event.hresult, *codes]))
        if len(every) > 1:
            d["hresults"] = every[:16]  # the first is the event's; the rest for signatures
