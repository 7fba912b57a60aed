"""Pasted and exported text (event text, PowerShell errors, DiskShadow, free message text,
Veeam agent sessions, Hyper-V state captures): the inputs the fuzzers of
fuzz/pasted_targets.py found, built here. Each file is read without a parser failure, any
damage is a problem naming the line, and the rest of the bundle is still analysed."""

from __future__ import annotations

import tracemalloc
from pathlib import Path
from typing import Any

import pytest

from .conftest import GOOD_NAME, GOOD_VSS, assert_good_read, files, run


def bundle_with(tmp_path: Path, data: bytes, name: str = "pasted.txt") -> tuple[dict[str, Any],
                                                                               dict[str, Any]]:
    """The report of a bundle holding ``data`` next to a good vssadmin capture, and the
    entry of ``data``'s file."""
    (tmp_path / name).write_bytes(data)
    good = tmp_path / GOOD_NAME
    good.parent.mkdir(parents=True)
    good.write_bytes(GOOD_VSS)
    rep = run(tmp_path)
    assert_good_read(rep)
    return rep, next(f for p, f in files(rep).items() if p.endswith(name))


def parser_failures(entry: dict[str, Any]) -> list[str]:
    return [p["message"] for p in entry.get("problems", []) if p.get("code") == "parser-error"]


def test_get_winevent_table_with_a_repeated_column_is_not_a_parser_failure(
        tmp_path: Path) -> None:
    """atheris (event-text): a Format-Table header naming ``Id`` twice built a row regex
    with a repeated group name: ``re.error`` out of the reader."""
    data = (b"TimeCreated            Id LevelDisplayName Message   Id LevelDisplayName Message\n"
            b"-----------            -- ---------------- -------\n"
            b"12/17/2014 10:28:00 AM 1  Error            Something failed\n")
    _, entry = bundle_with(tmp_path, data)
    assert parser_failures(entry) == []
    assert entry["skipped"] + entry["records"] >= 1  # the lines are accounted for


def test_a_line_of_a_million_quote_marks_is_cleaned_in_bounded_memory() -> None:
    """Hand-made: a reply quoted a million levels deep (one line of ``>``). The quote
    prefix pattern kept a backtracking entry per ``>``: ~150 MB for a 1 MiB line."""
    from logscope.ingest.paste_clean import clean_lines

    line = ">" * (1 << 20) + " Error 0x80070005"
    tracemalloc.start()
    try:
        cleaned = clean_lines([(1, "> ok"), (2, line)], join_wrapped=False)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert [cl.text for cl in cleaned.lines] == ["ok", "Error 0x80070005"]
    assert peak < 24 << 20  # the line itself is 1 MiB (a str of it up to 4 MiB)


SNAPSHOT_JSON = b'{"VMName": "A", "SnapshotType": 1, "Name": "x"}'


def test_convertto_json_nested_too_deep_is_a_problem_at_its_line(tmp_path: Path) -> None:
    """Hand-made: an element nested 30,000 deep made the C JSON decoder raise RecursionError,
    a parser failure that also lost the good element before it."""
    data = (b"[\n " + SNAPSHOT_JSON + b",\n"
            b' {"VMName": "B", "X": ' + b"[" * 30_000 + b"]" * 30_000 + b"}]\n")
    _, entry = bundle_with(tmp_path, data)
    assert entry["kind"] == "hyperv-state" and parser_failures(entry) == []
    assert entry["records"] == 1
    assert [(p["where"], p["code"]) for p in entry["problems"]] == [("line 3", "bad-json")]
    assert entry["skip_reasons"]["JSON text that does not decode"] == 1



def test_convertto_json_elements_keep_their_lines_in_a_long_array() -> None:
    """Each element's line is counted on from the one before (it was counted from the top
    for every element: 80,000 elements took 106 CPU s; benchmarks/bench_hostile_pasted.py
    ``json-80k-elements``); the lines stay those of the text."""
    from fuzz.pasted_targets import read_bytes

    data = b"[\n" + (SNAPSHOT_JSON + b",\r\n\r\n") * 3000 + b"  " + SNAPSHOT_JSON + b"\n]\n"
    ledger, events = read_bytes(data)
    assert len(events) == 3001
    assert [e.locator.line for e in events] == list(range(2, 2 + 2 * 3001, 2))
    assert all(e.locator.end_line == e.locator.line for e in events)


