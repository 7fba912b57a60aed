"""End-to-end throughput side by side: raw ``evtx``, logscope ``events``, ``analyze``, python-evtx.

Every measurement runs in its own child process, so the peak RSS printed is that
measurement's alone (``ru_maxrss`` of a fresh interpreter, imports included). Prints
figures; asserts nothing (a benchmark, not a test).

- raw evtx: ``PyEvtxParser.records_json`` over every file (JSON strings, not parsed);
- events: ``pipeline.iter_events`` with every event encoded by orjson to /dev/null
  (what ``logscope events --format jsonl`` does);
- events, 2 workers: the same through ``export_pool.iter_lines_pooled`` (``--workers 2``);
- analyze, 1 worker: ``pipeline.analyze`` (full signature library, correlation);
- analyze, 2 workers: the same with ``workers=2`` (a process pool over the .evtx files);
- python-evtx: ``Evtx`` record XML over a slice of small corpus files (~2,000 records).

    python benchmarks/bench_analyze.py                   # corpus only, < 1 min on 2 cores
    python benchmarks/bench_analyze.py --linear          # + 1x/4x/16x the corpus
    python benchmarks/bench_analyze.py --large 2048      # + 2 GB generated, a host's mix
    python benchmarks/bench_analyze.py --hits 256        # + 256 MB where every record is a hit
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


# --------------------------------------------------------------------------- children


def _child(mode: str, files: list[str]) -> dict[str, float]:
    """One measurement in this (fresh) process: records and seconds, plus peak RSS."""
    sys.path.insert(0, str(ROOT))
    t0, c0 = time.perf_counter(), time.process_time()
    n = _RUNNERS[mode]([Path(f) for f in files])
    dt, cpu = time.perf_counter() - t0, time.process_time() - c0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)  # worker processes of a pool
    cpu += kids.ru_utime + kids.ru_stime
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, kids.ru_maxrss) / 1024
    return {"records": n, "seconds": dt, "cpu": cpu, "rss_mb": rss}


def _run_raw(files: list[Path]) -> int:
    import evtx

    n = 0
    for path in files:
        it = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
        while True:
            try:
                next(it)
            except StopIteration:
                break
            except Exception:  # noqa: BLE001 - a bad record: the parser goes on
                continue
            n += 1
    return n


def _run_events(files: list[Path]) -> int:
    from logscope.export_pool import event_line
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import iter_events

    n = 0
    with open(os.devnull, "wb") as sink:
        for ev in iter_events(files, IngestOptions(), []):
            sink.write(event_line(ev) + b"\n")  # what ``logscope events`` writes
            n += 1
    return n


def _run_events2(files: list[Path]) -> int:
    from logscope.export_pool import iter_lines_pooled
    from logscope.ingest.source import IngestOptions

    n = 0
    with open(os.devnull, "wb") as sink:
        for line in iter_lines_pooled(files, IngestOptions(), [], 2):
            sink.write(line + b"\n")
            n += 1
    return n


def _run_analyze(files: list[Path]) -> int:
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import analyze

    return analyze(files, IngestOptions()).events_seen


def _run_analyze2(files: list[Path]) -> int:
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import analyze

    return analyze(files, IngestOptions(), workers=2).events_seen


def _run_python_evtx(files: list[Path]) -> int:
    from Evtx.Evtx import Evtx

    n = 0
    for path in files:
        with Evtx(str(path)) as log:
            for rec in log.records():
                rec.xml()
                n += 1
    return n


_RUNNERS = {"raw": _run_raw, "events": _run_events, "events2": _run_events2, "analyze": _run_analyze,
            "analyze2": _run_analyze2,
            "python-evtx": _run_python_evtx}


def spawn(mode: str, files: list[Path]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, __file__, "--child", mode],
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE)


def collect(proc: subprocess.Popen[bytes], files: list[Path]) -> dict[str, float]:
    out, _ = proc.communicate(json.dumps([str(f) for f in files]).encode())
    if proc.returncode:
        raise SystemExit(f"child failed ({proc.returncode})")
    return json.loads(out.decode().strip().splitlines()[-1])


def measure(mode: str, files: list[Path]) -> dict[str, float]:
    return collect(spawn(mode, files), files)


# --------------------------------------------------------------------------- inputs


def corpus_files(shared: Path) -> dict[Path, int]:
    """Corpus file → its record count (MANIFEST.tsv), the weight for splitting the work."""
    with open(shared / "corpus/evtx/MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        return {shared / "corpus" / row["path"]: int(row["records_evtx_rs"] or 0)
                for row in csv.DictReader(fh, delimiter="\t")}


def python_slice(shared: Path, limit: int) -> list[Path]:
    """Corpus files python-evtx reads cleanly, largest first, up to ``limit`` records (few
    files: python-evtx's per-file cost would otherwise dominate)."""
    with open(shared / "corpus/evtx/MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t")
                if r["parse_errors"] == "none" and r["records_evtx_rs"] == r["records_python_evtx"]
                and int(r["records_evtx_rs"]) > 0]
    rows.sort(key=lambda r: -int(r["records_evtx_rs"]))
    chosen, total = [], 0
    for row in rows:
        if total + int(row["records_evtx_rs"]) > limit:
            continue
        chosen.append(shared / "corpus" / row["path"])
        total += int(row["records_evtx_rs"])
    return chosen


