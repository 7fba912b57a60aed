"""What ``logscope analyze`` does with its option values: read the bundle, build and write the
report, choose the exit code.

Typer-free: ``analyze.py`` (the typer command) and ``direct.py`` (a certain command line read
without typer) both call :func:`run` with the values typer would pass.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .output import _check_output, _emit, _fail_on_exit
from .values import (Engine, Fmt, Severity, _check_paths, _die, _limits, _options, _utc_time,
                     _workers)


def run(paths: list[Path], *, fmt: Fmt = Fmt.text, output: Path | None = None,
        engine: Engine = Engine.rust, signatures: list[Path] | None = None,
        veeam_utc_offset: str | None = None, max_total_size: str | None = None,
        max_member_size: str | None = None, max_members: int | None = None,
        max_ratio: float | None = None, max_depth: int | None = None,
        fail_on: Severity | None = None, since: str | None = None, until: str | None = None,
        vm: list[str] | None = None, job: list[str] | None = None, tz: str | None = None,
        redact: bool = False, workers: int = 0, allow_signature_errors: bool = False) -> None:
    """``logscope analyze`` (its help is the typer command's docstring)."""
    _check_paths(paths)  # usage errors first: they exit before the stages are imported
    _check_output(output, paths)
    opts = _options(engine, veeam_utc_offset)
    _limits(opts, max_total_size, max_member_size, max_members, max_ratio, max_depth)
    filters = _filters(since, until, vm, job, tz)
    knowledge = _check_signatures(signatures, allow_signature_errors)
    from ..ingest.bundle import BundleError
    from ..pipeline import analyze, load_knowledge
    from ..report import render, render_bytes
    from ..report.progress import ProgressBar

    knowledge = knowledge or load_knowledge(None)
    _settle()

    try:
        with ProgressBar() as progress:
            analysis = analyze(paths, opts, signatures, progress=progress, filters=filters,
                               keep_events=fmt is Fmt.jsonl, workers=_workers(workers, paths),
                               knowledge=knowledge)
    except BundleError as exc:
        _die(str(exc))
    from ..report.build import build_report

    report = build_report(analysis)
    del analysis  # its events and hits are in the report now: not kept beside its rendering
    report["meta"]["display_tz"] = tz
    if redact:
        from ..report.redact import redact as redact_report

        report = redact_report(report)
    color = output is None and fmt is Fmt.text and sys.stdout.isatty()
    _emit(render_bytes(report, fmt.value, color=color) if fmt is Fmt.json
          else render(report, fmt.value, color=color), output)
    _exit_for(report, paths, fail_on)


def _settle() -> None:
    """Start-up is over: what it made (modules, the library, the chains) lives until the
    process ends. Frozen, the collector no longer walks it at every full collection while
    the events stream (~42k objects after a one-file start-up; a corpus run's collections
    21 -> 9 ms), and collecting starts again. Only when ``direct.py`` turned the collector
    off for the start-up (a command-line process): an in-process caller's objects (a test
    session's) are never frozen."""
    import gc

    if gc.isenabled():
        return
    gc.freeze()
    gc.enable()


def _check_signatures(dirs: list[Path] | None, allow: bool) -> Any:  # noqa: ANN401
    """Problems in a ``--signatures`` folder go to stderr and exit 2 (as ``validate`` reports
    them), unless ``--allow-signature-errors``: then they are warnings and the run goes on.

    Returns the library and chains it loaded (for ``pipeline.analyze(knowledge=...)``, so they
    are not loaded and compiled twice), or None without ``--signatures``."""
    if not dirs:
        return None
    for p in dirs:
        if not p.is_dir():
            _die(f"{p}: not a signature folder")
    from ..match.validate import errors
    from ..pipeline import load_knowledge
    from ..report.escape import terminal

    library, chains = load_knowledge(dirs)
    bad = errors(library.issues)
    for issue in library.issues:
        sys.stderr.write(f"{'warning: ' if allow or issue not in bad else 'error: '}"
                         f"{terminal(str(issue))}\n")
    if bad and not allow:
        _die(f"{len(bad)} signature problem(s) under --signatures; fix them "
             "(see `logscope validate DIR`) or pass --allow-signature-errors")
    return library, chains


def _exit_for(report: dict[str, Any], paths: list[Path], fail_on: Severity | None) -> None:
    """Exit 2 when nothing was analysed (never a silent "no failure found"), else 1 when
    ``--fail-on`` finds a hint that severe, else 0."""
    if not report["meta"].get("analysed", True):
        names = ", ".join(str(p) for p in paths)
        _die(f"nothing analysed in {names}: {report['meta'].get('nothing_analysed')}")
    _fail_on_exit(report, fail_on)


def _filters(since: str | None, until: str | None, vms: list[str] | None,
             jobs: list[str] | None, tz: str | None) -> Any:  # noqa: ANN401
    """The report filters from the command line (exit 2 on a malformed time or zone)."""
    from ..correlate.filters import Filters
    from ..report.timefmt import zone

    try:
        zone(tz)
    except ValueError as exc:
        _die(f"--tz: {exc}")
    return Filters(since=_utc_time("--since", since), until=_utc_time("--until", until),
                   vms=tuple(vms or ()), jobs=tuple(jobs or ()))
