"""Fill the PowerShell templates of ``data/collect_script.yml`` into the host and guest blocks.

What is generated here and not written in the data file: the property list of each state file
(from the hyperv-state reader's object table, so every property it maps is in the file, times
rendered as ISO 8601 with the host's offset, lists whole), one ``wevtutil epl`` per channel with the time
filter of ``--since``/``--days`` added to each (``correlate/collect.add_filter``), and the
``Get-VM`` filter of ``--vm``, quoted so a VM name is never read as PowerShell.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..correlate.collect import add_filter
from ..events import UTC
from ..ingest.hyperv_state.tables import table as state_table
from .channels import ROLES, ProviderChannels
from .data import table

_PLACEHOLDER = re.compile(r"<<(\w+)>>")
#: Channel names as ``wevtutil el`` lists them: safe to write unquoted.
_CHANNEL = re.compile(r"[A-Za-z0-9][A-Za-z0-9._/-]{0,200}")
#: Characters PowerShell takes as a single quote inside a '...' literal (doubled to escape).
_QUOTES = "'\u2018\u2019\u201a\u201b"


@dataclass(frozen=True, slots=True)
class Window:
    """The event-log time window: the last ``days`` days, or from ``since`` (aware) on."""

    days: int | None = None
    since: datetime | None = None

    def xpath_filter(self) -> str:
        filters = table()["time_filters"]
        if self.since is not None:
            since = self.since.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")
            return str(filters["since"]).format(since=since)
        days = self.days if self.days is not None else int(table()["default_days"])
        return str(filters["days"]).format(ms=days * 86_400_000)


def ps_quote(text: str) -> str:
    """A PowerShell single-quoted literal of ``text`` (no expansion, quotes doubled)."""
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        raise ValueError(f"{text!r}: control characters cannot be passed to PowerShell")
    return "'" + "".join(c + c if c in _QUOTES else c for c in text) + "'"


def fill(template: str, values: dict[str, str], where: str) -> str:
    """Replace each ``<<name>>``; a name without a value is an error of the data file."""
    def one(m: re.Match[str]) -> str:
        if m.group(1) not in values:
            raise ValueError(f"logscope/data/collect_script.yml: {where}: no value for "
                             f"<<{m.group(1)}>>")
        return values[m.group(1)]

    return _PLACEHOLDER.sub(one, template)


def state_properties(key: str) -> list[str]:
    """The property names a state file shows for object ``key`` of the reader's table: every
    property its fields map, then the identifying ones (never one the object must not have)."""
    spec: dict[str, Any] = state_table()["objects"][key]
    excluded = {str(n).casefold() for n in spec.get("not") or ()}
    names: dict[str, str] = {}
    for props in (spec.get("fields") or {}).values():
        for p in props:
            names.setdefault(str(p).casefold(), str(p))
    for p in spec.get("identify") or ():
        names.setdefault(str(p).casefold(), str(p))
    return [p for k, p in names.items() if k not in excluded]


def _time_properties(key: str) -> set[str]:
    spec: dict[str, Any] = state_table()["objects"][key]
    fields = spec.get("fields") or {}
    return {str(p).casefold() for f in spec.get("times") or () for p in fields.get(f, ())}


def _property_list(key: str) -> str:
    data = table()
    expressions = {str(k).casefold(): str(v) for k, v in (data.get("expressions") or {}).items()}
    times = _time_properties(key)
    lists = {str(p).casefold() for p in data.get("lists") or ()}
    items = []
    for p in state_properties(key):
        expr = expressions.get(p.casefold())
        if expr is None and p.casefold() in times:
            expr = fill(str(data["time_expression"]), {"property": p}, "time_expression")
        elif expr is None and p.casefold() in lists:
            expr = fill(str(data["list_expression"]), {"property": p}, "list_expression")
        items.append(ps_quote(p) if expr is None
                     else f"@{{ Name = {ps_quote(p)}; Expression = {{ {expr} }} }}")
    return "@(" + ", ".join(items) + ")"


def _state() -> str:
    lines = []
    for entry in table()["state"]:
        lines.append(f"$props = {_property_list(str(entry['object']))}")
        lines.append(f"Save-LogscopeState {ps_quote(str(entry['file']))} $props "
                     f"{{ {entry['objects']} }}")
    return "\n".join(lines)


def _vssadmin() -> str:
    return "\n".join(f"Save-LogscopeText {ps_quote(str(v['file']))} {{ {v['command']} }}"
                     for v in table()["vssadmin"])


def evtx_file(channel: str) -> str:
    """``Microsoft-Windows-Hyper-V-Guest-Drivers/Admin`` → ``...-Guest-Drivers-Admin.evtx``."""
    return channel.replace("/", "-") + ".evtx"


def _events(channels: list[str], window: Window) -> str:
    parts = []
    for c in channels:
        if not _CHANNEL.fullmatch(c):
            raise ValueError(f"logscope/data/collect_script.yml: channel {c!r}: not a channel name")
        parts.append(fill(str(table()["event_export"]), {"channel": c, "file": evtx_file(c)},
                          "event_export"))
    return add_filter("\n".join(parts), window.xpath_filter())


def render_block(role: str, channels: ProviderChannels, window: Window,
                 vms: list[str] | None = None) -> str:
    """One block (``host`` or ``guest``) as PowerShell text."""
    data = table()
    marker = str(state_table().get("collected_marker", "# logscope-collect"))
    names = list(vms or [])
    quoted = [ps_quote(v) for v in names]  # also rejects a name PowerShell cannot be given
    values = {
        "prelude": fill(str(data["prelude"]), {"role": role, "marker": marker}, "prelude"),
        "vm_filter": f" -Name @({', '.join(quoted)})" if names else "",
        "vm_note": f" (VMs: {', '.join(names)})" if names else "",
        "extensions": ", ".join(ps_quote(str(e)) for e in
                                state_table().get("dir_file_extensions") or ()),
        "state": _state(),
        "listing_file": str(data["listing_file"]),
        "vssadmin": _vssadmin(),
        "events": _events(channels.channels[role], window),
        "finish": str(data["finish"]),
    }
    return fill(str(data[role]), values, role).rstrip("\n") + "\n"


def render(roles: tuple[str, ...], channels: ProviderChannels, window: Window,
           vms: list[str] | None = None) -> str:
    """The blocks asked for, host first, separated by a blank line."""
    return "\n\n".join(render_block(r, channels, window, vms) for r in ROLES if r in roles)
