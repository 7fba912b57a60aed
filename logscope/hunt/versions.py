"""What a hunt's results depend on, as short hashes: each signature, the chains, the parser.

Why hashes and not version strings: the coverage table says which (bundle, signature hash,
parser version) pairs are done, so an edited signature file, an edited chain or a changed
reader makes exactly the affected pairs stale, without anyone bumping a number.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from importlib import metadata
from pathlib import Path

from .. import __version__
from ..match.library import Library

#: The coverage entry that stands for the chain files (hints depend on them, hits do not).
CHAINS = "@chains"
#: Folders of the package whose code does not change what a bundle's analysis gives.
_NOT_ANALYSIS = ("hunt", "cli", "collect", "evtxwriter", "_signatures")
#: Files whose edits change no analysis result either: ``signals.py`` only decides how a run
#: stops, so a fix there must not make every fleet index analyse all its bundles again.
_NOT_ANALYSIS_FILES = ("__main__.py", "data/collect_script.yml", "signals.py")


def _digest(parts: list[bytes]) -> str:
    h = hashlib.sha256()
    for p in parts:
        h.update(hashlib.sha256(p).digest())
    return h.hexdigest()[:16]


def signature_hashes(library: Library) -> dict[str, str]:
    """Signature id → hash of its file's bytes; plus ``@chains`` for all chain files."""
    out = {}
    for sid, sig in library.signatures.items():
        try:
            out[sid] = _digest([Path(sig.path).read_bytes()])
        except OSError:  # the file went away since loading: stale on purpose
            out[sid] = "unreadable"
    chain_files = sorted(p for d in library.chains_dirs for p in Path(d).rglob("*.y*ml"))
    out[CHAINS] = _digest([p.as_posix().encode() + b"\0" + p.read_bytes() for p in chain_files])
    return out


@lru_cache(maxsize=1)
def parser_version() -> str:
    """``<logscope version>+<hash of the analysis code and data tables>+evtx<version>``."""
    pkg = Path(__file__).resolve().parent.parent
    parts = []
    for p in sorted(pkg.rglob("*")):
        rel = p.relative_to(pkg)
        if not p.is_file() or rel.parts[0] in _NOT_ANALYSIS or "__pycache__" in rel.parts:
            continue
        if rel.as_posix() in _NOT_ANALYSIS_FILES or p.suffix in (".pyc", ".pyo"):
            continue
        parts.append(rel.as_posix().encode() + b"\0" + p.read_bytes())
    try:
        engine = metadata.version("evtx")
    except metadata.PackageNotFoundError:
        engine = "none"
    return f"{__version__}+{_digest(parts)[:12]}+evtx{engine}"
