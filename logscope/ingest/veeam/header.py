"""The un-prefixed header block Veeam writes at every process start ("Starting new log").

Why it matters: it is the only place a server log states its machine, product version, job and
session ids and -- most important -- its UTC offset (``UTC offset: 2.00 hours``), which changes
between runs when daylight saving time starts or ends. It is metadata, never an entry.
Format: ../shared/corpus/text/FORMATS.md §2.2 (observed in a real v11 Job log).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from ...lazy import regex

_GUID = regex(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")
_OFFSET = regex(r"^UTC offset: ?(?P<h>[+-]?\d{1,2}(?:[.,]\d{1,2})?) ?hours?", re.I)
_UTC_TIME = regex(
    r"UTC Time: \[(?P<t>[^\]]{1,64})\](?:, DaylightSavingTime: \[(?P<dst>\w{1,8})\])?"
)
_MACHINE = regex(r"MachineName: \[(?P<m>[^\]]{0,255})\](?:, OS: \[(?P<os>[^\]]{0,255})\])?")
_CULTURE = regex(r"^Culture: \[(?P<c>[^\]]{0,32})\]")
_MODULE = regex(r"^Module: \[(?P<path>[^\]]{0,1024})\]\. File version: \[(?P<v>[^\]]{0,64})\]")
_CMDLINE = regex(r"^CmdLineParams: \[(?P<c>.{0,4096})\]\s*$")
_USER = regex(r"^Log has been started by '(?P<u>[^']{0,256})'")
_PID = regex(r"PID: \[(?P<pid>\d{1,10})\]")

#: Culture-specific ways the header prints ``UTC Time`` (en-US is the one observed).
_UTC_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%d.%m.%Y %H:%M:%S",
    "%d/%m/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%d/%m/%Y %I:%M:%S %p",
    "%d-%m-%Y %H:%M:%S",
)


def is_header_start(line: str) -> bool:
    """The ``=====`` rule or ``Starting new log`` line that opens a run's header block."""
    s = line.strip()
    return (len(s) >= 20 and s.count("=") == len(s)) or s == "Starting new log"


@dataclass(slots=True)
class RunHeader:
    """Metadata of one process run (one header block)."""

    index: int
    line: int
    end_line: int = 0
    machine: str | None = None
    os: str | None = None
    user: str | None = None
    pid: int | None = None
    culture: str | None = None
    utc_time_text: str | None = None
    dst: bool | None = None
    utc_offset: timedelta | None = None
    process: str | None = None
    version: str | None = None
    command: str | None = None
    job_id: str | None = None
    job_session_id: str | None = None
    lines: int = 0
    extra: dict[str, str] = field(default_factory=dict)

    def feed(self, lineno: int, text: str) -> None:
        """Read one header line (unknown lines are kept only as a count)."""
        self.end_line = lineno
        self.lines += 1
        s = text.strip()
        if m := _OFFSET.match(s):
            hours = float(m.group("h").replace(",", "."))
            if abs(hours) <= 14:
                self.utc_offset = timedelta(minutes=round(hours * 60))
        elif m := _UTC_TIME.search(s):
            self.utc_time_text = m.group("t")
            if m.group("dst"):
                self.dst = m.group("dst").lower() == "true"
        elif m := _MACHINE.search(s):
            self.machine = m.group("m") or None
            self.os = m.group("os")
        elif m := _CULTURE.match(s):
            self.culture = m.group("c")
        elif (m := _MODULE.match(s)) and self.version is None:
            self.process = m.group("path").replace("\\", "/").rsplit("/", 1)[-1]
            self.version = m.group("v")
        elif m := _CMDLINE.match(s):
            self.command = m.group("c")
            guids = _GUID.findall(self.command)
            # startbackupjob owner=[vbsvc] Normal <jobId> <sessionId> (observed, v11)
            if len(guids) >= 1:
                self.job_id = guids[0].lower()
            if len(guids) >= 2:
                self.job_session_id = guids[1].lower()
        elif m := _USER.match(s):
            self.user = m.group("u")
        elif m := _PID.search(s):
            self.pid = int(m.group("pid"))

    def utc_time_candidates(self) -> list[datetime]:
        """``UTC Time`` read in every culture format that fits (naive, UTC)."""
        if not self.utc_time_text:
            return []
        out = []
        for fmt in _UTC_FORMATS:
            try:
                out.append(datetime.strptime(self.utc_time_text.strip(), fmt))
            except ValueError:
                continue
        return out

    def offset_from_first_entry(self, first_local: datetime) -> timedelta | None:
        """The offset the header implies when it has ``UTC Time`` but no ``UTC offset`` line.

        The first entry is written a moment after the header's ``UTC Time``; their difference,
        rounded to a quarter hour, is the offset when the rounding error is under two minutes.
        """
        best: timedelta | None = None
        for utc in self.utc_time_candidates():
            diff = first_local - utc
            quarter = timedelta(minutes=15 * round(diff.total_seconds() / 900))
            if abs(quarter) <= timedelta(hours=14) and abs(diff - quarter) <= timedelta(minutes=2):
                if best is None or abs(diff - quarter) < abs(best - quarter):
                    best = quarter
        return best

    def as_dict(self) -> dict[str, object]:
        """For ``ledger.info`` (report: the runs a log holds)."""
        out: dict[str, object] = {"line": self.line}
        for name in ("machine", "os", "user", "pid", "culture", "utc_time_text", "dst",
                     "process", "version", "job_id", "job_session_id"):
            value = getattr(self, name)
            if value is not None:
                out[name] = value
        if self.utc_offset is not None:
            minutes = int(self.utc_offset.total_seconds() // 60)
            out["utc_offset_minutes"] = minutes
        return out
