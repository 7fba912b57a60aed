"""One per Dask worker: a small single-threaded process that forks a child per bundle.

Why: starting a fresh interpreter for each bundle costs the imports and the signature
library load (about half a second); forking this process, which has both in memory, costs
milliseconds. It is single-threaded (a Dask worker is not), so forking it is safe. It dies
with its worker (``PR_SET_PDEATHSIG``) and when its stdin closes.

Protocol (one JSON object a line): the task writes ``{"spec", "result", "stderr"}``; the
zygote answers ``{"pid"}`` once the child runs, then ``{"pid", "status"}`` (the raw wait
status) when it has ended. The task checks each reply (``task._checked``): on one that breaks
this, it kills the zygote (and so the child) and starts a new one for its next bundle.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

import orjson

from . import child

#: Loaded signature libraries: (folders) → (library, chains); reloaded when the driver's
#: version differs from the one held (a signature file was edited).
_KNOWLEDGE: dict[tuple[str, ...], Any] = {}


def _knowledge(spec: dict[str, Any]) -> tuple[Any, str | None]:
    from ..pipeline import load_knowledge

    key = tuple(spec["signature_dirs"])
    held = _KNOWLEDGE.get(key)
    if held is not None and held[0].version == spec["signatures_version"]:
        return held, None
    try:
        held = load_knowledge([Path(d) for d in key])
    except Exception as exc:  # noqa: BLE001 - reported as the bundle's error
        return None, f"cannot load the signature library on this worker: {exc}\n"
    _KNOWLEDGE.clear()
    _KNOWLEDGE[key] = held
    return held, None


def warm_up() -> None:
    """Analyse the small warm-up bundle in ``data/hunt_warmup`` (and a .evtx made from its
    XML) once, so each child inherits the parsers' imports, data tables and caches: a cold
    child spends ~0.4 s on them, a warm one ~0.01 s on a small bundle."""
    import shutil
    import tempfile

    from ..evtxwriter import xml_to_evtx
    from ..ingest.source import IngestOptions
    from ..pipeline import analyze
    from .census import Census
    from .result import compact

    src = Path(__file__).resolve().parent.parent / "data" / "hunt_warmup"
    tmp = Path(tempfile.mkdtemp(prefix="logscope-warmup-"))
    try:
        bundle = tmp / "warmup"
        shutil.copytree(src, bundle)
        xml_to_evtx(src / "Application.xml", bundle / "Application.evtx")
        census = Census()
        compact(analyze([bundle], IngestOptions(), census=census), census)
    except Exception:  # noqa: BLE001 - a cold start is slower, not wrong
        pass
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def serve() -> None:
    child.die_with_parent()
    warm_up()

    out = sys.stdout.buffer
    me = os.getpid()
    for line in sys.stdin.buffer:
        req = orjson.loads(line)
        spec = req["spec"]
        knowledge, err = _knowledge(spec)
        if err:
            spec["library_error"] = err
        pid = os.fork()
        if pid == 0:  # the child: never returns into this loop
            code = child.EXIT_ERROR
            try:
                child.die_with_parent(me)  # first: a zygote killed already takes it along
                code = child.run(spec, knowledge, req["result"], req["stderr"])
            finally:
                os._exit(code)
        out.write(orjson.dumps({"pid": pid}) + b"\n")
        out.flush()
        _, status = os.waitpid(pid, 0)
        out.write(orjson.dumps({"pid": pid, "status": status}) + b"\n")
        out.flush()


if __name__ == "__main__":
    serve()
