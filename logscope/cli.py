"""Command line: ``logscope analyze|events|validate|signatures|vssadmin``.

The only module that wires stages to files and terminals. Exit codes: 0 ok; 1 when
``--fail-on`` finds a hint that severe (or ``validate`` finds problems); 2 for usage errors
and PATHs that cannot be opened at all. Progress goes to stderr, results to stdout.
"""

from __future__ import annotations

import sys
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from . import __version__

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Explain why Hyper-V host-level backups fail, from a support bundle.")
sig_app = typer.Typer(no_args_is_help=True, help="List and show the signature library.")
vss_app = typer.Typer(no_args_is_help=True, help="vssadmin helpers.")
app.add_typer(sig_app, name="signatures")
app.add_typer(vss_app, name="vssadmin")
export_app = typer.Typer(no_args_is_help=True, help="Export the signature library to other tools' formats.")
app.add_typer(export_app, name="export")
# retro-hunt over an archive and the fleet index (issue 19); dask/duckdb load inside them
from .hunt.cli import fleet_app, hunt as _hunt  # noqa: E402

app.command("hunt")(_hunt)
app.add_typer(fleet_app, name="fleet")


class Fmt(str, Enum):
    text = "text"
    json = "json"
    jsonl = "jsonl"
    csv = "csv"
    md = "md"
    html = "html"


class Engine(str, Enum):
    rust = "rust"
    python = "python"


class Severity(str, Enum):
    info = "info"
    low = "low"
    medium = "medium"
    high = "high"
    critical = "critical"


PathsArg = Annotated[list[Path], typer.Argument(help="Bundle folders, zips or single files.")]
EngineOpt = Annotated[Engine, typer.Option("--engine", help="EVTX engine: rust (evtx) or python (python-evtx).")]
SigOpt = Annotated[list[Path] | None, typer.Option("--signatures", help="Extra signature folder (repeatable; later wins).")]
OffsetOpt = Annotated[str | None, typer.Option("--veeam-utc-offset", help="UTC offset of Veeam servers' local time, ±HH:MM.")]
# Archive limits (hostile input); defaults fit real Veeam exports, raise them for bigger bundles.
TotalOpt = Annotated[str | None, typer.Option("--max-total-size", help="Most bytes extracted from archives in all (default 32G).")]
MemberOpt = Annotated[str | None, typer.Option("--max-member-size", help="Most bytes of one archive member (default 8G).")]
MembersOpt = Annotated[int | None, typer.Option("--max-members", help="Most archive members read (default 200000).")]
RatioOpt = Annotated[float | None, typer.Option("--max-ratio", help="Highest compression ratio of a member over 32 MiB (default 200).")]
DepthOpt = Annotated[int | None, typer.Option("--max-depth", help="Deepest archive nesting, zip or gzip (default 4).")]
AllowSigOpt = Annotated[bool, typer.Option("--allow-signature-errors", help="Go on when a --signatures folder has problems (they become warnings).")]
WorkersOpt = Annotated[int, typer.Option("--workers", min=0, help="Processes for .evtx files (0 = one per core for 256 MB+ of input, else 1; 1 = no pool).")]


def _limits(opts: Any, total: str | None, member: str | None, members: int | None,  # noqa: ANN401
            ratio: float | None, depth: int | None) -> None:
    from .ingest.bundle import apply_limits

    try:
        apply_limits(opts, max_total_size=total, max_member_size=member, max_members=members,
                     max_ratio=ratio, max_depth=depth)
    except ValueError as exc:
        _die(str(exc))


def _die(msg: str, code: int = 2) -> None:
    from .report.escape import terminal

    sys.stderr.write(f"Error: {terminal(msg)}\n")
    raise typer.Exit(code)


def _options(engine: Engine, offset: str | None) -> Any:  # noqa: ANN401
    from .events import parse_offset
    from .ingest.source import IngestOptions

    opts = IngestOptions(engine=engine.value)
    if offset:
        try:
            opts.veeam_utc_offset = parse_offset(offset)
        except ValueError as exc:
            _die(f"--veeam-utc-offset: {exc}")
    return opts


def _check_paths(paths: list[Path]) -> None:
    for p in paths:
        if not p.exists():
            _die(f"{p}: no such file or folder")


def _workers(n: int, paths: list[Path] | None = None) -> int:
    if n:
        return n
    from .workers import default_workers, workers_for

    return workers_for(paths) if paths is not None else default_workers()


