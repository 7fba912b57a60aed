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
#: Folders of the package whose code does not change what a bundle's analysis gives
#: (``export``: signatures written as Sigma rules, a command of its own).
_NOT_ANALYSIS = ("hunt", "cli", "collect", "evtxwriter", "export", "_signatures")
#: Files whose edits change no analysis result either, so a fix there must not make every
#: fleet index analyse all its bundles again. None is imported or read by a hunt task's
#: analysis (``tests/hunt/test_parser_version.py`` runs one and checks):
#: - ``signals.py`` only decides how a run stops;
#: - the report's renderers and output: a task stores ``build_report``'s dict (``result.py``),
#:   never a rendered report (text, markdown, html and its svg chart, json/jsonl/csv bytes,
#:   --redact, display time zones, progress lines, the schema the tests check reports by);
#: - other commands: ``explain``, ``vssdiff`` (vssadmin diff), ``api`` (notebooks),
#:   ``outfile``/``export_pool`` (writing reports and event exports), and the data only
#:   ``collect`` (its script), ``export`` and the hunt's warm-up read (``collect.yml`` stays:
#:   the hints' collection commands come from it).
_NOT_ANALYSIS_FILES = (
    "__main__.py", "signals.py",
    "report/text.py", "report/markdown.py", "report/html.py", "report/svg.py",
    "report/machine.py", "report/redact.py", "report/timefmt.py", "report/progress.py",
    "report/report.schema.json",
    "explain.py", "vssdiff.py", "api.py", "outfile.py", "export_pool.py",
    "data/collect_script.yml", "data/sigma.yml",
)
#: Folders of data files only an excluded part reads (the hunt's own warm-up bundle).
_NOT_ANALYSIS_DATA = ("data/hunt_warmup/",)
#: What building a ``_NAME.pyx`` leaves beside it (C source, the extension, an annotation
#: page): the .pyx is hashed where it is shipped, and its pure twin ``NAME.py`` always, to
#: whose results the differential tests hold the compiled form (``accel``); the built bytes
#: differ by compiler, Cython version and checkout path (the extension embeds it), so a
#: rebuild or a second checkout made every fleet index stale.
_BUILT_FROM_PYX = (".c", ".so", ".pyd", ".html")


def _built_from_pyx(p: Path) -> bool:
    stem = p.name.split(".", 1)[0]
    return (p.suffix in _BUILT_FROM_PYX and stem.startswith("_")
            and (p.with_name(stem + ".pyx").is_file() or p.with_name(stem[1:] + ".py").is_file()))


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
        name = rel.as_posix()
        if (name in _NOT_ANALYSIS_FILES or name.startswith(_NOT_ANALYSIS_DATA)
                or p.suffix in (".pyc", ".pyo") or _built_from_pyx(p)):
            continue
        parts.append(name.encode() + b"\0" + p.read_bytes())
    try:
        engine = metadata.version("evtx")
    except metadata.PackageNotFoundError:
        engine = "none"
    return f"{__version__}+{_digest(parts)[:12]}+evtx{engine}"
