"""The parts of a top-level ``any`` select the same hits as testing the signature on every event.

Why: signatures that read both logs and pasted text (``{provider, event_id}`` or a message
regex; an HRESULT field, ``message|hresult`` or a name) were tested on every pasted line;
now one part per alternative selects them (``match/any_prefilter.py``). Compared here with
every prefilter off, on the project's samples and realworld cases, the corpus text, the
corpus manifest read as pasted lines, and events built to hold each part alone.
"""

from __future__ import annotations

from pathlib import Path

from logscope.events import Event, Locator
from logscope.ingest.source import IngestOptions
from logscope.match.library import load_library
from logscope.match.matcher import Matcher
from logscope.pipeline import iter_events

from test_matcher import _hits, _plain  # noqa: E402 - the reference helpers (rootdir import)


LIB = load_library()
ROOT = Path(__file__).resolve().parents[2]
ANY_KIND = "message-text"


def _any_comps(m: Matcher) -> list:
    return [c for comps in m.index().values() for c in comps
            if c.prefilter and c.prefilter[0] == "any"]


def _message_events(texts: list[str], kind: str = ANY_KIND) -> list[Event]:
    return [Event(kind=kind, file="t", locator=Locator(line=i + 1), message=t)
            for i, t in enumerate(texts) if t.strip()]


def _compare(events: list[Event]) -> tuple[int, int]:
    """Hits equal with and without prefilters; (candidates with, without)."""
    fast, plain = Matcher(LIB), _plain(LIB)
    assert _hits(fast, events) == _hits(plain, events)
    return (sum(len(fast.candidates(e)) for e in events),
            sum(len(plain.candidates(e)) for e in events))


def test_signatures_of_logs_and_pastes_get_any_parts() -> None:
    comps = _any_comps(Matcher(LIB))
    assert len(comps) >= 10
    kinds = {how for c in comps for how, _ in c.prefilter[1]}
    assert {"raw", "hr", "msghr", "pred"} <= kinds


def test_project_bundles_and_realworld_cases_match_the_same() -> None:
    events = list(iter_events([ROOT / "samples", ROOT / "tests" / "realworld"], IngestOptions(), []))
    assert len(events) > 500
    fast, plain = _compare(events)
    assert fast < plain


def test_corpus_text_and_manifest_lines_match_the_same(shared: Path) -> None:
    events = list(iter_events([shared / "corpus" / "text"], IngestOptions(), []))
    manifest = shared / "corpus" / "evtx" / "MANIFEST.tsv"
    if manifest.is_file():
        events += _message_events(manifest.read_text("utf-8").splitlines())
    assert len(events) > 500
    fast, plain = _compare(events)
    assert fast < plain // 2


def test_each_part_alone_selects_its_signature() -> None:
    texts = ["0x80042317", "-2147212521", "VSS_E_MAXIMUM_NUMBER_OF_SNAPSHOTS_REACHED",
             "Failed: (0x80042317) the maximum number of shadow copies was reached",
             "The last operation failed", "Checkpoint failed for SQL01 (0x800423F4).",
             "Failed to mount the virtual hard drive", "Background disk merge failed to complete",
             "0x8077000E", "plain words and 12345678 and 8e3fa1b2", ""]
    events = _message_events(texts) + _message_events(texts, "event-text")
    with_codes = []
    for code in ("0x80042317", "0x800423F4", "0x8077000E", "0x80070005"):
        with_codes.append(Event(kind=ANY_KIND, file="t", locator=Locator(line=1),
                                message="no code written", hresult=code))
        ev = Event(kind=ANY_KIND, file="t", locator=Locator(line=1), message="no code written")
        ev.data["hresults"] = ["0x80070005", code]
        with_codes.append(ev)
    vss = Event(kind="diskshadow", file="t", locator=Locator(line=1), message="x")
    vss.data["vss_error"] = "VSS_E_OBJECT_NOT_FOUND"
    vmms = Event(kind="event-text", file="t", locator=Locator(line=1), message="x",
                 provider="Microsoft-Windows-Hyper-V-VMMS", event_id=10111)
    events += [*with_codes, vss, vmms]
    fast, plain = Matcher(LIB), _plain(LIB)
    hits = _hits(fast, events)
    assert hits == _hits(plain, events)
    assert len({sid for sid, _ in hits}) >= 6


def _without_any_parts(lib) -> Matcher:  # noqa: ANN001
    """The matcher as it was before ``any`` parts: those signatures have no prefilter."""
    m = Matcher(lib)
    for c in _any_comps(m):
        c.prefilter = None
    return m


def test_the_text_fold_and_repeat_rules_are_unchanged() -> None:
    from logscope.match.text_gate import consumer_patterns, veeam_repeats

    fast, before = Matcher(LIB), _without_any_parts(LIB)
    kinds = sorted({k for k, _p, _e in fast.index()})
    assert len(kinds) > 8
    folded = 0
    for kind in kinds:
        now = consumer_patterns(fast, kind)
        assert now == consumer_patterns(before, kind), kind
        folded += now is not None
        assert (veeam_repeats(fast)(kind) is None) == (veeam_repeats(before)(kind) is None), kind
    assert folded >= 3