def _progress() -> Any:  # noqa: ANN401
    if not sys.stderr.isatty():
        return None

    def show(name: str, _n: int) -> None:
        from .report.escape import terminal

        sys.stderr.write(f"\r\x1b[Kreading {terminal(name)[-70:]}")
        sys.stderr.flush()

    return show


@app.command()
def analyze(
    paths: PathsArg,
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="Report format.")] = Fmt.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    engine: EngineOpt = Engine.rust,
    signatures: SigOpt = None,
    veeam_utc_offset: OffsetOpt = None,
    max_total_size: TotalOpt = None,
    max_member_size: MemberOpt = None,
    max_members: MembersOpt = None,
    max_ratio: RatioOpt = None,
    max_depth: DepthOpt = None,
    fail_on: Annotated[Severity | None, typer.Option("--fail-on", help="Exit 1 when a hint this severe or worse is found.")] = None,
    since: Annotated[str | None, typer.Option("--since", help="Only hits at or after this UTC time (ISO 8601).")] = None,
    until: Annotated[str | None, typer.Option("--until", help="Only hits at or before this UTC time (ISO 8601).")] = None,
    vm: Annotated[list[str] | None, typer.Option("--vm", help="Only this VM (name, id or guest name; repeatable).")] = None,
    job: Annotated[list[str] | None, typer.Option("--job", help="Only this Veeam job and its VMs (repeatable).")] = None,
    tz: Annotated[str | None, typer.Option("--tz", help="Display time zone for text/md/html (IANA name); data stays UTC.")] = None,
    redact: Annotated[bool, typer.Option("--redact", help="Replace host, user, domain and IP names by stable placeholders.")] = False,
    workers: WorkersOpt = 0,
    allow_signature_errors: AllowSigOpt = False,
) -> None:
    """Read a support bundle and print root-cause hints, the timeline and what was read."""
    from .ingest.bundle import BundleError
    from .pipeline import analyze as run
    from .report import render
    from .report.progress import ProgressBar

    _check_paths(paths)
    _check_output(output, paths)
    opts = _options(engine, veeam_utc_offset)
    _limits(opts, max_total_size, max_member_size, max_members, max_ratio, max_depth)
    filters = _filters(since, until, vm, job, tz)
    knowledge = _check_signatures(signatures, allow_signature_errors)
    try:
        with ProgressBar() as progress:
            analysis = run(paths, opts, signatures, progress=progress, filters=filters,
                           keep_events=fmt is Fmt.jsonl, workers=_workers(workers, paths),
                           knowledge=knowledge)
    except BundleError as exc:
        _die(str(exc))
    from .report.build import build_report

    report = build_report(analysis)
    report["meta"]["display_tz"] = tz
    if redact:
        from .report.redact import redact as redact_report

        report = redact_report(report)
    color = output is None and fmt is Fmt.text and sys.stdout.isatty()
    text = render(report, fmt.value, color=color)
    _emit(text, output)
    _exit_for(report, paths, fail_on)


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
    from .match.validate import errors
    from .pipeline import load_knowledge
    from .report.escape import terminal

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


def _fail_on_exit(report: dict[str, Any], fail_on: Severity | None) -> None:
    """Exit 1 when ``--fail-on`` finds a hint that severe or worse."""
    from .match.model import severity_rank

    if fail_on is not None:
        worst = max((severity_rank(h["severity"]) for h in report["hints"]), default=-1)
        if worst >= severity_rank(fail_on.value):
            raise typer.Exit(1)


@app.command()
def explain(
    text: Annotated[str | None, typer.Argument(help="The pasted message; '-' or nothing: read standard input; an existing file's path: that file.")] = None,
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="Report format.")] = Fmt.text,
    output: Annotated[Path | None, typer.Option("--output", "-o", help="Write the report here.")] = None,
    signatures: SigOpt = None,
    fail_on: Annotated[Severity | None, typer.Option("--fail-on", help="Exit 1 when a hint this severe or worse is found.")] = None,
) -> None:
    """Explain a pasted message (event text, error line, console output) with the same hints."""
    from .explain import explain as run
    from .ingest.source import IngestOptions
    from .report import render

    if text is None or text == "-":
        data, origin = sys.stdin.buffer.read(), "<stdin>"
    elif "\n" not in text and len(text) < 4096 and Path(text).is_file():
        data, origin = Path(text).read_bytes(), text
    else:
        data, origin = text.encode("utf-8"), "<argument>"
    if not data.strip():
        _die("explain: no text given (pass it as an argument or on standard input)")
    report, note = run(data, origin, IngestOptions(), signatures)
    color = output is None and fmt is Fmt.text and sys.stdout.isatty()
    rendered = render(report, fmt.value, color=color)
    if note and fmt is Fmt.text:
        rendered = note + "\n\n" + rendered
    _emit(rendered, output)
    if note:
        sys.stderr.write(note + "\n")
    _fail_on_exit(report, fail_on)


