"""Extra report sections contributed by other stages (e.g. a "Throughput" table).

Why a registry: every format renders the same report dict, and a stage that adds a top-level
key (``report["throughput"]``) should not have to edit six renderers. A section registers
how it looks in each format; a renderer shows every registered section whose key the report
holds, after the hints and before the files. A format a section does not render is skipped.

A stage's section module registers itself when imported; ``present`` imports the module of
each section the report holds data for (``PROVIDERS``), so a run whose report has no such
section never loads the stage's rendering code (start-up).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
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
#: The order the sections appear in, whatever order their stages were imported in (the
#: imports a run needs change as start-up work is deferred); a key not listed comes after
#: these, in the order it registered.
ORDER = ("throughput", "hyperv_state")
#: The module that registers each stage's section (on import).
PROVIDERS = {"throughput": "logscope.throughput.render", "hyperv_state": "logscope.state.section"}


def register(section: Section) -> None:
    """Add (or replace, by key) a section."""
    kept = [s for s in SECTIONS if s.key != section.key] + [section]
    SECTIONS[:] = sorted(kept, key=lambda s: ORDER.index(s.key) if s.key in ORDER else len(ORDER))


def present(report: dict[str, Any], fmt: str) -> list[tuple[Section, Render]]:
    """The registered sections that this report holds data for, with their ``fmt`` renderer.

    A section that fails to render shows a one-line note instead: a contributed section
    must never cost the user the hints.
    """
    for key, module in PROVIDERS.items():
        if report.get(key):
            import_module(module)
    out: list[tuple[Section, Render]] = []
    for s in SECTIONS:
        fn = getattr(s, fmt, None)
        if fn is not None and report.get(s.key):
            out.append((s, _guarded(s, fn, fmt)))
    return out


def _guarded(s: Section, fn: Render, fmt: str) -> Render:
    def run(value: Any, report: dict[str, Any]) -> list[str] | str:  # noqa: ANN401
        try:
            return fn(value, report)
        except Exception as exc:  # noqa: BLE001 - isolate a contributed section's bug
            note = f"(the {s.title} section could not be rendered: {type(exc).__name__})"
            return f"<p>{note}</p>" if fmt == "html" else [note]
    return run
