"""Nothing is lost: every text line is in a record's line range or counted as skipped, and
every evtx record the chunk structure promises is produced or counted as missing.

Text: ``records' line ranges + skipped lines == lines read`` (``ledger.info["lines"]``, from
textio), for vssadmin and Veeam inputs as they are and damaged. EVTX: ``records + missing ==
the record ids the chunks vouch for`` (their headers' first..last id range where the header is
sound, and every well-framed record; the definition of ``evtx.completeness.check_completeness``).
"""

from __future__ import annotations

import io
import random
import re
from pathlib import Path

import pytest

from logscope.events import Event
from logscope.ingest import evtx, read_source
from logscope.ingest.evtx import chunks as evtx_chunks
from logscope.ingest.evtx import completeness
from logscope.ingest.source import IngestOptions, Source
from logscope.ingest.textio import NOT_LINES, UNACCOUNTED
from logscope.ledger import FileLedger

ROOT = Path(__file__).resolve().parents[2]
SAMPLE_TEXT = sorted(p for p in (ROOT / "samples").rglob("*")
                     if p.is_file() and p.suffix in (".log", ".txt") and "README" not in p.name)


def read(data: bytes, name: str = "x.log") -> tuple[list[Event], FileLedger]:
    src = Source(name, opener=lambda: io.BytesIO(data), size=len(data))
    ledger, events = read_source(src, IngestOptions())
    return list(events), ledger


def covered_lines(events: list[Event]) -> int:
    lines: set[int] = set()
    for e in events:
        if e.locator.line:
            lines.update(range(e.locator.line, (e.locator.end_line or e.locator.line) + 1))
    return len(lines)


def line_skips(led: FileLedger) -> int:
    return sum(n for r, n in led.skip_reasons.items() if r not in NOT_LINES)


def assert_every_line_accounted(data: bytes, name: str = "x.log") -> FileLedger:
    events, led = read(data, name)
    assert led.kind in ("vssadmin", "veeam", "veeam-session", "veeam-guest", "sqlwriter-log",
                        "hyperv-state")
    total = led.info["lines"]
    assert covered_lines(events) + line_skips(led) == total, (led.kind, dict(led.skip_reasons))
    # no line is both in a record and skipped: the parser's own skips never exceed the gap
    assert line_skips(led) - led.skip_reasons.get(UNACCOUNTED, 0) <= total - covered_lines(events)
    return led


@pytest.mark.parametrize("path", SAMPLE_TEXT, ids=lambda p: p.name)
def test_sample_text_logs_every_line_accounted(path: Path) -> None:
    led = assert_every_line_accounted(path.read_bytes(), path.name)
    if led.kind.startswith("veeam"):
        assert UNACCOUNTED not in led.skip_reasons  # the Veeam parser accounts for itself


def test_corpus_text_logs_every_line_accounted(shared: Path) -> None:
    paths = [p for p in sorted((shared / "corpus" / "text").rglob("*"))
             if p.is_file() and p.suffix in (".log", ".txt")]
    assert len(paths) > 20
    for p in paths:
        events, led = read(p.read_bytes(), p.name)
        if led.kind == "unknown":
            continue
        assert covered_lines(events) + line_skips(led) == led.info["lines"], p.name


_FRAMING = re.compile(r"^\s*$|vssadmin|copyright|waiting for|these may be|^\s*[>#]|^C:\\", re.I)


def test_vssadmin_unaccounted_lines_are_framing_only() -> None:
    """The lines of a vssadmin capture that are in no block are its framing: banner, copyright,
    "Waiting for responses", blank lines, the command line."""
    data = (ROOT / "samples/bundles/sqlwriter-chain/SQL01/VSS/vss_writers.log").read_bytes()
    events, led = read(data, "w.log")
    text = data.decode("utf-16").splitlines()
    framing = sum(1 for t in text if _FRAMING.search(t))
    assert 0 < led.skip_reasons[UNACCOUNTED] <= framing


def _damage_text(data: bytes, seed: int) -> bytes:
    rnd = random.Random(seed)
    lines = data.split(b"\n")
    for _ in range(rnd.randint(1, 8)):
        i = rnd.randrange(len(lines))
        op = rnd.choice(["garbage", "drop", "dup", "cut", "cr"])
        if op == "garbage":
            lines.insert(i, bytes(rnd.randrange(32, 127) for _ in range(rnd.randrange(0, 200))))
        elif op == "drop":
            del lines[i]
        elif op == "dup":
            lines.insert(i, lines[i])
        elif op == "cut":
            lines[i] = lines[i][: rnd.randrange(len(lines[i]) + 1)]
        else:
            lines[i] = lines[i].replace(b"\r", b"") + b"\r"
    return b"\n".join(lines)


VEEAM_JOB = ROOT / "samples" / "veeam" / "Job.SQL_Backup.Backup.log"
VSS_UTF8 = ROOT / "samples/bundles/sqlwriter-chain/SQL01/VSS/vss_writers.log"


