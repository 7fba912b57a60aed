"""The pasted-message gate (ingest/quiet_text.py, match/message_gate.py) never changes a result.

Why: the ``message-text`` reader skips a paragraph's steps (codes, VM, templates and
language, the matcher) where one RE2 set says the step would find nothing. That is safe only
if each step's patterns match wherever the step finds something. Checked two ways: per step
on real texts (the realworld cases, the samples, the corpus text files and manifest) and on
generated strings built from what each step looks for (codes, GUIDs, quotes, template text in
every language held, other languages' words, the signatures' own phrases); and the whole
report of every text file with the gate on and off.
"""

from __future__ import annotations

import json
import random
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from logscope import localised, messages
from logscope.events import Event, Locator
from logscope.ingest import message_text, quiet_text
from logscope.ingest.codes import find_codes
from logscope.ingest.language import _data as language_data
from logscope.ingest.language import language_of
from logscope.ingest.source import MESSAGE_GATE_KEY, IngestOptions
from logscope.ingest.vm_refs import find_vm
from logscope.match.library import load_library
from logscope.match.matcher import Matcher
from logscope.match.message_gate import NEVER, BareSkip, bare_patterns, message_gate, need
from logscope.pipeline import analyze
from logscope.report.build import build_report

from .helpers import read_text
from .test_codes_pretest import _PIECES, _project_texts, _shared_texts

ROOT = Path(__file__).resolve().parents[2]
KIND = message_text.KIND


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return Matcher(load_library(None))


@pytest.fixture(scope="module")
def gate(matcher: Matcher) -> quiet_text.Gate:
    found = quiet_text.gate_for(IngestOptions(extra={MESSAGE_GATE_KEY: message_gate(matcher)}),
                                KIND)
    assert found is not None
    return found


def _phrases(matcher: Matcher) -> list[str]:
    """What the steps look for, written as a paste would: template text in every language
    held (fixed parts with their original case and spacing), other languages' words, the
    literals of the signatures' message conditions."""
    out = [e.text for e in messages.entries()]
    for tpl in localised.library().templates:
        out.extend(lit for lit in tpl.literals if lit)
    _, langs_of, _ = language_data()
    out.extend(langs_of)
    for comp in matcher._bucket_for(KIND, None, None).fold_comps:  # noqa: SLF001
        out.extend(str(v).replace("\\", "") for v in comp.prefilter[1])  # type: ignore[index]
    return out


