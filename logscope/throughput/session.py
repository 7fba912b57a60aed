"""One Veeam job or task session's figures, as the throughput collector keeps them.

Its own module so that the class is made only when a run has a Veeam session (start-up:
``extract.py`` imports it on the first one).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(slots=True)
class Session:
    """One Veeam job session (``scope="job"``) or task session (``scope="task"``, one VM)."""

    scope: str
    id: str
    file: str
    job_name: str | None = None
    job_session_id: str | None = None
    vm_name: str | None = None
    server: str | None = None
    start: datetime | None = None
    end: datetime | None = None
    last_seen: datetime | None = None
    time_source: str = "none"
    status: str | None = None
    completed: bool = False
    processed_bytes: int | None = None
    total_bytes: int | None = None
    read_bytes: int | None = None
    transferred_bytes: int | None = None
    stated_rate: float | None = None
    stated_duration: float | None = None
    load: dict[str, int] = field(default_factory=dict)
    bottleneck: str | None = None
    evidence: list[dict[str, Any]] = field(default_factory=list)

    @property
    def duration_s(self) -> float | None:
        """Seconds from the first line of the session to its completion (or Veeam's own figure)."""
        if self.stated_duration is not None:
            return self.stated_duration
        end = self.end or self.last_seen
        if self.start is None or end is None:
            return None
        return max(0.0, (end - self.start).total_seconds())

    @property
    def rate_bytes_s(self) -> float | None:
        """Processing rate: Veeam's figure when it printed one, else processed bytes / duration."""
        if self.stated_rate is not None:
            return self.stated_rate
        dur = self.duration_s
        if self.processed_bytes is None or not dur:
            return None
        return self.processed_bytes / dur

    def as_dict(self) -> dict[str, Any]:
        rate = self.rate_bytes_s
        dur = self.duration_s
        return {
            "scope": self.scope,
            "id": self.id,
            "job": self.job_name,
            "job_session_id": self.job_session_id,
            "vm": self.vm_name,
            "server": self.server,
            "file": self.file,
            "start": self.start.isoformat() if self.start else None,
            "end": (self.end or self.last_seen).isoformat() if (self.end or self.last_seen) else None,
            "time_source": self.time_source,
            "completed": self.completed,
            "duration_s": round(dur, 1) if dur is not None else None,
            "status": self.status,
            "processed_bytes": self.processed_bytes,
            "total_bytes": self.total_bytes,
            "read_bytes": self.read_bytes,
            "transferred_bytes": self.transferred_bytes,
            "rate_mb_s": round(rate / (1 << 20), 1) if rate is not None else None,
            "rate_stated": self.stated_rate is not None,
            "load": dict(self.load),
            "bottleneck": self.bottleneck,
            "evidence": list(self.evidence),
        }
