"""``logscope vssadmin diff``: what changed between two vssadmin captures."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import _check_paths, path_parser

vss_app = typer.Typer(no_args_is_help=True, help="vssadmin helpers.")


@vss_app.command("diff")
def vssadmin_diff(
    a: Annotated[Path, typer.Argument(parser=path_parser("A"), help="Earlier capture.")],
    b: Annotated[Path, typer.Argument(parser=path_parser("B"), help="Later capture.")],
    fmt: Annotated[str, typer.Option("--format", "-f", help="text or json.")] = "text",
) -> None:
    """What changed between two vssadmin captures, keyed by writer id."""
    import orjson

    from ..vssdiff import diff_files, render_text

    _check_paths([a, b])
    d = diff_files(a, b)
    if fmt == "json":
        sys.stdout.write(orjson.dumps(d, option=orjson.OPT_INDENT_2).decode() + "\n")
    else:
        sys.stdout.write(render_text(d))
