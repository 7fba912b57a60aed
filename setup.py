"""Build of logscope's optional compiled parts (Cython).

Every ``logscope/**/*.pyx`` is one extension module with a pure-Python twin beside it, so an
install where it cannot compile (no C compiler, no Python headers) still works, only slower:
the extensions are ``optional`` and ``logscope.accel`` tells which form runs.
All other metadata is in pyproject.toml.
"""

from __future__ import annotations

from pathlib import Path

from setuptools import Extension, setup

HERE = Path(__file__).resolve().parent


def extensions() -> list[Extension]:
    sources = sorted(HERE.glob("logscope/**/*.pyx"))
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


setup(ext_modules=extensions())
