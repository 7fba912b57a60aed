"""logscope: explains why Hyper-V host-level backups fail, from a customer's support bundle.

Data flow (one package per stage): ingest → events → match → correlate → report.

For notebooks: ``logscope.analyze(paths)`` and ``logscope.events_frame(paths)`` (``api.py``).
They load on first use, so ``import logscope`` (and ``logscope --version``) stays cheap.
"""

from __future__ import annotations

__version__ = "0.1.0"

_API = ("analyze", "events_frame", "AnalysisResult")
__all__ = ["__version__", *_API]


def __getattr__(name: str) -> object:
    if name in _API:
        from . import api

        return getattr(api, name)
    raise AttributeError(f"module 'logscope' has no attribute {name!r}")
