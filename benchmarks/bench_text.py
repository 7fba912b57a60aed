"""Text readers (issue 22): peak RSS, CPU seconds, lines/s and MB/s of ``logscope analyze`` on
generated vssadmin and Veeam inputs, at several sizes (flat memory shows as the same RSS at
each size).

Inputs are written to a temp folder (deleted afterwards): a vssadmin ``list writers``
capture of 1,000 writers repeated (``vssadmin``; of 5 writers: ``vssadmin-dense``, where the
per-capture work and state show), a Veeam job log of plain
``[07.07.2021 16:34:17] <01> Info x`` lines, and a Veeam Agent log of plain agent lines
(``[12.10.2021 04:30:17.344] <139937450014464> vsnap | ...``, the layout of real agent logs).
Each run is its own child process; RSS is that
process's own peak (``wait4``), CPU seconds are its user+sys, and the rates are per CPU
second (this VM is shared: wall time moves with the neighbours' load). Prints figures,
asserts nothing.

    python benchmarks/bench_text.py --sizes 10,300,3072
    python benchmarks/bench_text.py --kinds veeam --sizes 300 --repeat 3
    python benchmarks/bench_text.py --kinds vssadmin --sizes 10,100 --repeat 3 --against /tmp/main
    python benchmarks/bench_text.py --kinds veeam-agent --sizes 300,3072
    python benchmarks/bench_text.py --python "python -S" ...   # another interpreter/checkout
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VEEAM_LINE = b"[07.07.2021 16:34:17] <01> Info x\n"
#: Plain agent lines in the layout of a real Veeam Agent for Linux log (veeamsnap issue 25)
#: and a Windows data mover (thread id padded inside the brackets); nothing a signature reads.
AGENT_LINES = (
    b"[12.10.2021 04:30:17.344] <139937450014464> vsnap | Fake system map was found in file "
    b"[/boot/System.map-5.10.0-9-amd64]\n"
    b"[12.10.2021 04:30:17.344] <139937450014464> lpbcore| Snapshot service: request snapshots.\n"
    b"[12.10.2021 04:30:17.410] <139937433229056> prtcl | Sending command to the agent.\n"
    b"[18.05.2020 00:00:15.296] <  5084> cli| Connecting to agent\n"
)
#: The interpreter command of the ``analyze`` children (``--python``).
PYTHON = [sys.executable]
BANNER = ("\r\nvssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
          "(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n")


def vssadmin_unit(writers: int = 1000) -> bytes:
    """One ``list writers`` capture of ``writers`` writers (a capture loop repeats it)."""
    blocks = [
        f"Writer name: 'Writer {i}'\r\n   Writer Id: {{{i:08x}-0639-4400-923a-5fd982e53c7e}}\r\n"
        f"   Writer Instance Id: {{{i:08x}-1111-4400-923a-5fd982e53c7e}}\r\n"
        "   State: [1] Stable\r\n   Last error: No error\r\n\r\n"
        for i in range(writers)
    ]
    return (BANNER + "".join(blocks)).encode()


def write(path: Path, unit: bytes, mb: int) -> tuple[int, int]:
    """Repeat ``unit`` to about ``mb`` MB; returns (bytes, lines)."""
    n = max(1, mb * 2**20 // len(unit))
    with path.open("wb") as fh:
        for _ in range(n):
            fh.write(unit)
    return n * len(unit), n * unit.count(b"\n")


def run(path: Path, out: Path, src: Path | None = None) -> tuple[float, float, int]:
    """One ``analyze`` child: (wall s, CPU s, peak RSS MB) of that process alone; ``src``: a
    source tree to run instead of the installed one (another commit, for before/after)."""
    env = None
    if src is not None:
        env = {**os.environ, "PYTHONPATH": str(src), "PYTHONDONTWRITEBYTECODE": "1"}
    t = time.perf_counter()
    proc = subprocess.Popen([*PYTHON, "-m", "logscope", "analyze", str(path),
                             "--workers", "1", "--format", "json", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                            cwd=src)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    wall = time.perf_counter() - t
    if proc.returncode != 0:
        print(f"  analyze exited {proc.returncode}", file=sys.stderr)
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,300,3072", help="MB, comma-separated")
    ap.add_argument("--kinds", default="veeam,veeam-agent,vssadmin",
                    help="veeam, veeam-agent, vssadmin (1,000 writers a capture), "
                         "vssadmin-dense (5)")
    ap.add_argument("--repeat", type=int, default=1, help="runs per size (median reported)")
    ap.add_argument("--against", type=Path, default=None,
                    help="another source tree (e.g. `git archive main` unpacked): its runs "
                         "alternate with this one's, rows marked 'before'")
    ap.add_argument("--workdir", type=Path, default=None)
    ap.add_argument("--python", default=None, help="interpreter command of the children")
    args = ap.parse_args()
    if args.python:
        PYTHON[:] = shlex.split(args.python)
    work = Path(tempfile.mkdtemp(prefix="bench_text_", dir=args.workdir))
    units = {"vssadmin": ("capture.txt", vssadmin_unit()),
             # capture-dense: a banner every 5 writers (per-capture state, not per-writer)
             "vssadmin-dense": ("capture.txt", vssadmin_unit(5)),
             "veeam": ("Job.Bench.log", VEEAM_LINE * 100_000),
             "veeam-agent": ("Agent.Bench.Source.log", AGENT_LINES * 25_000)}
    trees: dict[str, Path | None] = {"": None}
    if args.against is not None:
        trees = {"before": args.against.resolve(), "after": None}
    free = shutil.disk_usage(work).free / 2**30
    print(f"temp folder {work} ({free:.0f} GB free); start-up: a 1-line input's CPU s is the "
          "fixed cost (imports, signature library)")
    print(f"{'input':21} {'MB':>6} {'lines':>12} {'wall s':>7} {'CPU s':>7} {'lines/CPU-s':>12} "
          f"{'MB/CPU-s':>9} {'net lines/s':>12} {'RSS MB':>6}")
    try:
        for kind in args.kinds.split(","):
            name, unit = units[kind]
            path = work / name
            base = {t: statistics.median(run(_one(path, unit), work / "r.json", src)[1]
                                         for _ in range(3)) for t, src in trees.items()}
            for tree, cpu in base.items():
                print(f"{kind + ' ' + tree:21} start-up {cpu:.2f} CPU s")
            for mb in (int(s) for s in args.sizes.split(",")):
                size, lines = write(path, unit, mb)
                runs: dict[str, list[tuple[float, float, int]]] = {t: [] for t in trees}
                for _ in range(args.repeat):  # alternated: both see the same neighbours
                    for tree, src in trees.items():
                        runs[tree].append(run(path, work / "report.json", src))
                for tree, rs in runs.items():
                    wall = statistics.median(r[0] for r in rs)
                    cpu = statistics.median(r[1] for r in rs)
                    rss = max(r[2] for r in rs)
                    net = lines / max(cpu - base[tree], 1e-9)
                    print(f"{kind + ' ' + tree:21} {size / 2**20:6.0f} {lines:12,} {wall:7.1f} "
                          f"{cpu:7.1f} {lines / cpu:12,.0f} {size / 2**20 / cpu:9.1f} "
                          f"{net:12,.0f} {rss:6}", flush=True)
                path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)


def _one(path: Path, unit: bytes) -> Path:
    """The smallest input of this kind (one unit's first lines): the fixed cost."""
    path.write_bytes(unit[: unit.index(b"\n", 400) + 1] if len(unit) > 400 else unit)
    return path


if __name__ == "__main__":
    main()