def _filters(since: str | None, until: str | None, vms: list[str] | None,
             jobs: list[str] | None, tz: str | None) -> Any:  # noqa: ANN401
    """The report filters from the command line (exit 2 on a malformed time or zone)."""
    from datetime import datetime

    from .correlate.filters import Filters
    from .events import UTC
    from .report.timefmt import zone

    def when(opt: str, v: str | None) -> datetime | None:
        if not v:
            return None
        try:
            t = datetime.fromisoformat(v.strip().replace("Z", "+00:00"))
        except ValueError:
            _die(f"{opt}: not an ISO 8601 time: {v!r} (e.g. 2026-03-14T09:00:00)")
        return t.replace(tzinfo=UTC) if t.tzinfo is None else t.astimezone(UTC)

    try:
        zone(tz)
    except ValueError as exc:
        _die(f"--tz: {exc}")
    return Filters(since=when("--since", since), until=when("--until", until),
                   vms=tuple(vms or ()), jobs=tuple(jobs or ()))


def _emit(text: str, output: Path | None) -> None:
    if output is None:
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    from .outfile import OutputError, atomic_output

    try:
        with atomic_output(output) as fh:
            fh.write(text.encode("utf-8"))
    except OutputError as exc:
        _die(str(exc))
    sys.stderr.write(f"report written to {output}\n")


def _check_output(output: Path | None, inputs: list[Path]) -> None:
    """Exit 2 before any work when the output path cannot or must not be written."""
    if output is None:
        return
    from .outfile import OutputError, check_target

    try:
        check_target(output, inputs)
    except OutputError as exc:
        _die(str(exc))


@app.command()
def events(
    paths: PathsArg,
    fmt: Annotated[Fmt, typer.Option("--format", "-f", help="jsonl (default) or json.")] = Fmt.jsonl,
    output: Annotated[Path | None, typer.Option("--output", "-o")] = None,
    engine: EngineOpt = Engine.rust,
    signatures: SigOpt = None,
    veeam_utc_offset: OffsetOpt = None,
    max_total_size: TotalOpt = None,
    max_member_size: MemberOpt = None,
    max_members: MembersOpt = None,
    max_ratio: RatioOpt = None,
    max_depth: DepthOpt = None,
    workers: WorkersOpt = 0,
) -> None:
    """Print every normalized event (one JSON object a line, Timesketch-importable)."""
    from .export_pool import event_line, iter_lines_pooled
    from .ingest.bundle import BundleError
    from .ledger import FileLedger
    from .outfile import OutputError
    from .pipeline import iter_events

    _check_paths(paths)
    _check_output(output, paths)
    if fmt not in (Fmt.jsonl, Fmt.json):
        _die("events supports --format jsonl or json")
    opts = _options(engine, veeam_utc_offset)
    _limits(opts, max_total_size, max_member_size, max_members, max_ratio, max_depth)
    ledgers: list[FileLedger] = []
    try:
        with _event_sink(output) as out:
            if fmt is Fmt.json:
                out.write(b"[")
            first = True
            n_workers = _workers(workers)
            lines = (iter_lines_pooled(paths, opts, ledgers, n_workers, _progress())
                     if n_workers > 1
                     else (event_line(ev) for ev in iter_events(paths, opts, ledgers, _progress())))
            for line in lines:
                if fmt is Fmt.json:
                    out.write(line if first else b",\n" + line)
                else:
                    out.write(line + b"\n")
                first = False
            if fmt is Fmt.json:
                out.write(b"]\n")
    except BundleError as exc:
        _die(str(exc))
    except OutputError as exc:
        _die(str(exc))
    for led in ledgers:
        from .report.escape import terminal

        sys.stderr.write(f"{terminal(led.path)}: {led.kind}, {led.records} records, {led.skipped} skipped"
                         + (f" ({dict(led.skip_reasons)})" if led.skip_reasons else "")
                         + (f", {len(led.problems)} problems" if led.problems else "") + "\n")


