"""Share of the real-world cases (tests/realworld/) whose top hint is the established cause.

Prints one line per case (right / MISS / no reader), then the share over all cases and over
the cases whose form's reader is registered, and lists every miss with what came first
instead. Usage: ``python benchmarks/realworld_score.py [--json] [CASE-ID...]``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.realworld.harness import case_dirs, load_case, registered_kinds, run_case  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("cases", nargs="*", help="case ids (default: every case)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = ap.parse_args(argv)
    readers = registered_kinds()
    rows = []
    for folder in case_dirs():
        if args.cases and folder.name not in args.cases:
            continue
        case = load_case(folder)
        out = run_case(case)
        rows.append({"id": case.id, "form": case.form, "reader": case.form in readers,
                     "right": out.right, "top": out.top, "expected": case.cause,
                     "ranked": out.ranked[:3], "read_as": sorted(set(out.kinds.values())),
                     "source": case.source})
    total = len(rows)
    right = sum(r["right"] for r in rows)
    readable = [r for r in rows if r["reader"]]
    summary = {"cases": total, "right": right,
               "share": round(right / total, 3) if total else None,
               "with_reader": len(readable),
               "right_with_reader": sum(r["right"] for r in readable),
               "misses": [r for r in rows if not r["right"]]}
    if args.json:
        print(json.dumps({"summary": summary, "cases": rows}, indent=2))
        return 0
    for r in rows:
        tag = "right" if r["right"] else ("MISS" if r["reader"] else "MISS (no reader)")
        read = ",".join(r["read_as"])
        print(f"{tag:17} {r['id']:50} {r['form']:17} read={read:17} top={r['top']}")
    print()
    if total:
        print(f"{right}/{total} cases right ({100 * right / total:.1f} %); with the form's "
              f"reader registered: {summary['right_with_reader']}/{len(readable)}")
    for r in summary["misses"]:
        note = "" if r["reader"] else f" [reader for {r['form']} not landed]"
        print(f"  miss {r['id']}: expected {', '.join(r['expected'])}; came first: "
              f"{r['top'] or '(no hint)'}; next: {', '.join(r['ranked'][1:3]) or '-'}"
              f"{note}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
