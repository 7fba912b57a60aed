"""``python -m logscope.evtxwriter IN.xml OUT.evtx``: write an Event XML export as .evtx."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from . import xml_to_evtx


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m logscope.evtxwriter",
                                 description="Convert an Event XML export into a valid .evtx file.")
    ap.add_argument("source", type=Path, help="Event XML (<Events><Event>... or bare <Event> elements)")
    ap.add_argument("target", type=Path, help="the .evtx file to write")
    args = ap.parse_args(argv)
    if not args.source.is_file():
        print(f"error: cannot open {args.source}", file=sys.stderr)
        return 2
    stats, ledger = xml_to_evtx(args.source, args.target)
    for p in ledger.problems:
        print(f"warning: {args.source}: {p.where}: {p.message}", file=sys.stderr)
    for s in stats.skipped:
        print(f"warning: skipped: {s}", file=sys.stderr)
    print(f"{args.target}: {stats.records} record(s) in {stats.chunks} chunk(s)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
