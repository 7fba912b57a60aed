"""Where an unclaimed text file's time goes in ``analyze`` (issue 21): detection, the pasted-lines
reader, paragraphs to events (``codes.find_codes`` alone too), the templates, the matcher.

Why: the public corpus holds two text files beside its .evtx (``MANIFEST.tsv``, 451 lines of
hashes and paths, and ``README.md``); each goes through every detector and, if no other
reader claims it, the ``message-text`` path, whose lines are matched before the file is kept
or dropped. CPU seconds in this process, the least of ``--runs`` (the VM is shared), with
the library loaded once first. Run it from a second checkout to compare branches. Prints
figures, asserts nothing.

    python benchmarks/bench_message_text.py                 # the corpus's two text files
    python benchmarks/bench_message_text.py --runs 9 PATH...
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from logscope.ingest import detect
from logscope.ingest import message_text as mt
from logscope.ingest.codes import find_codes
from logscope.ingest.pasted_lines import read_clean
from logscope.ingest import quiet_text
from logscope.ingest.source import KNOWS_KEY, MESSAGE_GATE_KEY, IngestOptions, Source
from logscope.ledger import FileLedger
from logscope.match.library import load_library
from logscope.match.matcher import Matcher
from logscope.match.text_gate import with_text_fold
from where_time_goes import best  # the least CPU seconds of some runs

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "evtx"


def phases(path: Path, matcher: Matcher, runs: int) -> None:
    src = Source(path.name, lambda: open(path, "rb"), size=path.stat().st_size, fs_path=path)
    t, found = best(lambda: detect(src), runs)
    print(f"{path.name}: detect {t * 1e3:.1f} ms -> {found.kind}")
    if found.kind != mt.KIND:
        return  # analyze reads it no further
    t, cleaned = best(lambda: read_clean(src, FileLedger(path.name), IngestOptions(),
                                         max_lines=mt.MAX_LINES), runs)
    print(f"  read_clean        {t * 1e3:6.1f} ms  {len(cleaned.lines)} lines")

    def events() -> list[Any]:
        return [e for e in mt._paragraph_events(cleaned.lines, path.name) if e.message]

    t, evs = best(events, runs)
    print(f"  paragraph events  {t * 1e3:6.1f} ms  {len(evs)} events")
    texts = [e.message for e in evs]
    t, _ = best(lambda: [find_codes(x) for x in texts], runs)
    print(f"  .. find_codes     {t * 1e3:6.1f} ms")
    t, read = best(lambda: mt._understood(events(), FileLedger(path.name), {}), runs)
    print(f"  events + templates {t * 1e3:5.1f} ms")
    t, hits = best(lambda: sum(bool(matcher.match(e)) for e in read), runs)
    print(f"  matcher           {t * 1e3:6.1f} ms  {hits} events with a hit")
    # the whole read as analyze runs it: every step for every paragraph, then with the gate
    # (``ingest/quiet_text``: one RE2 set tells the steps a paragraph needs)
    base = {KNOWS_KEY: lambda ev: bool(matcher.match(ev))}
    for label, extra in (("every step", {**base, MESSAGE_GATE_KEY: False}),
                         ("gated", with_text_fold(base, matcher))):
        opts = IngestOptions(extra=extra)

        def read_all(opts: IngestOptions = opts) -> list[Any]:
            ledger = FileLedger(path.name)
            return list(mt.parse(src, ledger, opts))

        t, evs = best(read_all, runs)
        print(f"  parse, {label:11} {t * 1e3:6.1f} ms  {len(evs)} events kept")
    opts = IngestOptions(extra=with_text_fold(base, matcher))
    gate = quiet_text.gate_for(opts, mt.KIND, len(cleaned.lines))
    if gate is not None:
        needs = [gate(x) for x in texts]
        print(f"  gate: {sum(n == 0 for n in needs)} of {len(needs)} paragraphs need no step")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="*", type=Path,
                    default=[CORPUS / "MANIFEST.tsv", CORPUS / "README.md"])
    ap.add_argument("--runs", type=int, default=5)
    args = ap.parse_args()
    t = time.process_time()
    matcher = Matcher(load_library(None))
    print(f"library loaded and compiled: {(time.process_time() - t) * 1e3:.1f} ms")
    for path in args.paths:
        if not path.is_file():
            print(f"{path}: not found")
            continue
        phases(path, matcher, args.runs)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
