"""From collected sessions to the report's ``throughput`` section: jobs, trends, hints.

Why the "slow" gate: Veeam names a primary bottleneck for every session, even a fast one, so
a bottleneck alone is never reported. A stage hint needs the stage to dominate the job's recent
sessions at high load AND at least one of those sessions to be slow by the data file's rules.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta
from typing import Any

from ..events import parse_offset
from ..match.model import Hit
from .config import Config, load
from .extract import Collector, order_key
from .session import Session

MB = 1 << 20
#: Evidence lines per hint (the sessions list carries all of them).
MAX_HINT_EVIDENCE = 16
#: Absolute times only: a Veeam time of unknown zone cannot be set beside a UTC host event.
ABSOLUTE = ("utc", "header", "flag", "inferred")


def section(collector: Collector, hits: list[Hit] | None = None,
            offsets: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    """The ``throughput`` report section (its ``hints`` use the shape of ``report["hints"]``).

    ``hits`` give the Windows-side context; ``offsets`` are the correlation stage's inferred
    Veeam UTC offsets (``[{"file", "offset"}]``), applied to sessions kept in local time.
    Empty (``{}``) when no Veeam session carried a throughput figure, so no format shows an
    empty section.
    """
    sessions = collector.sessions()
    if not sessions:
        return {}
    cfg = load()
    _apply_offsets(sessions, offsets or [])
    jobs_s = [s for s in sessions if s.scope == "job"]
    tasks_s = [s for s in sessions if s.scope == "task"]
    by_job: dict[str, list[Session]] = {}
    for s in jobs_s:
        by_job.setdefault(s.job_name or "?", []).append(s)
    slow = {key: why for ss in by_job.values() for key, why in _slow(ss, cfg).items()}
    context = _context(jobs_s, slow, hits or [], cfg)
    vms: dict[str | None, list[dict[str, Any]]] = {}
    for t in tasks_s:  # each job session lists its VMs (task sessions) in brief
        vms.setdefault(t.job_session_id, []).append({
            "vm": t.vm_name, "task_session_id": t.id, "status": t.status,
            "duration_s": t.duration_s, "rate_mb_s": _mb(t.rate_bytes_s)})
    rows = []
    for s in sessions:
        d = s.as_dict()
        if s.scope == "job":
            d["vms"] = vms.get(s.job_session_id, []) if s.job_session_id else []
        d["slow"] = id(s) in slow
        d["slow_reason"] = slow.get(id(s))
        d["full_read"] = _full_read(s, cfg)
        d["context"] = context.get(id(s), [])
        rows.append(d)
    hints: list[dict[str, Any]] = []
    trends: list[dict[str, Any]] = []
    jobs = []
    for name, ss in by_job.items():
        trends.extend(_trends(name, ss, cfg))
        hints.extend(_hints(name, ss, slow, context, cfg))
        rates = [r for s in ss if (r := s.rate_bytes_s) is not None]
        ids = {s.job_session_id for s in ss if s.job_session_id}
        jobs.append({
            "job": name,
            "servers": sorted({s.server for s in ss if s.server}),
            "sessions": len(ss),
            "task_sessions": sum(1 for t in tasks_s if t.job_session_id in ids),
            "first": ss[0].start.isoformat() if ss[0].start else None,
            "last": ss[-1].start.isoformat() if ss[-1].start else None,
            "median_rate_mb_s": round(_median(rates) / MB, 1) if rates else None,
            "bottlenecks": dict(Counter(s.bottleneck for s in ss if s.bottleneck)),
            "slow_sessions": sum(1 for s in ss if id(s) in slow),
            "time_sources": sorted({s.time_source for s in ss}),
        })
    return {
        "jobs": jobs,
        "sessions": rows,
        "trends": trends,
        "hints": hints,
        "stage_order": list(cfg.stage_order),
        "thresholds": {"slow": dict(cfg["slow"]), "high_load_percent": cfg["high_load_percent"],
                       "majority": cfg["majority"], "recent_sessions": cfg["recent_sessions"]},
        "dropped_sessions": collector.dropped,
    }


def _apply_offsets(sessions: list[Session], offsets: list[dict[str, Any]]) -> None:
    known: dict[str, timedelta] = {}
    for o in offsets:
        try:
            known[str(o["file"])] = parse_offset(str(o["offset"]))
        except (KeyError, ValueError):
            continue
    for s in sessions:
        off = known.get(s.file)
        if off is None or s.time_source != "local":
            continue
        s.start = s.start - off if s.start else None
        s.end = s.end - off if s.end else None
        s.last_seen = s.last_seen - off if s.last_seen else None
        s.time_source = "inferred"
    sessions.sort(key=order_key)


def _slow(ss: list[Session], cfg: Config) -> dict[int, str]:
    """Sessions of one job that were slow, with why (long enough AND slow rate or slowdown)."""
    rule = cfg["slow"]
    min_dur = float(rule["min_duration_minutes"]) * 60
    durs = [d for s in ss if s.completed and (d := s.duration_s)]
    best = min(durs) if durs else None
    out: dict[int, str] = {}
    for s in ss:
        dur = s.duration_s
        if dur is None or dur < min_dur:
            continue
        rate = s.rate_bytes_s
        if rate is not None and rate < float(rule["max_rate_mb_s"]) * MB:
            out[id(s)] = f"{rate / MB:.0f} MB/s over {_hms(dur)}"
        elif best and dur >= float(rule["slowdown_vs_best"]) * best:
            out[id(s)] = f"{_hms(dur)}, {dur / best:.1f}x the job's fastest ({_hms(best)})"
    return out


def _full_read(s: Session, cfg: Config) -> bool:
    if s.read_bytes is None or not s.processed_bytes:
        return False
    return s.read_bytes >= float(cfg["full_read_ratio"]) * s.processed_bytes


def _context(ss: list[Session], slow: dict[int, str], hits: list[Hit],
             cfg: Config) -> dict[int, list[dict[str, Any]]]:
    """Host-side hits (CSV redirected / paused, P38-P39) inside a slow session's window."""
    wanted = set(cfg["context_signatures"])
    ctx_hits = [h for h in hits if h.signature.id in wanted and h.time is not None]
    if not ctx_hits:
        return {}
    pad = timedelta(minutes=float(cfg["context_window_minutes"]))
    out: dict[int, list[dict[str, Any]]] = {}
    for s in ss:
        end = s.end or s.last_seen
        if id(s) not in slow or s.start is None or end is None or s.time_source not in ABSOLUTE:
            continue
        for h in ctx_hits:
            assert h.time is not None
            if s.start - pad <= h.time <= end + pad:
                ev = h.event
                out.setdefault(id(s), []).append({
                    "signature": h.signature.id, "file": ev.file,
                    "locator": ev.locator.as_dict(), "time": h.time.isoformat(),
                    "time_source": ev.time_source, "kind": ev.kind, "host": ev.host,
                    "text": ev.message[:300]})
    return out


