"""The Veeam parsers' word lists and sentence templates, loaded once from the data file.

Source: ``data/veeam_patterns.yml``.

Why data and not code: Veeam rewords messages between versions and new failure sentences turn
up in every support case; adding one must not need a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from ... import datafiles
from ...match.regex_literal import longest_literal


@dataclass(frozen=True, slots=True)
class EntityRule:
    """One sentence template: a regex with named groups, and the status it implies.

    ``needle`` is a literal every match must contain (lower-case when the regex ignores
    case): a plain substring test skips the regex for the many entries it cannot match.
    """

    regex: re.Pattern[str]
    status: str | None = None
    scope: str | None = None
    needle: str | None = None
    ignore_case: bool = False


def _rule(raw: dict[str, Any]) -> EntityRule:
    rx = re.compile(raw["re"])
    return EntityRule(rx, raw.get("status"), raw.get("scope"), longest_literal(rx),
                      bool(rx.flags & re.IGNORECASE))


@dataclass(frozen=True, slots=True)
class VeeamData:
    levels: dict[str, str]
    guest_levels: dict[str, str]
    stack_frame_starts: tuple[str, ...]
    job_log_suffixes: tuple[str, ...]
    generic_dirs: frozenset[str]
    export_root: re.Pattern[str]
    statuses: dict[str, str]
    writer_states: dict[str, int]
    session_markers: tuple[str, ...]
    session_level_tags: dict[str, str]
    session_level_words: tuple[tuple[str, tuple[str, ...]], ...]
    agent_level_words: tuple[tuple[str, tuple[str, ...]], ...]
    session_header: re.Pattern[str]


@lru_cache(maxsize=1)
def entity_rules() -> tuple[EntityRule, ...]:
    """The sentence templates, compiled once, when an entry is first read: apart from
    :func:`load` because detection reads the word lists only (43 patterns, ~8 ms)."""
    return tuple(_rule(r) for r in datafiles.table("veeam_patterns.yml")["entities"])


@lru_cache(maxsize=1)
def load() -> VeeamData:
    """The compiled tables (cached: every parse of every file shares them); the sentence
    templates are :func:`entity_rules`."""
    raw: dict[str, Any] = datafiles.table("veeam_patterns.yml")
    return VeeamData(
        levels={str(k): str(v) for k, v in raw["levels"].items()},
        guest_levels={str(k): str(v) for k, v in raw["guest_levels"].items()},
        stack_frame_starts=tuple(raw["stack_frame_starts"]),
        job_log_suffixes=tuple(raw["job_log_suffixes"]),
        generic_dirs=frozenset(d.lower() for d in raw["generic_dirs"]),
        export_root=re.compile(raw["export_root"]),
        statuses={str(k).lower(): str(v) for k, v in raw["statuses"].items()},
        writer_states={str(k): int(v) for k, v in raw["writer_states"].items()},
        session_markers=tuple(raw["session_markers"]),
        session_level_tags={str(k).lower(): str(v)
                            for k, v in raw["session_level_tags"].items()},
        session_level_words=tuple(
            (lvl, tuple(w.lower() for w in words))
            for lvl, words in raw["session_level_words"].items()
        ),
        agent_level_words=tuple(
            (lvl, tuple(w.lower() for w in words))
            for lvl, words in raw["agent_level_words"].items()
        ),
        session_header=re.compile(raw["session_header"]),
    )
