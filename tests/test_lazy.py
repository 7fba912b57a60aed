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


def test_the_module_holds_the_compiled_pattern_after_first_use() -> None:
    """A module's name is rebound to the compiled pattern (no stand-in in its hot loops);
    a copy kept elsewhere (a tuple built at import) still answers through the stand-in."""
    module: dict[str, object] = {}
    exec("from logscope.lazy import regex\nP = regex(r'(\\d+)x')\nKEPT = (P,)\n"  # noqa: S102
         "def first(text):\n    return P.search(text).group(1)\n", module)
    assert isinstance(module["P"], LazyPattern)
    assert module["first"]("a 12x b") == "12"  # type: ignore[operator]
    assert module["P"] is re.compile(r"(\d+)x")
    kept = module["KEPT"][0]  # type: ignore[index]
    assert isinstance(kept, LazyPattern) and kept.compiled is module["P"]
    assert kept.findall("1x 22x") == ["1", "22"]


def test_detecting_a_text_file_compiles_only_what_detection_reads(tmp_path: Path) -> None:
    """README.md is text no reader claims: every reader's ``detect`` runs on it (the full
    detection: the first look would load no reader at all), and the parsing grammars of the
    readers (most of their patterns) stay uncompiled."""
    code = ("import sys, re\nfrom logscope.ingest import read_source, first_look\n"
            "first_look.ENABLED = False\n"
            "from logscope.ingest.source import IngestOptions, Source\n"
            "from logscope.lazy import LazyPattern\nfrom pathlib import Path\n"
            "p = Path(sys.argv[1])\n"
            "src = Source(p.name, opener=lambda: p.open('rb'), size=p.stat().st_size, fs_path=p)\n"
            "ledger, events = read_source(src, IngestOptions())\nlist(events)\n"
            "mods = [m for n, m in list(sys.modules.items()) if n.startswith('logscope.ingest.')]\n"
            "left = [v for m in mods for v in vars(m).values() if isinstance(v, LazyPattern)]\n"
            "print(ledger.kind, len(left), sum('compiled' in vars(v) for v in left))")
    out = subprocess.run([sys.executable, "-c", code, str(ROOT / "README.md")], capture_output=True,
                         text=True, check=True, cwd=tmp_path).stdout.split()
    kind, uncompiled, stale = out[0], int(out[1]), int(out[2])
    assert kind == "unknown"
    assert uncompiled > 80  # of ~130 reader patterns: the parsing grammars, never compiled
    assert stale == 0  # a compiled one is the module's re.Pattern now, not a stand-in


def test_no_lazy_pattern_is_imported_by_name_into_another_module(tmp_path: Path) -> None:
    """``from m import P`` would keep the stand-in in the importing module (its calls ~20 ns
    slower): a pattern other modules import is compiled at import instead. In a fresh
    interpreter: one that compiled some patterns already would hide their holders."""
    code = ("import importlib, pkgutil\nimport logscope.ingest\n"
            "from logscope.lazy import LazyPattern\nholders = {}\n"
            "for info in pkgutil.walk_packages(logscope.ingest.__path__, 'logscope.ingest.'):\n"
            "    module = importlib.import_module(info.name)\n"
            "    for name, value in vars(module).items():\n"
            "        if isinstance(value, LazyPattern):\n"
            "            holders.setdefault(id(value), []).append(info.name + '.' + name)\n"
            "print(len(holders), [n for n in holders.values() if len(n) > 1])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=tmp_path).stdout.split(" ", 1)
    assert int(out[0]) > 100
    assert out[1].strip() == "[]"