def _trends(job: str, ss: list[Session], cfg: Config) -> list[dict[str, Any]]:
    """Slower / longer over time, and a stage whose load keeps rising, across one job's sessions."""
    t = cfg["trend"]
    out: list[dict[str, Any]] = []
    timed = [s for s in ss if s.start is not None]
    if len(timed) < int(t["min_sessions"]):
        return out
    rated = [s for s in timed if s.rate_bytes_s]
    if len(rated) >= int(t["min_sessions"]):
        first, last = rated[0].rate_bytes_s or 0.0, rated[-1].rate_bytes_s or 0.0
        if first and last <= float(t["rate_drop_ratio"]) * first:
            out.append(_trend(job, "slower", None, first / MB, last / MB, "MB/s", rated))
    durs = [s for s in timed if s.duration_s]
    if len(durs) >= int(t["min_sessions"]):
        first_d, last_d = durs[0].duration_s or 0.0, durs[-1].duration_s or 0.0
        if first_d and last_d >= float(t["duration_rise_ratio"]) * first_d:
            out.append(_trend(job, "longer", None, first_d / 60, last_d / 60, "min", durs))
    for stage in cfg.stage_order:
        seq = [s for s in timed if stage in s.load]
        if len(seq) < int(t["min_sessions"]):
            continue
        vals = [s.load[stage] for s in seq]
        steady = all(b >= a - int(t["load_fall_tolerance"]) for a, b in zip(vals, vals[1:]))
        if steady and vals[-1] - vals[0] >= int(t["load_rise_points"]):
            out.append(_trend(job, "load-rising", stage, vals[0], vals[-1], "%", seq))
    return out