def _generated(matcher: Matcher, n: int = 3000) -> list[str]:
    """Phrases whole, cut, re-cased, re-spaced (a quote as a backtick), mixed with code pieces."""
    rnd = random.Random(21)
    phrases = _phrases(matcher)
    pieces = [p for p in _PIECES if p.isascii()] + ["'SQL01' could", '"VM 2" was',
                                                    "(Virtual machine ID 1D6A3C2E-4B1F-4C8E-9A0B-2C3D4E5F6A7B)"]
    out = []
    for _ in range(n):
        parts = []
        for _ in range(rnd.randint(1, 4)):
            p = rnd.choice(phrases) if rnd.random() < 0.6 else rnd.choice(pieces)
            if rnd.random() < 0.3 and len(p) > 8:  # cut
                a = rnd.randrange(len(p) // 2)
                p = p[a:a + rnd.randint(4, len(p))]
            if rnd.random() < 0.3:
                p = p.upper() if rnd.random() < 0.5 else p.title()
            if rnd.random() < 0.2:
                p = p.replace("'", "`").replace(" ", "")
            parts.append(p)
        out.append(" ".join(" ".join(parts).split()))
    return out


def _bare(text: str) -> Event:
    return Event(kind=KIND, file="notes.txt", locator=Locator(line=1), timestamp_desc="Message",
                 message=text)


def _check(texts: list[str], gate: quiet_text.Gate, matcher: Matcher) -> dict[int, int]:
    """Each step the gate leaves out finds nothing; how many texts left out each step."""
    skipped = {quiet_text.CODES: 0, quiet_text.VM: 0, quiet_text.TEMPLATES: 0,
               quiet_text.MATCH: 0, quiet_text.FOREIGN: 0}
    for raw in texts:
        text = " ".join(raw.split())  # as the reader builds a message
        if not text:
            continue
        needs = gate(text)
        for step in skipped:
            skipped[step] += not needs & step
        if not needs & quiet_text.CODES:
            assert not find_codes(text), text
        if not needs & quiet_text.VM:
            assert find_vm(text) == (None, None), text
        if not needs & quiet_text.TEMPLATES:
            assert localised.identify(text) is None, text
            if not needs & quiet_text.FOREIGN:
                assert language_of(text) in ("en", None), text
        if not needs & quiet_text.MATCH:
            assert matcher.match(_bare(text)) == [], text
    return skipped


def test_generated_strings_need_every_step_they_use(gate: quiet_text.Gate,
                                                    matcher: Matcher) -> None:
    texts = _generated(matcher)
    # the strings do hold what the steps find ...
    assert sum(bool(find_codes(t)) for t in texts) > 300
    assert sum(localised.identify(t) is not None for t in texts) > 100
    assert sum(language_of(t) not in ("en", None) for t in texts) > 100
    assert sum(bool(matcher.match(_bare(t))) for t in texts) > 100
    # ... and the gate still leaves each step out of some of them
    skipped = _check(texts, gate, matcher)
    assert all(n > 50 for n in skipped.values()), skipped


def test_project_texts_need_every_step_they_use(gate: quiet_text.Gate, matcher: Matcher) -> None:
    texts = _project_texts()
    assert len(texts) > 500
    _check(texts, gate, matcher)


def test_corpus_texts_need_every_step_they_use(shared: Path, gate: quiet_text.Gate,
                                              matcher: Matcher) -> None:
    texts = _shared_texts(shared)
    skipped = _check(texts, gate, matcher)
    # the manifest's rows (paths, hashes, provider counts) need no step at all
    assert skipped[quiet_text.MATCH] > len(texts) // 2


def test_the_matchers_skip_only_skips_events_with_no_hit(matcher: Matcher,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(BareSkip, "MIN_EVENTS", 0)
    skip = BareSkip(matcher)
    texts = [" ".join(t.split()) for t in _generated(matcher) + _project_texts()]
    events = [_bare(t) for t in texts if t]
    # other kinds' bare events too (a PowerShell error with no cmdlet, an event-text line),
    # and messages with their white space as pasted
    events += [Event(kind=k, file="x", locator=Locator(), message=t)
               for k in ("powershell-error", "event-text") for t in texts[:1500] if t]
    events += [_bare(t) for t in _project_texts()[:1500] if t.strip()]
    skipped = 0
    for ev in events:
        if skip(ev):
            skipped += 1
            assert matcher.match(ev) == [], (ev.kind, ev.message)
    assert skipped > len(events) // 3
    # an event with anything more than its message is never skipped
    ev = _bare("nothing to see")
    assert skip(ev)
    ev.host = "HV01"
    assert not skip(ev)


def test_other_scripts_take_every_step(gate: quiet_text.Gate) -> None:
    assert gate("Die Sicherung ist fehlgeschlagen für SQL01") == quiet_text.ALL
    assert gate("バックアップに失敗しました") == quiet_text.ALL
    assert gate("Meeting notes for Monday") == 0


# --- the signatures' condition on a bare event (match/message_gate) -------------------------

def _probe() -> Event:
    return Event(kind=KIND, file="", locator=Locator())


def test_conditions_on_other_fields_are_decided_once() -> None:
    probe = _probe()
    assert need({"provider": "Microsoft-Windows-Hyper-V-VMMS", "event_id": 10111}, probe) == NEVER
    assert need({"data.vss_error|exists": True}, probe) == NEVER
    assert need({"hresult|hresult": "0x80070005"}, probe) == NEVER
    # true on every bare event: no condition on the text from it
    assert need({"vm_name|exists": False}, probe) is None
    assert need({"not": {"provider": "VSS"}}, probe) is None
    assert need({"not": {"vm_name|exists": False}}, probe) == NEVER


def test_message_conditions_give_their_text() -> None:
    probe = _probe()
    assert need({"message|contains": ["Checkpoint", "merge"]}, probe) == [
        "(?i:checkpoint)", "(?i:merge)"]
    # a regex: the literal it needs (cheaper in a set), else the pattern itself
    assert need({"kind": ["message-text"], "message|regex": "(?i)no SCSI controllers?"},
                probe) == ["(?i:no\\ SCSI\\ controller)"]
    assert need({"message|regex": "a.b"}, probe) == ["a.b"]
    forms = need({"message|hresult": "0x80070005"}, probe)
    assert forms and any("80070005" in f for f in forms)
    # one alternative the text cannot say: no answer for the whole ``any``
    assert need({"any": [{"message|contains": "x"}, {"file|contains": "y"}]}, probe) is None
    # an impossible alternative adds nothing
    assert need({"any": [{"provider": "VSS"}, {"message|contains": "x"}]}, probe) == ["(?i:x)"]
    assert need({"all": [{"provider": "VSS"}, {"message|contains": "x"}]}, probe) == NEVER


def test_a_signature_the_text_cannot_decide_turns_the_gate_off(tmp_path: Path) -> None:
    (tmp_path / "by-file.yml").write_text(
        "id: test.by-file\ntitle: t\nseverity: high\nstatus: test\n"
        "match: {kind: message-text, file|contains: notes}\nhint: {cause: c, remedy: [r]}\n",
        "utf-8")
    lib = load_library([tmp_path])
    assert "test.by-file" in lib.signatures
    assert bare_patterns(Matcher(lib), KIND) is None


# --- the whole report, gate on and off --------------------------------------------------------

@pytest.fixture()
def eager(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(quiet_text, "MIN_LINES", 0)  # gate every text, however short
    monkeypatch.setattr(BareSkip, "MIN_EVENTS", 0)  # and the matcher's every bare event


def _report(paths: list[Path], gate_on: bool) -> dict[str, Any]:
    extra = {} if gate_on else {MESSAGE_GATE_KEY: False}
    rep = build_report(analyze(paths, IngestOptions(extra=extra)))
    rep.pop("meta", None)
    return json.loads(json.dumps(rep, default=str))


def _same(paths: list[Path]) -> None:
    assert _report(paths, True) == _report(paths, False), paths


def _realworld_cases() -> list[list[Path]]:
    from tests.realworld.harness import case_dirs, load_case

    return [load_case(folder).evidence for folder in case_dirs()]


def test_realworld_reports_are_the_same(eager: None) -> None:
    cases = _realworld_cases()
    assert len(cases) > 50
    for evidence in cases:
        _same(evidence)
    # and every file at once (one bundle)
    _same([p for evidence in cases for p in evidence])


def test_corpus_text_reports_are_the_same(shared: Path, eager: None) -> None:
    files = sorted(p for p in (shared / "corpus" / "text").rglob("*") if p.is_file())
    files += [p for p in (shared / "corpus" / "evtx" / n for n in ("MANIFEST.tsv", "README.md"))
              if p.is_file()]
    assert len(files) > 40
    for path in files:
        _same([path])


@pytest.mark.parametrize("rows", [quiet_text.MIN_LINES + 50, 20])
def test_analyze_skips_the_steps_of_a_long_text(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                rows: int) -> None:
    calls: list[str] = []
    real = message_text.understand
    monkeypatch.setattr(message_text, "understand",
                        lambda ev, *a, **k: calls.append(ev.message) or real(ev, *a, **k))
    notes = tmp_path / "notes.txt"
    notes.write_text("".join(f"row {i}\tsample.evtx\t4624 records\n" for i in range(rows))
                     + "\nDie Sicherung ist fehlgeschlagen: 0x800423F4.\n", "utf-8")
    on = _report([notes], True)
    if rows >= quiet_text.MIN_LINES:
        assert calls == ["Die Sicherung ist fehlgeschlagen: 0x800423F4."]
    else:  # a short text is read in full (building the gate would cost more)
        assert len(calls) == rows + 1
    assert on["files"][0]["messages_not_understood"]["count"] == 1
    calls.clear()
    assert _report([notes], False) == on
    assert len(calls) == rows + 1


def test_a_quiet_paragraph_after_a_command_is_still_matched(tmp_path: Path,
                                                            eager: None) -> None:
    # a signature on the cmdlet alone needs no text; the paragraph after a command line gets
    # the cmdlet (no longer bare), so the matcher still sees it
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    (sigs / "by-cmdlet.yml").write_text(
        "id: test.by-cmdlet\ntitle: t\nseverity: high\nstatus: test\n"
        "match: {kind: message-text, data.cmdlet: Checkpoint-VM}\nhint: {cause: c, remedy: [r]}\n",
        "utf-8")
    notes = tmp_path / "notes.txt"
    notes.write_text("PS C:\\> Get-VM | Checkpoint-VM\n\nThe request is not supported\n", "utf-8")
    reports = []
    for extra in ({}, {MESSAGE_GATE_KEY: False}):
        rep = build_report(analyze([notes], IngestOptions(extra=extra), signature_dirs=[sigs]))
        rep.pop("meta", None)
        reports.append(json.loads(json.dumps(rep, default=str)))
    assert reports[0] == reports[1]
    assert [h["signature"] for h in reports[0]["hits"]] == ["test.by-cmdlet"]


# --- the ASCII fold (localised.fold): str methods and a per-word index map -------------------

@settings(max_examples=500, deadline=None)
@given(st.text(alphabet="aB z\t\n\x0b\x0c\r\x1c\x1f`'\"9.-:(", max_size=60))
def test_ascii_fold_is_the_fold_by_character(text: str) -> None:
    folded, where = localised.fold(text)
    want, want_where = localised.fold_by_character(text)
    assert folded == want
    assert len(where) == len(want_where) and list(where) == want_where
    if want_where:
        assert where[-1] == want_where[-1]
