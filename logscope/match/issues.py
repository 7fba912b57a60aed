"""``LoadIssue``: one problem of a signature library, at its file:line:column.

Kept apart from the loader so the shape checks (``shape.py``), the chain loader and the
validator can all report in the same form without importing each other.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(slots=True)
class LoadIssue:
    """A problem found while loading or validating a signature file."""

    path: str
    line: int
    column: int
    message: str
    code: str = "invalid"
    #: "error" fails ``validate``; "warning" is counted and shown but does not.
    level: str = "error"

    def __str__(self) -> str:
        tag = "warning: " if self.level == "warning" else ""
        return f"{self.path}:{self.line}:{self.column}: {tag}{self.message}"


def mark(data: Any, key: str) -> tuple[int, int]:  # noqa: ANN401
    """Where ``key`` was written in a loaded mapping (the mapping's start when unknown)."""
    marks = getattr(data, "marks", {})
    return marks.get(key, getattr(data, "start", (1, 1)))