def _trend(job: str, kind: str, stage: str | None, first: float, last: float, unit: str,
           ss: list[Session]) -> dict[str, Any]:
    text = {"slower": f"processing rate fell from {first:.0f} to {last:.0f} MB/s",
            "longer": f"duration grew from {first:.0f} to {last:.0f} min",
            "load-rising": f"{stage} load rose from {first:.0f}% to {last:.0f}%"}[kind]
    return {"job": job, "kind": kind, "stage": stage, "from": round(first, 1),
            "to": round(last, 1), "unit": unit, "text": f"{job}: {text} over {len(ss)} sessions",
            "sessions": [s.id for s in ss]}


def _hints(job: str, ss: list[Session], slow: dict[int, str],
           context: dict[int, list[dict[str, Any]]], cfg: Config) -> list[dict[str, Any]]:
    recent = [s for s in ss if s.bottleneck][-int(cfg["recent_sessions"]):]
    if not recent:
        return []
    high = int(cfg["high_load_percent"])
    out = []
    for stage, spec in cfg["hints"].items():
        based = [s for s in recent if s.bottleneck == stage
                 and (stage == "throttling" or s.load.get(stage, 0) >= high)]
        slow_based = [s for s in based if id(s) in slow]
        if len(based) <= float(cfg["majority"]) * len(recent) or not slow_based:
            continue
        out.append(_hint(job, stage, spec, based, slow_based, len(recent), slow, context, cfg))
    return out


def _hint(job: str, stage: str, spec: dict[str, Any], based: list[Session],
          slow_based: list[Session], recent: int, slow: dict[int, str],
          context: dict[int, list[dict[str, Any]]], cfg: Config) -> dict[str, Any]:
    rates = [r / MB for s in slow_based if (r := s.rate_bytes_s) is not None]
    durs = [d for s in slow_based if (d := s.duration_s) is not None]
    rate = ", ".join(p for p in (
        f"{min(rates):.0f}-{max(rates):.0f} MB/s" if rates else "",
        f"{_hms(min(durs))}-{_hms(max(durs))} long" if durs else "") if p) or "slowly"

    words = {"job": job, "count": len(based), "recent": recent,
             "load": cfg["high_load_percent"], "rate": rate}
    evidence: list[dict[str, Any]] = []
    for s in slow_based:
        evidence.extend(_session_evidence(s, spec["id"]))
        evidence.extend(context.get(id(s), []))
    full = [s.id for s in based if _full_read(s, cfg)]
    cause = spec["cause"].format(**words)
    if full:
        cause += f" {len(full)} of these sessions read (nearly) the whole disk."
    return {
        "id": spec["id"],
        "kind": "throughput",
        "title": spec["title"].format(**words),
        "severity": spec["severity"],
        "confidence": float(spec["confidence"]),
        "vm": None,
        "job": job,
        "stage": stage,
        "cause": cause,
        "remedy": list(spec["remedy"]),
        "evidence": evidence[:MAX_HINT_EVIDENCE],
        "evidence_kinds": sorted({e["kind"] for e in evidence}),
        "references": list(spec.get("references", [])),
        "missing_evidence": [],
        "steps": [],
        "sessions": [{"id": s.id, "start": s.start.isoformat() if s.start else None,
                      "duration_s": s.duration_s, "rate_mb_s": _mb(s.rate_bytes_s),
                      "load": dict(s.load), "bottleneck": s.bottleneck,
                      "slow": id(s) in slow, "slow_reason": slow.get(id(s)),
                      "full_read": s.id in full,
                      "context": context.get(id(s), [])} for s in based],
    }


def _session_evidence(s: Session, hint_id: str) -> list[dict[str, Any]]:
    """One item per session: its Load line, joined with the bottleneck line right after it."""
    items = [dict(e, signature=hint_id) for e in s.evidence
             if e["role"] in ("load", "bottleneck", "summary")]
    if (len(items) >= 2 and items[0]["role"] == "load" and items[1]["role"] == "bottleneck"
            and items[0]["file"] == items[1]["file"]
            and items[1]["locator"].get("line") == items[0]["locator"].get("line", -9) + 1):
        first, second = items[0], items[1]
        first["locator"] = dict(first["locator"], end_line=second["locator"]["line"])
        first["text"] = f"{first['text']} | {second['text']}"
        del items[1]
    for e in items:
        e.pop("role", None)
    return items


def _mb(rate: float | None) -> float | None:
    return round(rate / MB, 1) if rate is not None else None


def _hms(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"


def _median(values: list[float]) -> float:
    """``statistics.median``, imported when a report has session rates (it brings fractions
    and decimal: ~2.5 ms of every start-up otherwise)."""
    from statistics import median

    return median(values)
