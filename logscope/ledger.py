"""Per-file accounting: what each input gave, what was skipped and why.

Why a ledger and not log lines: a support engineer must be able to tell "the log held no
such event" from "logscope could not read that part of the log". Every parser fills one
``FileLedger`` per file, and every report prints it.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

#: Problems kept per file in full; beyond that they are only counted (bounded memory on
#: hostile input with millions of bad lines).
MAX_PROBLEMS_PER_FILE = 200
#: Places of messages not understood kept per file (the rest only counted).
MAX_NOT_UNDERSTOOD_PLACES = 20


@dataclass(slots=True)
class Problem:
    """Something a parser could not read or had to guess, with its place in the file."""

    where: str
    message: str
    code: str = "problem"

    def as_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message, "code": self.code}


@dataclass(slots=True)
class FileLedger:
    """The accounting for one input file (or archive member)."""

    path: str
    kind: str = "unknown"
    records: int = 0
    skipped: int = 0
    missing: int = 0
    recovered: int = 0
    #: Records counted in ``records`` without an event of their own: ``analyze`` read their
    #: System block and found nothing that can use them (see ``ingest/evtx/fold.Folder``).
    summarized: int = 0
    #: Text lines inside summarized records (a Veeam log's folded entries): read, in no
    #: event's range, not skipped (line accounting counts them as covered).
    summarized_lines: int = 0
    skip_reasons: Counter[str] = field(default_factory=Counter)
    problems: list[Problem] = field(default_factory=list)
    problems_dropped: int = 0
    size: int | None = None
    reason: str | None = None
    info: dict[str, Any] = field(default_factory=dict)
    #: Pasted messages in a language no shipped template reads: how many, and the first
    #: places (``{"line": n, "language": "de"}``). Said plainly in every report format.
    not_understood: int = 0
    not_understood_at: list[dict[str, Any]] = field(default_factory=list)

    def message_not_understood(self, line: int | None, language: str | None) -> None:
        """Count one localised message that no template matched."""
        self.not_understood += 1
        if len(self.not_understood_at) < MAX_NOT_UNDERSTOOD_PLACES:
            self.not_understood_at.append({"line": line, "language": language})

    def problem(self, where: str, message: str, code: str = "problem") -> None:
        """Record a problem; past the cap it is counted under ``problems_dropped``."""
        if len(self.problems) < MAX_PROBLEMS_PER_FILE:
            self.problems.append(Problem(where, message, code))
        else:
            self.problems_dropped += 1

    def skip(self, reason: str, count: int = 1) -> None:
        """Count input that did not become an event (lines, records, members) under a reason."""
        self.skipped += count
        self.skip_reasons[reason] += count

    def as_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "path": self.path,
            "kind": self.kind,
            "records": self.records,
            "skipped": self.skipped,
            "skip_reasons": dict(self.skip_reasons),
            "missing": self.missing,
            "problems": [p.as_dict() for p in self.problems],
        }
        if self.recovered:
            out["recovered"] = self.recovered
        if self.summarized:
            out["summarized"] = self.summarized
        if self.problems_dropped:
            out["problems_dropped"] = self.problems_dropped
        if self.size is not None:
            out["size"] = self.size
        if self.reason:
            out["reason"] = self.reason
        if self.info:
            out["info"] = self.info
        if self.not_understood:
            out["messages_not_understood"] = {"count": self.not_understood,
                                              "places": list(self.not_understood_at)}
        return out
