"""Localised message templates (issue 16): what reading pasted text through the templates costs.

Two figures, CPU seconds (user+sys), medians over ``--runs``:
- per paragraph: ``localised.identify`` + ``language_of`` on lines that hold no template (the
  common case: a log or a mail pasted whole) and on a German / Japanese description that does;
- whole run: ``logscope analyze`` (a child process; its rusage) on a generated unclaimed text of
  ``--lines`` lines, the message-text reader's worst case (every line is a paragraph it reads).
The evtx readers never call the templates (tests/pasted/test_localised.py checks it).
Prints figures, asserts nothing.

    python benchmarks/bench_localised.py --lines 20000 --runs 5
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from logscope.ingest.language import language_of  # noqa: E402
from logscope.localised import identify, library  # noqa: E402

ROOT = Path(__file__).resolve().parents[1] / "tests" / "realworld"
PLAIN = "2024-05-03 10:15:{:02d} backup job step {} finished, 3 files copied, no warnings"
DE = (ROOT / "vss-de-duplicati-1297-8194-benign" / "evidence.txt").read_text("utf-8")
JA = (ROOT / "vss-ja-jpwinsup-8229-writer-timeout" / "evidence.txt").read_text("utf-8")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def per_call(texts: list[str], runs: int) -> float:
    """Median CPU microseconds per text for identify + language_of."""
    out = []
    for _ in range(runs):
        t = _cpu()
        for s in texts:
            identify(s)
            language_of(s)
        out.append((_cpu() - t) / len(texts) * 1e6)
    return statistics.median(out)


def analyze_cpu(path: Path, runs: int) -> tuple[float, float]:
    """Median child CPU seconds and wall seconds of ``logscope analyze`` on ``path``."""
    cpu, wall = [], []
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run([sys.executable, "-m", "logscope", "analyze", str(path), "--format",
                        "json"], capture_output=True, check=False)
        wall.append(time.perf_counter() - t)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    return statistics.median(cpu), statistics.median(wall)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--lines", type=int, default=20_000)
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    t = _cpu()
    lib = library()
    print(f"templates: {len(lib.templates)} ({sum(x.lang != 'en' for x in lib.templates)} "
          f"localised), built in {(_cpu() - t) * 1e3:.1f} ms CPU")
    plain = [PLAIN.format(i % 60, i) for i in range(2000)]
    print(f"identify+language_of, no template: {per_call(plain, args.runs):.1f} us/paragraph")
    print(f"identify+language_of, de 8194:     {per_call([DE] * 200, args.runs):.1f} us/paragraph")
    print(f"identify+language_of, ja 8229:     {per_call([JA] * 200, args.runs):.1f} us/paragraph")
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "notes.txt"
        path.write_text("\n".join(PLAIN.format(i % 60, i) for i in range(args.lines)) + "\n",
                        "utf-8")
        cpu, wall = analyze_cpu(path, args.runs)
        print(f"analyze {args.lines} unclaimed lines: {cpu:.2f} s CPU, {wall:.2f} s wall (median "
              f"of {args.runs}, child process)")


if __name__ == "__main__":
    main()
