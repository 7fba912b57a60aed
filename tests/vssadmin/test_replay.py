"""Replay of repeated writer blocks (issue 22): a capture loop lists the same writers again
and again; a block seen before is not parsed or matched again, only its place is renewed.
Every report must be the one a full parse gives, so each case compares with replay off.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope import api
from logscope.ingest.vssadmin import parse_text
from logscope.ingest.vssadmin import replay as vss_replay
from logscope.ingest.vssadmin import writer as vss_writer
from logscope.ingest.vssadmin.parser import _Parser
from logscope.ledger import FileLedger
from logscope.match import replay
from logscope.match.library import load_library
from logscope.match.matcher import Matcher

BANNER = ("vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\r\n"
          "(C) Copyright 2001-2013 Microsoft Corp.\r\n\r\n")

# (name, writer id, instance id, state line, last error): real `list writers` layouts
WRITERS = [
    ("Microsoft Hyper-V VSS Writer", "{66841cd4-6ded-4f4b-8f17-fd23f8ddc3de}",
     "{f3a3b3e1-9a0c-4c5b-8c1e-2b1f7d0e4a11}", "[1] Stable", "No error"),
    ("SqlServerWriter", "{a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}",
     "{0f4d7c2a-5c1e-4b7a-9d6e-3a2b1c0d9e88}", "[8] Failed", "Non-retryable error"),
    ("System Writer", "{e8132975-6f93-4464-a53e-1050253ae220}",
     "{5b1c2d3e-4f50-4a6b-8c7d-9e0f1a2b3c4d}", "[7] Failed", "Retryable error"),
    ("Registry Writer", "{afbab4a2-367d-4d15-a586-71dbb18f8485}",
     "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", "[1] Stable", "No error"),  # masked: a problem
    ("Writer Made Up", "{11111111-0639-4400-923a-5fd982e53c7e}",
     "{22222222-1111-4400-923a-5fd982e53c7e}", "[9] Failed", "Timed out"),
]


def _capture(writers: list[tuple[str, str, str, str, str]]) -> str:
    blocks = [f"Writer name: '{n}'\r\n   Writer Id: {w}\r\n   Writer Instance Id: {i}\r\n"
              f"   State: {s}\r\n   Last error: {e}\r\n\r\n" for n, w, i, s, e in writers]
    return "C:\\>vssadmin list writers\r\n" + BANNER + "Waiting for responses.\r\n" \
        "These may be delayed if a shadow copy is being prepared.\r\n\r\n" + "".join(blocks)


def _loop_listing() -> str:
    """Five captures of the same writers; the third has SqlServerWriter stable again."""
    changed = [w if w[0] != "SqlServerWriter" else (*w[:3], "[1] Stable", "No error")
               for w in WRITERS]
    return "".join(_capture(changed if k == 2 else WRITERS) for k in range(5))


def _analyze(paths: list[Path], monkeypatch: pytest.MonkeyPatch, on: bool) -> dict:
    monkeypatch.setattr(vss_writer, "REPLAY_BLOCKS", 4096 if on else 0)
    monkeypatch.setattr(vss_replay, "REPLAY_UNITS", 4096 if on else 0)
    monkeypatch.setattr(replay, "ENABLED", on)
    return api.analyze(paths).report


def _same_both_ways(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> None:
    assert _analyze(paths, monkeypatch, True) == _analyze(paths, monkeypatch, False)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_generated_loop_listing_same_report(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                            encoding: str) -> None:
    path = tmp_path / "vss_loop.txt"
    path.write_bytes(_loop_listing().encode(encoding))
    report = _analyze([path], monkeypatch, True)
    assert report == _analyze([path], monkeypatch, False)
    assert report["hits"], "the failed writers must be found in the repeated captures"


def test_sample_bundles_same_report(samples: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    bundles = sorted(p for p in (samples / "bundles").iterdir() if p.is_dir())
    assert bundles
    for bundle in bundles:
        _same_both_ways([bundle], monkeypatch)


def test_corpus_captures_same_report(shared: Path, tmp_path: Path,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    files = sorted(p for p in (shared / "corpus" / "text" / "vssadmin").glob("*.txt"))
    assert files
    _same_both_ways(files, monkeypatch)
    # the same captures as a capture loop writes them, UTF-16 as a redirect in PowerShell 5
    for f in files:
        text = f.read_bytes().decode("utf-8", "replace")
        loop = tmp_path / f"loop_{f.name}"
        loop.write_bytes(("\r\n".join([text] * 3)).encode("utf-16"))
        _same_both_ways([loop], monkeypatch)


def test_replay_is_counted_and_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    text = _loop_listing()
    off = _events(text, monkeypatch, 0)
    parser, on = _parse(text)
    assert [e.to_dict() for e in on] == [e.to_dict() for e in off]
    # 4 clean blocks per capture (the masked one is parsed each time: it has a problem);
    # captures 2-5 replay them, but for SqlServerWriter stable once (3rd) and again (4th, 5th)
    assert parser.replay_stats == {"replayed": 4 * 4 - 1, "cleared": 0}
    monkeypatch.setattr(vss_writer, "REPLAY_BLOCKS", 2)
    small, capped = _parse(text)
    assert [e.to_dict() for e in capped] == [e.to_dict() for e in off]
    assert len(small.replays) <= 2 and small.replay_stats["cleared"] > 0


def test_match_outcomes_replayed_same_hits(monkeypatch: pytest.MonkeyPatch) -> None:
    events = parse_text(_loop_listing(), "loop.txt")
    on, off = Matcher(load_library()), Matcher(load_library())
    off.replay = False
    hits_on = [h.as_dict() for ev in events for h in on.match(ev)]
    hits_off = [h.as_dict() for ev in events for h in off.match(ev)]
    assert hits_on == hits_off and hits_on
    assert on.replay_stats["replayed"] >= len(events) - 2 * len(WRITERS)
    assert off.replay_stats["replayed"] == 0


def _parse(text: str) -> tuple[_Parser, list]:
    parser = _Parser("loop.txt", FileLedger("loop.txt"), None)
    return parser, list(parser.run(enumerate(text.splitlines(), 1)))


def _events(text: str, monkeypatch: pytest.MonkeyPatch, blocks: int) -> list:
    monkeypatch.setattr(vss_writer, "REPLAY_BLOCKS", blocks)
    events = _parse(text)[1]
    monkeypatch.undo()
    return events


# signatures that read what a replay key must hold: the capture index, a data key, the
# text, an ``any`` / ``not`` group, a value whose type matters (True vs 1)
USER_SIGS = {
    "cap2.yml": "match: {kind: vssadmin, data.capture: 2, writer_state: 8}",
    "bare.yml": "match: {kind: vssadmin, data.failed: true, not: {text|contains: Sql}}",
    "anyof.yml": "match: {kind: vssadmin, any: [{last_error|contains: Timed}, "
                 "{data.state_text|equals: Stable, writer_name|startswith: Registry}]}",
    "flag.yml": "match: {kind: vssadmin, data.flag|equals: 1}",
}


def _user_library(tmp_path: Path, names: list[str]):
    d = tmp_path / "sigs"
    d.mkdir(parents=True)
    for name in names:
        sid = "test." + name[:-4]
        (d / name).write_text(f"id: {sid}\ntitle: {sid}\nseverity: low\nstatus: test\n"
                              f"{USER_SIGS[name]}\nhint: {{cause: c, remedy: [r]}}\n", "utf-8")
    lib = load_library([d], cache=False)
    assert not lib.issues and all("test." + n[:-4] in lib.signatures for n in names)
    return lib


@pytest.mark.parametrize("names", [list(USER_SIGS), [n for n in USER_SIGS if n != "cap2.yml"]])
def test_match_replay_keys_hold_every_field_read(tmp_path: Path, names: list[str]) -> None:
    """Events alike but for one field a signature reads (the capture index, a data flag True
    vs 1) are matched apart; fields no signature reads (the line) do not split them."""
    events = parse_text(_loop_listing(), "loop.txt")
    for i, ev in enumerate(events):
        ev.data["flag"] = [True, 1, 1.0, "1", None][i % 3]
    on, off = Matcher(_user_library(tmp_path, names)), Matcher(_user_library(tmp_path / "b", names))
    off.replay = False
    hits_on = [(i, h.signature.id, h.fields) for i, ev in enumerate(events) for h in on.match(ev)]
    hits_off = [(i, h.signature.id, h.fields) for i, ev in enumerate(events)
                for h in off.match(ev)]
    assert hits_on == hits_off
    assert {sid for _, sid, _ in hits_on} >= {"test." + n[:-4] for n in names}
    assert {events[i].data["capture"] for i, sid, _ in hits_on if sid == "test.cap2"} <= {2}
    # the capture index read by one signature is in every key of its index key: no replay
    assert (on.replay_stats["replayed"] > 0) is ("cap2.yml" not in names)
