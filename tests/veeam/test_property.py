"""Property tests: arbitrary and mutated lines never make a Veeam parser raise, and work is linear.

"Work" is counted, not timed: the number of Python lines the parser executes (``sys.settrace``)
for an input repeated k times must grow like k. Regex matching runs in C and is not counted;
the templates are kept linear by construction (bounded quantifiers, no nesting; see
``data/veeam_patterns.yml``), and long hostile lines are part of the generated input.
"""

from __future__ import annotations

import gzip
import io
import re
import sys
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from logscope.ingest.source import IngestOptions, Source
from logscope.ingest.textio import iter_lines
from logscope.ingest.veeam import guest as veeam_guest
from logscope.ingest.veeam import server as veeam_server
from logscope.ingest.veeam import session as veeam_session
from logscope.ingest.veeam import sqlwriter as veeam_sqlwriter
from logscope.ledger import FileLedger

from .conftest import parse_bytes

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "veeam"

FRAGMENTS = [
    "[07.07.2021 16:43:06] <01> Info         ", "[07.07.2021 16:43:06] <01> Error        ",
    "[31.13.2021 25:61:61] <99999999> Warning  ", "[07.07.2021 16:43:06.123] <37> [a1b2] Error ",
    "   at Veeam.X.Y()", "===================================================================",
    "Starting new log", "UTC offset: 2.00 hours", "UTC offset: 99.99 hours", "UTC Time: [7/7/2021 2:34:10 PM]",
    "CmdLineParams: [x]", "Job Name: [", "]", "'", "Vm '", "Task session '", "created for Vm 'A'",
    "Error code: '32768'.", "0x800423F4", "%%2147754996", "VSSControl: -2147467259", "(Retry 2)",
    "Backup job: ", "Created by x at 25/05/2016 22:51. | Error", "2:25:06 PM    224  INFO    ",
    "[01/11/2021 02:54:59, TID 61f8] ", "**  UTC OFFSET: -8:00", "********", "Details :",
    "Writer name: [W]. Class ID: [{76fe1ac4-15f7-4bcd-987e-8e1acb462fb7}]", "\t", "\x00", "\ufffd", "é",
]

line_st = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=40)), max_size=8
).map("".join)
lines_st = st.lists(line_st, max_size=40)


def _sample_lines() -> list[str]:
    out: list[str] = []
    for p in sorted(SAMPLES.glob("*")):
        if p.suffix != ".md":
            out.extend(p.read_text("utf-8").splitlines())
    return out


SAMPLE_LINES = _sample_lines()


@st.composite
def mutated(draw: st.DrawFn) -> list[str]:
    """Sample lines with characters deleted, replaced or inserted, and lines dropped or repeated."""
    start = draw(st.integers(0, len(SAMPLE_LINES) - 1))
    chunk = SAMPLE_LINES[start : start + draw(st.integers(1, 30))]
    out = []
    for line in chunk:
        op = draw(st.sampled_from(["keep", "keep", "cut", "replace", "insert", "drop", "twice"]))
        pos = draw(st.integers(0, max(0, len(line))))
        if op == "cut":
            line = line[:pos]
        elif op == "replace" and line:
            line = line[:pos] + draw(st.text(min_size=1, max_size=3)) + line[pos + 1 :]
        elif op == "insert":
            line = line[:pos] + draw(st.sampled_from(FRAGMENTS)) + line[pos:]
        elif op == "drop":
            continue
        elif op == "twice":
            out.append(line)
        out.append(line)
    return out


PARSERS = (veeam_server.parse_server_log, veeam_session.parse_session_text,
           veeam_guest.parse_guest_log, veeam_sqlwriter.parse_sqlwriter_log)


def _run_all(data: bytes) -> None:
    # through the entry point (detection + dispatch), and every parser on the same bytes
    events, ledger = parse_bytes(data, "a.zip/SRV/Backup/J/Job.J.Backup.log")
    assert ledger.records == len(events)
    for parser in PARSERS:
        led = FileLedger("x")
        src = Source("x", opener=lambda: io.BytesIO(data))
        evs = list(parser(iter_lines(io.BytesIO(data), led), src, led, IngestOptions()))
        assert led.records == len(evs)
        for e in evs:
            assert e.time is None or e.time.tzinfo is not None
            assert e.locator.line is not None and e.locator.end_line >= e.locator.line
            assert e.time_source in ("header", "flag", "local", "none")


SETTINGS = settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@SETTINGS
@given(lines_st, st.sampled_from(["\r\n", "\n", "\r"]))
def test_arbitrary_lines_never_raise(lines, eol):
    _run_all(eol.join(lines).encode("utf-8", "surrogatepass"))


@SETTINGS
@given(mutated())
def test_mutated_sample_lines_never_raise(lines):
    data = "\r\n".join(lines).encode("utf-8", "surrogatepass")
    _run_all(data)
    # every line of a server log is accounted for: in an entry, or counted as skipped
    events, ledger = parse_bytes(data)
    if ledger.kind == "veeam":
        covered = set()
        for e in events:
            covered.update(range(e.locator.line, e.locator.end_line + 1))
        pieces = re.split(r"\r\n|\r|\n", data.decode("utf-8", "replace"))
        n_lines = len(pieces) - (1 if pieces[-1] == "" else 0)
        assert n_lines - len(covered & set(range(1, n_lines + 1))) <= ledger.skipped


@settings(max_examples=40, deadline=None)
@given(st.binary(max_size=2048))
def test_arbitrary_bytes_and_broken_gzip_never_raise(blob):
    _run_all(blob)
    _run_all(b"\x1f\x8b" + blob)
    _run_all(gzip.compress(blob)[: max(2, len(blob) // 2)])


def _steps(data: bytes) -> int:
    count = 0

    def tracer(frame, event, arg):  # noqa: ANN001
        nonlocal count
        if "logscope" in frame.f_code.co_filename:
            count += 1
            return tracer
        return None

    sys.settrace(tracer)
    try:
        parse_bytes(data, "a.zip/SRV/Backup/J/Job.J.Backup.log")
    finally:
        sys.settrace(None)
    return count


def test_work_grows_linearly_with_input():
    unit = "\r\n".join(SAMPLE_LINES).encode() + b"\r\n"
    hostile = ("[07.07.2021 16:43:06] <01> Info     " + "Vm '" * 3000 + "\r\n" + "'" * 20000 + "\r\n"
               + "[" * 5000 + "\r\n").encode()
    for block in (unit, hostile):
        small, big = _steps(block * 2), _steps(block * 8)
        assert big <= 4.4 * small, (small, big)
