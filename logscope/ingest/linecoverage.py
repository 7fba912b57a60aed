"""Which lines of a text file the events cover, and the count of the lines none covers.

Why a module of its own: "nothing is lost" (every line of a text log is in an event's line
range or counted as skipped) is checked after parsing, from the events' locators and the
ledger; it shares nothing with decoding and splitting the lines (``textio``) but the file's
line count, which ``textio`` leaves in ``ledger.info["lines"]``.
"""

from __future__ import annotations

from ..ledger import FileLedger

#: Skip reasons that do not stand for whole lines (so they are not line counts).
NOT_LINES = frozenset({"overlong line tail"})
UNACCOUNTED = "line in no record (banner, blank or framing)"


class LineCoverage:
    """Which lines of a text file the events cover, from their ``line``/``end_line`` locators.

    Why: "nothing is lost" means every line of a text log is in an event's range or counted
    as skipped. Ranges usually arrive in order and merge as they come; a listing whose records
    are apart (blank lines between vssadmin writers) would still keep one range per record,
    so past ``window`` ranges the oldest half is folded into a count (``folded``) and only a
    frontier line is kept: memory is flat in the file size. A range that starts at or below
    the frontier (one that goes back over more than ``window`` records) counts only its lines
    above it, and ``approximate`` says the count may then be short (never silently).
    """

    __slots__ = ("ranges", "unordered", "folded", "frontier", "approximate", "window")

    def __init__(self, window: int = 4096) -> None:
        self.ranges: list[list[int]] = []
        self.unordered = False
        self.folded = 0  # lines covered by ranges folded away (all at or below ``frontier``)
        self.frontier = 0
        self.approximate = 0  # ranges that reached back over the frontier
        self.window = max(2, window)

    def add(self, line: int | None, end_line: int | None) -> None:
        if not line:
            return
        end = max(end_line or line, line)
        if line <= self.frontier:
            self.approximate += 1
            if end <= self.frontier:
                return
            line = self.frontier + 1
        last = self.ranges[-1] if self.ranges else None
        if last is not None and last[0] <= line <= last[1] + 1:
            last[1] = max(last[1], end)
        else:
            if last is not None and line < last[0]:
                self.unordered = True
            self.ranges.append([line, end])
            if len(self.ranges) > self.window:
                self._fold(len(self.ranges) // 2)

    def _fold(self, k: int) -> None:
        """Count the ``k`` lowest ranges' lines into ``folded``; keep the rest, all above."""
        if self.unordered:
            self.ranges.sort()
            self.unordered = False
            self.ranges = _merged(self.ranges)
            if len(self.ranges) <= k:
                return
        old, self.ranges = self.ranges[:k], self.ranges[k:]
        for a, b in old:
            self.folded += b - a + 1
        self.frontier = old[-1][1]
        first = self.ranges[0]
        if first[0] <= self.frontier:  # overlapped the last folded one
            first[0] = self.frontier + 1
            if first[0] > first[1]:
                self.ranges.pop(0)

    def covered(self, total: int) -> int:
        """Lines in 1..``total`` in some range (folded ranges are taken as all within it:
        ``total`` is the file's line count, which no event's range goes past)."""
        ranges = sorted(self.ranges) if self.unordered else self.ranges
        count, reach = min(self.folded, total), min(self.frontier, total)
        for a, b in ranges:
            a, b = max(a, reach + 1), min(b, total)
            if b >= a:
                count += b - a + 1
            reach = max(reach, b)
        return count


def _merged(ranges: list[list[int]]) -> list[list[int]]:
    """Sorted ranges with the overlapping and touching ones joined."""
    out: list[list[int]] = []
    for a, b in ranges:
        if out and a <= out[-1][1] + 1:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return out


def account_lines(ledger: FileLedger, coverage: LineCoverage) -> None:
    """Count the lines that are in no event and were not skipped under a reason, so that
    records' line ranges + skipped lines == lines read (only when the file was read to its end)."""
    total = ledger.info.get("lines")
    if not isinstance(total, int):
        return
    skipped = sum(n for r, n in ledger.skip_reasons.items() if r not in NOT_LINES)
    rest = total - coverage.covered(total) - ledger.summarized_lines - skipped
    if coverage.approximate:
        ledger.info["line_coverage_approximate"] = coverage.approximate
    if rest > 0:
        ledger.skip(UNACCOUNTED, rest)
