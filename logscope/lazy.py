"""Module attributes imported on first use (PEP 562), for packages whose ``__init__`` names
what a heavy submodule holds.

Why: ``import logscope.ingest.veeam.offset`` runs ``veeam/__init__.py`` first; when that
imports the reader (and its grammar, tables and ~50 compiled patterns), every user of one
small helper pays for the whole family at start-up. A package lists its names instead::

    __getattr__ = lazy_attrs(__name__, {"detect": "reader", "parse": "reader"})
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_attrs(package: str, where: dict[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__``: ``name`` comes from ``package.<where[name]>``, imported on
    first access and then kept on the package (later look-ups are plain attributes)."""

    def __getattr__(name: str) -> Any:  # noqa: ANN401, N807
        if name not in where:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{where[name]}"), name)
        setattr(sys.modules[package], name, value)
        return value

    return __getattr__
