"""The Rust engine's JSON rendering of a record → :class:`RawRecord`.

Why its own module: the engine writes XML as JSON in its own way (``#attributes``,
``#text``, repeated names suffixed or repeated, unnamed ``Data`` as a list), and every
reading of that JSON (full events, folding, recovery) must agree on it.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

from .normalize import RawRecord, parse_int, parse_time, to_text


def loads_record(text: str, obj: Any = None) -> dict[str, Any]:  # noqa: ANN401
    """The engine's JSON for one record (``obj``: already parsed), keeping repeated
    ``EventData`` names.

    evtx renders repeated named ``<Data>`` (a named string array: AppReadiness
    ``PackageInfo`` x50, Security 4648 ``LogonGuid`` x2) as a repeated JSON key; a plain
    parse keeps only the last value. A cheap count of keys in the raw text detects that
    case, which is then parsed again keeping every value (``Name``, ``Name_1``, ...).
    """
    if obj is None:
        obj = orjson.loads(text)
    event = obj.get("Event") if type(obj) is dict else None
    data = event.get("EventData") if type(event) is dict else None
    if type(data) is dict:
        at = text.find('"EventData":')
        raw_keys = text.count('":', at + 12) if at >= 0 else 0
        if raw_keys > len(data) and raw_keys > _count_keys(data):
            return json.loads(text, object_pairs_hook=_keep_repeats)
    return obj


def _count_keys(value: Any) -> int:
    if type(value) is dict:
        return len(value) + sum(_count_keys(v) for v in value.values() if type(v) in (dict, list))
    if type(value) is list:
        return sum(_count_keys(v) for v in value if type(v) in (dict, list))
    return 0


def _keep_repeats(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        name, n = key, 1
        while name in out:
            name = f"{key}_{n}"
            n += 1
        out[name] = value
    return out


def record_from_json(obj: dict[str, Any]) -> RawRecord:
    """The Rust engine's JSON rendering of one record → :class:`RawRecord`."""
    raw = RawRecord()
    event = obj.get("Event") or {}
    if not isinstance(event, dict):
        return raw
    system = event.get("System") or {}
    if isinstance(system, dict):
        read_system(system, raw)
    event_data = event.get("EventData")
    if isinstance(event_data, dict):
        _read_event_data(event_data, raw)
    elif event_data not in (None, ""):
        raw.add(None, to_text(event_data))
    user_data = event.get("UserData")
    if isinstance(user_data, dict):
        for name, payload in user_data.items():
            if name == "#attributes":
                continue
            raw.userdata = name.split(":")[-1]
            if isinstance(payload, dict):
                _flatten(payload, raw)
            else:
                raw.add(raw.userdata, to_text(payload))
            break
    errors = event.get("ProcessingErrorData")
    if isinstance(errors, dict):
        _flatten(errors, raw)
    rendering = event.get("RenderingInfo")
    if isinstance(rendering, dict):
        raw.rendered_message = to_text(rendering.get("Message")) or None
        raw.rendered_level = to_text(rendering.get("Level")) or None
    return raw


def attrs(value: Any) -> dict[str, Any]:
    if type(value) is dict:
        attrs = value.get("#attributes")
        if type(attrs) is dict:
            return attrs
    return _EMPTY


_EMPTY: dict[str, Any] = {}


def _str(value: Any) -> str:
    """Text of a JSON value (fast path for the usual string)."""
    return value if type(value) is str else to_text(value)


def read_system(system: dict[str, Any], raw: RawRecord) -> None:
    # _str everywhere: a damaged record can put any JSON type in any place
    get = system.get
    provider = attrs(get("Provider"))
    raw.provider = _str(provider.get("Name") or provider.get("EventSourceName")) or None
    guid = provider.get("Guid")
    if guid:
        raw.provider_guid = _str(guid).strip("{}").lower() or None
    event_id = get("EventID")
    if type(event_id) is dict:
        raw.qualifiers = parse_int(attrs(event_id).get("Qualifiers"))
        event_id = event_id.get("#text")
    raw.event_id = event_id if type(event_id) is int else parse_int(event_id)
    level = get("Level")
    raw.level = level if type(level) is int else parse_int(level)
    raw.time = parse_time(_str(attrs(get("TimeCreated")).get("SystemTime")))
    record_id = get("EventRecordID")
    raw.record_id = record_id if type(record_id) is int else parse_int(record_id)
    raw.channel = _str(get("Channel")) or None
    raw.computer = _str(get("Computer")) or None
    user = attrs(get("Security")).get("UserID")
    raw.user_id = _str(user) if user else None
    # Task, Opcode, Keywords and Execution are not used downstream (skipped for speed)


_SPECIAL_KEYS = frozenset(("#attributes", "Binary", "Data", "ComplexData"))


def _read_event_data(event_data: dict[str, Any], raw: RawRecord) -> None:
    data, inserts, names = raw.data, raw.inserts, raw.insert_names
    for key, value in event_data.items():
        if type(value) is str and key not in _SPECIAL_KEYS and key not in data and value.isprintable():
            # the common case inlined (hot loop): a named Data with plain text
            inserts.append(value)
            names.append(key)
            data[key] = value
            continue
        if key == "#attributes":
            continue
        if key == "Binary":
            text = to_text(value).strip()
            raw.binary = text or None
        elif key == "Data" and isinstance(value, dict):
            # unnamed <Data>: {"#text": [..]} for several, {"#text": v} for one; a bare
            # value under "Data" is a <Data Name="Data"> (handled as named below)
            text = value.get("#text", "")
            for item in text if isinstance(text, list) else [text]:
                raw.add(None, to_text(item))
        elif key == "ComplexData" or key.startswith("ComplexData_"):  # evtx suffixes repeats
            for item in value if isinstance(value, list) else [value]:
                raw.add(attrs(item).get("Name") or "ComplexData", to_text(item))
        else:
            raw.add(key, value if type(value) is str else to_text(value))


def _flatten(payload: dict[str, Any], raw: RawRecord) -> None:
    """UserData payload: leaf values by name, nested elements flattened in order."""
    for key, value in payload.items():
        if key in ("#attributes", "#text"):
            continue
        name = key.split(":")[-1]
        if isinstance(value, dict) and any(k not in ("#attributes", "#text") for k in value):
            _flatten(value, raw)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, dict) and any(k not in ("#attributes", "#text") for k in item):
                    _flatten(item, raw)
                else:
                    raw.add(name, to_text(item))
        else:
            raw.add(name, to_text(value))
