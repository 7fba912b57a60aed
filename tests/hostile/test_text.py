"""Text logs: overlong lines, NULs, invalid UTF-8/UTF-16, mixed line endings, binary files
with a log's name. Bounded memory, a problem entry with the line, the rest still read."""

from __future__ import annotations

import codecs
import io
import os
import tracemalloc
from pathlib import Path

import pytest

from logscope.ingest.textio import iter_lines, sniff_encoding
from logscope.ledger import FileLedger

from .conftest import GOOD_VSS, assert_good_read, files, run

VEEAM_HEAD = (b"[14.03.2026 10:00:02] <01> Info         Job Name: [SQL Backup]\r\n"
              b"[14.03.2026 10:00:03] <01> Info         Job session 'b1' has been created.\r\n")
VEEAM_TAIL = (b"[14.03.2026 10:02:11] <18> Error        Failed to create VM recovery checkpoint "
              b"(mode: Veeam application-aware processing) Details: Error code: '32768'.\r\n"
              b"[14.03.2026 10:02:14] <01> Info         Job session 'b1' has been completed.\r\n")


def lines(data: bytes, **kw: int) -> tuple[list[tuple[int, str]], FileLedger]:
    led = FileLedger("x")
    return list(iter_lines(io.BytesIO(data), led, **kw)), led


def codes(led: FileLedger) -> dict[str, str]:
    return {p.code: p.where for p in led.problems}


# -- textio itself -------------------------------------------------------------------------------

def test_mixed_line_endings_number_every_line() -> None:
    data = b"a\r\nb\nc\rd\r\n\re\n\nf"
    out, _ = lines(data)
    assert out == [(1, "a"), (2, "b"), (3, "c"), (4, "d"), (5, ""), (6, "e"), (7, ""), (8, "f")]


@pytest.mark.parametrize("chunk", [1, 2, 3, 7, 64])
def test_crlf_split_across_chunks_is_one_line_end(chunk: int) -> None:
    data = b"ab\r\ncd\r\r\nef\n"
    out, _ = lines(data, chunk_size=chunk)
    assert [t for _, t in out] == ["ab", "cd", "", "ef"]


def test_overlong_line_is_cut_counted_and_the_next_line_read() -> None:
    data = b"first\n" + b"x" * 300_000 + b"\nafter\n"
    out, led = lines(data, max_line_chars=1000)
    assert [n for n, _ in out] == [1, 2, 3]
    assert len(out[1][1]) == 1000 and out[2][1] == "after"
    assert codes(led)["long-line"] == "line 2"
    assert led.skip_reasons["overlong line tail"] == 1


def test_overlong_line_within_one_chunk_is_cut_too() -> None:
    out, led = lines(b"y" * 5000 + b"\nz\n", max_line_chars=1024)
    assert len(out[0][1]) == 1024 and out[1] == (2, "z")
    assert "long-line" in codes(led)


def test_memory_stays_bounded_on_a_huge_line() -> None:
    data = b"head\n" + b"q" * (24 << 20) + b"\ntail\n"
    tracemalloc.start()
    try:
        out, led = lines(data, max_line_chars=1 << 20)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert out[-1] == (3, "tail")
    # the stream is 24 MiB of one line; the reader never holds more than a few MiB of it
    assert peak < 12 << 20


def test_nul_bytes_are_removed_with_the_line_of_the_first() -> None:
    out, led = lines(b"ok\nha\x00lf\n" + b"\x00" * 70_000 + b"\nlast\n")
    assert out[1] == (2, "half") and out[-1] == (4, "last")
    assert codes(led)["nul-bytes"] == "line 2"
    assert "70001 NUL" in led.problems[0].message


def test_invalid_utf8_is_replaced_and_reported_once_with_its_line() -> None:
    out, led = lines(b"good\n" * 3000 + b"bad \xff\xfe\xc3 here\nmore \xc3\x28\nend\n")
    assert out[3000][1].startswith("bad ") and "\ufffd" in out[3000][1]
    assert out[-1] == (3003, "end")
    assert [p.where for p in led.problems if p.code == "decode-error"] == ["line 3001"]


@pytest.mark.parametrize("damage", [b"\x00\xd8A\x00", b"\x00\xdc\x00\xdc", b"\x41"])
def test_invalid_utf16_lone_surrogates_and_odd_length(damage: bytes) -> None:
    body = "line one\r\nline two\r\n".encode("utf-16-le")
    data = codecs.BOM_UTF16_LE + body + damage + "\r\nline four\r\n".encode("utf-16-le")
    out, led = lines(data)
    assert out[0] == (1, "line one") and out[1] == (2, "line two")
    assert sniff_encoding(data)[0] == "utf-16-le"
    assert any(p.code == "decode-error" for p in led.problems)


def test_random_bytes_never_raise_and_number_lines() -> None:
    rnd = os.urandom(200_000)
    out, _ = lines(rnd, max_line_chars=4096)
    assert [n for n, _ in out] == list(range(1, len(out) + 1))


# -- through the pipeline ------------------------------------------------------------------------

def _bundle(tmp_path: Path, name: str, data: bytes) -> Path:
    b = tmp_path / "b"
    (b / "SQL01" / "VSS").mkdir(parents=True)
    (b / "SQL01" / "VSS" / "vss_writers.log").write_bytes(GOOD_VSS)
    (b / "VBR01").mkdir()
    (b / "VBR01" / name).write_bytes(data)
    return b


