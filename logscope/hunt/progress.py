"""The hunt's progress line on stderr: bundles done/total, failures, MB/s, ETA.

On a terminal the line is rewritten in place; piped (CI, a log file) a line is written at
most every ``PIPED_EVERY`` seconds, so a long hunt leaves a readable trail.
"""

from __future__ import annotations

import sys
import time
from typing import TextIO

PIPED_EVERY = 10.0


def _eta(seconds: float) -> str:
    s = int(seconds)
    return f"{s // 3600}h{s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m{s % 60:02d}s"


class Progress:
    def __init__(self, total: int, total_bytes: int, stream: TextIO | None = None) -> None:
        self.total = total
        self.total_bytes = total_bytes
        self.done = 0
        self.failed = 0
        self.bytes = 0
        self.records = 0
        self.t0 = time.monotonic()
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.last = 0.0

    def line(self) -> str:
        elapsed = max(time.monotonic() - self.t0, 1e-9)
        rate = self.bytes / elapsed
        left = self.total_bytes - self.bytes
        eta = _eta(left / rate) if rate > 0 and self.done < self.total else "-"
        return (f"hunt: {self.done}/{self.total} bundles, {self.failed} failed, "
                f"{rate / 1e6:.1f} MB/s, {self.records / elapsed:,.0f} records/s, ETA {eta}")

    def update(self, size: int, records: int, failed: bool) -> None:
        self.done += 1
        self.bytes += size
        self.records += records
        self.failed += failed
        now = time.monotonic()
        if self.tty:
            self.stream.write("\r\x1b[K" + self.line())
            self.stream.flush()
        elif now - self.last >= PIPED_EVERY:
            self.last = now
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def close(self) -> None:
        self.stream.write(("\r\x1b[K" if self.tty else "") + self.line() + "\n")
        self.stream.flush()
