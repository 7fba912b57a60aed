"""``logscope validate``: every problem of a signature library in one run, with file:line:col.

Checks: YAML syntax and duplicate keys, schema and unknown fields, duplicate ids, RE2
rejections, contradictory conditions, event ids out of range (all from the loader), chains
that name unknown signatures, and each signature's own examples (native records run through
the real parsers, then the matcher): ``match`` examples must hit, ``no_match`` must not.
With ``--baseline DIR`` every signature also runs over known real logs, and a hit the
signature does not declare in ``baseline_hits`` is a problem.
"""

from __future__ import annotations

import io
from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from ..correlate.chains import load_chains
from ..events import Event, Locator
from ..ingest import read_source
from ..ingest.source import IngestOptions, Source
from .library import Library, LoadIssue, load_library
from .matcher import Matcher
from .model import Signature

EXAMPLE_FORMATS = ("evtx-xml", "vssadmin", "veeam", "veeam-session", "veeam-guest", "event",
                   "text")


def example_events(example: Any) -> list[Event]:  # noqa: ANN401
    """Turn one example (native text or a field dict) into events via the real parsers."""
    if not isinstance(example, dict) or len(example) != 1:
        raise ValueError("an example is a mapping with one key: " + ", ".join(EXAMPLE_FORMATS))
    (fmt, body), = example.items()
    if fmt not in EXAMPLE_FORMATS:
        raise ValueError(f"unknown example format {fmt!r}")
    if fmt == "event":
        if not isinstance(body, dict) or "kind" not in body:
            raise ValueError("an 'event' example is a field mapping with at least 'kind'")
        fields = dict(body)
        data = dict(fields.pop("data", {}) or {})
        ev = Event(kind=str(fields.pop("kind")), file="<example>", locator=Locator(line=1))
        for k, v in fields.items():
            if k in Event.__dataclass_fields__:
                setattr(ev, k, v)
            else:
                data[k] = v
        ev.data = data
        return [ev]
    raw = str(body).encode("utf-8")
    src = Source(f"<example:{fmt}>", opener=lambda: io.BytesIO(raw), size=len(raw))
    ledger, events = read_source(src, IngestOptions())
    evs = list(events)
    if not evs:
        why = ledger.reason or "; ".join(p.message for p in ledger.problems) or "no events"
        raise ValueError(f"the {fmt} example gave no event (detected as {ledger.kind}: {why})")
    return evs


def check_examples(sig: Signature, matcher: Matcher) -> list[LoadIssue]:
    issues: list[LoadIssue] = []
    for expect in ("match", "no_match"):
        for i, ex in enumerate(sig.examples.get(expect, [])):
            try:
                evs = example_events(ex)
            except ValueError as exc:
                issues.append(LoadIssue(sig.path, sig.line, 1,
                                        f"{sig.id}: examples.{expect}[{i}]: {exc}", "example"))
                continue
            hit = any(h.signature.id == sig.id for ev in evs for h in matcher.match(ev))
            if expect == "match" and not hit:
                issues.append(LoadIssue(sig.path, sig.line, 1,
                                        f"{sig.id}: examples.match[{i}] does not match", "example"))
            if expect == "no_match" and hit:
                issues.append(LoadIssue(sig.path, sig.line, 1,
                                        f"{sig.id}: examples.no_match[{i}] matches", "example"))
    if sig.status == "stable" and not sig.examples.get("match"):
        issues.append(LoadIssue(sig.path, sig.line, 1,
                                f"{sig.id}: a stable signature needs at least one match example",
                                "example"))
    return issues


def run_baseline(lib: Library, matcher: Matcher, dirs: list[Path]) -> list[LoadIssue]:
    """Hits over known real logs that a signature does not declare in ``baseline_hits``."""
    from ..pipeline import iter_events

    counts: Counter[tuple[str, str]] = Counter()
    for ev in iter_events(dirs, IngestOptions(), []):
        for h in matcher.match(ev):
            counts[(h.signature.id, ev.file)] += 1
    issues = []
    for (sid, file), n in sorted(counts.items()):
        sig = lib.signatures[sid]
        declared = [b for b in sig.baseline_hits
                    if isinstance(b, dict) and str(b.get("file", "")) and
                    file.endswith(str(b["file"]))]
        if not declared:
            issues.append(LoadIssue(sig.path, sig.line, 1,
                                    f"{sid}: {n} undeclared baseline hit(s) in {file}", "baseline"))
        elif "count" in declared[0] and int(declared[0]["count"]) != n:
            issues.append(LoadIssue(sig.path, sig.line, 1,
                                    f"{sid}: {n} baseline hit(s) in {file}, declared "
                                    f"{declared[0]['count']}", "baseline"))
    return issues


def validate_paths(paths: list[Path], baselines: list[Path]) -> tuple[list[LoadIssue], dict[str, Any]]:
    """Validate the given signature folders (the built-in library when none is given)."""
    if paths:
        lib = Library()
        for p in paths:
            one = load_library([p], builtin=False, cache=False)
            lib.issues.extend(one.issues)
            lib.signatures.update(one.signatures)
            lib.chains_dirs.extend(one.chains_dirs)
    else:
        lib = load_library(cache=False)
    issues = list(lib.issues)
    builtin_ids = set(load_library().signatures) if paths else set()
    load_chains(lib.chains_dirs, issues, set(lib.signatures) | builtin_ids)
    matcher = Matcher(lib)
    for sig in lib.signatures.values():
        issues.extend(check_examples(sig, matcher))
    if baselines:
        issues.extend(run_baseline(lib, matcher, baselines))
    summary = {"signatures": len(lib.signatures), "problems": len(issues),
               "examples": sum(len(v) for s in lib.signatures.values() for v in s.examples.values())}
    return issues, summary


def render_issues(issues: list[LoadIssue], summary: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return orjson.dumps({"summary": summary, "problems": [
            {"file": i.path, "line": i.line, "column": i.column, "code": i.code,
             "message": i.message} for i in issues]}, option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "github":
        out = []
        for i in issues:
            msg = i.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            out.append(f"::error file={i.path},line={i.line},col={i.column},"
                       f"title=logscope {i.code}::{msg}")
        return "\n".join(out) + ("\n" if out else "")
    lines = [str(i) for i in issues]
    lines.append(f"{summary['signatures']} signatures, {summary['examples']} examples, "
                 f"{summary['problems']} problem(s)")
    return "\n".join(lines) + "\n"
