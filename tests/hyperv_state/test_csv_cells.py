"""The CSV cell limit is one for every reader, whatever was read before: the csv module's
limit is process-wide, and the event-log CSV reader used to raise it for itself, so a Hyper-V
state Export-Csv with a 200 KiB cell was refused alone and read after an event-log CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest

from logscope.ingest import read_source
from logscope.ingest.csv_cells import MAX_CELL
from logscope.ingest.source import IngestOptions, Source

STATE = (b"#TYPE Microsoft.HyperV.PowerShell.VirtualMachine\r\n"
         b'"VMName","Name","State","Notes"\r\n'
         b'"vm1","vm1","Running",""\r\n'
         b'"vm2","vm2","Running","' + b"n" * (200 << 10) + b'"\r\n'
         b'"vm3","vm3","Off",""\r\n')
EVENT_LOG = ('"Message","Id","ProviderName","TimeCreated"\r\n'
             '"The VSS service is shutting down due to idle timeout.","8224","VSS",'
             '"3/14/2026 10:02:11 AM"\r\n').encode()


def _read(name: str, data: bytes) -> tuple[str, int, list[tuple[str, str]]]:
    src = Source(name, lambda: io.BytesIO(data), size=len(data))
    ledger, events = read_source(src, IngestOptions())
    n = sum(1 for _ in events)
    return ledger.kind, n, [(p.where, p.code) for p in ledger.problems]


@pytest.fixture
def fresh_limit() -> Iterator[None]:
    """The csv module's limit as a new process has it (128 KiB), put back afterwards."""
    saved = csv.field_size_limit(128 << 10)
    yield
    csv.field_size_limit(saved)


def test_state_csv_reads_the_same_before_and_after_an_event_log_csv(fresh_limit: None) -> None:
    alone = _read("vms.csv", STATE)
    kind, n, problems = _read("app.csv", EVENT_LOG)
    assert (kind, n, problems) == ("evtx-csv", 1, [])
    after = _read("vms.csv", STATE)
    assert alone == after
    assert alone[0] == "hyperv-state" and alone[2] == []


def test_a_cell_over_the_limit_is_a_located_problem_in_both_readers(fresh_limit: None) -> None:
    half = b"n" * (MAX_CELL // 2 + 1)  # a quoted cell over two lines: each under the line cap
    long_state = STATE.replace(b"n" * (200 << 10), half + b"\r\n" + half)
    assert _read("vms.csv", long_state)[1:] == (2, [("line 5", "bad-csv")])
    long_event = EVENT_LOG.replace(b"idle timeout.", b"x" * (MAX_CELL + 1))
    kind, n, problems = _read("app.csv", long_event)
    assert kind == "evtx-csv" and n == 0 and [c for _w, c in problems] == ["csv-error"]
