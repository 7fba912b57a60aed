"""The chunk gate's cost per chunk, in CPU microseconds (median of N rounds, in process), for
each form of its byte searches: the compiled scan (``_chunk_gate_scan.pyx``) and its RE2 twin
(``chunk_gate_scan.py``, what ``LOGSCOPE_PURE=1`` runs).

Over every full chunk of the corpus's .evtx files (the bytes up to each chunk's free-space
offset, read once before timing), as ``slots.SlotView`` asks: ``ChunkGate.scan`` (the byte
test and the ``Computer`` name structures in one pass), then for a chunk it lets go
``computer_names``. Then the HRESULT test of ``wants_any`` (a gate of the library's
any-provider codes alone, ``keeps``) on the corpus's chunks and on a generated host log's
(``bench_evtx.py``'s host mix: the 64 MB file's records; ``--host-log`` takes a ready one).
Also the parts on their own: the byte test's one pass, and the full test (``_full``: the
lower-cased copy and a search per name) that the first match's shortcut spares a kept chunk;
and what building a gate costs (the compiled form picks its anchor bytes). A benchmark, not a
test: it asserts nothing.

    python benchmarks/bench_chunk_gate.py [--rounds 7] [--shared ../shared] [--host-log F]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from logscope.ingest.evtx import chunk_gate, chunk_gate_scan  # noqa: E402
from logscope.ingest.evtx.chunk_gate import ChunkGate, GateSpec, computer_names  # noqa: E402
from logscope.ingest.evtx.chunks import (CHUNK_HEADER, CHUNK_MAGIC, CHUNK_SIZE,  # noqa: E402
                                         HEADER_SIZE, read_chunk)
from logscope.match.evtx_gate import gate_spec  # noqa: E402
from logscope.match.library import load_library  # noqa: E402
from logscope.match.matcher import Matcher  # noqa: E402

try:
    from logscope.ingest.evtx import _chunk_gate_scan as compiled
except ImportError:  # not built here
    compiled = None


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


def host_log(path: Path | None) -> Path:
    """A ready host-mix log, or 4 MB of one generated in a temporary folder."""
    if path is not None:
        return path
    from bench_evtx import generate

    return generate(Path(tempfile.mkdtemp(prefix="logscope-gate-")), 4, "host")[0]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--host-log", type=Path, default=None,
                    help="a generated host-mix .evtx (default: 4 MB generated in /tmp)")
    args = ap.parse_args()
    corpus = used_chunks(sorted((args.shared / "corpus" / "evtx").rglob("*.evtx")))
    host = host_log(args.host_log)
    hosts = used_chunks([host])
    spec = gate_spec(Matcher(load_library(None)))
    print(f"load {os.getloadavg()[0]:.1f}; corpus: {len(corpus)} chunks, "
          f"{sum(map(len, corpus)) / len(corpus) / 1024:.1f} KiB used on average; "
          f"host log {host.name}: {len(hosts)} chunks")
    forms = [("compiled", compiled)] if compiled is not None else []
    for name, form in [*forms, ("RE2 twin", chunk_gate_scan)]:
        chunk_gate.scanner = form
        t = time.process_time()
        for _ in range(10):
            gate = ChunkGate(spec)
            codes = gate._codes(spec.hresults)
        built = (time.process_time() - t) / 10 * 1e3
        codes = ChunkGate(GateSpec({}, spec.hresults))

        def as_slots_asks(used: memoryview, gate: ChunkGate = gate) -> None:
            kept, starts = gate.scan(used, CHUNK_HEADER)
            if not kept:
                computer_names(used, starts)

        kept = [c for c in corpus if gate.scan(memoryview(c), CHUNK_HEADER)[0]]
        print(f"{name}: {len(kept)} corpus chunks kept by the byte test; a gate and its code "
              f"gate built in {built:.2f} ms")
        rows = [
            ("scan + computer_names, corpus", as_slots_asks, corpus),
            ("byte test's one pass, corpus",
             lambda u, g=gate: g._forms.first(u[CHUNK_HEADER:]), corpus),
            ("HRESULT test (wants_any), corpus",
             lambda u, g=codes: g.keeps(u[CHUNK_HEADER:]), corpus),
            ("HRESULT test (wants_any), host log",
             lambda u, g=codes: g.keeps(u[CHUNK_HEADER:]), hosts),
            ("computer_names, corpus", computer_names, corpus),
        ]
        for label, work, chunks in rows:
            print(f"  {label:36s} {per_chunk(work, chunks, args.rounds):7.1f} us")
    print(f"  full test, kept chunks               "
          f"{per_chunk(lambda u: gate._full(bytes(u[CHUNK_HEADER:])), kept, args.rounds):7.1f} us"
          "  (spared by the first match's shortcut)")


if __name__ == "__main__":
    main()
