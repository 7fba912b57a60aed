"""Hostile inputs for the pasted-text readers: CPU seconds and peak RSS of ``logscope analyze``
(and ``logscope explain``) on each, with what the run reported for the file.

Each input is generated into a temp folder (deleted afterwards), about ``--mb`` MB where its
shape allows: one huge line, a million tiny paragraphs, deeply nested and huge
``ConvertTo-Json``, CSVs of 100k columns, Format-Table headers of absurd widths, lines of
only ``>`` quotes or backticks, UTF-16 with an odd byte count, NULs, mixed encodings. Each
run is its own child process (``bench_text.run``: its own peak RSS from ``wait4``, user+sys
CPU seconds); the brief's bound at 50 MB is < 10 CPU s and < 200 MB. Prints figures, asserts
nothing.

    python benchmarks/bench_hostile_pasted.py --mb 50
    python benchmarks/bench_hostile_pasted.py --only deep-json,csv-100k-columns
"""

from __future__ import annotations

import argparse
import json
import shlex
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path

import bench_text
from bench_text import run

MB = 1 << 20
EVENT_HEAD = (b"Log Name:      System\r\nSource:        Microsoft-Windows-Hyper-V-VMMS\r\n"
              b"Date:          6/2/2023 12:14:05 PM\r\nEvent ID:      18350\r\n"
              b"Level:         Error\r\nDescription:\r\n")
PS_HEAD = (b"Start-VM : The virtual machine could not be started.\r\n"
           b"At line:1 char:1\r\n+ Start-VM -Name x\r\n")
CSV_EVENT_HEAD = b"Level,Date and Time,Source,Event ID,Task Category"
AGENT_LINE = (b"[12.10.2021 04:30:17.344] <139937450014464> lpbcore| ERR |Snapshot creation "
              b"operation has failed.\n")
#: The same error with a code a signature reads (every line a hit), the seconds counting up.
AGENT_HIT = (b"[12.10.2021 04:%02d:%02d.344] <139937450014464> lpbcore| ERR |Snapshot creation "
             b"operation has failed: VSS_E_WRITERERROR_TIMEOUT (0x800423F2).\n")
SESSION_HIT = b"Creating VSS snapshot Error: Failed to create snapshot: Code: [0x80042306].\r\n"
TABLE_HEAD = b"Name State CPUUsage(%) MemoryAssigned(M) Uptime Status Version\r\n"
#: Get-VM's default table as PowerShell writes it, and one ~100-byte row of it.
GET_VM_HEAD = (b"Name            State   CPUUsage(%) MemoryAssigned(M) Uptime           Status"
               b"             Version\r\n"
               b"----            -----   ----------- ----------------- ------           ------"
               b"             -------\r\n")
GET_VM_ROW = (b"RDP-Workstation Running 1           8192              00:03:07.0560000 "
              b"Operating normally 9.0\r\n")


#: A pasted note as people send them: prose, a listing, paths and hashes, a German line, an
#: HRESULT in prose, a VM id; no known message (``pasted-notes``) or one (``...-known``).
NOTE_LINES = (
    b"Hi all, the nightly backup of the cluster did not finish again last night.\r\n"
    b"We checked the storage and the network, both look fine to us.\r\n"
    b"evtx/host01/System.evtx\t3c03ab12aed9cc32be0ee6587f345b578229aa0dbe9095148309ea5eb29feed5"
    b"\t1118208\tService Control Manager=5316, Microsoft-Windows-Kernel-General=328\r\n"
    b"Die Sicherung wurde von dem Benutzer abgebrochen.\r\n"
    b"The job log says the snapshot took 12 minutes; the error was 0x80070005 on one disk.\r\n"
    b"VM SQL01 (Virtual machine ID 1D6A3C2E-4B1F-4C8E-9A0B-2C3D4E5F6A7B) was running.\r\n"
    b"- rebooted the host on Monday, no change\r\n"
    b"\r\n"
)
#: One Event Viewer "Copy details as text" record (curly quotes as the viewer writes them),
#: repeated: every record read through its provider's template.
VIEWER_RECORD = (
    "Log Name:      System\r\nSource:        Microsoft-Windows-FailoverClustering\r\n"
    "Date:          10/8/2010 6:16:39 PM\r\nEvent ID:      5121\r\n"
    "Task Category: Cluster Shared Volume\r\nLevel:         Error\r\nKeywords:\r\n"
    "User:          SYSTEM\r\nComputer:      Node1.cluster.com\r\nDescription:\r\n"
    "Cluster Shared Volume \u2018DATA-LUN1\u2019 (\u2018DATA-LUN1\u2019) is no longer directly "
    "accessible from this cluster node. I/O access will be redirected to the storage device "
    "over the network through the node that owns the volume.\r\n\r\n").encode("utf-8")
