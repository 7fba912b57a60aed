"""``data/collect_script.yml``, loaded once with the project's safe YAML loader."""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from typing import Any

from .. import yamlio

NAME = "data/collect_script.yml"


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    text = resources.files("logscope").joinpath(NAME).read_text("utf-8")
    data = yamlio.load(text, f"logscope/{NAME}")
    if not isinstance(data, dict):
        raise ValueError(f"logscope/{NAME}: not a mapping")
    return data
