"""The root typer app (``logscope.cli.app``): every command and group registered in one place.

Registration order is the order ``logscope --help`` lists them (commands, then groups).
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from .. import __version__
# retro-hunt over an archive and the fleet index (issue 19); dask/duckdb load inside them
from ..hunt.cli import fleet_app, hunt
from .analyze import analyze
from .collect import collect
from .events import events
from .explain import explain
from .export import export_app
from .signatures import sig_app, validate
from .vssadmin import vss_app
from .coerce import install

install()  # option values without pydantic where typer's answer is certain (start-up cost)

app = typer.Typer(add_completion=True, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="Explain why Hyper-V host-level backups fail, from a support bundle.")
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


@app.callback(invoke_without_command=True)
def _root(
    version: Annotated[bool, typer.Option("--version", help="Print the version and exit.")] = False,
) -> None:
    if version:
        sys.stdout.write(f"logscope {__version__}\n")
        raise typer.Exit(0)