KNOWN_LINE = (b"'SQL01' could not initiate a checkpoint operation: The file exists. "
              b"(0x80070050).\r\n\r\n")


def _repeat(unit: bytes, size: int) -> Iterator[bytes]:
    block = unit * max(1, (1 << 20) // len(unit))
    for _ in range(max(1, size // len(block))):
        yield block


def inputs(size: int) -> dict[str, Callable[[], Iterator[bytes]]]:
    """Name → a generator of the file's bytes (written in pieces: nothing big in memory)."""
    half = size // 2
    return {
        "one-line-plain": lambda: iter([b"Error 0x80070005 "] + list(_repeat(b"a", size))),
        "one-line-event": lambda: iter([EVENT_HEAD] + list(_repeat(b"x", size))),
        "one-line-powershell": lambda: iter([PS_HEAD, b"    + "] + list(_repeat(b"y", size))),
        "powershell-no-blank": lambda: iter([PS_HEAD] + list(_repeat(
            b"    + CategoryInfo          : NotSpecified: (:) [Start-VM], "
            b"VirtualizationException\r\n", size))),
        "diskshadow-no-blank": lambda: iter([b"DISKSHADOW> create\r\n"] + list(_repeat(
            b"        - Returned HRESULT: 80042306\r\n", size))),
        "veeam-session-lines": lambda: iter([b"Creating VSS snapshot Error: Failed to create "
                                             b"snapshot: Code: [0x80042306].\r\n"] + list(
            _repeat(b"containing writer's data. VSS asynchronous operation\r\n", size))),
        "veeam-agent-lines": lambda: _repeat(AGENT_LINE, size),
        "veeam-agent-hit-lines": lambda: _repeat(b"".join(AGENT_HIT % (i // 60, i % 60)
                                                          for i in range(3600)), size),
        "veeam-session-hit-lines": lambda: _repeat(SESSION_HIT, size),
        "veeam-agent-one-entry": lambda: iter([AGENT_LINE] + list(
            _repeat(b"    at veeamsnap::SpecifyKernelEntries(const std::set<std::string>&)\n",
                    size))),
        "pasted-notes": lambda: _repeat(NOTE_LINES, size),
        "pasted-notes-known": lambda: iter([NOTE_LINES * 50, KNOWN_LINE]
                                           + list(_repeat(NOTE_LINES, size))),
        "event-viewer-records": lambda: _repeat(VIEWER_RECORD, size),
        "1M-tiny-paragraphs": lambda: _repeat(b"x\n\n", 3 * 1_000_000),
        "1M-error-paragraphs": lambda: _repeat(b"Error 0x80070005\r\n\r\n", 20 * 1_000_000),
        "deep-json": lambda: iter([b'[{"VMName":"a","Name":"a","State":2,"X":',
                                   b"[" * 1_000_000, b"]" * 1_000_000, b"}]"]),
        "huge-json": lambda: iter([b"["] + list(_repeat(json.dumps(
            {"VMName": "vm", "Name": "vm", "State": 2, "Status": "Operating normally"}
        ).encode() + b",\r\n", size)) + [b'{"Name":"end"}]']),
        "json-80k-elements": lambda: iter([b"[\n"] + [
            b'{"VMName": "A", "SnapshotType": 1, "Name": "x"},\n' * 80_000 + b'{"Name":"e"}]']),
        "json-one-huge-string": lambda: iter([b'[{"VMName":"a","Name":"a","State":2,"X":"']
                                             + list(_repeat(b"z", size)) + [b'"}]']),
        "csv-100k-columns-event": lambda: iter(
            [CSV_EVENT_HEAD + b"".join(b",c%d" % i for i in range(100_000)) + b"\r\n"]
            + list(_repeat(b"Error,6/2/2023 12:14:05 PM,VSS,8193,None" + b",v" * 100_000
                           + b"\r\n", half))),
        "csv-100k-columns-state": lambda: iter(
            [b'#TYPE Microsoft.HyperV.PowerShell.VirtualMachine\r\n"VMName","Name","State"'
             + b"".join(b',"c%d"' % i for i in range(100_000)) + b"\r\n"]
            + list(_repeat(b'"vm","vm","Running"' + b',"v"' * 100_000 + b"\r\n", half))),
        "table-wide-dashes": lambda: iter([TABLE_HEAD, b"-" * (size // 2), b"\r\n"]
                                          + list(_repeat(b"vm Running 1 8192 0 ok 9.0\r\n",
                                                         half))),
        # 50 MB: ~500,000 rows of one real-shaped Format-Table, no blank line until the end
        "state-table-rows": lambda: iter([GET_VM_HEAD] + list(_repeat(GET_VM_ROW, size))),
        "table-100k-columns": lambda: iter(
            [TABLE_HEAD.rstrip() + b" c" * 100_000 + b"\r\n", b"---- " * 100_007 + b"\r\n"]
            + list(_repeat(b"vm " * 100_007 + b"\r\n", half))),
        "quote-lines": lambda: _repeat(b">>>>>>>>>>>>>>>>\n", size),
        "quote-one-line": lambda: iter([b"> Error 0x80070005\n"] + list(_repeat(b">", size))),
        "backtick-lines": lambda: _repeat(b"```\n", size),
        "backtick-one-line": lambda: _repeat(b"`", size),
        "utf16-odd": lambda: iter([b"\xff\xfe"] + list(_repeat(
            "Error 0x80070005 Access is denied.\r\n".encode("utf-16-le"), size)) + [b"\x00"]),
        "utf16-no-bom-odd": lambda: iter(list(_repeat(
            "Log Name: System\r\nEvent ID: 18350\r\n".encode("utf-16-le"), size)) + [b"Q"]),
        "nuls": lambda: _repeat(b"\x00", size),
        "nul-interleaved": lambda: _repeat(b"Error\x000x80070005\x00\r\n", size),
        "mixed-encodings": lambda: _repeat(
            "Fehler: Zugriff verweigert 0x80070005\r\n".encode("utf-8")
            + "Fehler: Zugriff verweigert\r\n".encode("cp1252")
            + "Ошибка 0x80070005\r\n".encode("utf-16-le") + b"\r\n", size),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=int, default=50, help="size of the sized inputs, MB")
    ap.add_argument("--only", default="", help="comma-separated input names")
    ap.add_argument("--explain", action="store_true", help="also run logscope explain")
    ap.add_argument("--python", default=None, help="interpreter command of the children")
    args = ap.parse_args()
    if args.python:
        bench_text.PYTHON[:] = shlex.split(args.python)
    work = Path(tempfile.mkdtemp(prefix="bench_hostile_"))
    wanted = set(filter(None, args.only.split(",")))
    print(f"{'input':24} {'MB':>6} {'CPU s':>6} {'RSS MB':>6}  kind / records / skipped / "
          "problems")
    try:
        for name, gen in inputs(args.mb * MB).items():
            if wanted and name not in wanted:
                continue
            folder = work / name
            folder.mkdir()
            path = folder / "pasted.txt"
            with path.open("wb") as fh:
                for piece in gen():
                    fh.write(piece)
            out = work / "report.json"
            _, cpu, rss = run(folder, out)
            print(f"{name:24} {path.stat().st_size / MB:6.1f} {cpu:6.2f} {rss:6}  "
                  f"{_summary(out)}", flush=True)
            if args.explain:
                _, cpu, rss = run_explain(path, out)
                print(f"{'  explain':24} {'':6} {cpu:6.2f} {rss:6}  {_summary(out)}",
                      flush=True)
            shutil.rmtree(folder)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run_explain(path: Path, out: Path) -> tuple[float, float, int]:
    import os
    import subprocess

    proc = subprocess.Popen([*bench_text.PYTHON, "-m", "logscope", "explain", str(path),
                             "--format", "json", "--output", str(out)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, _, usage = os.wait4(proc.pid, 0)
    return 0.0, usage.ru_utime + usage.ru_stime, usage.ru_maxrss // 1024


def _summary(out: Path) -> str:
    try:
        report = json.loads(out.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return f"no report ({exc})"
    finally:
        out.unlink(missing_ok=True)
    f = (report.get("files") or [{}])[0]
    probs = "; ".join(f"{p.get('where')}: {p.get('message')}"[:90] for p in f.get("problems", []))
    reasons = ", ".join(f"{k}={v}" for k, v in (f.get("skip_reasons") or {}).items())
    return (f"{f.get('kind')} rec={f.get('records')} skip={f.get('skipped')} [{reasons}]"[:160]
            + (f" PROBLEMS: {probs[:200]}" if probs else ""))


if __name__ == "__main__":
    main()
