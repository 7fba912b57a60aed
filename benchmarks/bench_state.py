"""Hyper-V state model (issue 17): CPU seconds of ``logscope analyze`` on generated state
captures of growing size, and the share the state stage (model, facts, trend) takes of it.

Each capture holds, for N VMs, a Get-VMHardDiskDrive table, a Get-VMSnapshot table with D
recovery checkpoints per VM, a Get-VHD Format-List of every level of a chain D deep, and a
``dir`` listing of the VM folders; two captures a day apart (the second one level deeper) make
the trend work too. Each analyze is a child process; CPU = user+sys of the children
(``RUSAGE_CHILDREN``), median of ``--runs``. The state stage alone is timed in-process
(``time.process_time``) on the events read. Prints figures, asserts nothing.

    python benchmarks/bench_state.py --vms 10,100,1000 --depth 8 --runs 3
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


def _guid(vm: int, level: int) -> str:
    return f"{vm:08X}-{level:04X}-4000-8000-{vm * 131 + level:012X}"


def capture(folder: Path, vms: int, depth: int, stamp: str) -> None:
    folder.mkdir(parents=True)
    mark = f"# logscope-collect {stamp} host=HV01 command=x\n"
    drives = ["", "VMName   ControllerType ControllerNumber ControllerLocation DiskNumber Path",
              "------   -------------- ---------------- ------------------ ---------- ----"]
    snaps = ["", "VMName   Name       SnapshotType CreationTime          ParentSnapshotName",
             "------   ----       ------------ ------------          ------------------"]
    vhd, listing = [], []
    for v in range(vms):
        name = f"VM{v:05d}"
        base = f"D:\\VMs\\{name}\\{name}.vhdx"
        levels = [f"D:\\VMs\\{name}\\{name}_{_guid(v, k)}.avhdx" for k in range(depth)]
        drives.append(f"{name}  SCSI           0                0                     "
                      f"        {levels[-1]}")
        listing.append(f" Directory of D:\\VMs\\{name}\n")
        for k in range(depth):
            snaps.append(f"{name}  backup {k:02d}  Recovery     11/{k + 1}/2026 10:00:00 PM")
            parent = levels[k - 1] if k else base
            vhd.append(f"Path       : {levels[k]}\nVhdType    : Differencing\n"
                       f"FileSize   : {1 << 30}\nParentPath : {parent}\n")
            listing.append(f"11/{k + 1:02d}/2026  10:00 PM     1,073,741,824 "
                           f"{name}_{_guid(v, k)}.avhdx\n")
        vhd.append(f"Path       : {base}\nVhdType    : Dynamic\nFileSize   : {40 << 30}\n"
                   "ParentPath :\n")
    (folder / "Get-VMHardDiskDrive.txt").write_text(mark + "\n".join(drives) + "\n")
    (folder / "Get-VMSnapshot.txt").write_text(mark + "\n".join(snaps) + "\n")
    (folder / "Get-VHD.txt").write_text(mark + "\n" + "\n".join(vhd))
    (folder / "dir.txt").write_text(mark + "\n" + "\n".join(listing))


def analyze_cpu(path: Path) -> float:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run([sys.executable, "-m", "logscope", "analyze", str(path), "--workers",
                          "1", "--format", "json", "--output", str(path.parent / "report.json")],
                         check=False, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if out.returncode not in (0, 1):
        raise SystemExit(f"analyze failed ({out.returncode}): {out.stderr.decode()[-400:]}")
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def state_cpu(path: Path) -> tuple[float, int, int]:
    """CPU seconds of the state stage alone, events kept, facts made."""
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import iter_events
    from logscope.state import StateCollector

    state = StateCollector()
    n = 0
    for ev in iter_events([path], IngestOptions(), []):
        state.feed(ev)
        n += 1
    t = time.process_time()
    facts = state.facts()
    return time.process_time() - t, n, len(facts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--vms", default="10,100,1000", help="VMs per capture, comma-separated")
    ap.add_argument("--depth", type=int, default=8, help="checkpoint levels per VM")
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    print(f"{'VMs':>6} {'events':>8} {'facts':>7} {'analyze CPU s':>14} {'state CPU s':>12}")
    for vms in (int(x) for x in args.vms.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            root = Path(tmp) / "bundle"
            capture(root / "2026-11-20T080000_HV01", vms, args.depth, "2026-11-20T08:00:00+01:00")
            capture(root / "2026-11-21T080000_HV01", vms, args.depth + 1,
                    "2026-11-21T08:00:00+01:00")
            cpu = statistics.median(analyze_cpu(root) for _ in range(args.runs))
            st, events, facts = state_cpu(root)
            print(f"{vms:>6} {events:>8} {facts:>7} {cpu:>14.2f} {st:>12.3f}")


if __name__ == "__main__":
    main()
