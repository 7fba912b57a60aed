"""The real-world cases are well formed: every ``case.yml`` has its fields, names a public
source, a known form and causes the library knows (a typo in a cause id would make a case
unwinnable and the score meaningless)."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.pipeline import load_knowledge
from tests.realworld.harness import case_dirs, load_case, problems

CASES = case_dirs()


def test_there_are_cases() -> None:
    assert CASES, "tests/realworld/ holds no case folder"


@pytest.mark.parametrize("folder", CASES, ids=[p.name for p in CASES])
def test_case_is_well_formed(folder: Path) -> None:
    assert problems(folder) == []


def test_every_cause_is_a_known_hint_id() -> None:
    library, chains = load_knowledge(None)
    known = set(library.signatures) | set(chains)
    unknown = {c.id: [x for x in c.cause if x not in known]
               for c in map(load_case, CASES)}
    assert {k: v for k, v in unknown.items() if v} == {}


def test_case_ids_are_unique_by_source_and_evidence() -> None:
    seen: dict[tuple[str, bytes], str] = {}
    for case in map(load_case, CASES):
        key = (case.source, b"".join(p.read_bytes() for p in case.evidence))
        assert key not in seen, f"{case.id} repeats {seen[key]}"
        seen[key] = case.id


def _write(folder: Path, text: str, evidence: bool = True) -> Path:
    folder.mkdir()
    (folder / "case.yml").write_text(text, "utf-8")
    if evidence:
        (folder / "evidence.txt").write_text("x", "utf-8")
    return folder


GOOD = """\
id: {id}
source: https://learn.microsoft.com/x
title: "t"
licence: "short error message quoted as a fact"
form: event-text
cause: [hyperv.checkpoint.disk-full]
established: "the article states it"
"""


def test_the_loader_check_accepts_a_sound_case(tmp_path: Path) -> None:
    assert problems(_write(tmp_path / "hv-ok", GOOD.format(id="hv-ok"))) == []


def test_the_loader_check_names_each_mistake(tmp_path: Path) -> None:
    bad = (GOOD.format(id="other").replace("https://learn", "http://learn")
           .replace("form: event-text", "form: syslog").replace("cause: [", "causes: [")
           + "colour: red\n")
    got = problems(_write(tmp_path / "hv-bad", bad, evidence=False))
    text = "\n".join(got)
    for fragment in ("id 'other' is not the folder name 'hv-bad'", "source must be one https",
                     "form 'syslog' is not a kind", "missing 'cause'", "unknown key 'causes'",
                     "unknown key 'colour'", "no evidence file"):
        assert fragment in text, (fragment, got)
    with pytest.raises(ValueError, match="not the folder name"):
        load_case(tmp_path / "hv-bad")
