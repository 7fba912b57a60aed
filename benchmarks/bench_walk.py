"""The record walk's cost per record, in CPU nanoseconds, in each form (median of N rounds,
in process).

``KeyReader.walk`` over every chunk with a magic of each file (one reader per file, as the
slot view has; the chunks read into memory before timing), in its compiled form
(``_chunk_keys``, with ``_template_keys``) and its pure-Python twin (``chunk_keys`` with
``template_keys``). Then the record skip's per-record loop (``skip_runs.hide``) in both
forms, on every walked chunk with its rare key ids wanted (those of under a tenth of its
records: a host log's shape, few records rendered, many hidden). A benchmark, not a test:
it asserts nothing.

    python benchmarks/bench_walk.py [--rounds 7] [PATH ...]

PATH: .evtx files or folders (default: the 64 MB host-mix file /work/bench64 holds, if
there, and ../shared/corpus/evtx).
"""

from __future__ import annotations

import argparse
import importlib
import statistics
import struct
import sys
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logscope.ingest.evtx import chunk_keys, skip_runs, template_keys  # noqa: E402
from logscope.ingest.evtx.chunks import CHUNK_MAGIC, CHUNK_SIZE, HEADER_SIZE  # noqa: E402

Item = tuple[bytes, int, int]


def items_of(data: bytes) -> list[Item]:
    """(chunk bytes, free-space offset, first record id) of each slot with a chunk magic."""
    out = []
    for off in range(HEADER_SIZE, len(data) - CHUNK_SIZE + 1, CHUNK_SIZE):
        chunk = data[off:off + CHUNK_SIZE]
        if chunk[:8] == CHUNK_MAGIC:
            first, free = struct.unpack_from("<24xQ16xI", chunk)
            out.append((chunk, free, first))
    return out


def median_cpu(fn: Callable[[], object], rounds: int) -> float:
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times)


def walk_all(reader_of: Callable[[], chunk_keys.KeyReader], files: list[list[Item]]) -> int:
    n = 0
    for items in files:
        reader = reader_of()
        for item in items:
            walk = reader.walk(*item)
            n += len(walk.kids) if walk is not None else 0
    return n


def twin_reader() -> chunk_keys.KeyReader:
    """The twin's reader with the twin's template parse (``chunk_keys`` takes the compiled
    one when it is built)."""
    return chunk_keys.KeyReader()


def compiled(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(f"logscope.ingest.evtx.{name}")
    except ImportError:
        return None


def show(part: str, name: str, sec: float, records: int) -> None:
    print(f"  {part}  {name:46s} {sec * 1e3:8.1f} ms  {sec / max(records, 1) * 1e9:7.0f} ns/record")


def run(label: str, files: list[list[Item]], rounds: int) -> None:
    records = walk_all(chunk_keys.KeyReader, files)
    chunks = sum(len(items) for items in files)
    print(f"\n{label}: {len(files)} files, {chunks} chunks, {records} records walked")
    ck, tk, sr = compiled("_chunk_keys"), compiled("_template_keys"), compiled("_skip_runs")
    forms: list[tuple[str, Callable[[], object]]] = []
    if ck is not None and tk is not None:
        forms.append(("compiled (_chunk_keys + _template_keys)",
                      lambda: walk_all(ck.KeyReader, files)))
    forms.append(("pure twin (chunk_keys + template_keys)", lambda: walk_all(twin_reader, files)))
    for name, fn in forms:
        # the twin's walk takes the compiled template parse when it is built: not here
        saved = chunk_keys.shape_of
        if name.startswith("pure"):
            chunk_keys.shape_of = template_keys.shape_of
        try:
            sec = median_cpu(fn, rounds)
        finally:
            chunk_keys.shape_of = saved
        show("walk", name, sec, records)
    walks = []
    reader = chunk_keys.KeyReader()
    for items in files:
        for data, end, first in items:
            walk = reader.walk(data, end, first)
            if walk is not None and walk.kids:  # the rare keys wanted, as on a host's logs
                rare = {k for k in set(walk.kids) if walk.kids.count(k) * 10 < len(walk.kids)}
                walks.append((data, walk, rare, first))

    def hide_all(mod: ModuleType, values_end: Callable[..., int | None]) -> None:
        for data, walk, wanted, first in walks:
            mod.hide(data, walk.positions, walk.kids, walk.end, wanted, first, values_end)

    for name, mod, keys in (("compiled (_skip_runs, _chunk_keys.values_end)", sr, ck),
                            ("pure twin (skip_runs, chunk_keys.values_end)", skip_runs,
                             chunk_keys)):
        if mod is not None and keys is not None:
            sec = median_cpu(lambda m=mod, k=keys: hide_all(m, k.values_end), rounds)
            show("hide", name, sec, records)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("paths", nargs="*", type=Path)
    args = ap.parse_args()
    paths = args.paths or [p for p in (Path("/work/bench64/generated-0000.evtx"),
                                       ROOT.parent / "shared" / "corpus" / "evtx") if p.exists()]
    for top in paths:
        found = sorted(top.rglob("*.evtx")) if top.is_dir() else [top]
        run(str(top), [items_of(f.read_bytes()) for f in found], args.rounds)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
