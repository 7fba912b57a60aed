"""EVTX throughput, side by side in one run: raw ``evtx``, logscope's ingest, python-evtx.

Prints figures; asserts nothing (a benchmark, not a test). Inputs:

- the real corpus (``../shared/corpus/evtx``, MANIFEST.tsv), and
- optionally a generated set (``--generate-mb N``): N MB of .evtx written by logscope's own
  EVTX writer from the documented VMMS/VSS event shapes, split into files of 64 MB, also
  used for the two-core multi-file figure and the peak-RSS figure (one written file, then
  byte copies of it).

    python benchmarks/bench_evtx.py
    python benchmarks/bench_evtx.py --generate-mb 2048 --workdir /tmp/evtxbench
"""

from __future__ import annotations

import argparse
import csv
import os
import resource
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import evtx  # noqa: E402
import orjson  # noqa: E402

from logscope.ingest import evtx as ingest_evtx  # noqa: E402
from logscope.ingest.source import IngestOptions, Source  # noqa: E402
from logscope.ledger import FileLedger  # noqa: E402


def corpus_files(shared: Path) -> list[Path]:
    with open(shared / "corpus/evtx/MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        return [shared / "corpus" / row["path"] for row in csv.DictReader(fh, delimiter="\t")]


def raw_evtx(files: list[Path], parse_json: bool) -> int:
    n = 0
    for path in files:
        it = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
        while True:
            try:
                item = next(it)
            except StopIteration:
                break
            except Exception:  # noqa: BLE001 - error items are counted by the ingest run
                continue
            if parse_json:
                orjson.loads(item["data"])
            n += 1
    return n


def ingest(files: list[Path], engine: str = "rust", serialize: bool = False, recover: bool = False) -> int:
    """logscope's evtx ingest (with the completeness check); ``serialize`` adds the
    ``events --format jsonl`` encoding; ``recover`` renders lost records of damaged areas
    with python-evtx (the default in logscope; slow, and only on damaged files)."""
    n = 0
    sink = open(os.devnull, "wb")
    options = IngestOptions(engine=engine, extra={"evtx_recover": recover})
    try:
        for path in files:
            src = Source(display=path.name, opener=lambda p=path: open(p, "rb"), fs_path=path)
            ledger = FileLedger(path.name)
            for event in ingest_evtx.parse(src, ledger, options):
                if serialize:
                    sink.write(orjson.dumps(event.to_dict(), default=str) + b"\n")
                n += 1
    finally:
        sink.close()
    return n


def _ingest_one(path: str) -> int:
    return ingest([Path(path)])


def timed(label: str, fn, *args) -> tuple[int, float]:  # type: ignore[no-untyped-def]
    t0 = time.perf_counter()
    n = fn(*args)
    dt = time.perf_counter() - t0
    rate = n / dt if dt else float("inf")
    print(f"  {label:<44} {n:>9,} records {dt:8.2f} s {rate:>12,.0f} records/s", flush=True)
    return n, dt


def python_slice(shared: Path, limit: int) -> list[Path]:
    """Corpus files python-evtx reads cleanly, smallest first, up to ``limit`` records."""
    with open(shared / "corpus/evtx/MANIFEST.tsv", encoding="utf-8", newline="") as fh:
        rows = [r for r in csv.DictReader(fh, delimiter="\t")
                if r["parse_errors"] == "none" and r["records_evtx_rs"] == r["records_python_evtx"]]
    rows.sort(key=lambda r: int(r["records_evtx_rs"]))
    chosen, total = [], 0
    for row in rows:
        n = int(row["records_evtx_rs"])
        if n == 0:
            continue
        if total + n > limit:
            break
        chosen.append(shared / "corpus" / row["path"])
        total += n
    return chosen


def generate(workdir: Path, megabytes: int, mix: str = "hits", distinct: bool = False) -> list[Path]:
    """``megabytes`` MB of .evtx: one 64 MB file written by the logscope EVTX writer, then
    byte copies of it (the writer makes ~5k records/s; copies keep a 2 GB run short).

    ``distinct``: every file written on its own instead (~25 s each): host ``HV01``, ``HV02``
    ... one per file, record times one second apart and per file a day later, VM names per
    host. Byte copies flatter anything remembered across files or across records with one
    time (the copies' records all carry one); a distinct bundle is what a fleet's logs are.

    ``mix``: ``hits`` = every record a VMMS 18012 / VSS 8229 failure (the worst case: every
    event is a hit); ``host`` = a host's logs as a bundle holds them: mostly Service Control
    Manager, Security logons, kernel and application noise, 5 % Hyper-V-VMMS information
    (the identity table reads those), 0.2 % backup failures."""
    import shutil

    shapes = _shapes() if mix == "hits" else _host_shapes()
    workdir.mkdir(parents=True, exist_ok=True)
    per_file = min(64, megabytes) * 1024 * 1024
    files: list[Path] = []
    total = 0
    while total < megabytes * 1024 * 1024:
        path = workdir / f"generated-{len(files):04d}.evtx"
        if files and not distinct:
            shutil.copyfile(files[0], path)
        else:
            _write_one(path, per_file, shapes, len(files) if distinct else None)
        files.append(path)
        total += path.stat().st_size
    return files


_TIME = "2024-03-05T02:14:07.3342116Z"


def _write_one(path: Path, size: int, shapes: list[str], index: int | None) -> None:
    """One generated file; ``index`` (distinct files): its host number, times and VM names."""
    import datetime as dt

    from lxml import etree

    from logscope.evtxwriter import EvtxWriter

    start = dt.datetime(2024, 3, 5, 2, 14, 7, tzinfo=dt.UTC) + dt.timedelta(days=index or 0)
    with open(path, "wb") as out:
        writer = EvtxWriter(out)
        record = 1
        while out.tell() + 65536 < size:
            shape = shapes[record % len(shapes)]
            if index is None:
                xml = shape.replace("{id}", str(record)).replace("{vm}", f"VM{record % 997:04d}")
            else:
                when = (start + dt.timedelta(seconds=record)).strftime("%Y-%m-%dT%H:%M:%S.3342116Z")
                xml = (shape.replace("{id}", str(record))
                       .replace("{vm}", f"H{index + 1:02d}-VM{record % 97:02d}")
                       .replace(_TIME, when).replace("HV01", f"HV{index + 1:02d}"))
            writer.add(etree.fromstring(xml.encode()))
            record += 1
        writer.close()


def _shapes() -> list[str]:
    ns = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'
    system = ('<System><Provider Name="{p}"{g}/><EventID{q}>{e}</EventID><Level>{l}</Level>'
              '<TimeCreated SystemTime="2024-03-05T02:14:07.3342116Z"/><EventRecordID>{{id}}</EventRecordID>'
              '<Channel>{c}</Channel><Computer>HV01.corp.example</Computer><Security UserID="S-1-5-18"/></System>')
    vmms = system.format(p="Microsoft-Windows-Hyper-V-VMMS", g=' Guid="{6066F867-7CA1-4418-85FD-36E3F9C0600C}"',
                         q="", e=18012, l=2, c="Microsoft-Windows-Hyper-V-VMMS-Admin")
    vss = system.format(p="VSS", g="", q=' Qualifiers="0"', e=8229, l=3, c="Application")
    return [
        f'<Event {ns}>{vmms}<UserData><VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">'
        "<VmName>{vm}</VmName><VmId>5F0B7D2E-9C41-4E8A-B3D6-7A1E2C4F8B90</VmId>"
        "<ErrorMessage>%%2147754996</ErrorMessage><ErrorCode>0x800423F4</ErrorCode></VmlEventLog></UserData></Event>",
        f"<Event {ns}>{vss}<EventData><Data>0x800423f4, The writer experienced a non-transient error.</Data>"
        "<Data>Operation: PrepareForSnapshot Event Context: Writer Name: SqlServerWriter</Data>"
        "<Binary>2D20436F64653A20575254575254494330303030303832332D2043616C6C3A20</Binary></EventData></Event>",
    ]


def _host_shapes() -> list[str]:
    """1,000 slots: the ``host`` mix (see ``generate``), interleaved as a real log is."""
    ns = 'xmlns="http://schemas.microsoft.com/win/2004/08/events/event"'

    def event(p: str, e: int, level: int, channel: str, body: str, guid: str = "") -> str:
        g = f' Guid="{{{guid}}}"' if guid else ""
        return (f'<Event {ns}><System><Provider Name="{p}"{g}/><EventID>{e}</EventID><Level>{level}</Level>'
                '<TimeCreated SystemTime="2024-03-05T02:14:07.3342116Z"/><EventRecordID>{id}</EventRecordID>'
                f'<Channel>{channel}</Channel><Computer>HV01.corp.example</Computer>'
                f'<Security UserID="S-1-5-18"/></System>{body}</Event>')

    scm = event("Service Control Manager", 7036, 4, "System",
                "<EventData><Data Name=\"param1\">Windows Update</Data>"
                "<Data Name=\"param2\">running</Data><Binary>770075006100750073006500720076002F0034000000</Binary>"
                "</EventData>", "555908D1-A6D7-4695-8E1E-26931D2012F4")
    logon = event("Microsoft-Windows-Security-Auditing", 4624, 0, "Security",
                  "<EventData><Data Name=\"SubjectUserSid\">S-1-5-18</Data><Data Name=\"SubjectUserName\">HV01$</Data>"
                  "<Data Name=\"TargetUserName\">svc-backup</Data><Data Name=\"LogonType\">3</Data>"
                  "<Data Name=\"IpAddress\">10.0.4.17</Data><Data Name=\"IpPort\">50112</Data></EventData>",
                  "54849625-5478-4994-A5BA-3E3B0328C30D")
    kernel = event("Microsoft-Windows-Kernel-General", 16, 4, "System",
                   "<EventData><Data Name=\"HiveNameLength\">31</Data>"
                   "<Data Name=\"HiveName\">\\??\\C:\\Windows\\ServiceProfiles\\NTUSER.DAT</Data></EventData>",
                   "A68CA8B7-004F-D7B6-A698-07E2DE0F1F5D")
    app = event("Microsoft-Windows-RestartManager", 10000, 4, "Application",
                "<EventData><Data Name=\"RmSessionId\">0</Data><Data Name=\"UTCStartTime\">"
                "2024-03-05T02:14:07.3342116Z</Data></EventData>", "0888E5EF-9B98-4695-979D-E92CE4247224")
    vmms_info = event("Microsoft-Windows-Hyper-V-VMMS", 13002, 4, "Microsoft-Windows-Hyper-V-VMMS-Admin",
                      '<UserData><VmlEventLog xmlns="http://www.microsoft.com/Windows/Virtualization/Events">'
                      "<VmName>{vm}</VmName><VmId>5F0B7D2E-9C41-4E8A-B3D6-7A1E2C4F8B90</VmId>"
                      "</VmlEventLog></UserData>", "6066F867-7CA1-4418-85FD-36E3F9C0600C")
    hits = _shapes()
    slots = [scm] * 450 + [logon] * 300 + [kernel] * 100 + [app] * 98 + [vmms_info] * 50 + hits
    return [slots[(i * 389) % len(slots)] for i in range(len(slots))]  # interleaved (389 ⟂ 1000)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared")
    ap.add_argument("--python-slice", type=int, default=1500, help="records for the python-evtx run")
    ap.add_argument("--generate-mb", type=int, default=0, help="also generate and read this many MB")
    ap.add_argument("--workdir", type=Path, default=None)
    args = ap.parse_args()

    files = corpus_files(args.shared)
    size = sum(p.stat().st_size for p in files)
    print(f"corpus: {len(files)} files, {size / 1e6:.1f} MB, one core")
    timed("evtx records_json (strings only)", raw_evtx, files, False)
    timed("evtx records_json + orjson.loads", raw_evtx, files, True)
    timed("logscope ingest (events produced)", ingest, files)
    timed("logscope ingest + jsonl encoding", ingest, files, "rust", True)
    timed("logscope ingest + recovery (default)", ingest, files, "rust", False, True)
    sl = python_slice(args.shared, args.python_slice)
    print(f"python-evtx slice: {len(sl)} small corpus files")
    timed("evtx (same slice)", ingest, sl)
    timed("logscope --engine python (same slice)", ingest, sl, "python")
    print(f"peak RSS so far: {peak_rss_mb():.0f} MB")

    if args.generate_mb:
        work = args.workdir or Path(tempfile.mkdtemp(prefix="evtxbench-"))
        t0 = time.perf_counter()
        gen = generate(work, args.generate_mb)
        gsize = sum(p.stat().st_size for p in gen)
        print(f"generated: {len(gen)} files, {gsize / 1e6:.0f} MB in {time.perf_counter() - t0:.0f} s ({work})")
        timed("evtx records_json + orjson.loads", raw_evtx, gen, True)
        n, one = timed("logscope ingest, one core", ingest, gen)
        t0 = time.perf_counter()
        with ProcessPoolExecutor(max_workers=2) as pool:
            total = sum(pool.map(_ingest_one, [str(p) for p in gen]))
        two = time.perf_counter() - t0
        print(f"  {'logscope ingest, two processes':<44} {total:>9,} records {two:8.2f} s "
              f"{total / two:>12,.0f} records/s  (x{one / two:.2f})")
        print(f"peak RSS (this process): {peak_rss_mb():.0f} MB; children: "
              f"{resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
