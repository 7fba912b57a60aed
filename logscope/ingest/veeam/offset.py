"""Inferring a Veeam server's UTC offset when no header or flag states it (for correlation).

Why: a Veeam log written without its header (a rolled file, a pasted excerpt) holds local wall
time of an unknown zone. Pairs of moments known to be seconds apart -- the Veeam line that a
checkpoint failed and the Hyper-V event (UTC) for the same VM, or a header's ``UTC Time`` and
the first entry after it -- give the offset. Real offsets are whole quarter hours, so each pair
votes for its nearest quarter hour; agreement and closeness make the confidence.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator
from datetime import datetime, timedelta

from ...events import UTC, Event

QUARTER = 900.0
#: Hyper-V writes its event before Veeam logs the failure; beyond this lag a pair says nothing.
MAX_RESIDUAL = timedelta(minutes=5)
MAX_OFFSET = timedelta(hours=14)


def _naive(t: datetime) -> datetime:
    """Wall clock reading: Veeam local times are kept as UTC-tagged wall time (``local``)."""
    return t.replace(tzinfo=None) if t.tzinfo is None else t.astimezone(UTC).replace(tzinfo=None)


def infer_offset(pairs: Iterable[tuple[datetime, datetime]]) -> tuple[timedelta, float]:
    """The UTC offset of a local clock from ``(veeam_local_time, utc_time)`` pairs, and how sure.

    ``veeam_local_time`` is the wall time as written (naive, or tz-aware with ``local``'s UTC
    tag); ``utc_time`` is the true UTC of the same moment (within minutes). Returns
    ``(offset, confidence)`` with ``utc = local - offset``; confidence is 0 when no pair fits
    (offset then 0), and grows with the share of pairs that agree, their closeness to a
    quarter hour and their number (one pair alone is at most 0.6).
    """
    votes: Counter[int] = Counter()
    residuals: dict[int, list[float]] = {}
    total = 0
    for local, utc in pairs:
        total += 1
        diff = (_naive(local) - _naive(utc)).total_seconds()
        quarters = round(diff / QUARTER)
        offset = timedelta(seconds=quarters * QUARTER)
        residual = abs(diff - quarters * QUARTER)
        if abs(offset) > MAX_OFFSET or residual > MAX_RESIDUAL.total_seconds():
            continue
        votes[quarters] += 1
        residuals.setdefault(quarters, []).append(residual)
    if not votes:
        return timedelta(0), 0.0
    (best, count), *rest = votes.most_common()
    if rest and rest[0][1] == count:
        # a tie: prefer the vote whose pairs sit closer to a quarter hour
        tied = [q for q, c in votes.items() if c == count]
        best = min(tied, key=lambda q: sum(residuals[q]) / len(residuals[q]))
    agree = count / total
    closeness = 1.0 - (sum(residuals[best]) / len(residuals[best])) / MAX_RESIDUAL.total_seconds()
    support = min(1.0, 0.6 + 0.2 * (count - 1))
    confidence = round(max(0.0, min(1.0, agree * closeness * support)), 3)
    return timedelta(seconds=best * QUARTER), confidence


def apply_offset(event: Event, offset: timedelta, source: str = "inferred") -> None:
    """Convert a ``local`` event's wall time with an offset found later (marks ``inferred``)."""
    if event.time is None or event.time_source != "local":
        return
    event.time = (event.time.replace(tzinfo=None) - offset).replace(tzinfo=UTC)
    event.time_source = source
    event.utc_offset = offset


#: Candidate pairs per VM at most (bounded work on a bundle with thousands of events per VM).
MAX_PAIRS_PER_VM = 2000


def pairs_by_vm(
    local_events: Iterable[Event], utc_events: Iterable[Event]
) -> Iterator[tuple[datetime, datetime]]:
    """Candidate ``(local, utc)`` pairs for :func:`infer_offset`: the same VM, within ±14 hours.

    Feed it the Veeam failures kept as ``local`` (e.g. ``data["status"] == "failed"``) and the
    Hyper-V host errors in UTC; pairs of the true offset agree on one quarter hour, stray
    pairs scatter, so the vote picks the offset and the share of stray pairs lowers the
    confidence.
    """
    by_vm: dict[str, list[datetime]] = {}
    for ev in utc_events:
        if ev.time is not None and ev.time_source == "utc" and ev.vm_name:
            by_vm.setdefault(ev.vm_name.casefold(), []).append(ev.time)
    counts: dict[str, int] = {}
    for ev in local_events:
        if ev.time is None or ev.time_source != "local" or not ev.vm_name:
            continue
        key = ev.vm_name.casefold()
        for utc in by_vm.get(key, ()):
            if abs(_naive(ev.time) - _naive(utc)) <= MAX_OFFSET + MAX_RESIDUAL:
                if counts.get(key, 0) >= MAX_PAIRS_PER_VM:
                    break
                counts[key] = counts.get(key, 0) + 1
                yield ev.time, utc
