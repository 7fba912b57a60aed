"""Build of logscope's optional compiled parts (Cython).

Every ``logscope/**/*.pyx`` is one extension module with a pure-Python twin beside it, so an
install where it cannot compile (no C compiler, no Python headers) still works, only slower:
the extensions are ``optional`` and ``logscope.accel`` tells which form runs.
A .pyx that needs a C library's headers names them on a line ``# logscope: needs-header
NAME.h``; where they cannot be included it is not built (its twin runs) and
tests/test_accel.py does not ask for it. All other metadata is in pyproject.toml.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sysconfig
from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent
_NEEDS = re.compile(r"^# logscope: needs-header (\S+)$", re.M)


def needed_headers(pyx: Path) -> list[str]:
    """The C headers a .pyx declares it needs (its ``# logscope: needs-header`` lines)."""
    return _NEEDS.findall(pyx.read_text(encoding="utf-8"))


def header_available(header: str) -> bool:
    """Whether the configured C compiler's preprocessor finds ``header``.

    Why ask first: a missing library header (OpenSSL's development files) would fail that one
    extension's build; asking makes the skip a decision the test suite can repeat."""
    cc = (sysconfig.get_config_var("CC") or "cc").split()
    if not shutil.which(cc[0]):
        return False
    try:
        done = subprocess.run([*cc, "-E", "-x", "c", "-"], input=f"#include <{header}>\n",
                              capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def extensions() -> list[Extension]:
    sources = [p for p in sorted(HERE.glob("logscope/**/*.pyx"))
               if all(header_available(h) for h in needed_headers(p))]
    if not sources:
        return []
    try:
        from Cython.Build import cythonize
    except ImportError:  # a build without Cython: the pure-Python twins run
        return []
    mods = [
        Extension(
            ".".join(p.relative_to(HERE).with_suffix("").parts),
            [str(p.relative_to(HERE))],
            optional=True,
        )
        for p in sources
    ]
    built = cythonize(
        mods,
        language_level=3,
        quiet=True,
        compiler_directives={
            # untrusted input: keep every index checked (no wraparound, no unchecked access)
            "boundscheck": True,
            "wraparound": False,
            "initializedcheck": True,
            "cdivision": True,
        },
    )
    for ext in built:  # cythonize makes new Extension objects and drops `optional`
        ext.optional = True
    return built


if __name__ == "__main__":  # run by pip's build backend and by `python setup.py`; tests import it
    setup(ext_modules=extensions())
