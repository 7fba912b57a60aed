"""Retained state of the text readers' accounting does not grow with the input (issue 22)."""

from __future__ import annotations

import random

from logscope.correlate.expected import ExpectedWriters
from logscope.ingest.textio import LineCoverage
from logscope.ingest.vssadmin import parse_text

_BANNER = ("vssadmin 1.1 - Volume Shadow Copy Service administrative command-line tool\n"
           "(C) Copyright 2001-2013 Microsoft Corp.\n\n")


def _listing(writers: int) -> str:
    blocks = [
        f"Writer name: 'Writer {i}'\n   Writer Id: {{{i:08x}-0639-4400-923a-5fd982e53c7e}}\n"
        f"   Writer Instance Id: {{{i:08x}-1111-4400-923a-5fd982e53c7e}}\n"
        "   State: [1] Stable\n   Last error: No error\n\n"
        for i in range(writers)
    ]
    return _BANNER + "".join(blocks)


def test_line_coverage_keeps_a_window_and_counts_exactly() -> None:
    for reps in (10, 100, 1000):
        cov = LineCoverage(window=64)
        line = 1
        for _ in range(reps * 10):  # records 5 lines long, a blank line between them
            cov.add(line, line + 4)
            line += 6
        assert len(cov.ranges) <= 64
        assert cov.covered(line) == reps * 10 * 5
        assert cov.approximate == 0


def test_line_coverage_matches_a_set_when_ranges_go_back_a_little() -> None:
    for trial in range(2000):
        r = random.Random(trial)
        cov = LineCoverage(window=r.choice([2, 3, 5, 50]))
        seen: set[int] = set()
        pos = 1
        for _ in range(r.randint(0, 60)):
            a = max(1, pos - r.randint(0, 5)) if r.random() < 0.1 else pos + r.randint(0, 3)
            b = a + r.randint(0, 4)
            pos = b + 1
            cov.add(a, b)
            seen.update(range(a, b + 1))
        total = max(seen, default=0) + 3
        if cov.approximate:
            assert cov.covered(total) <= len(seen)
        else:
            assert cov.covered(total) == len(seen)


def test_expected_writers_keep_no_events_and_find_the_same_missing_writer() -> None:
    sizes = []
    for reps in (1, 5):
        events = parse_text(_listing(200) * reps, "w.txt")
        exp = ExpectedWriters()
        for ev in events:
            ev.host = "HV01"
            exp.feed(ev)
        listed = exp.listed["w.txt"]
        assert len(listed.seen) == reps  # one entry per capture
        sizes.append(sum(len(ids) + len(names) for _, ids, names in listed.seen.values()))
        missing = listed.missing({"hyperv_host": True})
        assert missing and all(m.writer_name for m in missing)
        assert len(missing) == reps * len(listed.missing({"hyperv_host": True}, None)) // reps
    assert sizes == [0, 0]  # none of 'Writer N' can be expected: nothing per writer kept


def _parsed(data: bytes, name: str) -> tuple[list[dict], dict]:
    import io

    from logscope.ingest.textio import iter_lines
    from logscope.ingest.vssadmin.parser import _Parser
    from logscope.ledger import FileLedger

    led = FileLedger(name)
    parser = _Parser(name, led, None)
    events = [ev.to_dict() for ev in parser.run(iter_lines(io.BytesIO(data), led))]
    return events, led.as_dict() | {"memo": len(parser.stream._memo)}  # noqa: SLF001


def _utf16(text: str) -> bytes:
    import codecs

    return codecs.BOM_UTF16_LE + text.encode("utf-16-le")


def test_remembered_lines_change_nothing(shared, monkeypatch) -> None:  # noqa: ANN001
    """Lines classified once and copied give the events and ledger of classifying every
    line: real captures (UTF-8 and UTF-16 with BOM) and a listing repeated many times."""
    from logscope.ingest.vssadmin import stream

    texts = [(p.name, p.read_text("utf-8", "replace"))
             for p in sorted((shared / "corpus" / "text" / "vssadmin").glob("*.txt"))]
    texts.append(("repeated.txt", _listing(40).replace("\n", "\r\n") * 30))
    assert len(texts) > 10
    for name, text in texts:
        for data in (text.encode("utf-8"), _utf16(text)):
            with_memo = _parsed(data, name)
            monkeypatch.setattr(stream, "MEMO_CHARS", -1)  # nothing remembered
            without = _parsed(data, name)
            monkeypatch.undo()
            assert with_memo[0] == without[0], name
            assert with_memo[1] | {"memo": 0} == without[1] | {"memo": 0}, name
            assert without[1]["memo"] == 0


def test_remembered_lines_stay_bounded(monkeypatch) -> None:  # noqa: ANN001
    from logscope.ingest.vssadmin import stream

    monkeypatch.setattr(stream, "MEMO_LINES", 100)
    events, led = _parsed(_listing(500).encode(), "w.txt")  # ~1,500 distinct lines
    assert len(events) == 500
    assert 0 < led["memo"] <= 100


def test_captures_past_the_kept_ones_are_counted_exactly(monkeypatch) -> None:  # noqa: ANN001
    """Many captures: only the first few of each listing composition are kept, the rest
    counted; the file's problems (kept and dropped) are those of keeping every capture."""
    from logscope import ledger as ledger_mod
    from logscope.correlate import expected as expected_mod
    from logscope.ledger import FileLedger

    sql = ("Writer name: 'SqlServerWriter'\n   Writer Id: {a65faa63-5ea8-4ebc-9dbd-a0c4db26912a}\n"
           "   Writer Instance Id: {11111111-1111-4400-923a-5fd982e53c7e}\n"
           "   State: [1] Stable\n   Last error: No error\n\n")
    text = "".join(_listing(2) + (sql if k % 3 == 0 else "") for k in range(60))
    monkeypatch.setattr(ledger_mod, "MAX_PROBLEMS_PER_FILE", 7)

    def run(keep: int | None) -> tuple[dict, int, int]:
        monkeypatch.setattr(expected_mod, "KEEP_CAPTURES", keep)
        led = FileLedger("w.txt")
        events = parse_text(text, "w.txt", led)
        exp = ExpectedWriters()
        for ev in events:
            ev.host = "SQL01"
            exp.feed(ev)
        exp.roles["sql01"].add("sql_server")
        n = exp.report([led])
        return led.as_dict(), n, len(exp.listed["w.txt"].seen)

    bounded, every = run(8), run(None)
    assert bounded[:2] == every[:2]
    assert every[1] > 7 and every[2] == 60  # problems past the cap; every capture kept
    assert bounded[2] <= 2 * 8 + 1  # two compositions, 8 kept each (+ the last capture)


def test_record_ranges_cover_what_a_scan_of_every_range_covers() -> None:
    """Skipped lines inside a record (a joined line split into parts) are found by a binary
    search, not by scanning every range for every skipped line (n x m on a file alternating
    stray lines and blocks); the answer is the scan's, ranges in any order, open ends too."""
    from logscope.ingest.vssadmin.stream import RecordRanges

    for trial in range(500):
        r = random.Random(trial)
        ranges = RecordRanges()
        pairs = []
        for _ in range(r.randint(0, 30)):
            a = r.choice([None, 0, r.randint(1, 80)])
            b = r.choice([None, 0, (a or 0) + r.randint(0, 6)])
            ranges.add(a, b)
            pairs.append((a or 0, b or 0))
        lines = r.sample(range(0, 90), r.randint(0, 40))
        naive = [no for no in lines if any(a <= no <= (b or a) for a, b in pairs)]
        assert sorted(ranges.covered(lines)) == sorted(naive)
