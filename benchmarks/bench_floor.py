"""``analyze`` against the floor, whole process, paired in the same run (issue 21).

The floor is one process that does the least any reader of the records must: ``evtx``
``records_json`` over every file and ``orjson.loads`` of every record (``--floor-child``).
Each round runs the floor, then ``logscope analyze --format json`` with 1 and with 2
workers, each as a fresh process (start-up, imports and library load included); the figures
are the median of the rounds, and each ratio is floor seconds / analyze seconds (>= 1.0:
analyze is at least as fast as the floor). Peak RSS is the child's (workers included).
Each analyze row says which form of the compiled hot loops ran (``logscope.accel.FORMS``:
compiled, pure-Python twins, or a mix), read from one extra run of the same command;
``--forms both`` measures every analyze row twice in each round, once as installed and once
with ``LOGSCOPE_PURE=1`` (the twins), so a closing note can give both figures.
Also printed: start-up (``--version``, and ``analyze`` of one small .evtx and of one text
file, wall and CPU, with the .evtx run's imports per package), the cost a file adds, and the
surviving fraction of chunks and records: records the engine rendered, and those it never saw
(in chunks the chunk gate kept from it, or skipped inside the chunks it read,
``ingest/evtx/record_skip.py``).

    python benchmarks/bench_floor.py                      # the corpus, 5 rounds
    python benchmarks/bench_floor.py --large 2048         # + a generated 2 GB bundle (/tmp)
    python benchmarks/bench_floor.py --large 2048 --distinct   # its files written one by one
    python benchmarks/bench_floor.py --rounds 3 PATH...   # any .evtx folders (a kept bundle)
    python benchmarks/bench_floor.py --startup-only --rounds 11
    python benchmarks/bench_floor.py --forms both         # compiled and LOGSCOPE_PURE=1 rows

Prints figures; asserts nothing. The machine is shared: note the load (printed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HERE = Path(__file__).resolve().parent


def floor_child(paths: list[str]) -> None:
    import evtx
    import orjson

    n = 0
    for top in paths:
        p = Path(top)
        files = sorted(p.rglob("*.evtx")) if p.is_dir() else [p]
        for f in files:
            try:
                it = evtx.PyEvtxParser(str(f), number_of_threads=1).records_json()
            except Exception:  # noqa: BLE001 - a file the engine cannot open
                continue
            while True:
                try:
                    rec = next(it)
                except StopIteration:
                    break
                except Exception:  # noqa: BLE001 - a bad record: the parser goes on
                    continue
                orjson.loads(rec["data"])
                n += 1
    print(n)


def timed(cmd: list[str], env: dict[str, str] | None = None) -> tuple[float, float, float, bytes]:
    """(wall s, CPU s, peak RSS MB, stdout) of one child process (its own children included)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, cwd=ROOT,
                            env=env)
    out = proc.stdout.read() if proc.stdout else b""
    _pid, _status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, out


def analyze_cmd(paths: list[str], workers: int, output: str) -> list[str]:
    return [sys.executable, "-m", "logscope", "analyze", *paths, "--format", "json",
            "--output", output, "--workers", str(workers)]


#: ``--forms``: the environments each analyze row runs in (``None``: as this process has it).
FORM_ENVS = {"env": {"": None},
             "both": {"": {**os.environ, "LOGSCOPE_PURE": ""},
                      " pure": {**os.environ, "LOGSCOPE_PURE": "1"}}}

_FORMS_CHILD = """
import atexit, json, sys
sys.argv = ["logscope", *sys.argv[1:]]


def forms():  # an exit handler: analyze's direct path ends with os._exit only without one
    from logscope import accel
    sys.stdout.write("\\nFORMS " + json.dumps({"pure_only": accel.pure_only(),
                                                  "forms": accel.FORMS,
                                                  "built": accel.compiled_sources()}))
    sys.stdout.flush()


atexit.register(forms)
from logscope.cli import main
main()
"""

def forms_ran(paths: list[str], workers: int, output: str, env: dict[str, str] | None) -> str:
    """Which form of each twin pair an analyze of ``paths`` loaded (one more run of it, in
    process, ``accel.FORMS`` read at its end; a worker process loads the same forms)."""
    cmd = [sys.executable, "-c", _FORMS_CHILD, *analyze_cmd(paths, workers, output)[3:]]
    out = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, env=env,
                         check=False).stdout
    line = out.rsplit("FORMS ", 1)
    if len(line) != 2:
        return "form unknown (the run printed no FORMS)"
    got = json.loads(line[1])
    forms = got["forms"]
    if not forms:
        return (f"no twin pair loaded ({len(got['built'])} .pyx in the package"
                f"{', LOGSCOPE_PURE=1' if got['pure_only'] else ''})")
    kinds = sorted(set(forms.values()))
    which = kinds[0] if len(kinds) == 1 else "mixed: " + ", ".join(
        f"{m} {f}" for m, f in sorted(forms.items()))
    return f"{which} ({len(forms)} twin pair(s){', LOGSCOPE_PURE=1' if got['pure_only'] else ''})"


