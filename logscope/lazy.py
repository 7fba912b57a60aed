"""What a module holds, made on first use: attributes a package's ``__init__`` names from a
heavy submodule (PEP 562), and regular expressions compiled when first used.

Why: ``import logscope.ingest.veeam.offset`` runs ``veeam/__init__.py`` first; when that
imports the reader (and its grammar, tables and ~50 compiled patterns), every user of one
small helper pays for the whole family at start-up. A package lists its names instead::

    __getattr__ = lazy_attrs(__name__, {"detect": "reader", "parse": "reader"})

Regular expressions: a reader module holds the patterns of its whole grammar, and ``detect``
imports each reader in turn for a text file (~250 patterns, ~40 ms, of which a file uses
a few). ``PATTERN = regex(r"...")`` instead of ``re.compile`` compiles it on first use.
"""

from __future__ import annotations

import re
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


#: What a compiled pattern offers, kept on the stand-in once compiled.
_PATTERN_ATTRS = ("match", "fullmatch", "search", "sub", "subn", "split", "findall", "finditer",
                  "scanner", "flags", "groups", "groupindex")


class LazyPattern:
    """Stands for ``re.compile(pattern, flags)``; compiles on the first use of one of its
    methods or attributes. Then the module that made it holds the compiled pattern itself
    (its global names bound to this object are rebound: later calls cost what a compiled
    pattern's do), and this object holds the compiled pattern's methods for whoever kept it.
    ``pattern`` is known without compiling. Not a ``re.Pattern``: for ``re.sub(p, ...)`` or
    ``isinstance`` use ``.compiled``."""

    def __init__(self, pattern: str | bytes, flags: int = 0,
                 home: dict[str, Any] | None = None) -> None:
        self.pattern = pattern
        self._flags = flags
        self._home = home

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401 - only names not yet set
        if name.startswith("__") or name in ("_flags", "_home"):
            raise AttributeError(name)
        compiled = re.compile(self.pattern, self._flags)
        for attr in _PATTERN_ATTRS:
            setattr(self, attr, getattr(compiled, attr))
        self.compiled = compiled
        home, self._home = self._home, None
        if home is not None:
            for key, value in list(home.items()):
                if value is self:
                    home[key] = compiled
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"regex({self.pattern!r}, {self._flags})"


def regex(pattern: str | bytes, flags: int = 0) -> LazyPattern:
    """``re.compile(pattern, flags)``, compiled when first used (see the module docstring).
    Meant for module-level names: the module's globals are where the compiled pattern goes."""
    return LazyPattern(pattern, flags, sys._getframe(1).f_globals)  # noqa: SLF001
