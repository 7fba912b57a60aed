"""The python-evtx engine (``--engine python``) over .evtx files: records, CPU and peak RSS.

Why: the engine reads a file one 64 KiB chunk slot at a time (``python_engine._Slots``), so
its memory should not grow with the file; mapping the whole file (before) grew the process's
resident pages with every chunk read. Each input runs in a fresh child so ``ru_maxrss`` is its
own; ``--against DIR`` also runs another checkout's engine (``git archive main`` unpacked),
alternating, for a before/after in the same window (the machine is shared).

    python benchmarks/bench_python_engine.py /work/bench64/generated-0000.evtx
    python benchmarks/bench_python_engine.py ../shared/corpus/evtx --against /tmp/main

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

_CHILD = """
import json, resource, sys, time
from pathlib import Path
from logscope.ingest.evtx import python_engine
from logscope.ledger import FileLedger
root = Path(sys.argv[1])
files = sorted(root.rglob("*.evtx")) if root.is_dir() else [root]
n = errors = 0
t = time.process_time()
for f in files:
    with open(f, "rb") as fh:
        for _rid, _off, _xml, error in python_engine.records(fh, FileLedger(str(f))):
            n += 1
            errors += error is not None
cpu = time.process_time() - t
print(json.dumps({"files": len(files), "records": n, "errors": errors, "cpu_s": round(cpu, 2),
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024}))
"""


def run(tree: Path, path: Path) -> dict[str, object]:
    env = dict(os.environ, PYTHONPATH=str(tree))
    done = subprocess.run([sys.executable, "-c", _CHILD, str(path)], capture_output=True,
                          text=True, env=env, cwd=tree, check=True)
    return json.loads(done.stdout.splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--against", type=Path, help="another checkout to run alternately")
    args = ap.parse_args()
    trees = [("this", ROOT)] + ([("against", args.against.resolve())] if args.against else [])
    print(f"load {os.getloadavg()[0]:.1f}")
    for path in args.paths:
        for name, tree in trees:
            print(f"{path} [{name}]: {run(tree, path.resolve())}", flush=True)


if __name__ == "__main__":
    main()
