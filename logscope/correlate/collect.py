"""Exact commands to collect the evidence a hint lacks (templates in ``data/collect.yml``).

Why: "the bundle lacks the guest's logs" only helps when the customer is told precisely what
to run where; a ``wevtutil epl`` without a time filter exports months of log, so every such
command gets the backup window added.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from .. import datafiles
from ..lazy import regex

#: ``wevtutil epl <channel> <file>`` (channel and file without spaces, or quoted).
_EPL = regex(r"wevtutil(?:\.exe)? epl (?:\"[^\"\r\n]{1,256}\"|[^\s`'\"]{1,256}) "
             r"(?:\"[^\"\r\n]{1,256}\"|[^\s`'\";,]{1,256})", re.IGNORECASE)


@lru_cache(maxsize=1)
def templates() -> dict[str, Any]:
    data = datafiles.table("collect.yml")
    return data if isinstance(data, dict) else {}


def window(first: datetime | None, last: datetime | None) -> tuple[str, str]:
    """The ``since``/``until`` strings around the evidence times (placeholders when untimed)."""
    t = templates()
    if first is None:
        return "<backup start, UTC>", "<backup end, UTC>"
    last = last or first
    since = first - timedelta(seconds=float(t.get("window_before_s", 3600)))
    until = last + timedelta(seconds=float(t.get("window_after_s", 3600)))
    return (since.strftime("%Y-%m-%dT%H:%M:%S"), until.strftime("%Y-%m-%dT%H:%M:%S"))


def with_time_filter(cmd: str, since: str, until: str) -> str:
    """Add the time filter to each ``wevtutil epl`` that has no ``/q:`` of its own."""
    return add_filter(cmd, str(templates().get("time_filter", "")).format(since=since,
                                                                         until=until))


def add_filter(cmd: str, filt: str) -> str:
    """Add ``filt`` after each ``wevtutil epl`` that has no ``/q:`` of its own (also used by
    ``logscope collect``, whose scripts export a window given on the command line)."""
    if not filt or "wevtutil" not in cmd.casefold():
        return cmd
    out, pos = [], 0
    for m in _EPL.finditer(cmd):
        out.append(cmd[pos:m.end()])
        pos = m.end()
        if not cmd[pos:pos + 4].lower().startswith(" /q:"):
            out.append(" " + filt)
    out.append(cmd[pos:])
    return "".join(out)


def for_role(role: str, ctx: dict[str, Any]) -> str:
    """The default command for a chain step's role (empty when the data file has none)."""
    tpl = str(templates().get("by_role", {}).get(role, ""))
    return tpl.format_map(_Safe(ctx)) if tpl else ""


def host_name(hosts: list[str], vm: str) -> str:
    if hosts:
        return hosts[0]
    return str(templates().get("unknown_host", "the Hyper-V host running {vm}")).format(vm=vm)


class _Safe(dict):  # type: ignore[type-arg]
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"
