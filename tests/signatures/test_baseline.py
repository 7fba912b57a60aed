"""``--baseline``: the library over known real logs; every hit must be declared in baseline_hits.

Runs over a subset of ../shared/corpus (all text captures, plus two evtx folders where signatures
hit or once hit wrongly) so it stays a few seconds.
"""

from __future__ import annotations

from pathlib import Path

from logscope.match.library import Library, load_library
from logscope.match.matcher import Matcher
from logscope.match.validate import run_baseline, validate_paths


def _subset(shared: Path) -> list[Path]:
    c = shared / "corpus"
    return [c / "text", c / "evtx" / "python-evtx" / "tests" / "data",
            # VSS 13 for CEventSystem: once a false positive of vss.provider.swprv-broken
            c / "evtx" / "fsjnaedbhnvgjihbenibensifb-applicationevtx"]


def test_every_baseline_hit_is_declared(shared: Path) -> None:
    issues, _ = validate_paths([], _subset(shared))
    assert [str(i) for i in issues if i.level == "error"] == []


def _copy_without_declarations(sid: str) -> Library:
    lib = load_library()
    sig = lib.signatures[sid]
    sig.baseline_hits = []
    return lib


def test_an_undeclared_hit_is_a_problem_at_the_signature(shared: Path) -> None:
    lib = _copy_without_declarations("veeam.aap.freeze-timeout")
    issues = run_baseline(lib, Matcher(lib), [shared / "corpus" / "text" / "veeam"])
    assert len(issues) == 1
    i = issues[0]
    assert i.path.endswith("aap-freeze-timeout.yml") and i.code == "baseline"
    assert "2 undeclared baseline hit(s) in veeam/session_text_kb1377" in i.message
    # pointed at the baseline_hits key, where the declaration belongs
    assert (i.line, i.column) == lib.signatures["veeam.aap.freeze-timeout"].marks["baseline_hits"]


def test_a_declared_hit_that_stops_happening_is_a_problem(shared: Path) -> None:
    lib = load_library()
    sig = lib.signatures["veeam.aap.freeze-timeout"]
    sig.match = {"kind": ["veeam"], "message|contains": "never in any log"}
    issues = run_baseline(lib, Matcher(lib), [shared / "corpus" / "text" / "veeam"])
    assert [i.message for i in issues if i.path == sig.path] == [
        "veeam.aap.freeze-timeout: declared baseline hit in "
        "text/veeam/session_text_kb1377_vsscontrol_freeze_timeouts.log did not happen "
        "(the signature no longer matches a known real log)"]
    # the declaration is pointed at, not the file's first line
    assert issues[0].line == sig.baseline_hits[0].start[0]


def test_declarations_for_files_outside_the_run_are_ignored(shared: Path) -> None:
    lib = load_library()
    issues = run_baseline(lib, Matcher(lib), [shared / "corpus" / "text" / "vssadmin"])
    assert issues == []
