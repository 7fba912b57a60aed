"""Extra report sections contributed by other stages (e.g. a "Throughput" table).

Why a registry: every format renders the same report dict, and a stage that adds a top-level
key (``report["throughput"]``) should not have to edit six renderers. A section registers
how it looks in each format; a renderer shows every registered section whose key the report
holds, after the hints and before the files. A format a section does not render is skipped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

#: ``(value of report[key], report) -> lines`` for text/md, an HTML fragment for html.
Render = Callable[[Any, dict[str, Any]], "list[str] | str"]


@dataclass(slots=True)
class Section:
    key: str
    title: str
    text: Render | None = None
    markdown: Render | None = None
    html: Render | None = None


SECTIONS: list[Section] = []


def register(section: Section) -> None:
    """Add (or replace, by key) a section."""
    SECTIONS[:] = [s for s in SECTIONS if s.key != section.key] + [section]


def present(report: dict[str, Any], fmt: str) -> list[tuple[Section, Render]]:
    """The registered sections that this report holds data for, with their ``fmt`` renderer."""
    out = []
    for s in SECTIONS:
        fn = getattr(s, fmt, None)
        if fn is not None and report.get(s.key):
            out.append((s, fn))
    return out
