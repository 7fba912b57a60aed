"""Text readers (issue 22): peak RSS, lines/s and MB/s of ``logscope analyze`` on generated
vssadmin and Veeam inputs, at several sizes (flat memory shows as the same RSS at each size).

Inputs are written to a temp folder (deleted afterwards): a vssadmin ``list writers``
capture of 1,000 writers repeated, and a Veeam job log of plain
``[07.07.2021 16:34:17] <01> Info x`` lines. Each run is its own child process; RSS is that
process's peak (``ru_maxrss`` of the children). Prints figures, asserts nothing.

    python benchmarks/bench_text.py --sizes 10,300,3072
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

VEEAM_LINE = b"[07.07.2021 16:34:17] <01> Info x\n"
BANNER = ("\r\nvssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
          "(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n")


def vssadmin_unit() -> bytes:
    blocks = [
        f"Writer name: 'Writer {i}'\r\n   Writer Id: {{{i:08x}-0639-4400-923a-5fd982e53c7e}}\r\n"
        f"   Writer Instance Id: {{{i:08x}-1111-4400-923a-5fd982e53c7e}}\r\n"
        "   State: [1] Stable\r\n   Last error: No error\r\n\r\n"
        for i in range(1000)
    ]
    return (BANNER + "".join(blocks)).encode()


def write(path: Path, unit: bytes, mb: int) -> tuple[int, int]:
    """Repeat ``unit`` to about ``mb`` MB; returns (bytes, lines)."""
    n = max(1, mb * 2**20 // len(unit))
    with path.open("wb") as fh:
        for _ in range(n):
            fh.write(unit)
    return n * len(unit), n * unit.count(b"\n")


def run(path: Path, out: Path) -> tuple[float, int]:
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    t = time.perf_counter()
    subprocess.run([sys.executable, "-m", "logscope", "analyze", str(path), "--workers", "1",
                    "--format", "json", "--output", str(out)], check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return wall, max(rss, before) // 1024


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", default="10,300,3072", help="MB, comma-separated")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench_text_", dir=args.workdir))
    units = {"vssadmin": ("capture.txt", vssadmin_unit()),
             "veeam": ("Job.Bench.log", VEEAM_LINE * 100_000)}
    print(f"{'input':10} {'MB':>7} {'lines':>12} {'seconds':>8} {'lines/s':>10} {'MB/s':>7} RSS MB")
    try:
        for kind, (name, unit) in units.items():
            for mb in (int(s) for s in args.sizes.split(",")):
                path = work / name
                size, lines = write(path, unit, mb)
                wall, rss = run(path, work / "report.json")
                print(f"{kind:10} {size / 2**20:7.0f} {lines:12,} {wall:8.1f} "
                      f"{lines / wall:10,.0f} {size / 2**20 / wall:7.2f} {rss}")
                path.unlink()
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
