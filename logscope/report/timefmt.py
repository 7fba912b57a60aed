"""Display times: the data stays UTC; ``--tz`` only changes how text, md and html show them."""

from __future__ import annotations

from datetime import datetime, tzinfo
from functools import lru_cache


@lru_cache(maxsize=8)
def zone(name: str | None) -> tzinfo | None:
    """The display zone (None = UTC); raises ValueError for an unknown name."""
    if not name or name.upper() in ("UTC", "Z"):
        return None
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # with --tz only: ~2 ms of start-up

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (use an IANA name like Europe/Berlin)") \
            from exc


def label(name: str | None) -> str:
    return "UTC" if zone(name) is None else str(name)


def show(iso: str | None, tz: str | None, *, seconds_only: bool = False) -> str | None:
    """An ISO time from the report in the display zone, as ``YYYY-MM-DD HH:MM:SS[.ffffff]``
    plus the zone's offset when it is not UTC; None stays None."""
    if not iso:
        return None
    try:
        t = datetime.fromisoformat(iso)
    except ValueError:
        return iso
    z = zone(tz)
    if z is not None and t.tzinfo is not None:
        t = t.astimezone(z)
    s = t.strftime("%Y-%m-%d %H:%M:%S")
    if t.microsecond and not seconds_only:
        s += f".{t.microsecond:06d}"[:4]
    if z is not None:
        off = t.strftime("%z")
        s += f" {off[:3]}:{off[3:]}" if off else ""
    return s
