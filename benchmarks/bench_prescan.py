"""The hazard pre-scan and the per-chunk checks, compiled against pure, and what they leave
of a whole ``analyze`` (issue 21).

Per slot (in process, CPU ms over every 64 KiB slot of the inputs, median of 5):
``prescan.chain_loops`` and ``amplifying_templates`` in both forms (``_prescan.pyx``
compiled, ``prescan.py`` the twin), and the structural read of each slot
(``chunks.read_chunk`` with and without its record walk).

Whole process (``--rounds N``): ``python -m logscope analyze PATH --workers 1`` as fresh
processes, alternating: this checkout with its compiled modules, this checkout with
``LOGSCOPE_PURE=1``, and with ``--against DIR`` another checkout (say ``git archive main``
unpacked; put on PYTHONPATH, run with this interpreter). The bytecode of each tree is written
first (``compileall``: a run with PYTHONDONTWRITEBYTECODE would otherwise compile a changed
module every time). CPU s = user + sys of the child, median of the rounds; the machine is
shared, so the load is printed.

    python benchmarks/bench_prescan.py /work/bench64/generated-0000.evtx
    python benchmarks/bench_prescan.py ../shared/corpus/evtx --rounds 7 --against /tmp/main

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logscope.ingest.evtx import prescan  # noqa: E402
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE, read_chunk  # noqa: E402


def slots(paths: list[Path]) -> list[bytes]:
    out = []
    for top in paths:
        for path in sorted(top.rglob("*.evtx")) if top.is_dir() else [top]:
            data = path.read_bytes()
            out += [data[o:o + CHUNK_SIZE] for o in range(HEADER_SIZE, len(data), CHUNK_SIZE)]
    return out


def cpu_ms(fn, rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def per_slot(chunks: list[bytes]) -> None:
    forms = {"pure": prescan}
    try:
        from logscope.ingest.evtx import _prescan
        forms["compiled"] = _prescan
    except ImportError:
        print("  (_prescan not compiled here: pure only)")
    print(f"per slot, {len(chunks)} slots (CPU ms over all, median of 5):")
    for name, mod in forms.items():
        chain = cpu_ms(lambda m=mod: [m.chain_loops(c) for c in chunks])
        cache: dict = {}
        amp = cpu_ms(lambda m=mod: [m.amplifying_templates(c, cache) for c in chunks])
        print(f"  {name:9} chain_loops {chain:7.2f}  amplifying_templates {amp:7.2f}"
              " (one template cache for all, as SlotGuard keeps per file)")
    head = cpu_ms(lambda: [read_chunk(c, 0, 0, lambda _c: True) for c in chunks])
    walk = cpu_ms(lambda: [read_chunk(c, 0, 0) for c in chunks])
    print(f"  read_chunk: header and CRCs {head:.2f}; with the record walk {walk:.2f}")


def whole(paths: list[str], rounds: int, against: Path | None) -> None:
    runs = {"compiled": (ROOT, {}), "pure": (ROOT, {"LOGSCOPE_PURE": "1"})}
    if against is not None:
        runs["against"] = (against, {})
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    import compileall

    for tree, _extra in runs.values():  # bytecode first in every tree, as bench_floor.py does
        compileall.compile_dir(str(tree / "logscope"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-prescan-") as tmp:
        out = str(Path(tmp) / "report.json")
        for _ in range(rounds):
            for label, (tree, extra) in runs.items():
                env = dict(os.environ, PYTHONPATH=str(tree))
                env.pop("LOGSCOPE_PURE", None)
                env.update(extra)
                proc = subprocess.Popen([sys.executable, "-m", "logscope", "analyze", *paths,
                                         "--format", "json", "--output", out, "--workers", "1"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        cwd=tree, env=env)
                _pid, _status, usage = os.wait4(proc.pid, 0)
                cpu[label].append(usage.ru_utime + usage.ru_stime)
    print(f"whole process, analyze --workers 1, {rounds} alternating rounds "
          f"(load {os.getloadavg()[0]:.2f}):")
    for label, xs in cpu.items():
        paired = ("" if label == "compiled" else "; paired, minus compiled: median "
                  f"{statistics.median(x - c for x, c in zip(xs, cpu['compiled'])):+.3f}")
        print(f"  {label:9} median {statistics.median(xs):.3f} CPU-s{paired}  "
              f"(runs {', '.join(f'{x:.3f}' for x in xs)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=0, help="whole-process rounds (0: none)")
    ap.add_argument("--against", type=Path, default=None, help="another checkout to compare")
    args = ap.parse_args()
    per_slot(slots(args.paths))
    if args.rounds:
        whole([str(p.resolve()) for p in args.paths], args.rounds, args.against)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
