"""Infer a Veeam server's UTC offset from pairs of events that must be seconds apart.

Why: Veeam writes local time and old logs state no zone. The Veeam line that a checkpoint
failed follows the Hyper-V host's UTC event for the same VM by seconds to a minute, so the
difference of such pairs, rounded to the nearest quarter hour, is the server's offset. The
answer carries how many pairs agreed, and is reported; nothing is converted silently.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import timedelta

QUARTER = 15 * 60
#: Product lines follow the host event by up to this much (catalogue §0.3: 0…+180 s).
MAX_LAG = 420


@dataclass(slots=True)
class OffsetGuess:
    offset: timedelta
    pairs: int
    agreeing: int

    @property
    def confidence(self) -> float:
        return round(self.agreeing / self.pairs, 2) if self.pairs else 0.0


def infer_offset(pairs: list[tuple[float, float]]) -> OffsetGuess | None:
    """``pairs`` of (local wall time as POSIX seconds-if-it-were-UTC, true UTC seconds).

    Returns the most common quarter-hour offset whose residual lag is within ``MAX_LAG``.
    """
    votes: Counter[int] = Counter()
    for local, utc in pairs:
        diff = local - utc
        # the product line lags the host event by ~0-3 min: centre the rounding on +60 s
        q = round((diff - 60) / QUARTER) * QUARTER
        lag = diff - q
        if abs(q) <= 14 * 3600 and -120 <= lag <= MAX_LAG:
            votes[q] += 1
    if not votes:
        return None
    best, n = votes.most_common(1)[0]
    return OffsetGuess(timedelta(seconds=best), pairs=sum(votes.values()), agreeing=n)
