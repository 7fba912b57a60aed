"""What the events after the Rust engine cost, whole process (issue 21, per-event path).

Runs ``logscope analyze --format json --workers 1`` as fresh processes, alternating the
variants round by round, and prints the median CPU seconds (user + sys) and peak RSS of each:

- ``branch``: this checkout;
- ``no-inert``: this checkout with repeats of inert events built (``evtx_inert`` off), the
  per-event path before ``ingest/evtx/repeats.py`` counted them;
- ``base``: another checkout (``--base PATH``, e.g. a worktree of main) on PYTHONPATH.

    python benchmarks/bench_event_cost.py /work/bench64/generated-0000.evtx
    python benchmarks/bench_event_cost.py --rounds 8 --base /work/main ../shared/corpus/evtx

Compile the checkouts' bytecode first (``python -m compileall -q logscope``) when
PYTHONDONTWRITEBYTECODE is set: a checkout without .pyc files pays ~85 ms of compiling.
Prints figures; asserts nothing. The machine is shared: note the load (printed).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: One analysis with the inert rule off (the ``no-inert`` variant), as the CLI runs it.
NO_INERT = """
import sys
from pathlib import Path
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report import render
from logscope.report.build import build_report
rep = build_report(analyze([Path(p) for p in sys.argv[1:]],
                           IngestOptions(extra={"evtx_inert": False})))
render(rep, "json")
"""


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(CPU s, peak RSS MB) of one child process."""
    proc = subprocess.Popen(cmd, cwd=tempfile.gettempdir(), env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _pid, _status, usage = os.wait4(proc.pid, 0)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+")
    ap.add_argument("--rounds", type=int, default=6)
    ap.add_argument("--base", help="another checkout to compare with (PYTHONPATH)")
    args = ap.parse_args()
    out = os.path.join(tempfile.mkdtemp(), "report.json")
    cli = [sys.executable, "-m", "logscope", "analyze", *args.paths, "--format", "json",
           "--output", out, "--workers", "1"]
    variants = {"branch": (cli, str(ROOT)),
                "no-inert": ([sys.executable, "-c", NO_INERT, *args.paths], str(ROOT))}
    if args.base:
        variants["base"] = (cli, args.base)
    cpu: dict[str, list[float]] = {k: [] for k in variants}
    rss: dict[str, list[float]] = {k: [] for k in variants}
    names = list(variants)
    for n in range(args.rounds):
        for name in names[n % len(names):] + names[:n % len(names)]:
            cmd, root = variants[name]
            c, m = timed(cmd, dict(os.environ, PYTHONPATH=root))
            cpu[name].append(c)
            rss[name].append(m)
    print(f"{' '.join(args.paths)}: {args.rounds} rounds, load {os.getloadavg()[0]:.1f}")
    for name in names:
        runs = " ".join(f"{c:.2f}" for c in cpu[name])
        print(f"  {name:9} median {statistics.median(cpu[name]):.3f} CPU-s  peak RSS "
              f"{max(rss[name]):.0f} MB  ({runs})")


if __name__ == "__main__":
    main()
