"""Retro-hunt over an archive of support bundles on Dask, into a DuckDB fleet index.

Needs the ``hunt`` extra (``pip install 'logscope[hunt]'``: dask[distributed], duckdb);
nothing here imports them until a hunt or fleet command runs, so the other commands start
as fast as before.
"""

from __future__ import annotations

import importlib.util

INSTALL_HINT = "pip install 'logscope[hunt]'"


def missing(modules: tuple[str, ...] = ("dask", "distributed", "duckdb")) -> list[str]:
    """The modules of the extra that are not installed (checked without importing them)."""
    gone = []
    for m in modules:
        try:
            if importlib.util.find_spec(m) is None:
                gone.append(m)
        except (ImportError, ValueError):  # a broken or blocked install counts as missing
            gone.append(m)
    return gone
