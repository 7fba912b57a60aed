"""Patterns compiled on first use (logscope/lazy.py ``regex``) answer as ``re.compile`` does,
and only compile when used: detecting a text file leaves the grammars of the readers that do
not claim it uncompiled."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

from logscope.lazy import LazyPattern, regex

ROOT = Path(__file__).resolve().parent.parent


def test_a_lazy_pattern_answers_as_the_compiled_one() -> None:
    text = "Writer Failure code: 0x800423F4 at 0X800423f3; writer failure CODE: 7"
    source = r"failure code: (?P<code>0x[0-9a-f]{8}|\d+)"
    lazy, real = regex(source, re.IGNORECASE), re.compile(source, re.IGNORECASE)
    assert "compiled" not in vars(lazy) and lazy.pattern == source  # known without compiling
    assert lazy.search(text).group("code") == real.search(text).group("code") == "0x800423F4"
    assert lazy.findall(text) == real.findall(text) == ["0x800423F4", "7"]
    assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
    assert lazy.sub("#", text) == real.sub("#", text) and lazy.split(text) == real.split(text)
    assert (lazy.flags, lazy.groups, lazy.groupindex) == (real.flags, real.groups, real.groupindex)
    assert lazy.match(text) is None and lazy.fullmatch("failure code: 12") is not None
    assert lazy.compiled is re.compile(source, re.IGNORECASE)  # re's own cache: one compile
    assert vars(lazy)["search"] == real.search  # later calls go straight to the pattern


def test_a_bad_pattern_fails_when_used_and_unknown_names_are_errors() -> None:
    bad = regex(r"(unclosed")
    try:
        bad.search("x")
    except re.error:
        pass
    else:
        raise AssertionError("a malformed pattern compiled")
    try:
        regex("x").no_such_method  # noqa: B018
    except AttributeError:
        pass
    else:
        raise AssertionError("an unknown attribute was answered")


def test_detecting_a_text_file_compiles_only_what_detection_reads(tmp_path: Path) -> None:
    """README.md is text no reader claims: every reader's ``detect`` runs on it, and the
    parsing grammars of the readers (most of their patterns) stay uncompiled."""
    code = ("import sys, gc\nfrom logscope.ingest import read_source\n"
            "from logscope.ingest.source import IngestOptions, Source\n"
            "from logscope.lazy import LazyPattern\nfrom pathlib import Path\n"
            "p = Path(sys.argv[1])\n"
            "src = Source(p.name, opener=lambda: p.open('rb'), size=p.stat().st_size, fs_path=p)\n"
            "ledger, events = read_source(src, IngestOptions())\nlist(events)\n"
            "lazy = [o for o in gc.get_objects() if isinstance(o, LazyPattern)]\n"
            "print(ledger.kind, len(lazy), sum('compiled' in vars(o) for o in lazy))")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "README.md")], capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout.split()
    kind, made, compiled = out[0], int(out[1]), int(out[2])
    assert kind == "unknown"
    assert made > 100 and compiled < made / 2
    assert isinstance(regex("x"), LazyPattern)
