"""``evtx.fold.Folder`` remembers the System heads, tails and record ends it has read, so
the two patterns run once per distinct text instead of per record. Every decision must
still be the one the patterns give when they run on each record (the reference below,
which is how the folder decided before it remembered anything): on every corpus record,
on the samples, and on crafted records built to tell a remembered text from a fresh one.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import evtx
import orjson
import pytest

from logscope.events import Event, Locator
from logscope.ingest.evtx import fold as evtx_fold
from logscope.ingest.evtx.engine_json import read_system
from logscope.ingest.evtx.normalize import RawRecord, summary_event
from logscope.ingest.evtx.repeats import build
from logscope.ingest.source import IngestOptions
from logscope.match.evtx_gate import with_evtx_gate
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

ROOT = Path(__file__).resolve().parents[2]


class Reference:
    """The folder's decision with both patterns run on every record (nothing remembered)."""

    def __init__(self, want: Any) -> None:  # noqa: ANN401
        self.fold = evtx_fold.Folder(want, "f.evtx")  # only its parsed path and summaries
        self.want = want
        self.reps: set[Any] = set()

    def __call__(self, text: str, record_id: Any) -> Any:  # noqa: ANN401
        m = evtx_fold.SYSTEM_KEYS.search(text, 0, 4096)
        if m is None:
            return self.fold._parsed(text, record_id)
        end = m.end()
        key = (m.group(1), m.group(2) or m.group(3))
        tail = evtx_fold.SYSTEM_TAIL.search(text, end, end + 4096)
        if tail is None:
            return self.fold._parsed(text, record_id)
        if tail.start() - end > evtx_fold.SYSTEM_SPAN and text.find('Data":', end, tail.start()) >= 0:
            return self.fold._parsed(text, record_id)
        verdict = self.want(key[0] or None, int(key[1]))
        if verdict is True or (verdict is not False and verdict(text[tail.end():])):
            return None
        rep = (key, tail.groups())
        if rep in self.reps:
            return evtx_fold.FOLDED
        self.reps.add(rep)
        raw = RawRecord()
        read_system(orjson.loads(text)["Event"]["System"], raw)
        raw.record_id = raw.record_id if raw.record_id is not None else record_id
        return summary_event(raw, kind="evtx", file="f.evtx", locator=Locator(record=record_id))


def _want() -> Any:  # noqa: ANN401
    return with_evtx_gate(IngestOptions(), Matcher(load_library(None))).extra["evtx_want"]


def _outcome(decide: Any, text: str, record_id: Any) -> Any:  # noqa: ANN401
    """FOLDED, the event the reader ends up with (its own build for None), or an error."""
    try:
        result = decide(text, record_id)
        if result is None:
            result = build(text, record_id, "evtx", "f.evtx")
    except ValueError as exc:  # not JSON: the reader reports an unreadable record
        return type(exc)
    return result


def _same_decisions(texts: list[tuple[str, Any]], want: Any) -> Counter[str]:  # noqa: ANN401
    """How many records of each outcome, after checking each against the reference."""
    fold, ref = evtx_fold.Folder(want, "f.evtx"), Reference(want)
    kinds: Counter[str] = Counter()
    for text, record_id in texts:
        got = _outcome(fold, text, record_id)
        assert got == _outcome(ref, text, record_id), text[:400]
        kinds["folded" if got is evtx_fold.FOLDED else "error" if isinstance(got, type)
              else "summary" if got.data.get("summary_only") else "full"] += 1
    return kinds


def _records(path: Path) -> list[tuple[str, Any]]:
    out = []
    it = evtx.PyEvtxParser(str(path), number_of_threads=1).records_json()
    while True:
        try:
            item = next(it)
        except StopIteration:
            return out
        except Exception:  # noqa: BLE001 - damaged records: not this test's subject
            continue
        out.append((item["data"], item["event_record_id"]))


def _record(provider: str = "Noise", eid: str = "1", channel: str = '"Application"',
            computer: str = '"HV01"', security: str = "null", body: str = ',"EventData":{"X":"y"}',
            between: str = "") -> str:
    return ('{"Event":{"#attributes":{"xmlns":"http://schemas.microsoft.com/win/2004/08/events/event"},'
            f'"System":{{"Provider":{{"#attributes":{{"Name":"{provider}"}}}},"EventID":{eid},"Level":4,'
            '"TimeCreated":{"#attributes":{"SystemTime":"2026-03-14T09:02:05.123456Z"}},'
            f'"EventRecordID":7{between},"Channel":{channel},"Computer":{computer},'
            f'"Security":{security}}}{body}}}}}')


def test_crafted_records_decide_as_the_patterns_do() -> None:
    """Records that share a remembered head, tail or end with an earlier one but differ
    where the patterns look: each must be decided afresh, as the reference does."""
    codes = ',"EventData":{"Code":"0xC03A0029"}'  # an RCT code: the HRESULT-only gate keeps it
    texts = [
        _record(), _record(), _record(computer='"HV02"'), _record(body=codes), _record(body=codes),
        _record(security='{"#attributes":{"UserID":"S-1-5-18"}}'),
        _record(security='{"#attributes":{"UserID":"S-1-5-18"}}', body=codes),
        _record(security='{"#attributes":{"UserID":{"x":1}}}'),  # nested: not the tail's shape
        _record(security='{"#attributes":{"UserID":"S-1-5-18"}'),  # Security not closed
        _record(security="false"), _record(channel="null"), _record(computer="null"),
        _record(computer='"H\\"V"'), _record(computer='"H\\"V"'),  # an escaped quote: parsed path
        _record(eid='{"#attributes":{"Qualifiers":0},"#text":1}'),  # Qualifiers: same key
        _record(eid="12"), _record(eid="12", body=codes), _record("VSS", "8229"), _record("VSS", "822"),
        _record("Microsoft-Windows-Hyper-V-VMMS", "1"), _record(provider=""),
        _record(between=',"Execution":{"#attributes":{"ProcessID":4}}'),
        _record(between=',"Pad":"' + "x" * 700 + '","EventData":{"Channel":"z"}'),  # far tail
        _record(between=',"Pad":"' + "x" * 5000 + '"'),  # tail beyond the pattern's reach
        _record(), _record(body=codes),
    ]
    texts += [(_record(body=f',"EventData":{{"N":"{n}"}}'), n) for n in range(3)]  # type: ignore[misc]
    texts = [t if isinstance(t, tuple) else (t, i) for i, t in enumerate(texts)]
    kinds = _same_decisions(texts, _want())
    assert sum(kinds.values()) == len(texts) and set(kinds) == {"full", "folded", "summary", "error"}


