"""Write a binary .evtx twin of every Event XML export under samples/bundles/.

Why: the bundles are written as Event XML from documented templates (no public .evtx holds
Hyper-V host backup events); their .evtx twins are the same events as real binary logs, made
with logscope's EVTX writer, so the whole pipeline can be run on real .evtx bytes too.
The output is deterministic: re-running it rewrites identical files.

By default the twins go to samples/evtx/<bundle>/<same relative path>.evtx, beside (not
inside) the bundles: a bundle holding both the XML and its twin would report every event
twice. ``--in-place`` writes them next to the XML (for a bundle that drops its XML).

    python samples/make_evtx.py              # all bundles → samples/evtx/
    python samples/make_evtx.py --check      # exit 1 if a twin is missing or stale
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from logscope.evtxwriter import write_events  # noqa: E402
from logscope.ingest.eventlog_text import xml_export as evtx_xml  # noqa: E402
from logscope.ledger import FileLedger  # noqa: E402


def event_xml_files(base: Path) -> list[Path]:
    out = []
    for path in sorted(base.rglob("*.xml")):
        with open(path, "rb") as fh:
            if evtx_xml.detect(fh.read(1 << 16), path.name):
                out.append(path)
    return out


def render(path: Path) -> bytes:
    ledger = FileLedger(str(path))
    buf = io.BytesIO()
    with open(path, "rb") as fh:
        stats = write_events((el for _n, el in evtx_xml.iter_event_elements(fh, ledger)), buf)
    if ledger.problems or stats.skipped:
        raise SystemExit(f"{path}: {[p.message for p in ledger.problems]} {stats.skipped}")
    return buf.getvalue()


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="only verify the twins are up to date")
    ap.add_argument("--in-place", action="store_true", help="write each twin next to its XML")
    ap.add_argument("--out", type=Path, default=ROOT / "samples" / "evtx", help="twin folder")
    ap.add_argument("base", nargs="?", type=Path, default=ROOT / "samples" / "bundles")
    args = ap.parse_args(argv)
    stale = 0
    for src in event_xml_files(args.base):
        if args.in_place:
            dst = src.with_suffix(".evtx")
        else:
            dst = (args.out / src.relative_to(args.base)).with_suffix(".evtx")
        data = render(src)
        if args.check:  # reads only: no folder made for a missing twin
            if not dst.exists() or dst.read_bytes() != data:
                print(f"{'stale' if dst.exists() else 'missing'}: {dst}", file=sys.stderr)
                stale += 1
            continue
        dst.parent.mkdir(parents=True, exist_ok=True)
        dst.write_bytes(data)
        print(f"{dst}: {len(data)} bytes", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
