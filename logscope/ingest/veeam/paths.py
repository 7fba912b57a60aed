"""What a Veeam log's place in a log export says: server, job, VM and log type.

Layout (../shared/corpus/text/FORMATS.md §2.5, partly inferred, so tolerant):
``yyyy-MM-ddTHHmmss_VeeamBackupLogs.zip/<server>/Backup/<Job>/Job.<Job>.Backup.log``,
``.../<Job>/Task.<VM>.<guid>.log``, ``.../<Job>/Agent.<Job>.Source....log``,
``.../Backup/Svc.VeeamBackup.log``; rolled logs as ``.log.1``, ``Job.<Job>.Backup.1.log``,
``<timestamp>_Job....log`` or ``.gz``. File names carry spaces and brackets as underscores,
so a name read from the log text (``Job Name: [...]``) is preferred when the parser sees one.
"""

from __future__ import annotations

from dataclasses import dataclass

from ...lazy import regex
from .data import load

_GUID_TAIL = regex(
    r"\.\{?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}\}?$"
)
_ROLL_TAIL = regex(r"\.\d{1,4}$")
_STAMP_HEAD = regex(r"^\d{4}-\d{2}-\d{2}T\d{6}_")


@dataclass(slots=True)
class LogPath:
    """Facts from a log's path; every field may be unknown."""

    server: str | None = None
    job_name: str | None = None
    vm_name: str | None = None
    log_type: str = "other"


def log_stem(name: str) -> str:
    """A log file name without rollover and compression suffixes (``Job.X.Backup``)."""
    stem = name
    low = stem.lower()
    for ext in (".gz", ".zip"):
        if low.endswith(ext):
            stem = stem[: -len(ext)]
            low = stem.lower()
    stem = _ROLL_TAIL.sub("", stem)
    if stem.lower().endswith(".log"):
        stem = stem[:-4]
    stem = _ROLL_TAIL.sub("", stem)
    return _STAMP_HEAD.sub("", stem)


def classify(display: str) -> LogPath:
    """Server, job, VM and log type a report path suggests (``a.zip/SRV/Backup/J/Job.J.log``)."""
    data = load()
    parts = [p for p in display.replace("\\", "/").split("/") if p]
    out = LogPath()
    if not parts:
        return out
    stem = log_stem(parts[-1])
    dirs = parts[:-1]
    # server: the folder right after the export root, else the folder holding "Backup"
    for i, part in enumerate(dirs):
        if data.export_root.match(part) and i + 1 < len(dirs):
            out.server = dirs[i + 1]
            break
    if out.server is None:
        for i, part in enumerate(dirs):
            if part.lower() == "backup" and i > 0:
                cand = dirs[i - 1]
                low = cand.lower()
                if low not in data.generic_dirs and not low.endswith((".zip", ".gz")):
                    out.server = cand
                break
    parent = dirs[-1] if dirs else None
    parent_is_job = (
        parent is not None
        and parent.lower() not in data.generic_dirs
        and parent != out.server
        and not parent.lower().endswith((".zip", ".gz"))
        and not data.export_root.match(parent)
    )
    if stem.startswith("Job."):
        out.log_type = "job"
        name = stem[4:]
        for suffix in data.job_log_suffixes:
            if name.endswith("." + suffix):
                name = name[: -len(suffix) - 1]
                break
        out.job_name = name or None
    elif stem.startswith("Task."):
        out.log_type = "task"
        out.vm_name = _GUID_TAIL.sub("", stem[5:]) or None
        out.job_name = parent if parent_is_job else None
    elif stem.startswith("Agent."):
        out.log_type = "agent"
        out.job_name = parent if parent_is_job else None
    elif stem.startswith("Svc."):
        out.log_type = "service"
    elif parent_is_job and out.server is not None:
        out.job_name = parent
    return out
