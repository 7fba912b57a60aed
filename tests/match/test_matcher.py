"""Matcher: index + prefilters must never change what matches, only how much is tested."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.events import Event, Locator
from logscope.match.library import Library, load_library, signature_from_dict
from logscope.match.matcher import Matcher
from logscope.match.validate import example_events

LIB = load_library()


def _plain(lib: Library) -> Matcher:
    """The same library with every prefilter off: the reference behaviour."""
    m = Matcher(lib)
    for comps in m._by_key.values():  # noqa: SLF001 - test of the internals' equivalence
        for c in comps:
            c.prefilter = None
    return m


def _hits(m: Matcher, events: list[Event]) -> list[tuple[str, int]]:
    return [(h.signature.id, i) for i, ev in enumerate(events) for h in m.match(ev)]


def _all_examples() -> list[Event]:
    return [ev for s in LIB.signatures.values() for exs in s.examples.values()
            for ex in exs for ev in example_events(ex)]


def test_prefilters_change_nothing_on_every_example() -> None:
    events = _all_examples()
    fast, plain = Matcher(LIB), _plain(LIB)
    assert _hits(fast, events) == _hits(plain, events)
    assert sum(len(fast.candidates(e)) for e in events) < sum(len(plain.candidates(e))
                                                               for e in events)


def test_prefilters_change_nothing_on_real_logs(shared: Path) -> None:
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import iter_events

    events = list(iter_events([shared / "corpus" / "text"], IngestOptions(), []))
    assert len(events) > 100
    fast, plain = Matcher(LIB), _plain(LIB)
    assert _hits(fast, events) == _hits(plain, events)
    # most real lines are wanted by no signature: the prefilter leaves them no candidate
    assert sum(1 for e in events if not fast.candidates(e)) > len(events) // 2


def test_a_line_no_signature_wants_has_no_candidate() -> None:
    ev = Event(kind="veeam", file="x", locator=Locator(line=1), message="Job started at 10:00")
    assert Matcher(LIB).candidates(ev) == []


def test_an_event_of_an_unindexed_key_has_no_candidate() -> None:
    ev = Event(kind="evtx", file="x", locator=Locator(record=1), provider="Foo", event_id=1)
    assert Matcher(LIB).candidates(ev) == []


def _lib_of(*sigs: dict) -> Library:
    lib = Library()
    for d in sigs:
        base = {"title": "t", "severity": "low", "status": "test",
                "hint": {"cause": "c", "remedy": ["r"]}}
        sig = signature_from_dict({**base, **d}, "<test>", lib.issues)
        assert sig is not None, lib.issues
        lib.signatures[sig.id] = sig
    return lib


def test_contains_prefilter_folds_case_like_the_condition() -> None:
    lib = _lib_of({"id": "t.fold", "match": {"kind": "veeam", "message|contains": "strasse"}})
    ev = Event(kind="veeam", file="x", locator=Locator(line=1), message="Hauptstraße 1")
    assert [h.signature.id for h in Matcher(lib).match(ev)] == ["t.fold"]
    assert _hits(Matcher(lib), [ev]) == _hits(_plain(lib), [ev])


def test_hresult_prefilter_accepts_any_written_form_in_the_event() -> None:
    lib = _lib_of({"id": "t.hr", "match": {"kind": "evtx", "any": [
        {"hresult|hresult": "0x800423F4"}, {"data.hresults|hresult": "-2147212300"}]}})
    m = Matcher(lib)
    mk = lambda **kw: Event(kind="evtx", file="x", locator=Locator(record=1), **kw)  # noqa: E731
    assert m.match(mk(data={"hresults": ["0x800423f4"]}))
    assert m.match(mk(hresult="0x800423F4"))
    assert not m.match(mk(hresult="0x80070005"))
    assert not m.candidates(mk())


def test_a_set_too_big_for_re2_falls_back_to_testing_every_signature(
        monkeypatch: pytest.MonkeyPatch) -> None:
    import re2

    import logscope.match.matcher as mm

    lib = _lib_of({"id": "t.rx", "match": {"kind": "veeam", "message|regex": "Error code: '327"}})

    def boom(comps: list) -> None:  # noqa: ARG001
        raise re2.error("failed to compile Set")

    monkeypatch.setattr(mm, "_set_of", boom)
    ev = Event(kind="veeam", file="x", locator=Locator(line=1), message="Error code: '32768'.")
    assert [h.signature.id for h in Matcher(lib).match(ev)] == ["t.rx"]


def test_an_any_of_a_provider_and_a_text_kind_keeps_the_event_log_index() -> None:
    """A signature for event logs and pasted text: an event of another provider has no
    candidate (the record can be skipped), the provider's record and the text line both hit."""
    from logscope.events import Event, Locator
    from logscope.match.library import Library
    from logscope.match.model import Hint, Signature

    match = {"kind": ["evtx", "message-text"],
             "any": [{"provider": "Microsoft-Windows-Hyper-V-VMMS", "event_id": 10103},
                     {"kind": "message-text", "message|regex": "(?i)no SCSI controllers"}]}
    sig = Signature(id="t.alt", title="t", severity="high", status="test",
                    kinds=("evtx", "message-text"), match=match, hint=Hint("c", ["r"]))
    m = Matcher(Library(signatures={"t.alt": sig}))
    assert m.record_gate("evtx", "Microsoft-Windows-Security-Auditing", 4624) is False
    assert m.record_gate("evtx", "Microsoft-Windows-Hyper-V-VMMS", 10103) is True
    host = Event(kind="evtx", file="x", locator=Locator(record=1),
                 provider="Microsoft-Windows-Hyper-V-VMMS", event_id=10103)
    text = Event(kind="message-text", file="y", locator=Locator(line=1),
                 message="'VM001' cannot be hot backed up since it has no SCSI controllers attached.")
    other = Event(kind="message-text", file="y", locator=Locator(line=2), message="unrelated")
    assert [h.signature.id for h in m.match(host)] == ["t.alt"]
    assert [h.signature.id for h in m.match(text)] == ["t.alt"]
    assert m.match(other) == []


def test_a_code_condition_inside_all_still_prefilters() -> None:
    """``all: [{data.hresults|hresult: X}]`` is as necessary as a top-level condition: an
    event-log record of any provider is gated on the code's text, not built unconditionally."""
    from logscope.match.matcher import TextGate

    lib = _lib_of({"id": "t.all-code", "match": {"kind": "evtx",
                                                 "all": [{"data.hresults|hresult": "0x80070299"}]}})
    gate = Matcher(lib).record_gate("evtx", "Foo", 1)
    assert isinstance(gate, TextGate)
    assert gate('{"EventData": {"ErrorCode": "0x80070299"}}') and not gate('{"EventData": {}}')


def test_a_signature_is_built_only_when_an_event_reaches_it() -> None:
    """Predicates and extractors are built on first use (start-up cost): none at first, then
    only those of the signatures an event was tested against, with the same hits as built."""
    m = Matcher(LIB)
    comps = {id(c): c for cs in m.index().values() for c in cs}.values()
    assert comps and all(c._preds is None and c._extractors is None for c in comps)  # noqa: SLF001
    events = _all_examples()[:40]
    hits = _hits(m, events)
    built = [c for c in comps if c._preds is not None]  # noqa: SLF001
    assert hits and 0 < len(built) < len(comps)
    assert {sid for sid, _i in hits} <= {c.sig.id for c in built}
    assert hits == _hits(Matcher(LIB), events)
