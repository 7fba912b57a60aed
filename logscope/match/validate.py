"""``logscope validate``: every problem of a signature library in one run, with file:line:col.

Checks, from the loader (``library.py``, ``lint.py``): YAML syntax and duplicate keys, schema
and unknown fields, duplicate ids, RE2 rejections (conditions and ``extract``), unknown
condition fields, event ids outside 0-65535, contradictory conditions, placeholders the engine
cannot fill, malformed ``examples`` / ``baseline_hits``; here: chains that name unknown
signatures, and each signature's own examples (native records run through the real parsers,
then the matcher), each reported at the example's own line: ``match`` examples must hit (the
message names the conditions that failed), ``no_match`` must not. With ``--baseline DIR`` every
signature also runs over known real logs: an undeclared hit, a declared count that differs,
or a declared hit that no longer happens is a problem.
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
from .conditions import compile_group
from .library import Library, LoadIssue, load_library, parse_signature_file, reference_urls
from .matcher import Matcher
from .model import EXAMPLE_FORMATS, EXAMPLE_SOURCE_KEY, STRICT_FORMATS, Signature

def example_events(example: Any) -> list[Event]:  # noqa: ANN401
    """Turn one example (native text or a field dict) into events via the real parsers."""
    forms = {k: v for k, v in example.items() if k != EXAMPLE_SOURCE_KEY} \
        if isinstance(example, dict) else {}
    if len(forms) != 1:
        raise ValueError("an example is a mapping with one key: " + ", ".join(EXAMPLE_FORMATS))
    (fmt, body), = forms.items()
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
    if fmt in STRICT_FORMATS and not any(e.kind == fmt for e in evs):
        # the events' kinds, not only the file's: a bare pasted message a template identifies
        # is an event-text event inside a message-text file
        kinds = ", ".join(sorted({e.kind for e in evs}))
        what = kinds if kinds == ledger.kind else f"{kinds} events (the file as {ledger.kind})"
        raise ValueError(f"the {fmt} example is read as {what}, not {fmt}")
    return evs + _state_facts(evs)


def _state_facts(evs: list[Event]) -> list[Event]:
    """A Hyper-V state listing also gives the facts built from it (``logscope.state``), as
    in a run: a state signature's example is the listing, not a hand-written fact."""
    from ..state import StateCollector

    state = StateCollector()
    for ev in evs:
        state.feed(ev)
    return state.facts() if state else []


def _why_not(sig: Signature, evs: list[Event]) -> str:
    """Which top-level conditions the example's event(s) fail (the first event shown)."""
    ev = evs[0]
    what = f"the example is an event of kind {ev.kind}"
    if ev.provider or ev.event_id is not None:
        what += f" (provider {ev.provider!r}, event id {ev.event_id})"
    if ev.kind not in sig.kinds:
        return f"{what}; the signature reads kinds {', '.join(sig.kinds)}"
    failing = []
    for key, value in sig.match.items():
        if key == "kind":
            continue
        preds = compile_group({key: value})
        if not any(all(pr(e) for pr in preds) for e in evs):
            failing.append(str(key))
    return f"{what}; failing condition(s): {', '.join(failing) or '(combination)'}"


def check_examples(sig: Signature, matcher: Matcher) -> list[LoadIssue]:
    """Each example at its own line: ``match`` ones must hit, ``no_match`` ones must not."""
    issues: list[LoadIssue] = []
    for expect in ("match", "no_match"):
        for i, ex in enumerate(sig.examples.get(expect, [])):
            line, col = getattr(ex, "start", (sig.line, 1))
            try:
                evs = example_events(ex)
            except ValueError as exc:
                issues.append(LoadIssue(sig.path, line, col,
                                        f"{sig.id}: examples.{expect}[{i}]: {exc}", "example"))
                continue
            hit = any(h.signature.id == sig.id for ev in evs for h in matcher.match(ev))
            if expect == "match" and not hit:
                issues.append(LoadIssue(sig.path, line, col,
                                        f"{sig.id}: examples.match[{i}] does not match: "
                                        f"{_why_not(sig, evs)}", "example"))
            if expect == "no_match" and hit:
                issues.append(LoadIssue(sig.path, line, col,
                                        f"{sig.id}: examples.no_match[{i}] matches, but is "
                                        "declared not to", "example"))
    if sig.status == "stable" and not sig.examples.get("match"):
        issues.append(LoadIssue(sig.path, sig.line, 1,
                                f"{sig.id}: a stable signature needs at least one match example",
                                "example"))
    return issues


