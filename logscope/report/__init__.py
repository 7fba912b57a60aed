"""Stage 5: the report dict → text, json, jsonl, csv, md, html.

``RENDERERS`` is the explicit registry of formats; each renderer takes the report dict built
by ``report.build.build_report`` and returns a string.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def _text(report: dict[str, Any], color: bool) -> str:
    from .text import render_text

    return render_text(report, color=color)


def _json(report: dict[str, Any], color: bool) -> str:
    from .machine import render_json

    return render_json(report)


def _jsonl(report: dict[str, Any], color: bool) -> str:
    from .machine import render_jsonl

    return render_jsonl(report)


def _csv(report: dict[str, Any], color: bool) -> str:
    from .machine import render_csv

    return render_csv(report)


def _md(report: dict[str, Any], color: bool) -> str:
    from .markdown import render_markdown

    return render_markdown(report)


def _html(report: dict[str, Any], color: bool) -> str:
    from .html import render_html

    return render_html(report)


RENDERERS: dict[str, Callable[[dict[str, Any], bool], str]] = {
    "text": _text,
    "json": _json,
    "jsonl": _jsonl,
    "csv": _csv,
    "md": _md,
    "html": _html,
}


def render(report: dict[str, Any], fmt: str, *, color: bool = False) -> str:
    return RENDERERS[fmt](report, color)


def render_bytes(report: dict[str, Any], fmt: str, *, color: bool = False) -> bytes:
    """The report as UTF-8 bytes to write; json straight from the encoder (no text copy)."""
    if fmt == "json":
        from .machine import json_bytes

        return json_bytes(report)
    return render(report, fmt, color=color).encode("utf-8")
