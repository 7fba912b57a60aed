"""Signature and hit data types (declared once, used by the loader, matcher, validator, reports)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..events import Event

SEVERITIES = ("info", "low", "medium", "high", "critical")
STATUSES = ("experimental", "test", "stable")
#: How an example record is written: native text run through the real parser of that kind
#: ("text" lets the content sniffing choose), or "event": a field mapping.
EXAMPLE_FORMATS = ("evtx-xml", "vssadmin", "veeam", "veeam-session", "veeam-guest", "event",
                   "text", "event-text", "powershell-error", "diskshadow", "veeam-agent",
                   "message-text", "hyperv-state")
#: Pasted-evidence forms: their example must be read as that very kind (a paste the reader
#: does not claim, or claims as another kind, would validate something other than it says).
STRICT_FORMATS = ("event-text", "powershell-error", "diskshadow", "veeam-agent",
                  "message-text", "hyperv-state")
#: The one key an example may carry beside its form: the public page its text is quoted from.
EXAMPLE_SOURCE_KEY = "source"


def severity_rank(name: str) -> int:
    """0 for info … 4 for critical; unknown names rank lowest."""
    try:
        return SEVERITIES.index(name)
    except ValueError:
        return -1


@dataclass(slots=True)
class Hint:
    """What a signature (or chain) tells the engineer: why, what to do, how sure."""

    cause: str
    remedy: list[str]
    evidence: str = ""
    confidence: float = 0.5
    collect: str = ""


@dataclass(slots=True)
class Signature:
    """One known failure (or benign) pattern, as loaded from a YAML file."""

    id: str
    title: str
    severity: str
    status: str
    kinds: tuple[str, ...]
    match: dict[str, Any]
    hint: Hint
    description: str = ""
    tags: tuple[str, ...] = ()
    references: tuple[str, ...] = ()
    catalogue: tuple[str, ...] = ()
    extract: dict[str, Any] = field(default_factory=dict)
    suppress: bool = False
    examples: dict[str, list[Any]] = field(default_factory=dict)
    baseline_hits: list[dict[str, Any]] = field(default_factory=list)
    path: str = ""
    line: int = 1
    library: str = "builtin"
    #: Where each top-level key was written (line, column), for validation messages.
    marks: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(slots=True)
class Hit:
    """One event matched by one signature, with the entities extracted for correlation."""

    signature: Signature
    event: Event
    fields: dict[str, Any]

    @property
    def time(self) -> datetime | None:
        return self.event.time

    def as_dict(self) -> dict[str, Any]:
        ev = self.event
        return {
            "signature": self.signature.id,
            "title": self.signature.title,
            "severity": self.signature.severity,
            "suppressed": self.signature.suppress,
            "time": ev.time.isoformat() if ev.time else None,
            "time_source": ev.time_source,
            "file": ev.file,
            "kind": ev.kind,
            "locator": ev.locator.as_dict(),
            "fields": self.fields,
            "text": ev.message,
        }