def generate(megabytes: int, workdir: Path, mix: str) -> list[Path]:
    """N MB of .evtx written by logscope's EVTX writer (see ``bench_evtx.generate``)."""
    sys.path.insert(0, str(HERE))
    sys.path.insert(0, str(ROOT))
    from bench_evtx import generate as gen  # one written file of <= 64 MB, then byte copies

    return gen(workdir, megabytes, mix)


# --------------------------------------------------------------------------- report


def startup(runs: int = 5) -> float:
    """Best wall time of ``python -m logscope --version`` (no console script in the venv)."""
    best = float("inf")
    for _ in range(runs):
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "logscope", "--version"], cwd=ROOT, check=True,
                       stdout=subprocess.DEVNULL)
        best = min(best, time.perf_counter() - t0)
    return best


def row(label: str, r: dict[str, float], nbytes: int, base: float | None) -> str:
    """Wall-clock rate, and the rate per CPU second (steadier on a shared machine)."""
    rate = r["records"] / r["seconds"]
    ratio = f"{rate / base:6.3f}" if base else "     -"
    return (f"  {label:<34} {int(r['records']):>9,} {r['seconds']:8.2f} {rate:>10,.0f} "
            f"{nbytes / 1e6 / r['seconds']:8.1f} {r['rss_mb']:7.0f} {ratio} "
            f"{r['records'] / max(r['cpu'], 1e-9):>11,.0f}")


HEADER = (f"  {'measurement':<34} {'records':>9} {'seconds':>8} {'records/s':>10} "
          f"{'MB/s':>8} {'RSS MB':>7} {'x raw':>6} {'rec/CPU-s':>11}")


def run_set(name: str, weights: dict[Path, int], slice_files: list[Path] | None) -> None:
    """``weights``: file → expected work (records, or bytes when unknown)."""
    files = list(weights)
    nbytes = sum(f.stat().st_size for f in files)
    print(f"\n{name}: {len(files)} files, {nbytes / 1e6:.1f} MB")
    print(HEADER, flush=True)
    raw = measure("raw", files)
    base = raw["records"] / raw["seconds"]
    print(row("raw evtx records_json", raw, nbytes, base), flush=True)
    ev1 = measure("events", files)
    print(row("logscope events (orjson→/dev/null)", ev1, nbytes, base), flush=True)
    ev2 = measure("events2", files)
    print(row("logscope events, 2 workers", ev2, nbytes, base)
          + f"  x{ev1['seconds'] / ev2['seconds']:.2f} of 1 worker", flush=True)
    one = measure("analyze", files)
    print(row("logscope analyze, 1 worker", one, nbytes, base), flush=True)
    pooled = measure("analyze2", files)
    print(row("logscope analyze, 2 workers", pooled, nbytes, base)
          + f"  x{one['seconds'] / pooled['seconds']:.2f} of 1 worker", flush=True)
    if slice_files:
        sbytes = sum(f.stat().st_size for f in slice_files)
        sraw = measure("raw", slice_files)
        print(row(f"raw evtx, slice ({len(slice_files)} files)", sraw, sbytes, base), flush=True)
        print(row("python-evtx, same slice", measure("python-evtx", slice_files), sbytes, base),
              flush=True)


