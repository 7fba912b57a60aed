"""The hazard pre-scan and the per-chunk checks, compiled against pure, and what they leave
of a whole ``analyze`` (issue 21).

Per slot (in process, CPU ms over every 64 KiB slot of the inputs, median of 5):
``prescan.chain_loops`` and ``amplifying_templates`` in both forms (``_prescan.pyx``
compiled, ``prescan.py`` the twin), and the structural read of each slot
(``chunks.read_chunk`` with and without its record walk).

Whole process (``--rounds N``): ``python -m logscope analyze PATH --workers 1`` as fresh
processes, alternating: this checkout with its compiled modules, this checkout with
``LOGSCOPE_PURE=1``, and with ``--against DIR`` another checkout (say ``git archive main``
unpacked; put on PYTHONPATH, run with this interpreter). The bytecode of each tree is written
first (``compileall``: a run with PYTHONDONTWRITEBYTECODE would otherwise compile a changed
module every time). CPU s = user + sys of the child, median of the rounds; the machine is
shared, so the load is printed.

    python benchmarks/bench_prescan.py /work/bench64/generated-0000.evtx
    python benchmarks/bench_prescan.py ../shared/corpus/evtx --rounds 7 --against /tmp/main
    python benchmarks/bench_prescan.py samples/evtx --crafted   # the pre-scan's worst case

``--crafted``: also the pre-scan's cost on two slots built to cost it most (see
``crafted_slot``), both forms.

``--work``: the pre-scan's work measure (``prescan.slot_work``, template body bytes a slot's
check reads) over every slot of the inputs: the largest, against ``prescan.WORK_BUDGET``.

Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logscope.ingest.evtx import prescan  # noqa: E402
from logscope.ingest.evtx.chunks import CHUNK_SIZE, HEADER_SIZE, read_chunk  # noqa: E402


def slots(paths: list[Path]) -> list[bytes]:
    out = []
    for top in paths:
        for path in sorted(top.rglob("*.evtx")) if top.is_dir() else [top]:
            data = path.read_bytes()
            out += [data[o:o + CHUNK_SIZE] for o in range(HEADER_SIZE, len(data), CHUNK_SIZE)]
    return out


def cpu_ms(fn, rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    times = []
    for _ in range(rounds):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return statistics.median(times) * 1000


def per_slot(chunks: list[bytes]) -> None:
    forms = {"pure": prescan}
    try:
        from logscope.ingest.evtx import _prescan
        forms["compiled"] = _prescan
    except ImportError:
        print("  (_prescan not compiled here: pure only)")
    print(f"per slot, {len(chunks)} slots (CPU ms over all, median of 5):")
    for name, mod in forms.items():
        chain = cpu_ms(lambda m=mod: [m.chain_loops(c) for c in chunks])
        cache: dict = {}
        amp = cpu_ms(lambda m=mod: [m.amplifying_templates(c, cache) for c in chunks])
        print(f"  {name:9} chain_loops {chain:7.2f}  amplifying_templates {amp:7.2f}"
              " (one template cache for all, as SlotGuard keeps per file)")
    head = cpu_ms(lambda: [read_chunk(c, 0, 0, lambda _c: True) for c in chunks])
    walk = cpu_ms(lambda: [read_chunk(c, 0, 0) for c in chunks])
    print(f"  read_chunk: header and CRCs {head:.2f}; with the record walk {walk:.2f}")


def crafted_slot(walked: bool, instances: int = 3225) -> bytes:
    """A slot built to cost the pre-scan most: ~3,200 instance tokens (10 bytes each) naming
    distinct template offsets 4 bytes apart, each reading a 16 KB body from the same region.
    ``walked``: every body holds a repeated substitution every 256 bytes between 4-byte
    fragment-header tokens (each body is walked to its end); else no body may repeat an index
    (each is only scanned). ``instances``: fewer tokens (16: the most under the budget)."""
    import struct

    b = bytearray(CHUNK_SIZE)
    b[:8] = b"ElfChnk\x00"
    offs = range(32768, 49096, 4)
    for k, off in enumerate(offs[:instances]):
        at = 512 + 10 * k
        if at + 10 > 32768:
            break
        b[at:at + 10] = b"\x0c" + bytes(5) + struct.pack("<H", off) + bytes(2)
    for at in range(32768, CHUNK_SIZE - 4, 4):
        repeat = walked and (at // 4) % 64 == 0
        b[at:at + 4] = b"\x0d\x00\x00\x21" if repeat else b"\x0f\x3f\x00\x00"
    return bytes(b)


def _check(mod, slot: bytes) -> str:  # type: ignore[no-untyped-def]
    """What a form answers for a slot: templates flagged, or the work it was cut at."""
    try:
        return f"{len(mod.amplifying_templates(slot, {}))} templates flagged"
    except prescan.OverBudget as over:
        return f"cut: work {over.work:,} over the budget"


def crafted() -> None:
    forms = {"pure": prescan}
    try:
        from logscope.ingest.evtx import _prescan
        forms["compiled"] = _prescan
    except ImportError:
        pass
    under = prescan.WORK_BUDGET // 16143  # bodies of 16,143 bytes the budget lets through
    print(f"crafted worst-case slots (CPU ms a slot, median of 5; budget "
          f"{prescan.WORK_BUDGET:,} body bytes):")
    for walked, instances in ((False, 3225), (True, 3225), (True, under)):
        slot = crafted_slot(walked, instances)
        figures = ", ".join(f"{name} {cpu_ms(lambda m=mod: _check(m, slot)):.2f}"
                            for name, mod in forms.items())
        what = "every body walked" if walked else "bodies only scanned"
        print(f"  {instances:5} tokens, {what:20} {figures} ({_check(prescan, slot)}; work "
              f"{prescan.slot_work(slot):,})")


def work(chunks: list[bytes]) -> None:
    works = sorted(prescan.slot_work(c) for c in chunks)
    print(f"pre-scan work over {len(chunks)} slots (template body bytes): median "
          f"{statistics.median(works):,.0f}, p99 {works[len(works) * 99 // 100]:,}, "
          f"largest {works[-1]:,}; budget {prescan.WORK_BUDGET:,} "
          f"({prescan.WORK_BUDGET / max(works[-1], 1):.1f}x the largest)")


def whole(paths: list[str], rounds: int, against: Path | None) -> None:
    runs = {"compiled": (ROOT, {}), "pure": (ROOT, {"LOGSCOPE_PURE": "1"})}
    if against is not None:
        runs["against"] = (against, {})
    cpu: dict[str, list[float]] = {k: [] for k in runs}
    import compileall

    for tree, _extra in runs.values():  # bytecode first in every tree, as bench_floor.py does
        compileall.compile_dir(str(tree / "logscope"), quiet=1)
    with tempfile.TemporaryDirectory(prefix="bench-prescan-") as tmp:
        out = str(Path(tmp) / "report.json")
        for _ in range(rounds):
            for label, (tree, extra) in runs.items():
                env = dict(os.environ, PYTHONPATH=str(tree))
                env.pop("LOGSCOPE_PURE", None)
                env.update(extra)
                proc = subprocess.Popen([sys.executable, "-m", "logscope", "analyze", *paths,
                                         "--format", "json", "--output", out, "--workers", "1"],
                                        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                        cwd=tree, env=env)
                _pid, _status, usage = os.wait4(proc.pid, 0)
                cpu[label].append(usage.ru_utime + usage.ru_stime)
    print(f"whole process, analyze --workers 1, {rounds} alternating rounds "
          f"(load {os.getloadavg()[0]:.2f}):")
    for label, xs in cpu.items():
        paired = ("" if label == "compiled" else "; paired, minus compiled: median "
                  f"{statistics.median(x - c for x, c in zip(xs, cpu['compiled'])):+.3f}")
        print(f"  {label:9} median {statistics.median(xs):.3f} CPU-s{paired}  "
              f"(runs {', '.join(f'{x:.3f}' for x in xs)})")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--rounds", type=int, default=0, help="whole-process rounds (0: none)")
    ap.add_argument("--against", type=Path, default=None, help="another checkout to compare")
    ap.add_argument("--crafted", action="store_true", help="also the crafted worst-case slots")
    ap.add_argument("--work", action="store_true", help="only the work measure against the budget")
    args = ap.parse_args()
    if args.work:
        work(slots(args.paths))
        return 0
    per_slot(slots(args.paths))
    if args.crafted:
        crafted()
    if args.rounds:
        whole([str(p.resolve()) for p in args.paths], args.rounds, args.against)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