def test_pasted_lines_without_a_blank_line_are_cleaned_a_chunk_at_a_time() -> None:
    """Hand-made: a PowerShell error followed by 50 MB of ``+`` lines and no blank line was
    cleaned as one chunk (all its lines held: 240 MB peak RSS for ``analyze``)."""
    import io

    from logscope.ingest.paste_read import cleaned_lines
    from logscope.ingest.source import IngestOptions, Source
    from logscope.ledger import FileLedger

    n = 30_000
    data = b"Start-VM : failed\r\n" + b"    + CategoryInfo          : x\r\n" * n
    source = Source("p.txt", opener=lambda: io.BytesIO(data), size=len(data))
    tracemalloc.start()
    try:
        seen = 0
        for cl in cleaned_lines(source, FileLedger("p.txt"), IngestOptions(), chunk_lines=100):
            seen += 1
            assert cl.line == seen
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert seen == n + 1
    # FORCED_CUT chunks of 100 lines held: ~350 kB; all 30,000 cleaned lines held: ~7 MB
    assert peak < 2 << 20


GET_VM_TABLE = (b"Name            State   CPUUsage(%) MemoryAssigned(M) Uptime           Status"
                b"             Version\r\n"
                b"----            -----   ----------- ----------------- ------           ------"
                b"             -------\r\n")


