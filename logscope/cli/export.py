"""``logscope export sigma``: the signature library in other tools' formats."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import SigOpt, _die, path_parser

export_app = typer.Typer(no_args_is_help=True, help="Export the signature library to other tools' formats.")


@export_app.command("sigma")
def export_sigma(
    output: Annotated[Path, typer.Option("--output", "-o", parser=path_parser("--output"), help="Folder for the rules (SigmaHQ layout).")],
    signatures: SigOpt = None,
    fmt: Annotated[str, typer.Option("--format", "-f", help="Report format: text or json.")] = "text",
) -> None:
    """Every event-log signature Sigma can express as a Sigma rule, one file each; the report
    lists per signature what Sigma cannot express."""
    import orjson

    from ..export.sigma import export_sigma as run
    from ..export.sigma import report_text
    from ..pipeline import load_knowledge

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
