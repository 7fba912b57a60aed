"""Import python-evtx without the network stack its XML escaping pulls in.

Why: ``Evtx.Views`` imports ``xml.sax.saxutils`` for ``escape`` and ``quoteattr``, and
saxutils imports ``urllib.request`` (``http.client``, ``ssl``, ``email``, ``socket``) at its
top for ``prepare_input_source``, which opens a URL for a SAX parser: python-evtx never calls
it, nor does logscope. A corpus run that recovers a couple of damaged records through
python-evtx paid ~15 ms CPU of its ~21 ms import for that stack.

How: while saxutils is imported, ``urllib.request`` is a stand-in that imports the real
module the first time any of its names is read (and hands that name on); the stand-in leaves
``sys.modules`` right after, so any later ``import urllib.request`` loads the real module as
usual. Nothing changes when saxutils or ``urllib.request`` is already loaded.
"""

from __future__ import annotations

import importlib
import sys
import threading
from types import ModuleType
from typing import Any

NAME = "urllib.request"
_lock = threading.Lock()


class _OnFirstUse(ModuleType):
    """``urllib.request`` until a name of it is read: then the real module's."""

    def __getattr__(self, name: str) -> Any:  # noqa: ANN401
        if sys.modules.get(NAME) is self:
            del sys.modules[NAME]
        return getattr(importlib.import_module(NAME), name)


def load() -> ModuleType:
    """``Evtx.Evtx`` (with ``Evtx.Nodes`` and ``Evtx.Views``), imported once."""
    if (mod := sys.modules.get("Evtx.Evtx")) is not None:
        return mod
    with _lock:
        if "xml.sax.saxutils" not in sys.modules and NAME not in sys.modules:
            import urllib

            stand_in = _OnFirstUse(NAME)
            sys.modules[NAME] = stand_in
            try:
                importlib.import_module("xml.sax.saxutils")
            finally:
                if sys.modules.get(NAME) is stand_in:
                    del sys.modules[NAME]
            if getattr(urllib, "request", None) is None:
                # saxutils reads ``urllib.request`` from the package when it opens a URL
                urllib.request = stand_in  # type: ignore[attr-defined]
        return importlib.import_module("Evtx.Evtx")