def test_a_gate_that_is_not_pure_is_asked_for_every_record() -> None:
    """``hunt``'s census counts each record its gate turns away: a remembered answer would
    undercount. TextGates are pure and may be remembered."""
    calls = []

    def test(text: str) -> bool:
        calls.append(text)
        return False

    fold = evtx_fold.Folder(lambda provider, eid: test, "f.evtx")
    for n in range(5):
        assert fold(_record(), n) is not None
    assert len(calls) == 5


def _event(provider: str, eid: int, computer: str, body: str, user: str = "S-1-5-18") -> str:
    return ('<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
            f'<Provider Name="{provider}"/><EventID>{eid}</EventID><Level>4</Level>'
            '<TimeCreated SystemTime="2026-03-14T09:02:05.1234567Z"/><EventRecordID>{id}</EventRecordID>'
            f'<Channel>System</Channel><Computer>{computer}</Computer><Security UserID="{user}"/>'
            f'</System><EventData>{body}</EventData></Event>')


def test_written_log_decides_as_the_patterns_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Real .evtx bytes (our writer, read by the engine) whose records repeat heads, tails
    and whole ends, with the differences interleaved: another machine, another user, an
    RCT code in an otherwise repeated body, a wanted key. The full events of repeats are
    the earlier event's with their own time and id (``repeats``): equal to a fresh build."""
    from lxml import etree

    from logscope.ingest.evtx import repeats

    from logscope.evtxwriter.layout import EvtxWriter

    shapes = [
        _event("Service Control Manager", 7036, "HV01", '<Data Name="param1">Spooler</Data>'),
        _event("Service Control Manager", 7036, "HV02", '<Data Name="param1">Spooler</Data>'),
        _event("Service Control Manager", 7036, "HV01", '<Data Name="param1">0xC03A0029</Data>'),
        _event("Service Control Manager", 7036, "HV01", '<Data Name="param1">Spooler</Data>', "S-1-5-19"),
        _event("Service Control Manager", 7040, "HV01", '<Data Name="param1">Spooler</Data>'),
        _event("VSS", 8229, "HV01", "<Data>0x800423f4, The writer experienced an error.</Data>"),
        _event("Microsoft-Windows-Hyper-V-VMMS", 13002, "HV01", '<Data Name="VmName">VM1</Data>'),
    ]
    path = tmp_path / "mixed.evtx"
    with open(path, "wb") as out:
        writer = EvtxWriter(out)
        for n in range(700):
            shape = shapes[(n * 3) % len(shapes)].replace("{id}", str(n + 1))
            writer.add(etree.fromstring(shape.encode()))
        writer.close()
    builds = []
    monkeypatch.setattr(repeats, "build", lambda *a: builds.append(a) or build(*a))
    kinds = _same_decisions(_records(path), _want())
    assert sum(kinds.values()) == 700
    assert len(builds) == 3  # one per repeated record (VSS 8229, Hyper-V, the RCT code)
    fold = evtx_fold.Folder(_want(), "f.evtx")
    given = [fold(text, record_id) for text, record_id in _records(path)]
    assert sum(isinstance(e, Event) and "summary_only" not in e.data for e in given) == 300
    assert len(builds) == 6  # the new folder built each once more, then repeated them
    # full: the RCT code, VSS 8229, Hyper-V; one summary per (key, channel, computer); another
    # user is the same summary key
    assert (kinds["full"], kinds["summary"], kinds["folded"]) == (300, 3, 397), kinds


@pytest.mark.corpus
def test_corpus_records_decide_as_the_patterns_do(shared: Path) -> None:
    want = _want()
    kinds = sum((_same_decisions(_records(p), want)
                 for p in sorted((shared / "corpus" / "evtx").rglob("*.evtx"))), Counter())
    assert sum(kinds.values()) > 60_000 and kinds["folded"] > kinds["summary"] > kinds["full"] > 0


def test_gate_memory_gives_the_fresh_answer_and_stays_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    """``TextGate`` remembers its answers per text: the same as testing again, and bounded."""
    from logscope.match import hresult_gate

    monkeypatch.setattr(hresult_gate, "GATE_MEMO_ENTRIES", 8)
    gate = hresult_gate.TextGate({"0xC03A0029"})
    forms = ["c03a0029", "0x80070005", "C03A0029", "3225026601", "-1069940695", "S-1-5-18"]
    texts = [f',"EventData":{{"Code":"{form}"}}}}' for form in forms] * 3
    texts += [f',"EventData":{{"N":"{n}"}}}}' for n in range(20)] + ["x" * 5000 + "c03a0029"]
    answers = [gate(t) for t in texts]
    assert answers == [gate._test(t) for t in texts]
    assert answers[:6] == [True, False, True, True, True, False]
    assert len(gate._seen) <= 8