def has_public_example(sig: Signature) -> bool:
    """A ``match`` example quotes public text: its ``source`` URL is one of the references."""
    urls = reference_urls(list(sig.references))
    return any(isinstance(ex, dict) and ex.get(EXAMPLE_SOURCE_KEY) in urls
               for ex in sig.examples.get("match", []))


def check_public_example(sig: Signature, level: str) -> list[LoadIssue]:
    """Every signature shows one real public instance of what it matches (``level``: error,
    warning or off, from its library's ``library.yml`` ``public_examples``)."""
    if level == "off" or has_public_example(sig):
        return []
    line, col = sig.marks.get("examples") or (sig.line, 1)
    return [LoadIssue(sig.path, line, col, f"{sig.id}: no match example quotes public text "
                      "(add one with 'source: <https URL>' that is also in references)",
                      "public-example", level)]


def _suffix_of(file: str, declared: str) -> bool:
    """``declared`` and the displayed ``file`` agree on their trailing whole path components
    (the displayed path starts at the baseline folder given, which may be deeper or higher)."""
    f, d = file.replace("\\", "/").strip("/"), declared.replace("\\", "/").strip("/")
    if not f or not d:
        return False
    return f == d or f.endswith("/" + d) or d.endswith("/" + f)


def run_baseline(lib: Library, matcher: Matcher, dirs: list[Path]) -> list[LoadIssue]:
    """Compare every signature's hits over known real logs with its ``baseline_hits``.

    A hit in a file the signature does not declare is a problem (a new false positive, or a
    real hit to declare); so is a declared count that differs, and a declared file that was
    read but no longer hit (a regression). Declarations for files outside ``dirs`` are ignored,
    so the check can run over a subset of the corpus.
    """
    from ..pipeline import iter_events

    counts: Counter[tuple[str, str]] = Counter()
    seen_files: set[str] = set()
    for ev in iter_events(dirs, IngestOptions(), []):
        seen_files.add(ev.file)
        for h in matcher.match(ev):
            counts[(h.signature.id, ev.file)] += 1
    issues = []
    for (sid, file), n in sorted(counts.items()):
        sig = lib.signatures[sid]
        declared = [b for b in sig.baseline_hits
                    if isinstance(b, dict) and _suffix_of(file, str(b.get("file", "")))]
        if not declared:
            issues.append(LoadIssue(sig.path, *_baseline_mark(sig), f"{sid}: {n} undeclared "
                                    f"baseline hit(s) in {file} (declare it in baseline_hits "
                                    "if it is a real instance)", "baseline"))
        elif "count" in declared[0] and int(declared[0]["count"]) != n:
            issues.append(LoadIssue(sig.path, *_baseline_mark(sig, declared[0]),
                                    f"{sid}: {n} baseline hit(s) in {file}, declared "
                                    f"{declared[0]['count']}", "baseline"))
    for sig in lib.signatures.values():
        for b in sig.baseline_hits:
            if not isinstance(b, dict):
                continue
            files = [f for f in seen_files if _suffix_of(f, str(b.get("file", "")))]
            if files and not any(counts.get((sig.id, f)) for f in files):
                issues.append(LoadIssue(sig.path, *_baseline_mark(sig, b),
                                        f"{sig.id}: declared baseline hit in {b['file']} did "
                                        "not happen (the signature no longer matches a known "
                                        "real log)", "baseline"))
    return issues


def _baseline_mark(sig: Signature, entry: Any = None) -> tuple[int, int]:  # noqa: ANN401
    """The declaration itself, else the signature's ``baseline_hits`` key, else its id."""
    if entry is not None and hasattr(entry, "start"):
        return entry.start
    return sig.marks.get("baseline_hits") or sig.marks.get("id") or (sig.line, 1)


