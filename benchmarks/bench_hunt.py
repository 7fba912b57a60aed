"""``logscope hunt`` over a generated archive: bundles/s and records/s with 1 and 2 workers,
against ``logscope analyze`` run in a shell loop; overhead per bundle; peak RSS of the
driver, the Dask workers and the analysis processes. Prints figures; asserts nothing.

The archive (default 500 bundles) is made in a temp folder from ``samples/bundles``: bundle
``i`` is sample ``i % 11`` with its files repeated 1, 2, 5 or 17 times (size classes
``i % 4``) and a note that makes its content unique. Deleted afterwards.

    python benchmarks/bench_hunt.py                  # 500 bundles, loop over 40 of them
    python benchmarks/bench_hunt.py --bundles 100 --loop 20

Each hunt runs as ``python -m logscope hunt`` in its own process tree (fresh index); RSS is
sampled every 0.1 s over that tree with psutil (a dependency of distributed). The shell loop
runs ``logscope analyze BUNDLE --format json --workers 1`` per bundle over the first
``--loop`` bundles (a loop over all of them would take minutes; its rate is per bundle).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples" / "bundles"
REPEATS = (1, 2, 5, 17)


def generate(dst: Path, n: int) -> tuple[int, int]:
    """``n`` bundles under ``dst``; returns (bundles, bytes)."""
    samples = sorted(p for p in SAMPLES.iterdir() if p.is_dir())
    total = 0
    for i in range(n):
        src = samples[i % len(samples)]
        b = dst / f"case-{i:05d}-{src.name}"
        for k in range(REPEATS[i % len(REPEATS)]):
            shutil.copytree(src, b / f"part{k}" if k else b, dirs_exist_ok=True)
        (b / "case-note.txt").write_text(f"case {i}\n", encoding="utf-8")
        total += sum(f.stat().st_size for f in b.rglob("*") if f.is_file())
    return n, total


class Peaks:
    """Peak RSS per role over a process tree, sampled in a thread."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.peak = {"driver": 0, "worker": 0, "analysis": 0}
        self.stop = False
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _role(self, p: object) -> str:
        cmd = " ".join(p.cmdline())  # type: ignore[attr-defined]
        if p.pid == self.root.pid:  # type: ignore[attr-defined]
            return "driver"
        if "logscope.hunt.zygote" in cmd:
            return "analysis"
        return "worker"

    def _run(self) -> None:
        import psutil

        while not self.stop:
            try:
                procs = [self.root, *self.root.children(recursive=True)]
            except psutil.Error:
                return
            for p in procs:
                try:
                    role, rss = self._role(p), p.memory_info().rss
                except psutil.Error:
                    continue
                self.peak[role] = max(self.peak[role], rss)
            time.sleep(0.1)

    def done(self) -> dict[str, int]:
        self.stop = True
        self.thread.join()
        return self.peak


def run_hunt(archive: Path, workers: int, tmp: Path) -> dict[str, float]:
    import duckdb

    db = tmp / f"fleet-{workers}.duckdb"
    db.unlink(missing_ok=True)
    t0 = time.perf_counter()
    proc = subprocess.Popen([sys.executable, "-m", "logscope", "hunt", str(archive),
                             "--index", str(db), "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    peaks = Peaks(proc.pid)
    _, err = proc.communicate()
    wall = time.perf_counter() - t0
    peak = peaks.done()
    if proc.returncode:
        sys.exit(f"hunt failed ({proc.returncode}): {err[-2000:]}")
    con = duckdb.connect(str(db), read_only=True)
    n, ok, records, child_s, first, last = con.execute(
        "SELECT count(*), count(*) FILTER (WHERE status = 'ok'), sum(records), sum(seconds), "
        "epoch(min(analysed)), epoch(max(analysed)) FROM bundles").fetchall()[0]
    con.close()
    steady = (n - 1) / (last - first) if last > first else float("nan")
    return {"workers": workers, "wall": wall, "bundles": n, "ok": ok, "records": records,
            "child_s": child_s, "steady": steady, **{f"rss_{k}": v for k, v in peak.items()}}


def run_loop(archive: Path, k: int) -> dict[str, float]:
    bundles = sorted(p for p in archive.iterdir())[:k]
    exe = Path(sys.executable).with_name("logscope")
    script = "for b in \"$@\"; do \"$0\" analyze \"$b\" --format json --workers 1 >/dev/null " \
             "|| exit 1; done"
    t0 = time.perf_counter()
    subprocess.run(["bash", "-c", script, str(exe), *map(str, bundles)], check=True)
    return {"bundles": len(bundles), "wall": time.perf_counter() - t0}


def in_process(archive: Path, k: int) -> float:
    """Seconds per bundle of the pipeline alone, warm, in this process (no hunt, no CLI)."""
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import analyze, load_knowledge

    knowledge = load_knowledge(None)
    bundles = sorted(p for p in archive.iterdir())[:k]
    analyze([bundles[0]], IngestOptions(), knowledge=knowledge)
    t0 = time.perf_counter()
    for b in bundles:
        analyze([b], IngestOptions(), knowledge=knowledge)
    return (time.perf_counter() - t0) / len(bundles)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundles", type=int, default=500)
    ap.add_argument("--loop", type=int, default=40, help="bundles in the analyze shell loop")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="bench-hunt-"))
    try:
        archive = tmp / "archive"
        archive.mkdir()
        n, size = generate(archive, args.bundles)
        print(f"archive: {n} bundles, {size / 1e6:.1f} MB (generated from samples/bundles)")
        loop = run_loop(archive, args.loop)
        per_loop = loop["wall"] / loop["bundles"]
        per_inproc = in_process(archive, args.loop)
        print(f"analyze in a shell loop: {loop['bundles']} bundles in {loop['wall']:.1f} s = "
              f"{1 / per_loop:.2f} bundles/s ({per_loop:.2f} s each, start-up included)")
        print(f"pipeline alone, warm, in-process: {per_inproc * 1000:.1f} ms per bundle")
        print(f"{'workers':>7} {'wall s':>7} {'bundles/s':>9} {'steady/s':>8} "
              f"{'records/s':>9} {'x loop':>6} {'overhead ms':>11} {'driver MB':>9} "
              f"{'worker MB':>9} {'analysis MB':>11}")
        for w in (1, 2):
            r = run_hunt(archive, w, tmp)
            rate = r["bundles"] / r["wall"]
            # per bundle, the time a one-worker hunt spends beyond the warm pipeline itself
            overhead = (1 / r["steady"] - per_inproc) * 1000 if w == 1 else float("nan")
            print(f"{w:>7} {r['wall']:>7.1f} {rate:>9.2f} {r['steady']:>8.2f} "
                  f"{r['records'] / r['wall']:>9,.0f} {rate * per_loop:>6.1f} "
                  f"{overhead:>11.1f} {r['rss_driver'] / 2**20:>9.0f} "
                  f"{r['rss_worker'] / 2**20:>9.0f} {r['rss_analysis'] / 2**20:>11.0f}"
                  + ("" if r["ok"] == r["bundles"] else f"  ({r['bundles'] - r['ok']} failed)"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
