"""Coverage-guided long runs with atheris (libFuzzer) over the same targets as CI.

Usage (from the repository top; see fuzz/README.md)::

    python -m fuzz.atheris_fuzz TARGET [libFuzzer options] [CORPUS_DIR ...]
    python -m fuzz.atheris_fuzz --seed-dir TARGET DIR   # write the seeds into DIR first

TARGET is one of fuzz.targets.TARGETS. A crash (an exception out of a target) stops the run
and libFuzzer writes the input as ``crash-<sha1>``; replay it with
``python -m fuzz.atheris_fuzz TARGET crash-<sha1>``.
"""

from __future__ import annotations

import hashlib
import logging
import sys
from pathlib import Path


def write_seeds(target: str, folder: Path) -> int:
    from .pasted_seeds import pasted_seeds
    from .pasted_targets import TARGETS as PASTED
    from .seeds import seeds

    found = pasted_seeds(target) if target in PASTED else seeds(target)
    folder.mkdir(parents=True, exist_ok=True)
    for data in found:
        (folder / hashlib.sha1(data).hexdigest()).write_bytes(data)  # noqa: S324 - a name
    return len(found)


def main(argv: list[str]) -> None:
    if len(argv) >= 3 and argv[0] == "--seed-dir":
        n = write_seeds(argv[1], Path(argv[2]))
        sys.stdout.write(f"{n} seeds written to {argv[2]}\n")
        return
    if not argv or argv[0].startswith("-"):
        sys.stderr.write(__doc__ or "")
        raise SystemExit(2)
    import atheris

    with atheris.instrument_imports(include=["logscope"]):
        from . import pasted_targets, targets
        from logscope import explain, pipeline  # noqa: F401 - instrumented now, not lazily
        from logscope.ingest import parser_modules

        parser_modules()  # the readers are imported on first use: instrument them too
    name = argv[0]
    target = {**targets.TARGETS, **pasted_targets.TARGETS}[name]
    logging.getLogger("Evtx").setLevel(logging.ERROR)  # python-evtx warns on every bad token

    def one(data: bytes) -> None:
        target(data)

    atheris.Setup([sys.argv[0], *argv[1:]], one)
    atheris.Fuzz()


if __name__ == "__main__":
    main(sys.argv[1:])
