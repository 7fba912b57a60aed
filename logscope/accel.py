"""Which form of a hot loop runs: its compiled (Cython) module or its pure-Python twin.

A few per-byte and per-record loops over .evtx chunks are written twice: ``name.pyx``,
compiled at install time when a C compiler is there (setup.py, extensions ``optional``), and
``name.py`` beside it, the reference the compiled one is tested against record for record.
``LOGSCOPE_PURE=1`` runs the twins everywhere (differential tests, a suspected miscompile).
What ran is kept in ``FORMS`` so a report and a benchmark can say it.
"""

from __future__ import annotations

import importlib
import os
from types import ModuleType

#: module name of each twin pair asked for -> "compiled" or "pure"
FORMS: dict[str, str] = {}


def pure_only() -> bool:
    """True when the environment asks for the pure-Python twins."""
    return os.environ.get("LOGSCOPE_PURE", "") not in ("", "0")


def load(compiled: str, pure: str) -> ModuleType:
    """The compiled module ``compiled`` if it was built and not refused, else ``pure``.

    Both are absolute module names. A compiled module that exists but fails to import (built
    for another Python) falls back too: the twin gives the same answers, only slower.
    """
    if not pure_only():
        try:
            mod = importlib.import_module(compiled)
        except ImportError:
            pass
        else:
            FORMS[pure] = "compiled"
            return mod
    FORMS[pure] = "pure"
    return importlib.import_module(pure)


def summary() -> str | None:
    """The forms that ran, for a report: "compiled", "pure", or "mixed: pure NAME, ...; the
    rest compiled"; None when no pair was loaded (no hot loop ran, e.g. no .evtx read).

    What this process loaded: forked ``--workers`` inherit its environment and files, so
    they load the same forms."""
    forms = set(FORMS.values())
    if len(forms) <= 1:
        return forms.pop() if forms else None
    pure = sorted(name.rsplit(".", 1)[-1] for name, form in FORMS.items() if form == "pure")
    return f"mixed: pure {', '.join(pure)}; the rest compiled"


def compiled_sources() -> list[str]:
    """Module names of every ``.pyx`` under the package (what setup.py tries to build)."""
    from pathlib import Path

    top = Path(__file__).resolve().parent
    return sorted(
        ".".join(("logscope", *p.relative_to(top).with_suffix("").parts))
        for p in top.rglob("*.pyx")
    )
