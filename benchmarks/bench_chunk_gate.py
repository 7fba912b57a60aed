"""The chunk gate's cost per chunk, in CPU microseconds (median of N rounds, in process).

Over every full chunk of the corpus's .evtx files (the bytes up to each chunk's free-space
offset, read once before timing), as ``slots.SlotView`` asks: ``ChunkGate.scan`` (the byte
test and the ``Computer`` name structures in one RE2 pass), then for a chunk it lets go
``computer_names``. Also the parts on their own: the byte test's one RE2 pass, and the
full test (``_full``: the lower-cased copy and a search per name) that the first match's
shortcut spares a kept chunk. A benchmark, not a test: it asserts nothing.

    python benchmarks/bench_chunk_gate.py [--rounds 7] [--shared ../shared]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logscope.ingest.evtx.chunk_gate import _find, computer_names  # noqa: E402
from logscope.ingest.evtx.chunks import (CHUNK_HEADER, CHUNK_MAGIC, CHUNK_SIZE,  # noqa: E402
                                         HEADER_SIZE, read_chunk)
from logscope.match.evtx_gate import chunk_gate  # noqa: E402
from logscope.match.library import load_library  # noqa: E402
from logscope.match.matcher import Matcher  # noqa: E402


def used_chunks(files: list[Path]) -> list[bytes]:
    out = []
    for path in files:
        data = path.read_bytes()
        for offset in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
            raw = data[offset:offset + CHUNK_SIZE]
            if raw[:8] == CHUNK_MAGIC:
                free = read_chunk(raw, 0, offset, lambda _c: True).free_offset
                if CHUNK_HEADER <= free <= CHUNK_SIZE:
                    out.append(raw[:free])
    return out


def per_chunk(work: Callable[[memoryview], object], chunks: list[bytes], rounds: int) -> float:
    """Median CPU microseconds a chunk."""
    views = [memoryview(c) for c in chunks]
    times = []
    for _ in range(rounds):
        t = time.process_time()
        for view in views:
            work(view)
        times.append(time.process_time() - t)
    return statistics.median(times) / len(chunks) * 1e6


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    args = ap.parse_args()
    chunks = used_chunks(sorted((args.shared / "corpus" / "evtx").rglob("*.evtx")))
    gate = chunk_gate(Matcher(load_library(None)))

    def as_slots_asks(used: memoryview) -> None:
        kept, starts = gate.scan(used, CHUNK_HEADER)
        if not kept:
            computer_names(used, starts)

    kept = [c for c in chunks if gate.scan(memoryview(c), CHUNK_HEADER)[0]]
    print(f"{len(chunks)} chunks, {sum(map(len, chunks)) / len(chunks) / 1024:.1f} KiB used "
          f"on average; {len(kept)} kept by the byte test")
    print(f"  scan + computer_names     {per_chunk(as_slots_asks, chunks, args.rounds):7.1f} us")
    print(f"  byte test's RE2 pass      "
          f"{per_chunk(lambda u: _find(gate._any, u[CHUNK_HEADER:]), chunks, args.rounds):7.1f} us")
    print(f"  full test, kept chunks    "
          f"{per_chunk(lambda u: gate._full(bytes(u[CHUNK_HEADER:])), kept, args.rounds):7.1f} us"
          "  (spared by the first match's shortcut)")


if __name__ == "__main__":
    main()