def _event_sink(output: Path | None) -> Any:  # noqa: ANN401
    """Standard output, or the output file written atomically (see ``outfile``)."""
    import contextlib

    if output is None:
        @contextlib.contextmanager
        def stdout() -> Any:  # noqa: ANN401
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()

        return stdout()
    from .outfile import atomic_output

    return atomic_output(output)


@app.command()
def validate(
    paths: Annotated[list[Path] | None, typer.Argument(help="Signature folders (default: the built-in library).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or github.")] = "text",
    baseline: Annotated[list[Path] | None, typer.Option("--baseline", help="Folder of known real logs: undeclared hits are problems.")] = None,
) -> None:
    """Check signature files: schema, unique ids, RE2 regexes, examples, chains."""
    from .match.validate import errors, render_issues, validate_paths

    if fmt not in ("text", "json", "github"):
        _die("--format must be text, json or github")
    for p in [*(paths or []), *(baseline or [])]:
        if not p.exists():
            _die(f"{p}: no such file or folder")
    issues, summary = validate_paths(paths or [], baseline or [])
    sys.stdout.write(render_issues(issues, summary, fmt))
    raise typer.Exit(1 if errors(issues) else 0)


@sig_app.command("list")
def signatures_list(signatures: SigOpt = None) -> None:
    """One line per signature: id, severity, status, kinds, title."""
    from .match.library import load_library

    lib = load_library(signatures)
    for s in sorted(lib.signatures.values(), key=lambda s: s.id):
        sys.stdout.write(f"{s.id:50} {s.severity:8} {s.status:12} {','.join(s.kinds):20} "
                         f"{s.title}\n")


@sig_app.command("show")
def signatures_show(sig_id: str, signatures: SigOpt = None) -> None:
    """Print one signature's file."""
    from .match.library import load_library

    lib = load_library(signatures)
    sig = lib.signatures.get(sig_id)
    if sig is None:
        _die(f"no signature {sig_id!r}")
    sys.stdout.write(Path(sig.path).read_text("utf-8"))


@vss_app.command("diff")
def vssadmin_diff(
    a: Annotated[Path, typer.Argument(help="Earlier capture.")],
    b: Annotated[Path, typer.Argument(help="Later capture.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """What changed between two vssadmin captures, keyed by writer id."""
    import orjson

    from .vssdiff import diff_files, render_text

    _check_paths([a, b])
    d = diff_files(a, b)
    if fmt == "json":
        sys.stdout.write(orjson.dumps(d, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render_text(d))


@export_app.command("sigma")
def export_sigma(
    output: Annotated[Path, typer.Option("--output", "-o", help="Folder for the rules (SigmaHQ layout).")],
    signatures: SigOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Report format: text or json.")] = "text",
) -> None:
    """Every event-log signature Sigma can express as a Sigma rule, one file each; the report
    lists per signature what Sigma cannot express."""
    import orjson

    from .export.sigma import export_sigma as run
    from .export.sigma import report_text
    from .pipeline import load_knowledge

    if fmt not in ("text", "json"):
        _die("--format must be text or json")
    for p in signatures or []:
        if not p.is_dir():
            _die(f"{p}: no such signature folder")
    if output.exists() and not output.is_dir():
        _die(f"{output}: exists and is not a folder")
    library, chains = load_knowledge(signatures)
    for issue in library.issues:
        sys.stderr.write(f"warning: {issue}\n")
    report = run(library, chains, output)
    if fmt == "json":
        sys.stdout.write(orjson.dumps(report.as_dict(), option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(report_text(report))


def main() -> None:
    """Entry point; ``--version`` answers before the CLI framework is imported (fast)."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"logscope {__version__}\n")
        return
    import logging

    # python-evtx logs token warnings on damaged records; what was lost is in the ledger,
    # and stderr stays for progress and errors
    quiet = logging.getLogger("Evtx")
    quiet.addHandler(logging.NullHandler())
    quiet.propagate = False
    from .signals import Stopped, install, stop_children

    install()
    try:
        app()
    except Stopped as stop:
        stop_children()
        sys.stderr.write(f"\nlogscope: stopped by {stop.name}; nothing was written\n")
        sys.exit(stop.exit_code)


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        sys.stdout.write(f"logscope {__version__}\n")
        raise typer.Exit(0)


if __name__ == "__main__":  # pragma: no cover
    main()
