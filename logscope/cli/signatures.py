"""``logscope validate`` and ``logscope signatures list|show``: the signature library."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import SigOpt, _die, path_parser

sig_app = typer.Typer(no_args_is_help=True, help="List and show the signature library.")


def validate(
    paths: Annotated[list[Path] | None, typer.Argument(parser=path_parser("PATHS"), help="Signature folders (default: the built-in library).")] = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="text, json or github.")] = "text",
    baseline: Annotated[list[Path] | None, typer.Option("--baseline", parser=path_parser("--baseline"), help="Folder of known real logs: undeclared hits are problems.")] = None,
) -> None:
    """Check signature files: schema, unique ids, RE2 regexes, examples, chains."""
    from ..match.validate import errors, render_issues, validate_paths

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
    from ..match.library import load_library

    lib = load_library(signatures)
    for s in sorted(lib.signatures.values(), key=lambda s: s.id):
        sys.stdout.write(f"{s.id:50} {s.severity:8} {s.status:12} {','.join(s.kinds):20} "
                         f"{s.title}\n")


@sig_app.command("show")
def signatures_show(sig_id: str, signatures: SigOpt = None) -> None:
    """Print one signature's file."""
    from ..match.library import load_library

    lib = load_library(signatures)
    sig = lib.signatures.get(sig_id)
    if sig is None:
        _die(f"no signature {sig_id!r}")
    sys.stdout.write(Path(sig.path).read_text("utf-8"))
