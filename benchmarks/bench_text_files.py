"""What text files cost ``analyze`` (issue 21): the corpus's README.md and MANIFEST.tsv, and
text files a bundle holds, whole process, this checkout against another, alternated.

Why whole processes: a text file's cost is mostly first-use work (its family's imports, RE2
sets compiled, the gate's patterns read or derived), which an in-process loop hides. Each
round runs every command of every checkout once, in turn; the figures are medians of CPU
seconds (user+sys) and wall seconds. ``corpus - evtx-only`` is what the two text files add
to ``analyze`` of the corpus (a copy of its .evtx files alone, ``--evtx-only``).
``--cold``: each run gets an empty cache folder (``LOGSCOPE_CACHE_DIR``), so the library,
the templates and the gate's patterns are derived again (as on a first run or after an
upgrade); the default uses the user cache as it is (warm after the first round).

    python benchmarks/bench_text_files.py --against /work/main --rounds 9
    python benchmarks/bench_text_files.py --against /work/main --rounds 7 --cold
    python benchmarks/bench_text_files.py --rounds 9 FILE...      # other inputs

Prints figures; asserts nothing. The machine is shared: note the load (printed).
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT.parent / "shared" / "corpus"


def _inputs(args: argparse.Namespace) -> list[tuple[str, Path]]:
    if args.paths:
        return [(p.name, p) for p in args.paths]
    evtx, text = CORPUS / "evtx", CORPUS / "text"
    out = [("corpus", evtx), ("evtx-only", args.evtx_only), ("README.md", evtx / "README.md"),
           ("MANIFEST.tsv", evtx / "MANIFEST.tsv"),
           ("vssadmin text", text / "vssadmin" / "en_fixture_verbatim_list_shadowstorage_full.txt"),
           ("Veeam job log", text / "veeam" / "vbr11_job_log_header_and_job_start.log")]
    return [(n, p) for n, p in out if p.exists()]


def _run(logscope: Path, path: Path, cold: bool) -> tuple[float, float]:
    env = dict(os.environ)
    cache = tempfile.mkdtemp(prefix="logscope-cache-") if cold else None
    if cache:
        env["LOGSCOPE_CACHE_DIR"] = cache
    t0 = time.perf_counter()
    proc = subprocess.Popen([str(logscope), "analyze", str(path), "--workers", "1", "-f", "json"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    _, _, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if cache:
        shutil.rmtree(cache, ignore_errors=True)
    return usage.ru_utime + usage.ru_stime, wall


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--against", type=Path, action="append", default=[],
                    help="another checkout (with its .venv) to alternate with")
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--cold", action="store_true", help="an empty cache folder for every run")
    ap.add_argument("--evtx-only", type=Path, default=Path("/tmp/corpus-evtx-only"))
    args = ap.parse_args()
    checkouts = [ROOT, *args.against]
    inputs = _inputs(args)
    runs: dict[tuple[int, str], list[tuple[float, float]]] = {}
    for _ in range(args.rounds):
        for name, path in inputs:
            for i, co in enumerate(checkouts):
                runs.setdefault((i, name), []).append(
                    _run(co / ".venv" / "bin" / "logscope", path, args.cold))
    print(f"{args.rounds} rounds, {'cold' if args.cold else 'warm'} cache, load "
          f"{os.getloadavg()[0]:.1f}; medians: CPU s / wall s")
    print(f"{'input':16s}" + "".join(f"{co.name:>22s}" for co in checkouts))
    med: dict[tuple[int, str], float] = {}
    for name, _ in inputs:
        cells = []
        for i in range(len(checkouts)):
            got = runs[(i, name)]
            med[(i, name)] = statistics.median(c for c, _ in got)
            cells.append(f"{med[(i, name)]:.3f} / {statistics.median(w for _, w in got):.3f}")
        print(f"{name:16s}" + "".join(f"{c:>22s}" for c in cells))
    if ("corpus" in dict(inputs)) and ("evtx-only" in dict(inputs)):
        print(f"{'corpus - evtx-only':16s}" + "".join(
            f"{med[(i, 'corpus')] - med[(i, 'evtx-only')]:>22.3f}" for i in range(len(checkouts))))


if __name__ == "__main__":
    main()
