"""Shadow copy blocks (``list shadows``): a shadow copy GUID followed by its volume paths,
creation time (local wall time of the machine) and attributes.
"""

from __future__ import annotations

from datetime import datetime

from ...events import UTC, Event, Locator
from ...lazy import regex
from .lines import (
    BANNER,
    COMMAND,
    GUID,
    KIND,
    MARKUP,
    NAME,
    PROMPT,
    STATE,
    VOLUME,
    Line,
)

TIME_RE = regex(
    r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?[ ]*"
    r"([AaPp])?\.?[Mm]?\.?"
)


#: Positional names of a shadow copy's fields (the order vssadmin prints, any language).
SHADOW_FIELDS = (
    "original_volume",
    "shadow_volume",
    "originating_machine",
    "service_machine",
    "provider_name",
    "type",
    "attributes",
)


def _shadow_fields(fields: list[Line]) -> dict[str, object]:
    out: dict[str, object] = {"fields": {(f.label or f"line {f.no}"): f.value for f in fields}}
    names = list(SHADOW_FIELDS)
    if len(fields) != len(names):
        # Not the usual seven: place only what the shape tells, keep the rest by label.
        for f in fields:
            v = f.value or ""
            if f.kind == NAME:
                out["provider_name"] = f.name
            elif "GLOBALROOT" in v.upper():
                out["shadow_volume"] = v
            elif f.kind == VOLUME and "original_volume" not in out:
                out["original_volume"] = v
        return out
    for key, f in zip(names, fields, strict=True):
        out[key] = f.name if f.kind == NAME else f.value
    attrs = out.get("attributes")
    if isinstance(attrs, str):
        out["attributes"] = [a.strip() for a in attrs.split(",") if a.strip()]
    return out


def _local_time(text: str) -> datetime | None:
    """A shadow copy creation time when its regional format is unambiguous, else None.

    vssadmin writes the machine's regional format (``9/9/2019 3:10:57 AM``, ``25-08-2022
    12:16:16``). Day and month are told apart only when one of them is above 12 (or both are
    equal) or the year comes first; otherwise the text is kept and no time is invented.
    """
    m = TIME_RE.match(text.strip())
    if not m:
        return None
    a, _, b, c, hh, mm, ss, ampm = m.groups()
    try:
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        else:
            if len(c) != 4:
                return None
            year, x, y = int(c), int(a), int(b)
            if x > 12 >= y:
                day, month = x, y
            elif y > 12 >= x or x == y:
                month, day = x, y
            else:
                return None
        hour = int(hh)
        if ampm:
            if hour > 12:
                return None
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        return datetime(year, month, day, hour, int(mm), int(ss or 0), tzinfo=UTC)
    except ValueError:
        return None


class ShadowBlocks:
    """The shadow block methods of the vssadmin block parser (mixed into ``parser._Parser``)."""

    def _shadow(self, g0: Line) -> Event:
        fields: list[Line] = []
        while len(fields) < 12:
            p = self.stream.peek(0)
            if p is None or p.kind in (BANNER, COMMAND, PROMPT, STATE, MARKUP, GUID):
                break
            if p.blanks_before:
                break
            if p.kind == NAME and any(f.kind == NAME for f in fields):
                break
            line = self._next()
            assert line is not None
            fields.append(line)
        data: dict[str, object] = {"listing": "shadows", "shadow_id": g0.guid}
        if self.capture.shadow_set:
            data.update(self.capture.shadow_set)
        data.update(_shadow_fields(fields))
        data["capture"] = self.capture.index
        ctext = data.get("creation_time_text")
        when = _local_time(ctext) if isinstance(ctext, str) else None
        vol = data.get("original_volume") or "?"
        msg = f"Shadow copy {{{g0.guid or g0.value}}} of {vol}"
        if ctext:
            msg += f" created {ctext}"
        if data.get("type"):
            msg += f", type {data['type']}"
        end = fields[-1].no if fields else g0.no
        event = Event(
            kind=KIND,
            file=self.display,
            locator=Locator(line=g0.no, end_line=end),
            message=msg,
            host=data.get("originating_machine") if isinstance(data.get("originating_machine"), str) else None,  # type: ignore[arg-type]
            data=data,
        )
        if when is not None:
            event.time, event.time_source = when, "local"
            event.timestamp_desc = "Shadow copy creation time"
        elif ctext:
            self.ledger.problem(
                f"line {g0.no}",
                f"shadow copy creation time {ctext!r} is in an ambiguous or unknown regional "
                "format; kept as text only",
                "ambiguous-time",
            )
        return self._emit("shadows", event)