@pytest.mark.parametrize("seed", range(15))
def test_damaged_veeam_log_every_line_accounted(seed: int) -> None:
    assert_every_line_accounted(_damage_text(VEEAM_JOB.read_bytes(), seed))


@pytest.mark.parametrize("seed", range(15))
def test_damaged_vssadmin_capture_every_line_accounted(seed: int) -> None:
    data = VSS_UTF8.read_bytes().decode("utf-16").encode("utf-8")
    damaged = _damage_text(data, seed)
    events, led = read(damaged)
    if led.kind == "vssadmin":  # damage may remove what makes it vssadmin at all
        assert covered_lines(events) + line_skips(led) == led.info["lines"]


# -- evtx ------------------------------------------------------------------------------------------

def evtx_accounting(data: bytes, engine: str = "rust") -> tuple[int, int, int]:
    """(records, missing, vouched ids). Vouched: the parser's definition
    (``evtx.completeness.expected_ids``: every framed record, including frames found by
    resynchronizing after damage, plus the header range of a broken or cut chunk whose frames
    agree with it)."""
    led = FileLedger("m.evtx")
    src = Source("m.evtx", opener=lambda: io.BytesIO(data), size=len(data))
    events = list(evtx.parse(src, led, IngestOptions(engine=engine)))
    vouched = completeness.expected_ids(io.BytesIO(data))
    # every framed record is vouched for (a header range its intact walk contradicts is not)
    assert all(rid in vouched for c in evtx_chunks.iter_chunks(io.BytesIO(data))
               for rid, _ in c.records)
    return len(events), led.missing, len(vouched)


EVTX_CLEAN = [
    "dikimevi/Logs/Application.evtx",
    "dikimevi/Logs/System.evtx",
    "python-evtx/tests/data/system.evtx",
    "fukusuket-evtx-parser/samples/Application.evtx",  # dirty, stale chunk count
    "tugix456-randaodcxjj/Application.evtx",           # dirty, 7 slots for 5 declared
    "plaso/test_data/evtx/System2.evtx",               # truncated
    "omerbenamram-evtx/samples/sample-with-zero-data-size-event.evtx",
]
EVTX_OPEN = [  # damaged: frames found only by resynchronizing after a broken frame
    "omerbenamram-evtx/samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices-RdpCoreTS_4Operational.evtx",
    "omerbenamram-evtx/samples/2-vss_0-Microsoft-Windows-TerminalServices-RemoteConnectionManager_4Operational.evtx",
    "omerbenamram-evtx/samples/sample_with_a_bad_chunk_magic.evtx",
]


@pytest.mark.parametrize("rel", EVTX_CLEAN + EVTX_OPEN, ids=lambda r: r.rsplit("/", 1)[-1][:40])
def test_evtx_records_plus_missing_equal_what_chunks_vouch_for(shared: Path, rel: str) -> None:
    records, missing, vouched = evtx_accounting((shared / "corpus/evtx" / rel).read_bytes())
    assert records + missing == vouched


@pytest.mark.parametrize("seed", range(10))
def test_damaged_evtx_records_plus_missing_equal_what_chunks_vouch_for(shared: Path,
                                                                       seed: int) -> None:
    """Damage inside record data (chunk header and record frames intact: a flipped frame id
    would make one record two ids): every vouched id is accounted."""
    base = bytearray((shared / "corpus/evtx/dikimevi/Logs/Application.evtx").read_bytes())
    chunk = evtx_chunks.read_chunk(bytes(base[0x1000:0x11000]), 0, 0x1000)
    inside = [pos for i, (_, off) in enumerate(chunk.records)
              for pos in range(off + 24, (chunk.records[i + 1][1] if i + 1 < len(chunk.records)
                                          else 0x1000 + chunk.free_offset) - 4)]
    rnd = random.Random(seed)
    for _ in range(rnd.randint(1, 30)):
        base[rnd.choice(inside)] ^= 1 << rnd.randrange(8)
    records, missing, vouched = evtx_accounting(bytes(base), "python" if seed % 5 == 0 else "rust")
    assert records + missing == vouched


def test_sqlwriter_continuation_never_spans_a_skipped_banner_line() -> None:
    """Found by fuzzing: a continuation after a star-rule banner line extended the entry before
    it across the (skipped) banner line, so that line was counted twice."""
    data = (b"[03/27/2021 21:55:04, TID 1a2c] SQLWRITER TRACING STARTED\r\n"
            b"[03/27/2021 21:55:04, TID 1a2c] ****\r\n"
            b"[03/27/2021 21:55:05, TID 1a2c] first entry\r\n"
            b"[03/27/2021 21:55:04, TID 1a2c] ********\r\n"
            b"continuation\r\n")
    events, led = read(data)
    assert led.kind == "sqlwriter-log"
    assert [(e.locator.line, e.locator.end_line) for e in events] == [(3, 3)]
    assert covered_lines(events) + line_skips(led) == led.info["lines"] == 5