def linear(files: list[Path]) -> None:
    """analyze (1 worker) over the corpus repeated 1, 4 and 16 times: time should scale 1:4:16.

    Every run also pays a fixed start (imports, signature library, correlation of an empty
    table): measured as ``analyze`` of the samples' .evtx folder (19 events) and shown apart,
    so the per-corpus figure compares the work that grows with the input."""
    print("\nlinear growth, analyze 1 worker (CPU seconds; the same files listed k times)")
    def lowest(paths: list[Path]) -> dict[str, float]:  # best of 3: this VM's CPU speed wanders
        return min((measure("analyze", paths) for _ in range(3)), key=lambda r: r["cpu"])

    fixed = lowest([ROOT / "samples" / "evtx"])["cpu"]
    print(f"  fixed start (imports, library, samples/evtx): {fixed:.2f} CPU-s; each row best of 3")
    base = None
    for k in (1, 4, 16):
        r = lowest(files * k)
        per = (r["cpu"] - fixed) / k
        base = base or per
        print(f"  {k:>2}x corpus: {int(r['records']):>10,} records {r['cpu']:8.2f} CPU-s "
              f"{r['records'] / r['cpu']:>10,.0f} rec/CPU-s  per-corpus net of start x{per / base:.2f} "
              f"RSS {r['rss_mb']:.0f} MB", flush=True)


def main() -> int:
    if len(sys.argv) == 3 and sys.argv[1] == "--child":
        files = json.loads(sys.stdin.read())
        print(json.dumps(_child(sys.argv[2], files)))
        return 0
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--python-slice", type=int, default=2000, help="records for python-evtx")
    ap.add_argument("--large", type=int, default=0, metavar="N",
                    help="also generate N MB of .evtx, a host's mix of records, in a temp dir (removed afterwards)")
    ap.add_argument("--hits", type=int, default=0, metavar="N",
                    help="also N MB where every record is a failure (the worst case: all hits)")
    ap.add_argument("--linear", action="store_true",
                    help="also time analyze over 1x, 4x and 16x the corpus (linear growth)")
    args = ap.parse_args()

    print(f"logscope bench_analyze, {datetime.now(timezone.utc):%Y-%m-%d %H:%M} UTC, "
          f"{os.cpu_count()} cores, Python {sys.version.split()[0]}")
    print(f"start-up: logscope --version {startup() * 1000:.0f} ms (best of 5, python -m)")
    files = corpus_files(args.shared)
    run_set("corpus ../shared/corpus/evtx", files, python_slice(args.shared, args.python_slice))
    if args.linear:
        linear(list(files))
    for mb, mix in ((args.large, "host"), (args.hits, "hits")):
        if not mb:
            continue
        work = Path(tempfile.mkdtemp(prefix="logscope-bench-"))
        try:
            t0 = time.perf_counter()
            gen = generate(mb, work, mix)
            print(f"\n(generated {mb} MB, mix {mix!r}, in {time.perf_counter() - t0:.0f} s)")
            run_set(f"generated {mb} MB, {mix} mix", {p: p.stat().st_size for p in gen}, None)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    print("\n  x raw = records/s over raw evtx records/s; rec/CPU-s = records per CPU second of"
          " that measurement, worker processes included (load-independent).")
    print(f"  load average at the end: {os.getloadavg()[0]:.2f} (figures shrink when other work runs)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
