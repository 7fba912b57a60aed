"""What the report's per-input SHA-256 costs ``analyze``, and each form of it alone.

In process (median of ROUNDS, CPU and wall ms): OpenSSL's SHA-256 over the same number of
bytes already in memory (the floor: no read, no walk), the folder listing, and
``file_digest.digest`` over the listing in each form (compiled: the GIL let go over the whole
run of files; pure: the twin).

Whole process (``analyze PATH --workers 1 -f json``, each a fresh process, alternated, median
of ROUNDS; CPU = user+sys; voluntary context switches: mostly a thread waiting for the GIL):
as installed (the hash in a thread beside the parse), with the hash run before the parse in
the main thread ("serial"), with the pure twin in the thread ("pure hash"), and with the hash
replaced by a constant ("no hash"). "as is" less "no hash" is what the hash costs the run;
"serial" less "no hash" is the hash's own cost there.

    python benchmarks/bench_input_hash.py                       # the corpus, 9 rounds
    python benchmarks/bench_input_hash.py --rounds 7 PATH...    # any inputs

Prints figures; asserts nothing. The machine is shared: note the load (printed).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: Child: the CLI with the input hash changed as MODE says (argv[1]); the rest is analyze's.
CHILD = """
import sys
mode = sys.argv.pop(1)
from logscope import file_digest, input_hash, pipeline
if mode == "serial":
    input_hash.in_background = lambda work: (lambda v: lambda: v)(work())
elif mode == "pure":
    input_hash._digest = file_digest.digest
elif mode == "none":
    pipeline.start_hashing = lambda paths: lambda: [{"path": str(p), "sha256": "0" * 64}
                                                    for p in paths]
from logscope.cli import main
sys.argv[0] = "logscope"
sys.exit(main())
"""
MODES = {"as is": "asis", "serial": "serial", "pure hash": "pure", "no hash": "none"}


def in_process(path: Path, rounds: int) -> None:
    from logscope import file_digest, input_hash
    from logscope.signals import check

    items = input_hash.listing(path)[0] if path.is_dir() else [(b"", os.fsencode(path))]
    size = sum(os.path.getsize(p) for _, p in items)
    data = os.urandom(1 << 20) * max(1, size >> 20)
    forms = {"sha256 of the bytes in memory": lambda: hashlib.sha256(data).digest()}
    if path.is_dir():
        forms["listing"] = lambda: input_hash.listing(path)
    forms["digest, as installed"] = lambda: input_hash._digest(items, check)
    forms["digest, pure twin"] = lambda: file_digest.digest(items, check)
    got: dict[str, list[tuple[float, float]]] = {k: [] for k in forms}
    for _ in range(rounds):
        for name, fn in forms.items():
            c0, w0 = time.process_time(), time.perf_counter()
            fn()
            got[name].append((time.process_time() - c0, time.perf_counter() - w0))
    print(f"{path}: {len(items)} files, {size / 1e6:.1f} MB; in process, median of {rounds} (ms)")
    for name, v in got.items():
        cpu = statistics.median(x[0] for x in v) * 1e3
        wall = statistics.median(x[1] for x in v) * 1e3
        print(f"  {name:32s} cpu {cpu:7.1f}  wall {wall:7.1f}")


def whole(path: Path, rounds: int) -> None:
    got: dict[str, list[tuple[float, float, int]]] = {k: [] for k in MODES}
    for _ in range(rounds):
        for name, mode in MODES.items():
            cmd = [sys.executable, "-c", CHILD, mode, "analyze", str(path), "--workers", "1",
                   "-f", "json"]
            t0 = time.perf_counter()
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            _, _, ru = os.wait4(proc.pid, 0)
            got[name].append((ru.ru_utime + ru.ru_stime, time.perf_counter() - t0, ru.ru_nvcsw))
    print(f"{path}: analyze --workers 1, whole process, median of {rounds} (s)")
    med = {k: tuple(statistics.median(x[i] for x in v) for i in range(3)) for k, v in got.items()}
    for name, (cpu, wall, waits) in med.items():
        print(f"  {name:12s} cpu {cpu:.3f}  wall {wall:.3f}  voluntary switches {waits:.0f}")
    base = med["no hash"]
    print(f"  the hash costs: cpu {med['as is'][0] - base[0]:+.3f}  wall "
          f"{med['as is'][1] - base[1]:+.3f} (its own, serial: cpu "
          f"{med['serial'][0] - base[0]:+.3f})")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path)
    ap.add_argument("--rounds", type=int, default=9)
    args = ap.parse_args()
    paths = args.paths or [ROOT.parent / "shared" / "corpus" / "evtx"]
    from logscope import accel, input_hash  # noqa: F401 - loads the form it reports

    print(f"form of file_digest: {accel.FORMS.get('logscope.file_digest')}; "
          f"load {os.getloadavg()[0]:.1f}")
    for p in paths:
        in_process(p, args.rounds)
        whole(p, args.rounds)
    print(f"load {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