def _load_one(p: Path) -> Library:
    """A folder as a library, or a single signature file (no chains, no duplicate check)."""
    if p.is_dir():
        return load_library([p], builtin=False, cache=False)
    lib = Library()
    try:
        raw = p.read_bytes()
    except OSError as exc:
        lib.issues.append(LoadIssue(str(p), 1, 1, f"cannot read: {exc.strerror}", "io"))
        return lib
    sig = parse_signature_file(p, raw, lib.issues)
    if sig is not None:
        sig.library = str(p)
        lib.signatures[sig.id] = sig
    return lib


def validate_paths(paths: list[Path], baselines: list[Path]) -> tuple[list[LoadIssue], dict[str, Any]]:
    """Validate signature folders or files (the built-in library when none is given)."""
    if paths:
        lib = Library()
        issues: list[LoadIssue] = []
        owner: dict[str, str] = {}
        for p in paths:
            one = _load_one(p)
            issues.extend(one.issues)
            for sid, sig in one.signatures.items():
                if sid in owner and not p.is_dir() and owner[sid] != sig.path:
                    issues.append(LoadIssue(sig.path, sig.line, 1, f"duplicate id {sid!r} (also "
                                            f"in {owner[sid]})", "duplicate-id"))
                    continue
                owner.setdefault(sid, sig.path)
                lib.signatures.setdefault(sid, sig)
            lib.chains_dirs.extend(one.chains_dirs)
            lib.public_examples.update(one.public_examples)
    else:
        lib = load_library(cache=False)
        issues = list(lib.issues)
    builtin_ids = set(load_library().signatures) if paths else set()
    load_chains(lib.chains_dirs, issues, set(lib.signatures) | builtin_ids, cache=False)
    matcher = Matcher(lib)
    for sig in lib.signatures.values():
        issues.extend(check_examples(sig, matcher))
        issues.extend(check_public_example(sig, lib.public_examples.get(sig.library, "warning")))
    if baselines:
        issues.extend(run_baseline(lib, matcher, baselines))
    issues.sort(key=lambda i: (i.path, i.line, i.column, i.message))
    warnings = sum(1 for i in issues if i.level == "warning")
    summary = {"signatures": len(lib.signatures), "problems": len(issues) - warnings,
               "warnings": warnings,
               "public_examples": sum(has_public_example(s) for s in lib.signatures.values()),
               "examples": sum(len(v) for s in lib.signatures.values() for v in s.examples.values())}
    return issues, summary


def errors(issues: list[LoadIssue]) -> list[LoadIssue]:
    """The issues that fail ``validate`` (warnings are counted, not failed on)."""
    return [i for i in issues if i.level != "warning"]


def _relative(path: str) -> str:
    """GitHub annotates files by their path in the repository: relative to the working dir."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return path


def _gh_escape(value: str) -> str:
    """Escape a GitHub workflow-command property (``,`` and ``:`` end a property)."""
    return (value.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            .replace(":", "%3A").replace(",", "%2C"))


def render_issues(issues: list[LoadIssue], summary: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        def rows(level_is_warning: bool) -> list[dict[str, Any]]:
            return [{"file": i.path, "line": i.line, "column": i.column, "code": i.code,
                     "message": i.message} for i in issues
                    if (i.level == "warning") == level_is_warning]
        return orjson.dumps({"summary": summary, "problems": rows(False),
                             "warnings": rows(True)},
                            option=orjson.OPT_INDENT_2).decode() + "\n"
    if fmt == "github":
        out = []
        for i in issues:
            msg = i.message.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
            path = _gh_escape(_relative(i.path))
            cmd = "warning" if i.level == "warning" else "error"
            out.append(f"::{cmd} file={path},line={i.line},col={i.column},"
                       f"title=logscope {i.code}::{msg}")
        return "\n".join(out) + ("\n" if out else "")
    lines = [str(i) for i in issues]
    lines.append(f"{summary['signatures']} signatures, {summary['examples']} examples, "
                 f"{summary.get('public_examples', 0)} with a public example, "
                 f"{summary['problems']} problem(s), {summary.get('warnings', 0)} warning(s)")
    return "\n".join(lines) + "\n"
