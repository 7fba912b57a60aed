"""Localised message templates (logscope/data/messages/localised/*.yml), each exercised on the
real public paste it came from, and a localised message no template reads reported plainly."""

from __future__ import annotations

import json
import re
from importlib import resources
from pathlib import Path

import pytest
import yaml

from logscope import localised, messages
from logscope.ingest.language import language_of
from logscope.localised import MAX_MATCH_CHARS, continues_description, identify, library

from .helpers import read_text

REALWORLD = Path(__file__).resolve().parents[1] / "realworld"

# https://github.com/duplicati/duplicati/issues/1297 (German Windows Server 2012 R2)
DE_8194 = (REALWORLD / "vss-de-duplicati-1297-8194-benign" / "evidence.txt").read_text("utf-8")
# https://jpwinsup.github.io/blog/2023/04/10/Storage/Management/vss8229
JA_8229 = (REALWORLD / "vss-ja-jpwinsup-8229-writer-timeout" / "evidence.txt").read_text("utf-8")
# https://blog.onk164.net/archives/753.html (the page lost the backslashes of the path)
JA_12289 = ("ボリューム シャドウ コピー サービス エラー: 予期しないエラー CreateFileW(\\?GLOBALROOTDevice"
            "HarddiskVolumeShadowCopy2,0x80000000,0x00000003,...) です。hr = 0x80070001, ファンクション"
            "が間違っています。")
# https://www.haruru29.net/blog/volsnap-25-error-improvement/
JA_V25 = (REALWORLD / "vss-ja-haruru29-volsnap-25" / "evidence.txt").read_text("utf-8")
# https://blogs.technet.microsoft.com/askcorejp/2009/06/04/volsnap-33/
JA_V33 = (REALWORLD / "vss-ja-askcorejp-volsnap-33-35" / "evidence.txt").read_text("utf-8")
# https://docs.microsoft.com/ja-JP/troubleshoot/windows-server/backup-and-storage/event-12289-vss-backup-restore
JA_KB978773 = (REALWORLD / "vss-ja-kb978773-12289-old-session" / "evidence.txt").read_text("utf-8")
# A German volsnap line as a Checkmk logwatch check reported it, quoted verbatim from a public
# repository's test data (found with the code index; which volsnap event it is, the line does
# not say, so no template holds it).
DE_UNKNOWN = 'volsnap Die Schattenkopien von Volume "V:" wurden gelöscht.'


def _localised_files() -> list[tuple[str, dict]]:
    folder = resources.files("logscope").joinpath("data/messages/localised")
    return [(e.name, yaml.safe_load(e.read_text("utf-8"))) for e in folder.iterdir()
            if e.name.endswith(".yml")]


