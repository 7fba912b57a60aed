"""Where ``analyze`` spends its time, stage by stage, in CPU seconds (best of N runs).

Prints, for the corpus (and optionally a generated set), the cost of each stage measured on
its own, and the per-record cost each implies, so the distance to a target rate can be read
off directly. A benchmark, not a test: it asserts nothing.

    /work/venv/bin/python benchmarks/where_time_goes.py                 # corpus
    /work/venv/bin/python benchmarks/where_time_goes.py --generated 64  # + 64 MB host mix

Stages:
- raw evtx: ``PyEvtxParser.records_json`` over every file (the engine's floor);
- pre-scan: the pass before the engine that cuts looping name/template chains and hides
  chunks whose templates multiply their values (``evtx.prescan.prescan``);
- completeness: the chunk-structure check after the engine (``check_completeness``);
- input hashing: ``meta.inputs[].sha256`` (a second read of every byte);
- ingest: ``iter_events`` as ``analyze`` runs it (folding, gate, summaries, recovery),
  which includes the pre-scan and the completeness check;
- analyze: the whole pipeline (ingest + match + identity + correlation + hashing).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))


def best(fn: Callable[[], object], runs: int) -> tuple[float, object]:
    """Lowest CPU time of ``runs`` calls (the machine is shared: the minimum is the signal)."""
    low, out = float("inf"), None
    for _ in range(runs):
        t0 = time.process_time()
        out = fn()
        low = min(low, time.process_time() - t0)
    return low, out


def stages(files: list[Path], runs: int) -> None:
    from bench_analyze import _run_raw

    from logscope.ingest.evtx import completeness as evtx_completeness
    from logscope.ingest.evtx import prescan as evtx_prescan
    from logscope.ingest.source import IngestOptions
    from logscope.input_hash import sha256_of
    from logscope.ledger import FileLedger
    from logscope.match.evtx_gate import with_evtx_gate
    from logscope.match.matcher import Matcher
    from logscope.pipeline import analyze, iter_events, load_knowledge

    library, _chains = load_knowledge(None)
    opts = with_evtx_gate(IngestOptions(), Matcher(library))

    def raw() -> int:
        return _run_raw(files)  # the same loop as bench_analyze's raw row

    def chains() -> None:
        for f in files:
            with f.open("rb") as fh:
                evtx_prescan.prescan(fh)

    ids: dict[Path, evtx_completeness.RecordIdSet] = {}

    def completeness() -> None:
        for f in files:
            with f.open("rb") as fh:
                evtx_completeness.check_completeness(fh, FileLedger(str(f)), ids[f], [])

    def hashing() -> None:
        for f in files:
            sha256_of(f)

    def ingest() -> int:
        return sum(1 for _ in iter_events(files, opts, []))

    def whole() -> int:
        return analyze(files, IngestOptions()).events_seen

    # the record ids the engine produces, for the completeness stage alone
    from logscope.ingest.evtx import reader as evtx_parser
    from logscope.ingest.source import Source

    for f in files:
        seen = evtx_completeness.RecordIdSet()
        src = Source(str(f), opener=lambda f=f: f.open("rb"), size=f.stat().st_size, fs_path=f)
        for _ in evtx_parser._parse_rust(src, FileLedger(str(f)), seen):
            pass
        ids[f] = seen

    size = sum(f.stat().st_size for f in files)
    t_raw, n = best(raw, runs)
    rows = [("raw evtx (engine floor)", t_raw)]
    for label, fn in (("pre-scan (chain loops, template bombs)", chains), ("completeness check", completeness),
                      ("input hashing", hashing)):
        rows.append((label, best(fn, runs)[0]))
    t_ingest, events = best(ingest, runs)
    rows.append((f"ingest as analyze runs it ({events:,} events built)", t_ingest))
    t_all, _ = best(whole, runs)
    rows.append(("analyze, whole pipeline", t_all))
    print(f"  {len(files)} files, {size / 1e6:.1f} MB, {n:,} records; CPU seconds, best of {runs}")
    print(f"  {'stage':<52} {'CPU s':>7} {'us/record':>10} {'records/s':>11}")
    for label, t in rows:
        print(f"  {label:<52} {t:7.3f} {t * 1e6 / n:10.2f} {n / t:>11,.0f}")
    rest = t_all - t_ingest
    print(f"  {'  of which: Python per-record work in ingest':<52} "
          f"{t_ingest - t_raw - rows[1][1] - rows[2][1]:7.3f} "
          f"{(t_ingest - t_raw - rows[1][1] - rows[2][1]) * 1e6 / n:10.2f}")
    print(f"  {'  of which: match, identity, correlation, hashing':<52} {rest:7.3f} {rest * 1e6 / n:10.2f}")
    print(f"  budget at 150,000 records/s: {1e6 / 150_000:.2f} us/record; "
          f"the engine alone takes {t_raw * 1e6 / n:.2f}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--generated", type=int, default=0, metavar="MB",
                    help="also a generated set of this many MB, host mix (removed afterwards)")
    args = ap.parse_args()
    corpus = sorted((args.shared / "corpus" / "evtx").rglob("*.evtx"))
    if corpus:
        print("corpus ../shared/corpus/evtx")
        stages(corpus, args.runs)
    if args.generated:
        from bench_evtx import generate

        work = Path(tempfile.mkdtemp(prefix="logscope-where-"))
        try:
            files = generate(work, args.generated, "host")
            print(f"\ngenerated {args.generated} MB, host mix")
            stages(files, args.runs)
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
