"""Command line: ``logscope analyze|explain|events|validate|signatures|vssadmin|export|hunt|fleet``.

The only package that wires stages to files and terminals; one module per command group
(``root.py`` registers them). Exit codes: 0 ok; 1 when ``--fail-on`` finds a hint that severe
(or ``validate`` finds problems); 2 for usage errors and PATHs that cannot be opened at all.
Progress goes to stderr, results to stdout.

Nothing here imports typer until a command runs: ``main`` answers ``--version`` first, runs
``analyze`` without typer when its command line has one certain meaning (``direct.py``), and
``app`` (and the helpers ``logscope.hunt.cli`` borrows) load on first access.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    from ..signals import Stopped

#: Every name ``logscope/cli.py`` had, importable from ``logscope.cli`` as before the split
#: (tests, ``logscope.hunt.cli`` and code written against the single module), and its module.
#: Not the command functions ``analyze``, ``explain``, ``events``: those names are now the
#: submodules (``from logscope.cli.analyze import analyze``).
_LAZY = {
    "app": "root", "_root": "root",
    **dict.fromkeys(("Fmt", "Engine", "Severity", "PathsArg", "EngineOpt", "SigOpt", "OffsetOpt",
                     "TotalOpt", "MemberOpt", "MembersOpt", "RatioOpt", "DepthOpt",
                     "AllowSigOpt", "WorkersOpt", "_die", "_check_paths", "_limits",
                     "_options", "_workers", "_progress"), "options"),
    **dict.fromkeys(("_emit", "_check_output", "_event_sink", "_fail_on_exit"), "output"),
    **dict.fromkeys(("_check_signatures", "_exit_for", "_filters"), "analyze_run"),
    **dict.fromkeys(("validate", "sig_app", "signatures_list", "signatures_show"), "signatures"),
    "vss_app": "vssadmin", "vssadmin_diff": "vssadmin",
    "export_app": "export", "export_sigma": "export",
}


def __getattr__(name: str) -> Any:  # noqa: ANN401
    if name in _LAZY:
        from importlib import import_module

        return getattr(import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def main() -> None:
    """Entry point; ``--version``, and ``analyze`` with a certain command line
    (``direct.py``), run without importing the CLI framework (fast)."""
    if sys.argv[1:] == ["--version"]:
        sys.stdout.write(f"logscope {__version__}\n")
        return
    from ..signals import Stopped, install, received

    install()  # first: a stop during the imports below ends the same way
    try:
        from .direct import run_direct

        if not run_direct(sys.argv[1:]):  # ``analyze`` with a certain command line: no typer
            from .root import app_for

            app_for(sys.argv[1:])()
    except Stopped as stop:
        _stopped(stop)
    except Exception:
        signum = received()
        if signum is None:
            raise
        _stopped(Stopped(signum))  # a stop some library turned into its own error


def _stopped(stop: Stopped) -> None:
    """The one line and the shell's exit code of a stopped run; no worker left."""
    from ..signals import stop_children

    stop_children()
    sys.stderr.write(f"\nlogscope: stopped by {stop.name}; nothing was written\n")
    sys.exit(stop.exit_code)
