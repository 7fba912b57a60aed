"""The throughput templates and thresholds, loaded once from ``data/throughput.yml``.

Why data: what counts as "slow" differs between sites and Veeam rewords its summary lines
between versions; changing either must not need a code change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from .. import datafiles

UNITS = {"": 1, "B": 1, "KB": 1 << 10, "MB": 1 << 20, "GB": 1 << 30, "TB": 1 << 40, "PB": 1 << 50}
_SIZE = re.compile(r"^\s{0,4}(\d{1,15}(?:[.,]\d{1,6})?)\s{0,2}([KMGTP]?B)?\s{0,4}$")


@dataclass(frozen=True, slots=True)
class Config:
    """Everything in ``throughput.yml``, with the regexes compiled."""

    raw: dict[str, Any]
    load_prefix: str
    load_part: re.Pattern[str]
    bottleneck: re.Pattern[str]
    transferred: re.Pattern[str]
    completed: re.Pattern[str]
    summary: dict[str, re.Pattern[str]]
    stages: dict[str, str]
    stage_order: tuple[str, ...]

    def __getitem__(self, key: str) -> Any:  # noqa: ANN401 - plain YAML values
        return self.raw[key]

    def stage(self, name: str) -> str | None:
        """Veeam's stage word (``Source``, ``Target WAN``) → report key, None if unknown."""
        return self.stages.get(" ".join(name.lower().split()))


@lru_cache(maxsize=1)
def load() -> Config:
    raw = datafiles.table("throughput.yml")
    lines = raw["lines"]
    return Config(
        raw=raw,
        load_prefix=lines["load_prefix"],
        load_part=re.compile(lines["load_part"]),
        bottleneck=re.compile(lines["bottleneck"]),
        transferred=re.compile(lines["transferred"]),
        completed=re.compile(lines["completed"]),
        summary={k: re.compile(v) for k, v in lines["summary"].items()},
        stages={str(k): str(v) for k, v in raw["stages"].items()},
        stage_order=tuple(raw["stage_order"]),
    )


def parse_size(text: str) -> int | None:
    """``'1024 MB'``, ``'1.6 MB'``, ``'0 B'``, ``'123456'`` → bytes (binary units, as Veeam prints)."""
    m = _SIZE.match(text)
    if m is None:
        return None
    number = float(m.group(1).replace(",", "."))
    return int(number * UNITS[m.group(2) or ""])