@pytest.mark.parametrize("name,doc", _localised_files(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_template_has_a_source_and_the_english_inserts(name: str, doc: dict) -> None:
    assert doc["lang"] == name.removesuffix(".yml")
    english = {(e.provider.casefold(), e.event_id): e.text for e in messages.entries()}
    for spec in doc["templates"]:
        where = f"{name}: {spec['provider']}/{spec['event_id']}"
        assert str(spec.get("source", "")).startswith("https://"), where
        key = (spec["provider"].casefold(), int(spec["event_id"]))
        assert key in english, f"{where}: no English template to render it"
        slots = {int(n) for n in re.findall(r"%(\d+)", spec["text"])}
        assert slots <= {int(n) for n in re.findall(r"%(\d+)", english[key])}, where
    # every template compiled (none dropped for a too-short fixed part); the English message
    # tables (../*.yml) are "en" too but carry no source
    assert sum(t.lang == doc["lang"] and t.source is not None
               for t in library().templates) == len(doc["templates"])


def test_german_8194_duplicati1297() -> None:
    got = identify(DE_8194)
    assert got is not None and (got.provider, got.event_id, got.lang) == ("VSS", 8194, "de")
    assert got.inserts[0] == "0x80070005, Zugriff verweigert"
    assert got.english is not None and got.english.startswith(
        "Volume Shadow Copy Service error: Unexpected error querying for the IVssWriterCallback "
        "interface. hr = 0x80070005")
    assert got.source == "https://github.com/duplicati/duplicati/issues/1297"


def test_german_8194_pasted_alone_reads_as_the_vss_event() -> None:
    ledger, evs = read_text(DE_8194)
    assert ledger.kind == "message-text" and ledger.not_understood == 0
    ev = evs[0]
    assert (ev.kind, ev.provider, ev.event_id) == ("event-text", "VSS", 8194)
    assert ev.hresult == "0x80070005"
    assert ev.data["message_language"] == "de" and ev.data["message_understood"] is True
    assert ev.data["message_original"].startswith("Volumeschattenkopie-Dienstfehler")
    # the Operation/Context paragraphs are the description's tail, in English words
    assert "Writer Name: System Writer" in ev.message and "Gathering Writer Data" in ev.message
    assert len(evs) == 1 and ev.locator.end_line == 10


def test_japanese_8229_jpwinsup_timeout() -> None:
    got = identify(JA_8229)
    assert got is not None and (got.provider, got.event_id, got.lang) == ("VSS", 8229, "ja")
    assert got.inserts[0].startswith("0x800423f2, Freeze および Thaw")
    assert "Writer Name: Registry Writer" in got.inserts[1]     # context words in English
    ledger, evs = read_text(JA_8229)
    assert [(e.provider, e.event_id, e.hresult) for e in evs] == [("VSS", 8229, "0x800423F2")]
    assert evs[0].locator.line == 1 and evs[0].locator.end_line == 9   # one message, 9 lines
    # the inserts where an .evtx keeps them, one block label per line: the 8229 signature's
    # extracts (data.2 "Writer Name: (...)", "Operation: (...)") read them
    assert evs[0].data["1"].startswith("0x800423f2")
    assert evs[0].data["2"].splitlines()[0] == "Operation: 解凍イベント"
    assert "Writer Name: Registry Writer" in evs[0].data["2"].splitlines()


def test_japanese_12289_onk164() -> None:
    got = identify(JA_12289)
    assert got is not None and (got.provider, got.event_id) == ("VSS", 12289)
    assert got.inserts[0].startswith("CreateFileW(") and got.inserts[0].endswith("...)")
    assert got.inserts[1] == "0x80070001, ファンクションが間違っています"
    assert not got.partial


def test_japanese_12289_translated_kb_is_read_as_cut() -> None:
    ledger, evs = read_text(JA_KB978773)
    ev = next(e for e in evs if e.provider == "VSS")
    assert ev.event_id == 12289 and ev.kind == "event-text"
    assert "0x80042409" in ev.message and "0x800423F4" in ev.data["hresults"]
    # the context block is part of the event, not an event with 0x800423f4 of its own
    assert all(e.provider == "VSS" or "0x800423f4" not in e.message for e in evs)


def test_japanese_volsnap_25_haruru29_event_properties() -> None:
    ledger, (ev,) = read_text(JA_V25)
    assert (ev.provider, ev.event_id, ev.level, ev.channel) == ("volsnap", 25, "Error", "System")
    assert ev.data["message_understood"] is True and ledger.not_understood == 0
    assert ev.message.startswith("The shadow copies of volume (GUID) were deleted because")


def test_japanese_volsnap_2003_wordings_askcorejp() -> None:
    lines = [ln.strip() for ln in JA_V33.splitlines() if ln.strip() and "ボリューム" in ln]
    found = {identify(ln).event_id: identify(ln) for ln in lines if identify(ln)}
    assert set(found) == {33, 35}
    assert found[33].inserts[1] == "X:" and found[35].inserts[1] == "X:"
    both = " ".join(ln for ln in lines if "十分" in ln or "危険" in ln)
    v24 = identify(both)
    assert v24 is not None and v24.event_id == 24 and v24.inserts[1:3] == ("X:", "X:")
    ledger, evs = read_text(JA_V33)
    # Windows Server 2003 labels; the page's doubled blank lines end each description early,
    # so the events carry their provider and id (what the signatures key on) only
    assert [(e.provider, e.event_id, e.level) for e in evs] == [
        ("VolSnap", 33, "Information"), ("VolSnap", 24, "Warning"), ("VolSnap", 35, "Error")]


def test_a_localised_message_no_template_reads_is_said_plainly() -> None:
    ledger, evs = read_text(DE_UNKNOWN + "\n", "check.txt")
    assert evs == [] and ledger.kind == "unknown"
    assert ledger.not_understood == 1
    assert ledger.as_dict()["messages_not_understood"] == {
        "count": 1, "places": [{"line": 1, "language": "de"}]}
    assert any(p.code == "message-not-understood" and "de text" in p.message
               for p in ledger.problems)


def test_not_understood_in_the_text_and_json_reports(tmp_path: Path) -> None:
    import subprocess
    import sys
    (tmp_path / "check.txt").write_text(DE_UNKNOWN + "\n", "utf-8")
    (tmp_path / "de.txt").write_text(DE_8194, "utf-8")
    run = [sys.executable, "-m", "logscope", "analyze", str(tmp_path)]
    text = subprocess.run(run, capture_output=True, text=True, timeout=120).stdout
    assert "1 localised message(s) not understood (de at line 1)" in " ".join(text.split())
    out = subprocess.run([*run, "--format", "json"], capture_output=True, text=True,
                         timeout=120).stdout
    files = {Path(f["path"]).name: f for f in json.loads(out)["files"]}
    assert files["check.txt"]["messages_not_understood"]["places"][0]["language"] == "de"
    assert "messages_not_understood" not in files["de.txt"]
    for fmt in ("md", "html"):
        shown = subprocess.run([*run, "--format", fmt], capture_output=True, text=True,
                               timeout=120).stdout
        assert "not understood (de at line 1)" in shown.replace("\\", ""), fmt
    # the German 8194 fires the benign signature (suppressed: listed as a hit, not a hint)
    assert [h["signature"] for h in json.loads(out)["hits"]] == ["benign.vss-8194-access-denied"]


def test_english_is_not_flagged_and_other_scripts_are_told() -> None:
    assert language_of("The shadow copies of volume D: were deleted because the storage could "
                       "not grow in time.") == "en"
    assert language_of(DE_UNKNOWN) == "de"
    assert language_of(JA_12289) == "ja"
    assert language_of("Checkpoint-VM : 0x80070005") is None


def test_matching_is_bounded_and_literal() -> None:
    assert identify("x" * MAX_MATCH_CHARS + DE_8194) is None   # past the bound: not looked at
    assert identify("Volumeschattenkopie-Dienstfehler: hr = .*") is None
    assert continues_description("Vorgang:\n   Generatordaten werden gesammelt")
    assert continues_description("コンテキスト:")
    assert not continues_description("Hi, any idea?")


def test_the_evtx_path_never_builds_the_templates() -> None:
    # the templates are for pasted text only: an .evtx carries its inserts, and its readers
    # must not pay for the library (nor for a template match per record)
    from logscope.ingest.source import IngestOptions
    from logscope.pipeline import analyze
    library.cache_clear()
    samples = Path(__file__).resolve().parents[2] / "samples" / "evtx" / "sqlwriter-chain"
    result = analyze([samples], IngestOptions(), workers=1)
    assert result.ledgers and all(led.kind == "evtx" for led in result.ledgers)
    assert library.cache_info().currsize == 0


@pytest.mark.parametrize("text", [
    "Volume Shadow Copy Service error: „Writer“ «timed out» ″0x800423F4″",
    "İstanbul ẞtraße  ISTANBUL\u3000字 「引用」",
    "The writer\tfailed \r\n  with\u00a0an error",
    "",
])
def test_fold_text_is_folds_text_without_the_index_map(text: str) -> None:
    """``fold_text`` (the library's template parts) gives what ``fold`` gives as its text,
    ASCII or not (a letter whose lower case is two characters stays as it is)."""
    assert localised.fold_text(text) == localised.fold(text)[0]
    for entry in messages.entries():
        assert localised.fold_text(entry.text) == localised.fold(entry.text)[0]
