"""The bundled signature library is the product's knowledge: it must validate clean.

This is the CI gate: schema, unique ids, RE2 regexes, chain references and every signature's
own examples (run through the real parsers) all pass, or the build fails.
"""

from __future__ import annotations

import pytest

from logscope.correlate.chains import load_chains
from logscope.match.library import builtin_dir, load_library
from logscope.match.matcher import Matcher
from logscope.match.validate import example_events, validate_paths

LIB = load_library()
MATCHER = Matcher(LIB)


def test_builtin_library_validates_clean() -> None:
    issues, summary = validate_paths([], [])
    assert [str(i) for i in issues if i.level == "error"] == []
    assert summary["signatures"] == len(LIB.signatures) > 0
    # while the library's public_examples level is "warning", the only warnings are those
    assert {i.code for i in issues if i.level == "warning"} <= {"public-example"}
    assert summary["warnings"] == summary["signatures"] - summary["public_examples"]


def test_library_has_a_version() -> None:
    assert LIB.versions and LIB.version.startswith(LIB.versions[0] + "+")


def test_chains_reference_known_signatures() -> None:
    issues: list = []
    chains = load_chains(LIB.chains_dirs, issues, set(LIB.signatures))
    assert [str(i) for i in issues] == []
    assert chains


def _examples(expect: str) -> list[tuple[str, int, object]]:
    return [(s.id, i, ex) for s in LIB.signatures.values()
            for i, ex in enumerate(s.examples.get(expect, []))]


@pytest.mark.parametrize(("sid", "i", "example"), _examples("match"),
                         ids=lambda v: v if isinstance(v, (str, int)) else "")
def test_match_examples_hit(sid: str, i: int, example: object) -> None:
    events = example_events(example)
    hit_ids = {h.signature.id for ev in events for h in MATCHER.match(ev)}
    assert sid in hit_ids


@pytest.mark.parametrize(("sid", "i", "example"), _examples("no_match"),
                         ids=lambda v: v if isinstance(v, (str, int)) else "")
def test_no_match_examples_miss(sid: str, i: int, example: object) -> None:
    events = example_events(example)
    hit_ids = {h.signature.id for ev in events for h in MATCHER.match(ev)}
    assert sid not in hit_ids


def test_every_signature_has_examples_both_ways() -> None:
    missing = [s.id for s in LIB.signatures.values()
               if not s.examples.get("match") or not s.examples.get("no_match")]
    assert missing == []


def test_builtin_dir_is_the_checkout() -> None:
    assert (builtin_dir() / "library.yml").is_file()
