"""The state reader emits each record as it completes: reading a long listing holds only the
open record, not the text (a 500,000-row table held 400 MB; benchmarks/bench_hostile_pasted.py
``state-table-rows`` measures it). Checked by counting the lines the reader has pulled when
each event comes out."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from logscope.ingest.hyperv_state import parse_lines
from logscope.ledger import FileLedger

TABLE = ["Name            State   CPUUsage(%) MemoryAssigned(M) Uptime           Status"
         "             Version",
         "----            -----   ----------- ----------------- ------           ------"
         "             -------"]
ROW = ("VM{:06d}        Running 1           8192              00:03:07.0560000 Operating normally "
       "9.0")
VHD = ["Path       : D:\\VMs\\VM{0}\\VM{0}.vhdx", "VhdType    : Dynamic",
       "FileSize   : 4194304", "ParentPath :", ""]
DIR = [" Directory of D:\\VMs\\VM1", "", "12/04/2026  02:00 AM     4,194,304,000 VM1.vhdx"]


def _counted(lines: list[str], pulled: list[int]) -> Iterator[tuple[int, str]]:
    for n, t in enumerate(lines, 1):
        pulled[0] = n
        yield n, t


def _lag(lines: list[str]) -> tuple[list[tuple[int, int]], FileLedger]:
    """(record's first line, lines pulled when its event came out) per event."""
    pulled = [0]
    ledger = FileLedger("state.txt")
    out = [(ev.locator.line, pulled[0])
           for ev in parse_lines(_counted(lines, pulled), "state.txt", ledger)]
    return out, ledger


def test_table_rows_come_out_one_line_behind() -> None:
    lines = TABLE + [ROW.format(i) for i in range(20_000)]
    out, _ = _lag(lines)
    assert len(out) == 20_000
    assert max(pulled - line for line, pulled in out) <= 1  # held back one line, no more


def test_list_blocks_and_dir_rows_come_out_at_their_end() -> None:
    lines = [x.format(i) for i in range(500) for x in VHD] + DIR
    out, _ = _lag(lines)
    assert len(out) == 501
    assert max(pulled - line for line, pulled in out[:-1]) <= len(VHD)
    assert out[-1] == (len(lines), len(lines))  # the dir row at once


@pytest.mark.parametrize("order", ["table-first", "list-first"])
def test_mixed_forms_come_out_in_line_order(order: str) -> None:
    table = TABLE + [ROW.format(i) for i in range(3)] + [""]
    vhds = [x.format(i) for i in range(3) for x in VHD]
    lines = table + vhds + DIR if order == "table-first" else vhds + table + DIR
    out, ledger = _lag(lines)
    starts = [line for line, _ in out]
    assert starts == sorted(starts) and len(starts) == 7
    assert not ledger.problems


def test_a_marker_line_dates_the_records_after_it() -> None:
    first = "# logscope-collect 2026-12-04T10:00:00+01:00 host=HV21 command=x"
    second = "# logscope-collect 2026-12-05T10:00:00+01:00 host=HV22 command=x"
    lines = [first, *TABLE, ROW.format(1), "", second, *TABLE, ROW.format(2)]
    ledger = FileLedger("state.txt")
    events = list(parse_lines(enumerate(lines, 1), "state.txt", ledger))
    assert [(ev.host, ev.data.get("capture_time", "")[:10]) for ev in events] == \
        [("HV21", "2026-12-04"), ("HV22", "2026-12-05")]


def test_a_list_block_is_cut_at_max_block_lines() -> None:
    """Hand-made: one endless ``Label : value`` block (no blank line) would be held whole;
    it is emitted every ``max_block_lines`` lines instead."""
    from logscope.ingest.hyperv_state.text_forms import TextForms

    forms = TextForms(max_block_lines=10)
    out = []
    for n in range(1, 26):
        out += forms.feed(n, f"Label{n:03d}   : value {n}")
    out += forms.close()
    assert [(r.line, r.end_line, len(r.props)) for r in out] == [(1, 10, 10), (11, 20, 10),
                                                                  (21, 25, 5)]