def test_hyperv_state_holds_a_bounded_text(tmp_path: Path,
                                           monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-made: the state reader held every line up to 500,000 of them, however long (a
    50 MB table: 400 MB peak RSS); it now streams the table, and past the character budget
    the lines are skipped under the limit's reason, with a problem at the first one."""
    from logscope.ingest.hyperv_state import reader

    monkeypatch.setattr(reader, "MAX_CHARS", 20_000)
    row = b"RDP-Workstation Running 1           8192              00:03:07.0560000 " \
          b"Operating normally 9.0\r\n"
    rows = 1000
    data = GET_VM_TABLE + row * rows
    sizes = [len(t) for t in data.decode().splitlines()]
    first_cut = next(n for n in range(1, len(sizes) + 1) if sum(sizes[:n]) > 20_000)
    assert 100 < first_cut < rows  # the cut is inside the rows
    _, entry = bundle_with(tmp_path, data)
    assert entry["kind"] == "hyperv-state" and parser_failures(entry) == []
    cut = [p for p in entry["problems"] if p["code"] == "too-long"]
    assert [p["where"] for p in cut] == [f"line {first_cut}"]
    assert entry["skip_reasons"]["line past the state-listing limit"] == len(sizes) - first_cut + 1
    assert entry["records"] == first_cut - 3  # the rows before the cut, each a VM


def test_hyperv_state_holds_a_bounded_number_of_lines(tmp_path: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-made: 500,000 short Format-Table rows (50 MB) peaked at 401 MB RSS, under the
    character budget. Past ``max_lines`` (data/hyperv_state.yml) the rest is skipped, with a
    ``too-long`` problem at the first line not read; the rows before it are all read."""
    from logscope.ingest.hyperv_state import reader

    monkeypatch.setattr(reader, "MAX_LINES", 500)
    row = b"RDP-Workstation Running 1           8192              00:03:07.0560000 " \
          b"Operating normally 9.0\r\n"
    _, entry = bundle_with(tmp_path, GET_VM_TABLE + row * 1000)
    assert entry["kind"] == "hyperv-state" and parser_failures(entry) == []
    cut = [p for p in entry["problems"] if p["code"] == "too-long"]
    assert [p["where"] for p in cut] == ["line 501"]
    assert entry["skip_reasons"]["line past the state-listing limit"] == 1002 - 500
    assert entry["records"] == 500 - 2  # header and dashes, then a VM a line


JSON_VM = b'{"Name": "vm%d", "Id": "%d", "Generation": 2},\r\n'


def test_hyperv_state_json_holds_a_bounded_text(tmp_path: Path,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Hand-made: JSON is decoded from its whole text, so the reader holds it. Past the
    character budget the lines are skipped under the limit's reason, with a problem at the
    first one; the objects before it are read."""
    from logscope.ingest.hyperv_state import reader

    monkeypatch.setattr(reader, "MAX_CHARS", 20_000)
    rows = [JSON_VM % (i, i) for i in range(1000)]
    data = b"[\r\n" + b"".join(rows) + b"]\r\n"
    sizes = [len(t) for t in data.decode().splitlines()]
    first_cut = next(n for n in range(1, len(sizes) + 1) if sum(sizes[:n]) > 20_000)
    assert 100 < first_cut < len(rows)  # the cut is inside the objects
    _, entry = bundle_with(tmp_path, data)
    assert entry["kind"] == "hyperv-state" and parser_failures(entry) == []
    cut = [p for p in entry["problems"] if p["code"] == "too-long"]
    assert [p["where"] for p in cut] == [f"line {first_cut}"]
    assert entry["skip_reasons"]["line past the state-listing limit"] == len(sizes) - first_cut + 1
    assert entry["records"] == first_cut - 2  # the "[" line, then a VM a line


CSV_TYPE = b"#TYPE Microsoft.HyperV.PowerShell.VirtualMachine\r\n"


def test_export_csv_of_a_hundred_thousand_columns_reads_the_first_ones(tmp_path: Path) -> None:
    """Hand-made: a header of 100,000 columns made a 100,000-key object per row (25 MB:
    13 CPU s, 234 MB peak RSS). Only the first MAX_COLUMNS are read, and a problem says so."""
    from logscope.ingest.hyperv_state.structured import MAX_COLUMNS

    extra = 3 * MAX_COLUMNS
    head = b'"VMName","Name","State"' + b"".join(b',"c%d"' % i for i in range(extra))
    rows = [b'"vm%d","vm%d","Running"' % (i, i) + b',"v"' * extra for i in range(3)]
    _, entry = bundle_with(tmp_path, CSV_TYPE + b"\r\n".join([head, *rows]) + b"\r\n")
    assert entry["kind"] == "hyperv-state" and parser_failures(entry) == []
    assert entry["records"] == 3
    assert [(p["where"], p["code"]) for p in entry["problems"]] == [("line 2", "too-wide")]
    assert f"{extra + 3:,} columns" in entry["problems"][0]["message"]


def test_export_csv_row_the_csv_module_refuses_is_a_problem_at_its_line(tmp_path: Path) -> None:
    """A cell over the csv module's field limit was passed over without a word."""
    from logscope.ingest.csv_cells import MAX_CELL

    half = b"x" * (MAX_CELL // 2 + 1)  # a quoted cell over two lines: each under the line cap
    rows = [b'"vm1","vm1","Running"', b'"vm2","vm2","' + half + b"\r\n" + half + b'"',
            b'"vm3","vm3","Off"']
    _, entry = bundle_with(tmp_path, CSV_TYPE + b'"VMName","Name","State"\r\n'
                           + b"\r\n".join(rows) + b"\r\n")
    assert entry["kind"] == "hyperv-state" and parser_failures(entry) == []
    assert entry["records"] == 2
    assert [(p["where"], p["code"]) for p in entry["problems"]] == [("line 5", "bad-csv")]


def test_a_code_fence_inside_a_powershell_error_is_not_counted_twice() -> None:
    """atheris (powershell-error): the fence line was both in the record (lines 1-6) and
    skipped as 'code fence line': 6 lines read, 7 accounted for. A fence outside a record
    is still accounted for, as a line in no record."""
    from fuzz.pasted_targets import read_bytes
    from logscope.ingest.textio import UNACCOUNTED

    record = (b"Start-VM : The virtual machine could not be started.\n"
              b"At line:1 char:1\n"
              b"```\n"
              b"+ Start-VM -Name x\n"
              b"    + CategoryInfo          : NotSpecified: (:) [Start-VM], Virtualization\n"
              b"    + FullyQualifiedErrorId : Unspecified,Microsoft.HyperV.PowerShell.Commands\n")
    ledger, events = read_bytes(record)
    assert ledger.kind == "powershell-error" and ledger.info["lines"] == 6
    assert [(e.locator.line, e.locator.end_line) for e in events] == [(1, 6)]
    assert ledger.skipped == 0, dict(ledger.skip_reasons)

    ledger, events = read_bytes(b"```\n" + record + b"```\n")
    assert [(e.locator.line, e.locator.end_line) for e in events] == [(2, 7)]
    assert dict(ledger.skip_reasons) == {UNACCOUNTED: 2}
