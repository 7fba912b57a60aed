"""Per job and task session throughput figures, collected from Veeam events as they stream.

Why a collector fed one event at a time: the pipeline never holds all events, so this keeps
only a small record per session (times, byte counts, stage loads, the few lines cited as
evidence) and reads the figures from ``event.message`` itself, because the Veeam parser's
entities stop at job, session, VM and status.

Start-up: the line patterns (``config.py``) and the ``Session`` class load on the first Veeam
event (the imports in the methods below): a run of .evtx files only meets ``feed``'s first
test.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..events import Event

if TYPE_CHECKING:
    from .config import Config
    from .session import Session

#: Sessions kept per run: a bundle with more is summarised from the first ones (counted).
MAX_SESSIONS = 20_000
#: Lines kept as evidence per session (load, bottleneck, completion...).
MAX_EVIDENCE = 6
#: Only the start of a message is searched: every template sits on the first line.
SCAN_CHARS = 2048
#: Parts a Load line may have (Veeam's data pipe has seven stages).
MAX_STAGES = 8

KINDS = ("veeam", "veeam-session")
#: Words of the console summary templates: a cheap test before their regexes run.
SUMMARY_NEEDLES = ("Processing rate", "Duration:", "Bottleneck:", "Transferred:")


def _load() -> Config:
    from .config import load  # a Veeam run only (module docstring)

    return load()


def _size(text: str) -> int | None:
    from .config import parse_size  # a Veeam run only (module docstring)

    return parse_size(text)


def parse_load(text: str, cfg: Config | None = None) -> dict[str, int] | None:
    """``Load: Source 95% > Proxy 0% > Network 0% > Target 0%`` → {stage: percent}."""
    cfg = cfg or _load()
    body = text.strip()
    if not body.startswith(cfg.load_prefix):
        return None
    parts = body[len(cfg.load_prefix):].split(">", MAX_STAGES)
    if len(parts) > MAX_STAGES:  # Veeam has seven stages; more is not a Load line
        return None
    out: dict[str, int] = {}
    for part in parts:
        m = cfg.load_part.match(part)
        if m is None:
            return None
        stage = cfg.stage(m.group("stage"))
        if stage is None:
            return None
        out[stage] = min(100, int(m.group("pct")))
    return out or None


def parse_bottleneck(text: str, cfg: Config | None = None) -> str | None:
    """``Primary bottleneck: Source`` → ``source``."""
    cfg = cfg or _load()
    m = cfg.bottleneck.match(text.strip())
    return cfg.stage(m.group("stage")) if m else None


def needles(cfg: Config | None = None) -> tuple[str, ...]:
    """Literals every line :meth:`Collector.feed` reads more from than its time contains
    (a reader may count the lines that hold none; ``match/text_gate``)."""
    from ..match.regex_literal import longest_literal  # a Veeam run only

    cfg = cfg or _load()
    return (cfg.load_prefix, "Primary bottleneck", "has been completed, status:",
            longest_literal(cfg.transferred) or "", *SUMMARY_NEEDLES)


class Collector:
    """Feed every event; read ``sessions()`` at the end. Non-Veeam events cost one test."""

    def __init__(self) -> None:
        self.jobs: dict[str, Session] = {}
        self.tasks: dict[str, Session] = {}
        self.dropped = 0
        self._file_task: dict[str, str] = {}  # task log file -> its current task session

    @property
    def cfg(self) -> Config:
        """The line patterns, read on the first Veeam event (a bundle of .evtx never needs them)."""
        return _load()

    # -- feeding ------------------------------------------------------------------------------
    def feed(self, ev: Event) -> None:
        if ev.kind not in KINDS:
            return
        d = ev.data
        key = d.get("job_session_id") or f"{ev.file}|{ev.job_name or '?'}"
        job = self._session(self.jobs, "job", str(key), ev)
        if job is None:
            return
        if d.get("job_session_id"):
            job.job_session_id = str(d["job_session_id"])
        task = self._task_of(ev, job)
        text = ev.message[:SCAN_CHARS].split("\n", 1)[0]
        stripped = text.strip()
        target = task if (task is not None and d.get("log_type") == "task") else job
        if stripped.startswith(self.cfg.load_prefix):
            loads = parse_load(stripped, self.cfg)
            if loads:
                target.load = loads
                self._cite(target, ev, "load")
            return
        if stripped.startswith("Primary bottleneck"):
            stage = parse_bottleneck(stripped, self.cfg)
            if stage:
                target.bottleneck = stage
                self._cite(target, ev, "bottleneck")
            return
        m = self.cfg.transferred.match(stripped)
        if m:
            target.transferred_bytes = _size(m.group("size"))
            self._cite(target, ev, "transferred")
            return
        if "has been completed, status:" in text:
            self._completed(ev, text, job, task)
            return
        if ev.kind == "veeam-session" or any(n in text for n in SUMMARY_NEEDLES):
            self._summary(ev, text, target)

    def _session(self, table: dict[str, Session], scope: str, key: str,
                 ev: Event) -> Session | None:
        s = table.get(key)
        if s is None:
            if len(self.jobs) + len(self.tasks) >= MAX_SESSIONS:
                self.dropped += 1
                return None
            from .session import Session  # a Veeam run only (module docstring)

            s = table[key] = Session(scope=scope, id=key, file=ev.file)
        if ev.job_name:  # the name the log states wins over the one its file name suggests
            s.job_name = ev.job_name
        server = ev.data.get("server") or ev.host
        if server and not s.server:
            s.server = str(server)
        if ev.time is not None:
            if s.start is None or ev.time < s.start:
                s.start = ev.time
                s.time_source = ev.time_source
            if s.last_seen is None or ev.time > s.last_seen:
                s.last_seen = ev.time
        return s

    def _task_of(self, ev: Event, job: Session) -> Session | None:
        d = ev.data
        tid = d.get("task_session_id")
        if tid is None and d.get("log_type") == "task":
            tid = self._file_task.get(ev.file)
        if tid is None:
            return None
        tid = str(tid)
        task = self._session(self.tasks, "task", tid, ev)
        if task is None:
            return None
        if d.get("log_type") == "task":
            self._file_task[ev.file] = tid
        if ev.vm_name and not task.vm_name:
            task.vm_name = ev.vm_name
        if job.job_session_id and not task.job_session_id:
            task.job_session_id = job.job_session_id
        return task

    def _completed(self, ev: Event, text: str, job: Session, task: Session | None) -> None:
        m = self.cfg.completed.search(text)
        if m is None:
            return
        is_task = text.lstrip().startswith("Task session") and task is not None
        s = task if is_task and task is not None else job
        s.completed = True
        s.end = ev.time or s.end
        s.status = str(ev.data.get("status") or m.group("status").lower())
        if m.group("done"):
            s.processed_bytes = _size(m.group("done"))
            s.total_bytes = _size(m.group("total"))
        self._cite(s, ev, "completed")

    def _summary(self, ev: Event, text: str, s: Session) -> None:
        pats = self.cfg.summary
        hit = False
        if m := pats["rate"].search(text):
            size = _size(m.group("size"))
            s.stated_rate = float(size) if size is not None else None
            hit = True
        if m := pats["read"].search(text):
            s.read_bytes = _size(m.group("size"))
            hit = True
        if m := pats["transferred"].search(text):
            s.transferred_bytes = _size(m.group("size"))
            hit = True
        if m := pats["duration"].search(text):
            s.stated_duration = float(int(m["h"]) * 3600 + int(m["m"]) * 60 + int(m["s"]))
            hit = True
        if m := pats["bottleneck"].match(text):
            stage = self.cfg.stage(m.group("stage"))
            if stage:
                s.bottleneck = stage
                hit = True
        if hit:
            self._cite(s, ev, "summary")

    @staticmethod
    def _cite(s: Session, ev: Event, role: str) -> None:
        if len(s.evidence) >= MAX_EVIDENCE:
            return
        s.evidence.append({
            "role": role,
            "file": ev.file,
            "locator": ev.locator.as_dict(),
            "time": ev.time.isoformat() if ev.time else None,
            "time_source": ev.time_source,
            "kind": ev.kind,
            "text": ev.message[:300],
        })

    # -- results ----------------------------------------------------------------------------------
    def sessions(self) -> list[Session]:
        """Job and task sessions that carry any throughput figure, in time order."""
        out = [s for s in (*self.jobs.values(), *self.tasks.values()) if _has_figures(s)]
        out.sort(key=order_key)
        return out


def order_key(s: Session) -> tuple[bool, float, str, str]:
    """Time order, sessions without a time last."""
    return (s.start is None, s.start.timestamp() if s.start else 0.0, s.scope, s.id)


def _has_figures(s: Session) -> bool:
    return bool(s.load or s.bottleneck or s.completed or s.stated_rate is not None)