def test_sqlwriter_blank_line_inside_an_entry_is_part_of_it() -> None:
    """Found by fuzzing (atheris): a blank line followed by a continuation was skipped and also
    inside the entry's line range."""
    data = (b"[03/27/2021 22:01:52, TID 2b40] Entering SQL Writer OnIdentify.\r\n"
            b"[03/27/2021 22:01:52, TID 2b40] first line of a message\r\n"
            b"\r\n"
            b"its continuation\r\n"
            b"\r\n"
            b"[03/27/2021 22:01:53, TID 2b40] Entering SQL Writer OnPrepareBackup.\r\n"
            b"\r\n")
    events, led = read(data)
    assert led.kind == "sqlwriter-log"
    assert [(e.locator.line, e.locator.end_line) for e in events] == [(1, 1), (2, 4), (6, 6)]
    assert led.skip_reasons["blank line"] == 2
    assert covered_lines(events) + line_skips(led) == led.info["lines"] == 7


@pytest.mark.parametrize(("data", "kind", "ranges"), [
    # guest helper log: a blank line, then an untimed continuation of the entry
    (b"10:01:55 PM   3012  INFO                    Prepare snapshot. JobId: {3f9a}\r\n"
     b"\r\n"
     b"continued text of that entry\r\n"
     b"\r\n"
     b"10:02:09 PM   3012  INFO                    State: [VSS_WS_FAILED_AT_PREPARE_SNAPSHOT]\r\n",
     "veeam-guest", [(1, 3), (5, 5)]),
    # console session text: a label line, a blank line, the line that joins the label
    (b"Details :\r\n\r\nFailed to create VM recovery checkpoint\r\n", "veeam-session", [(1, 3)]),
])
def test_blank_line_inside_an_entry_is_not_also_skipped(data: bytes, kind: str,
                                                        ranges: list[tuple[int, int]]) -> None:
    """Found by fuzzing (atheris, hypothesis): the guest-log and session-text readers skipped a
    blank line that was inside an entry's line range."""
    events, led = read(data)
    assert led.kind == kind
    assert [(e.locator.line, e.locator.end_line) for e in events] == ranges
    assert covered_lines(events) + line_skips(led) == led.info["lines"]


def test_vssadmin_never_skips_more_lines_than_it_read() -> None:
    """Found by fuzzing (atheris): a line split into several logical lines (joined output)
    was counted as several skipped lines."""
    data = (b"[10.06.2026 01:02:20] <18> Info       [  Task session '5c7e9a1c-3e5a-4c7e-9a1c-"
            b"3e5a7c9e1a3c' has been completed, status: 'Gail" + b"\xb8" * 15 + b"ed', '0' of '0'"
            b" bytes, '0' of '1' objects, details: 'Failed to prepare guest for hot a"
            + "nce Id: {5d4c3b2a-1f0e-4d9".encode("utf-16-le") + b"\x00"
            + "  State: [1]".encode("utf-16-le")[:-1])
    from logscope.ingest import vssadmin

    led = FileLedger("x")
    src = Source("x", opener=lambda: io.BytesIO(data), size=len(data))
    events = list(vssadmin.parse(src, led, IngestOptions()))
    assert covered_lines(events) + line_skips(led) <= led.info["lines"]


def test_veeam_blank_line_between_stack_frames_is_inside_the_entry() -> None:
    """Found by fuzzing (hypothesis long run): a blank line between two stack-frame lines was
    skipped and also inside the exception entry's line range."""
    data = (b"[07.07.2021 16:08:39] <01> Error    Operation was canceled by user X "
            b"(Veeam.Backup.Common.CStopSessionException)\r\n"
            b"[07.07.2021 16:08:39] <01> Error       at Veeam.Backup.Core.CStopSessionControl."
            b"CheckStoped()\r\n"
            b"\r\n"
            b"[07.07.2021 16:08:39] <01> Error       at Veeam.Backup.Core.CMultiStopSessionSync."
            b"CheckStoped()\r\n"
            b"[07.07.2021 16:08:40] <01> Info     Next entry\r\n")
    events, led = read(data)
    assert led.kind == "veeam"
    assert [(e.locator.line, e.locator.end_line) for e in events] == [(1, 4), (5, 5)]
    assert covered_lines(events) + line_skips(led) == led.info["lines"] == 5


def test_vssadmin_split_line_is_not_both_record_and_skipped() -> None:
    """Found by fuzzing (atheris, after 83k inputs): one part of a split line gave a block,
    another was counted as skipped."""
    data = (b"D:{    e:(:)\\\\?\\{21385651-  e:[0]w Corvice a - AVolume Shadow Copy Service "
            b"administrative command-line tood-line toorative coo)l (C) Copyright (C )2001")
    from logscope.ingest import vssadmin

    led = FileLedger("x")
    src = Source("x", opener=lambda: io.BytesIO(data), size=len(data))
    events = list(vssadmin.parse(src, led, IngestOptions()))
    assert covered_lines(events) + line_skips(led) <= led.info["lines"]
