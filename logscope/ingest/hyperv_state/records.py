"""One object as a parser found it: its properties as written, and where it is in the file."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

#: Prefixes a paste or a commented script adds to every line of a listing.
_PREFIX = re.compile(r"^(?:[#>]\s?)+")


@dataclass(slots=True)
class Record:
    """Properties in the order written (``Name`` → raw value) and the 1-based line range."""

    props: dict[str, Any]
    line: int
    end_line: int
    form: str
    #: The .NET type an Export-Csv ``#TYPE`` line names, if any.
    type_name: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


def strip_prefix(text: str) -> str:
    """``# VMName ...`` / ``> VMName ...`` → ``VMName ...`` (comment or quote prefix)."""
    return _PREFIX.sub("", text, count=1)