def surviving(report: Path) -> str:
    rep = json.loads(report.read_text())
    chunks = skipped = records = skipped_records = inside = files = 0
    for f in rep["files"]:
        evtx = f.get("info", {}).get("evtx")
        if f["kind"] != "evtx" or not isinstance(evtx, dict):
            continue
        files += 1
        chunks += evtx.get("chunks_with_data", 0)
        skipped += evtx.get("chunks_skipped", 0)
        records += f["records"]
        skipped_records += evtx.get("records_skipped", 0)
        inside += evtx.get("records_skipped_inside", 0)
    return (f"{files} evtx files; chunks surviving {chunks - skipped:,} of {chunks:,} "
            f"({(chunks - skipped) / max(chunks, 1):.1%}); records rendered "
            f"{records - skipped_records:,} of {records:,} "
            f"({(records - skipped_records) / max(records, 1):.1%}), skipped "
            f"{skipped_records - inside:,} in skipped chunks + {inside:,} inside read chunks")


def run(name: str, paths: list[str], rounds: int, tmp: Path, forms: str = "env") -> None:
    out = str(tmp / "report.json")
    envs = FORM_ENVS[forms]
    rows: dict[str, list[tuple[float, float, float]]] = {"floor": []}
    for workers in (1, 2):
        for tag in envs:
            rows[f"analyze {workers}{tag}"] = []
    for _ in range(rounds):
        w, c, r, _o = timed([sys.executable, __file__, "--floor-child", *paths])
        rows["floor"].append((w, c, r))
        for workers in (1, 2):
            for tag, env in envs.items():
                w, c, r, _o = timed(analyze_cmd(paths, workers, out), env)
                rows[f"analyze {workers}{tag}"].append((w, c, r))
    floor_w = statistics.median(x[0] for x in rows["floor"])
    floor_c = statistics.median(x[1] for x in rows["floor"])
    print(f"\n{name} ({rounds} rounds, median; load {os.getloadavg()[0]:.2f})")
    print(f"  {'process':14} {'wall s':>7} {'CPU s':>7} {'RSS MB':>7} {'floor/wall':>11} "
          f"{'floor/CPU':>10}")
    for label, xs in rows.items():
        w = statistics.median(x[0] for x in xs)
        c = statistics.median(x[1] for x in xs)
        r = max(x[2] for x in xs)
        print(f"  {label:14} {w:7.2f} {c:7.2f} {r:7.0f} {floor_w / w:11.2f} {floor_c / c:10.2f}")
    print("  floor/wall: the floor's wall seconds over analyze's; floor/CPU: its CPU seconds")
    print("  over analyze's (all processes): the per-core ratio")
    for tag, env in envs.items():
        print(f"  form of analyze{tag}: {forms_ran(paths, 1, str(tmp / 'forms.json'), env)}")
    print("  " + surviving(Path(out)))


def startup(rounds: int, tmp: Path) -> None:
    """Start-up: ``--version``, ``analyze`` of one small .evtx and of one text file no reader
    claims (README.md: every reader's detection runs), each a fresh process, rounds
    interleaved; then the imports of the .evtx run. The caches (library, templates, data
    tables) are warm after the first round, as on any machine that ran logscope before."""
    small = sorted((ROOT / "samples" / "evtx").rglob("*.evtx"))[0]
    text = ROOT / "README.md"
    runs: dict[str, list[tuple[float, float, float, bytes]]] = {"version": [], "evtx": [],
                                                                 "text": []}
    timed(analyze_cmd([str(small)], 1, str(tmp / "one.json")))  # warm the caches
    for _ in range(rounds):
        runs["version"].append(timed([sys.executable, "-m", "logscope", "--version"]))
        runs["evtx"].append(timed(analyze_cmd([str(small)], 1, str(tmp / "one.json"))))
        runs["text"].append(timed(analyze_cmd([str(text)], 1, str(tmp / "text.json"))))
    med = statistics.median

    def fig(name: str) -> str:
        xs = runs[name]
        wall, cpu = med(x[0] for x in xs) * 1000, med(x[1] for x in xs) * 1000
        return f"{wall:.0f} ms ({cpu:.0f} ms CPU, {max(x[2] for x in xs):.0f} MB)"

    print(f"start-up (median of {rounds}): --version {fig('version')}; analyze of one small "
          f".evtx ({small.name}) {fig('evtx')}; of one text file ({text.name}) {fig('text')}")
    import_breakdown([str(small)], rounds, tmp)


