"""The root typer app (``logscope.cli.app``): every command and group registered in one place.

Registration order is the order ``logscope --help`` lists them (commands, then groups).
``app_for`` gives ``main`` a root holding only the command a run names, when that is enough.
"""

from __future__ import annotations

import os
import sys
from typing import Annotated

import typer

from .. import __version__
# retro-hunt over an archive and the fleet index (issue 19); dask/duckdb load inside them
from ..hunt.cli import fleet_app, hunt
from .analyze import analyze
from .coerce import install
from .collect import collect
from .events import events
from .explain import explain
from .export import export_app
from .signatures import sig_app, validate
from .vssadmin import vss_app

install()  # option values without pydantic where typer's answer is certain (start-up cost)


def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        sys.stdout.write(f"logscope {__version__}\n")
        raise typer.Exit(0)


def _new_app() -> typer.Typer:
    root = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                       help="Explain why Hyper-V host-level backups fail, from a support bundle.")
    root.callback(invoke_without_command=True)(_root)
    return root


app = _new_app()
app.command("hunt")(hunt)
app.command()(analyze)
app.command()(explain)
app.command()(events)
app.command()(validate)
app.command()(collect)
app.add_typer(sig_app, name="signatures")
app.add_typer(vss_app, name="vssadmin")
app.add_typer(export_app, name="export")
app.add_typer(fleet_app, name="fleet")

#: Commands ``main`` runs from a root that holds only them (``app_for``).
ALONE = {"analyze": analyze, "events": events, "explain": explain}


def app_for(args: list[str]) -> typer.Typer:
    """The app to run ``args`` with: for ``analyze|events|explain ...`` the same root holding
    that one command, else the whole ``app``.

    Why: typer turns every command's signature into options each run (~0.5 ms a command,
    ~15 ms for all of them), and a run of one command reads only that one's. Its usage lines,
    help and errors are the whole app's (tests/test_cli_coerce.py compares them); ``--help``
    of the root and shell completion (argv carries no command then) use the whole app.
    """
    cmd = ALONE.get(args[0]) if args else None
    if cmd is None or any(k.endswith("_COMPLETE") for k in os.environ):
        return app
    one = _new_app()
    one.command()(cmd)
    return one
