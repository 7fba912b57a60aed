"""Seeds for the pasted-text targets: the real captures in the tests, sorted by the reader
that claims them.

Where they come from: ``tests/realworld/*/evidence.txt`` (pasted event text, dialogs, console
output of public cases), ``tests/pasted_readers/data/`` (real PowerShell, DiskShadow and
Veeam agent captures), the long string constants of the pasted and hyperv-state tests (real
captures kept inline there, read with ``ast``: nothing is imported or run) and ``samples/``.
Each is given to ``detect`` and goes to its reader's family; a family with no seed of its
own gets them all.
"""

from __future__ import annotations

import ast
import io
from functools import cache
from pathlib import Path

from .seeds import MAX_SEED, ROOT

#: Reader kinds → fuzz family (``fuzz/pasted_targets.py``).
_FAMILY = {"powershell-error": "powershell-error", "diskshadow": "diskshadow",
           "message-text": "message-text", "veeam-agent": "veeam-agent",
           "hyperv-state": "hyperv-state"}
_INLINE_DIRS = ("tests/pasted", "tests/pasted_readers", "tests/hyperv_state")
_MIN_INLINE = 60


def _inline(path: Path) -> list[bytes]:
    """The long string literals of a test module (its inline captures)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and "\n" in node.value and len(node.value) >= _MIN_INLINE:
            out.append(node.value.encode("utf-8"))
    return out


def _candidates() -> list[bytes]:
    out = [p.read_bytes() for p in sorted(ROOT.glob("tests/realworld/*/evidence.txt"))]
    out += [p.read_bytes() for p in sorted((ROOT / "tests/pasted_readers/data").glob("*.*"))
            if p.suffix in (".txt", ".log")]
    for folder in _INLINE_DIRS:
        for p in sorted((ROOT / folder).glob("test_*.py")):
            out += _inline(p)
    out += [p.read_bytes() for p in sorted((ROOT / "samples/veeam").glob("*.txt"))]
    return [d for d in out if 0 < len(d) <= MAX_SEED]


def _family(data: bytes) -> str | None:
    from logscope.ingest import Source, detect

    found = detect(Source("pasted.txt", opener=lambda: io.BytesIO(data),
                          size=len(data)))
    if found.module is not None and found.module.__name__.endswith(".eventlog_text"):
        return "event-text"
    return _FAMILY.get(found.kind)


@cache
def families() -> dict[str, tuple[bytes, ...]]:
    groups: dict[str, list[bytes]] = {}
    every = _candidates()
    for data in every:
        fam = _family(data)
        if fam:
            groups.setdefault(fam, []).append(data)
    groups["explain"] = every
    return {k: tuple(v) for k, v in groups.items()} | {"*": tuple(every)}


def pasted_seeds(target: str) -> tuple[bytes, ...]:
    fams = families()
    return fams.get(target) or fams["*"] or (b"",)