def import_breakdown(paths: list[str], rounds: int, tmp: Path, top: int = 12) -> None:
    """Where the one-file run's imports go: ``-X importtime`` self times summed per package
    (logscope by subpackage), median over the rounds. The tracing inflates every figure: read
    them as shares, not as seconds."""
    import re

    line = re.compile(r"import time:\s+(\d+) \|\s+\d+ \|\s*(\S+)")
    per: dict[str, list[int]] = {}
    for _ in range(rounds):
        proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "logscope", "analyze",
                               *paths, "--format", "json", "--output", str(tmp / "imp.json")],
                              capture_output=True, text=True, cwd=ROOT, check=False)
        sums: dict[str, int] = {}
        for m in line.finditer(proc.stderr):
            parts = m.group(2).split(".")
            group = ".".join(parts[:2]) if parts[0] == "logscope" else parts[0]
            sums[group] = sums.get(group, 0) + int(m.group(1))
        for group, us in sums.items():
            per.setdefault(group, []).append(us)
    rows = sorted(((statistics.median(v) / 1000, k) for k, v in per.items()), reverse=True)
    total = sum(ms for ms, _k in rows)
    print(f"  imports of that run (-X importtime, self ms, {len(rows)} packages, "
          f"{total:.0f} ms traced): " + ", ".join(f"{k} {ms:.1f}" for ms, k in rows[:top]))


def main() -> int:
    if len(sys.argv) > 1 and sys.argv[1] == "--floor-child":
        floor_child(sys.argv[2:])
        return 0
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("paths", nargs="*", help="folders of .evtx (default: ../shared/corpus/evtx)")
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--large", type=int, default=0, metavar="MB",
                    help="also a generated bundle of MB megabytes (host mix), in /tmp, removed after")
    ap.add_argument("--distinct", action="store_true",
                    help="--large written file by file (hosts, times, VM names of their own), "
                         "not byte copies of one file (~25 s a 64 MB file to write)")
    ap.add_argument("--no-startup", action="store_true", help="skip the start-up figures")
    ap.add_argument("--startup-only", action="store_true", help="only the start-up figures")
    ap.add_argument("--forms", choices=sorted(FORM_ENVS), default="env",
                    help="env: analyze as the environment has it; both: each analyze row as "
                         "installed and again with LOGSCOPE_PURE=1")
    ap.add_argument("--no-compile", action="store_true",
                    help="do not write logscope's bytecode first (see below)")
    args = ap.parse_args()
    paths = args.paths or [str(ROOT.parent / "shared" / "corpus" / "evtx")]
    print(f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {os.cpu_count()} cores, "
          f"Python {sys.version.split()[0]}")
    if not args.no_compile:
        # an installed logscope has its .pyc files (pip compiles them); an editable checkout
        # under PYTHONDONTWRITEBYTECODE=1 compiles ~120 modules from source in every run
        # (~0.13 CPU-s): written here once, so the figures are those of an installed package
        import compileall

        compileall.compile_dir(str(ROOT / "logscope"), quiet=1)
        print("bytecode of logscope/ written first (as an installed package has it; --no-compile: not)")
    with tempfile.TemporaryDirectory(prefix="logscope-floor-") as tmp:
        if not args.no_startup:
            startup(args.rounds, Path(tmp))
        if args.startup_only:
            return 0
        run(" ".join(paths), paths, args.rounds, Path(tmp), args.forms)
        if args.large:
            sys.path.insert(0, str(HERE))
            sys.path.insert(0, str(ROOT))
            from bench_evtx import generate

            gen = Path(tmp) / "bundle"
            t0 = time.perf_counter()
            files = generate(gen, args.large, "host", distinct=args.distinct)
            print(f"\n(generated {args.large} MB in {len(files)} files, {time.perf_counter() - t0:.0f} s)")
            run(f"generated {args.large} MB, host mix", [str(gen)], args.rounds, Path(tmp),
                args.forms)
            shutil.rmtree(gen, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
