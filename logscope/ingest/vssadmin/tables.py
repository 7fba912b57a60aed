"""The vssadmin reference tables (writer ids, state numbers and words), loaded once from YAML.

Why data files: the well-known writer ids and the printed state words are facts that grow
with evidence (a new language, a new in-box writer); adding one must not touch parser code.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ... import datafiles
from ...hresult import fold


def _load(name: str) -> Any:
    return datafiles.table(name)


@dataclass(frozen=True, slots=True)
class StateInfo:
    """One VSS_WRITER_STATE value."""

    number: int
    name: str
    text: str
    failed: bool


@dataclass(frozen=True, slots=True)
class Tables:
    writer_ids: dict[str, str]  # folded writer name -> class id
    writer_names: dict[str, str]  # class id -> canonical name
    expected_when: dict[str, tuple[tuple[str, ...], str]]  # flag -> (writer names, because)
    states: dict[int, StateInfo]
    state_words: dict[str, frozenset[int]]  # folded printed word -> possible numbers
    error_texts: dict[str, str]  # folded HRESULT text -> HRESULT (failure messages)


@lru_cache(maxsize=1)
def tables() -> Tables:
    writers = _load("vss_writers.yml")
    states = _load("vss_states.yml")
    ids: dict[str, str] = {}
    names: dict[str, str] = {}
    for w in writers["writers"]:
        wid = str(w["id"]).lower()
        ids[fold(w["name"])] = wid
        names[wid] = w["name"]
    for alias, canonical in (writers.get("aliases") or {}).items():
        ids[fold(alias)] = ids[fold(canonical)]
    hres = _load("hresults.yml")["hresults"]
    return Tables(
        writer_ids=ids,
        writer_names=names,
        expected_when={
            k: (tuple(v["writers"]), str(v.get("because", k)))
            for k, v in (writers.get("expected_when") or {}).items()
        },
        states={
            int(n): StateInfo(int(n), s["name"], s["text"], bool(s["failed"]))
            for n, s in states["states"].items()
        },
        state_words={fold(w): frozenset(int(n) for n in ns) for w, ns in states["words"].items()},
        error_texts={
            fold(v["text"]).rstrip("."): k.upper().replace("0X", "0x") for k, v in hres.items()
        },
    )


def known_writer_id(name: str | None) -> str | None:
    """The class id of a well-known writer name, or None."""
    if not name:
        return None
    return tables().writer_ids.get(fold(name))


def hresult_for_message(text: str) -> str | None:
    """HRESULT whose documented message is this text (vssadmin prints ``Error: <message>``)."""
    return tables().error_texts.get(fold(text).rstrip("."))
