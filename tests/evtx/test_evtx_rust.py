"""The default engine on real .evtx bytes from ../shared/corpus/evtx."""

from __future__ import annotations

from datetime import datetime

import pytest
from evtx_helpers import manifest, run, source_for

from logscope.events import UTC
from logscope.ingest import evtx

COUNT_FILES = [
    "evtx/4renwald-evtx-python/samples/Application.evtx",
    "evtx/python-evtx/tests/data/system.evtx",
    "evtx/fsjnaedbhnvgjihbenibensifb-applicationevtx/Application.evtx",
    "evtx/aaronthopliss-hello-world/HardwareEvents.evtx",
    "evtx/omerbenamram-evtx/samples/system.evtx",
]


@pytest.mark.parametrize("rel", COUNT_FILES)
def test_counts_match_manifest(shared, rel):
    events, ledger = run(evtx, source_for(shared / "corpus" / rel))
    assert ledger.kind == "evtx"
    assert ledger.records == len(events) == int(manifest(shared)[rel]["records_evtx_rs"])
    assert ledger.missing == 0


def test_detect_by_magic(shared):
    head = (shared / "corpus/evtx/python-evtx/tests/data/system.evtx").read_bytes()[:4096]
    assert evtx.detect(head, "whatever.bin") == "evtx"
    assert evtx.detect(b"<Events>", "x.evtx") is None


def test_dirty_file_reads_every_chunk_and_says_header_is_stale(shared):
    events, ledger = run(evtx, source_for(shared / "corpus/evtx/omerbenamram-evtx/samples/system.evtx"))
    assert ledger.records == 1881  # python-evtx's normal API gives 326
    stale = [p for p in ledger.problems if p.code == "evtx-stale-header"]
    assert stale and "declares 3 chunk(s), 15" in stale[0].message


def test_classic_vss_record_normalized(shared):
    path = shared / "corpus/evtx/fsjnaedbhnvgjihbenibensifb-applicationevtx/Application.evtx"
    events, _ = run(evtx, source_for(path))
    vss13 = [e for e in events if e.provider == "VSS" and e.event_id == 13]
    assert len(vss13) == 2
    e = vss13[0]
    assert e.kind == "evtx" and e.time_source == "utc" and e.timestamp_desc == "Event Recorded"
    assert e.time is not None and e.time.tzinfo is not None and e.time.utcoffset().total_seconds() == 0
    assert e.level == "Error"
    assert e.channel == "Application" and e.host
    assert e.locator.record == e.record_id
    # unnamed Data are positional, 1-based like %1 %2
    assert e.data["1"] == "{4e14fba2-2e22-11d1-9964-00c04fbbb345}"
    assert e.data["2"] == "CEventSystem"
    assert e.data["BinaryText"].startswith("- Code: ")
    assert "CLSID {4e14fba2-2e22-11d1-9964-00c04fbbb345} and name CEventSystem" in e.message
    assert e.data["message_source"] == "template"
    assert e.hresult == "0x8007045B"  # [%3] of VSS 13 holds "0x8007045b, A system shutdown..."


def test_volsnap_binary_not_text_and_fallback_message(shared):
    events, _ = run(evtx, source_for(shared / "corpus/evtx/python-evtx/tests/data/system.evtx"))
    v36 = [e for e in events if e.provider == "volsnap" and e.event_id == 36]
    assert len(v36) == 1
    e = v36[0]
    assert e.data["Qualifiers"] == 49158
    assert "Binary" in e.data and "BinaryText" not in e.data
    assert "user imposed limit" in e.message and "C:" in e.message
    other = next(x for x in events if x.provider == "Service Control Manager")
    assert other.data["message_source"] == "inserts"
    assert other.message.startswith("Service Control Manager ")


def test_userdata_flattened(shared):
    path = shared / "corpus/evtx/python-evtx/tests/data/system.evtx"
    events, _ = run(evtx, source_for(path))
    auto = [e for e in events if e.data.get("UserData") == "AutoBackup"]
    assert auto and auto[0].data["Channel"] == "System"
    assert auto[0].data["BackupPath"].endswith(".evtx")


def test_bad_chunk_magic_reported_with_chunk_and_offset(shared):
    path = shared / "corpus/evtx/omerbenamram-evtx/samples/sample_with_a_bad_chunk_magic.evtx"
    events, ledger = run(evtx, source_for(path))
    assert ledger.records - ledger.recovered == 270
    wheres = {p.where for p in ledger.problems if p.code == "evtx-bad-chunk"}
    assert "chunk 6 (offset 0x61000)" in wheres and "chunk 10 (offset 0xA1000)" in wheres


def test_truncated_file_missing_range(shared):
    events, ledger = run(evtx, source_for(shared / "corpus/evtx/plaso/test_data/evtx/System2.evtx"))
    assert len([e for e in events if not e.data.get("recovered")]) == 194
    # the header of the cut chunk promises ids 195-284; the engine yields none of them;
    # 89 of them have intact frames and are recovered (by evtx, from a re-framed copy of the
    # chunk), 284 is cut and stays missing
    msg = [p.message for p in ledger.problems if p.code == "evtx-missing"]
    assert msg and "record ids 195-284" in msg[0]
    assert (ledger.recovered, ledger.missing) == (89, 1)
    assert any("89 by evtx" in p.message for p in ledger.problems if p.code == "evtx-recovered")
    recovered = [e.record_id for e in events if e.data.get("recovered")]
    assert len(recovered) == 89 and 216 in recovered and 284 not in recovered
    assert any(p.code == "evtx-truncated" for p in ledger.problems)


def test_zero_size_record_loss_is_counted(shared):
    """evtx 0.14.0 yields ONE error item for the zero-size record, then ends the chunk:
    the 115 records after it are lost silently by the engine; the ledger counts them."""
    path = shared / "corpus/evtx/omerbenamram-evtx/samples/sample-with-zero-data-size-event.evtx"
    events, ledger = run(evtx, source_for(path), )
    assert len([e for e in events if not e.data.get("recovered")]) == 335
    assert len([p for p in ledger.problems if p.code == "evtx-record"]) == 1
    # the 114 intact frames after the zero-size record are recovered; record 3 is missing
    assert (ledger.recovered, ledger.missing) == (114, 1)
    rec = [e for e in events if e.data.get("recovered")]
    assert [e.record_id for e in rec] == list(range(4, 118))
    assert rec[0].provider == "Microsoft-Windows-Kernel-Power" and rec[0].time.year == 2015


def test_recovery_can_be_switched_off(shared):
    from logscope.ingest.source import IngestOptions
    from logscope.ledger import FileLedger

    path = shared / "corpus/evtx/omerbenamram-evtx/samples/sample-with-zero-data-size-event.evtx"
    ledger = FileLedger("x")
    events = list(evtx.parse(source_for(path), ledger, IngestOptions(extra={"evtx_recover": False})))
    assert len(events) == 335 and ledger.missing == 115 and ledger.recovered == 0


def test_times_are_utc_datetimes(shared):
    events, _ = run(evtx, source_for(shared / "corpus/evtx/4renwald-evtx-python/samples/System.evtx"))
    assert all(isinstance(e.time, datetime) and e.time.tzinfo == UTC for e in events)