def _veeam(rep: dict, name: str) -> dict:
    return files(rep)[f"b/VBR01/{name}"]


def test_veeam_log_with_a_huge_line_and_nuls_still_gives_its_entries(tmp_path: Path) -> None:
    data = (VEEAM_HEAD + b"[14.03.2026 10:00:04] <01> Info " + b"A" * (3 << 20) + b"\r\n"
            + b"\x00" * 40_000 + b"\r\n" + VEEAM_TAIL)
    rep = run(_bundle(tmp_path, "Job.x.Backup.log", data))
    f = _veeam(rep, "Job.x.Backup.log")
    assert f["kind"] == "veeam"
    where = {p["code"]: p["where"] for p in f["problems"]}
    assert where["long-line"] == "line 3" and where["nul-bytes"] == "line 4"
    assert any(h["signature"] for h in rep["hits"] if h["file"].endswith("Job.x.Backup.log"))
    assert_good_read(rep)


PADDING = b"".join(b"[14.03.2026 10:00:%02d] <01> Info         Waiting for task %03d\r\n"
                  % (i % 60, i) for i in range(80))  # > 4 KiB: past the encoding sniff


def test_veeam_log_with_invalid_utf8_keeps_reading(tmp_path: Path) -> None:
    data = (VEEAM_HEAD + PADDING + b"[14.03.2026 10:00:04] <01> Info  caf\xe9 \xff\xfe\xfd\r\n"
            + VEEAM_TAIL)
    rep = run(_bundle(tmp_path, "Job.y.Backup.log", data))
    f = _veeam(rep, "Job.y.Backup.log")
    assert f["kind"] == "veeam" and f["records"] == 85
    assert any(p["code"] == "decode-error" and p["where"] == "line 83" for p in f["problems"])


def test_legacy_code_page_bytes_at_the_top_are_decoded_not_lost(tmp_path: Path) -> None:
    data = VEEAM_HEAD + b"[14.03.2026 10:00:04] <01> Info  Stra\xdfe caf\xe9\r\n" + VEEAM_TAIL
    rep = run(_bundle(tmp_path, "Job.y.Backup.log", data))
    f = _veeam(rep, "Job.y.Backup.log")
    assert f["kind"] == "veeam" and f["records"] == 5
    assert f["info"]["encoding"] == "cp1252"


def test_vssadmin_utf16_with_damage_keeps_every_block(tmp_path: Path) -> None:
    text = GOOD_VSS.decode("utf-16")
    cut = text.index("Writer name: 'System Writer'")
    damaged = (codecs.BOM_UTF16_LE + text[:cut].encode("utf-16-le") + b"\x00\xd8"
               + text[cut:].encode("utf-16-le") + b"\x41")
    b = tmp_path / "b"
    b.mkdir()
    (b / "writers.txt").write_bytes(damaged)
    rep = run(b)
    f = files(rep)["b/writers.txt"]
    assert f["kind"] == "vssadmin" and f["records"] == 5
    assert any(p["code"] == "decode-error" for p in f["problems"])


def test_mixed_line_endings_in_a_vssadmin_capture(tmp_path: Path) -> None:
    text = GOOD_VSS.decode("utf-16").replace("\r\n", "\n")
    ends = ["\r\n", "\n", "\r"]
    mixed = "".join(line + ends[i % 3] for i, line in enumerate(text.split("\n")))
    b = tmp_path / "b"
    b.mkdir()
    (b / "w.txt").write_bytes(mixed.encode("utf-8"))
    rep = run(b)
    assert files(rep)["b/w.txt"]["records"] == 5


@pytest.mark.parametrize("name", ["Job.SQL Backup.Backup.log", "vss_writers.log", "System.evtx",
                                  "Application.xml"])
def test_binary_file_with_a_log_name_is_unknown_with_a_reason(tmp_path: Path, name: str) -> None:
    rep = run(_bundle(tmp_path, name, os.urandom(300_000)))
    f = _veeam(rep, name)
    assert f["kind"] == "unknown" and "binary content" in f["reason"]
    assert_good_read(rep)


def test_veeam_log_with_binary_garbage_in_the_middle_is_read_boundedly(tmp_path: Path) -> None:
    data = VEEAM_HEAD + PADDING * 10 + os.urandom(2 << 20) + b"\r\n" + VEEAM_TAIL
    rep = run(_bundle(tmp_path, "Job.z.Backup.log", data))
    f = _veeam(rep, "Job.z.Backup.log")
    assert f["kind"] == "veeam" and f["records"] >= 802
    assert f["problems"] and f["skipped"]
    assert any(h["file"].endswith("Job.z.Backup.log") for h in rep["hits"])  # the tail is read
    assert_good_read(rep)


def test_veeam_log_with_a_zeroed_region_near_the_top_is_still_veeam(tmp_path: Path) -> None:
    data = VEEAM_HEAD + b"\x00" * 4096 + b"\r\n" + PADDING + VEEAM_TAIL
    rep = run(_bundle(tmp_path, "Job.z.Backup.log", data))
    assert _veeam(rep, "Job.z.Backup.log")["kind"] == "veeam"
