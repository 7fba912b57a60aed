"""The one CSV cell limit every logscope CSV reader reads with.

Why one owner: the csv module's ``field_size_limit`` is process-wide state with no per-reader
setting. When the event-log CSV reader raised it for itself, every later CSV read in the
process (a Hyper-V state ``Export-Csv``) accepted cells it refused before, so the same bundle
read in another file order gave another result. Every reader takes its ``csv.reader`` from
here, which sets the same limit each time: a cell over it is a ``csv.Error`` (a located
problem), whichever file came first.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

#: Longest cell read, in characters (the csv module's default, 128 KiB, is shorter than some
#: event messages and listing cells).
MAX_CELL = 1 << 20


def csv_reader(lines: Iterable[str]) -> Iterator[list[str]]:
    """``csv.reader(lines)`` under logscope's cell limit (see the module docstring)."""
    csv.field_size_limit(MAX_CELL)
    return csv.reader(lines)
