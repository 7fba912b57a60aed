"""Unprefixed lines after a timed entry, for the readers whose entries are a timed line plus
the untimed lines after it (the guest helper log, SqlWriterLogger).

Why one piece: the line accounting must be the same in each: a continuation joins the entry
before it (up to a bound), blank lines are held until the next line tells whether they are
inside an entry, and a line that joins nothing is skipped with a problem naming its line.
"""

from __future__ import annotations

from ...events import Event
from ...ledger import FileLedger

#: Lines joined to one entry at most (bounded memory on a file of untimed lines).
MAX_ENTRY_LINES = 5000


class Continuations:
    """Holds the line counters between an entry's timed line and the next one."""

    __slots__ = ("ledger", "unparsed", "lines", "blanks")

    def __init__(self, ledger: FileLedger, unparsed: str) -> None:
        self.ledger = ledger
        self.unparsed = unparsed  # problem text for a line that joins no entry
        self.lines = 0
        self.blanks = 0

    def blank(self) -> None:
        self.blanks += 1

    def line(self, cur: Event | None, lineno: int, text: str) -> None:
        """An untimed, non-blank line: part of ``cur``, or skipped with a problem."""
        if cur is not None and self.lines < MAX_ENTRY_LINES:
            cur.message += "\n" + text.rstrip()
            cur.locator.end_line = lineno  # blank lines before it are inside the entry
            self.lines += 1 + self.blanks
            self.blanks = 0
            return
        self.flush()
        self.ledger.skip("line fits no form")
        self.ledger.problem(f"line {lineno}", self.unparsed, "unparsed-line")

    def flush(self) -> None:
        """Held blank lines are outside any entry (a timed line or the end follows)."""
        if self.blanks:
            self.ledger.skip("blank line", self.blanks)
            self.blanks = 0

    def new_entry(self) -> None:
        self.lines = 0
