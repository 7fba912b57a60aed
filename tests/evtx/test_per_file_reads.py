"""Per-file and per-chunk work of analyze (issue 21), done cheaper with the same answers.

Detection reads an .evtx's 8-byte magic only; any other file still gets the 64 KiB head its
text detectors sniff (the same bytes as before). Chunk CRCs use zlib-ng's CRC-32: the one
the format writes (zlib's). Recovery loads python-evtx only for records evtx did not render.
A slot is read by one positioned read where the file has a descriptor.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
import zlib
from pathlib import Path

import pytest

from logscope.ingest import SNIFF_BYTES, detect
from logscope.ingest.evtx import chunks, reader
from logscope.ingest.evtx.slot_file import SlotFile
from logscope.ingest.source import IngestOptions, Source
from logscope.ledger import FileLedger

ROOT = Path(__file__).resolve().parent.parent.parent
EVTX = ROOT / "samples/evtx/sqlwriter-chain/SQL01/Application.evtx"
VEEAM = ROOT / "samples/veeam/Job.SQL_Backup.Backup.log"


class Counting(io.BytesIO):
    """A file that counts the bytes handed out."""

    given = 0

    def read(self, n: int | None = -1) -> bytes:  # type: ignore[override]
        out = super().read(n)
        Counting.given += len(out)
        return out


def counted(data: bytes, name: str) -> tuple[str, int]:
    Counting.given = 0
    found = detect(Source(name, opener=lambda: Counting(data), size=len(data)))
    return found.kind, Counting.given


def test_an_evtx_is_known_by_its_magic_alone() -> None:
    data = EVTX.read_bytes()
    assert len(data) > SNIFF_BYTES
    assert counted(data, "Application.evtx") == ("evtx", 8)


def test_the_bundle_walk_hands_detection_the_magic_it_read(tmp_path: Path) -> None:
    """The walk reads each file's first 8 bytes (archive magics); an .evtx is then detected
    from them without another open, anything else is sniffed as before."""
    from logscope.ingest.bundle import Bundle

    (tmp_path / "HV01").mkdir()
    (tmp_path / "HV01" / "Application.evtx").write_bytes(EVTX.read_bytes())
    (tmp_path / "HV01" / "Job.log").write_bytes(VEEAM.read_bytes())
    with Bundle([tmp_path], IngestOptions()) as bundle:
        found = {s.display.rsplit("/", 1)[-1]: s for s in bundle.sources()}
    assert found["Application.evtx"].magic == EVTX.read_bytes()[:8]
    opens: list[str] = []

    def unopened(source: Source) -> Source:
        def opener() -> io.BufferedReader:
            opens.append(source.display)
            return source.opener()
        return Source(source.display, opener, source.size, source.fs_path, source.host_hint,
                      source.magic)

    assert detect(unopened(found["Application.evtx"])).kind == "evtx" and opens == []
    assert detect(unopened(found["Job.log"])).kind.startswith("veeam")
    assert len(opens) == 1


def test_text_is_sniffed_from_its_64_kib_head() -> None:
    log = VEEAM.read_bytes()
    padded = log + b"\n" * (2 * SNIFF_BYTES - len(log))  # a log longer than the head
    kind, given = counted(padded, "Job.SQL_Backup.Backup.log")
    assert kind.startswith("veeam") and given == SNIFF_BYTES
    assert counted(log, "Job.SQL_Backup.Backup.log") == (kind, len(log))
    # shorter than a magic: read whole, given to every detector
    assert counted(b"\x00\xff\x00", "x.evtx") == ("unknown", 3)
    assert counted(b"ElfFile", "x.evtx") == ("message-text", 7)


def test_chunk_crcs_are_the_formats_crc32() -> None:
    data = EVTX.read_bytes()
    slot = data[chunks.HEADER_SIZE:chunks.HEADER_SIZE + chunks.CHUNK_SIZE]
    chunk = chunks.read_chunk(slot, 0, chunks.HEADER_SIZE)
    assert chunk.header_crc_ok and chunk.data_crc_ok  # as the file carries them
    body = memoryview(slot)[chunks.CHUNK_HEADER:chunk.free_offset]
    assert chunks.crc32(body) == zlib.crc32(body) == chunk.data_crc
    assert chunks.crc32(slot[128:512], chunks.crc32(slot[:120])) == chunk.header_crc
    broken = bytearray(slot)
    broken[chunk.free_offset - 1] ^= 1
    assert not chunks.read_chunk(bytes(broken), 0, chunks.HEADER_SIZE).data_crc_ok


def test_recovery_loads_python_evtx_only_when_evtx_left_records(shared: Path) -> None:
    """System2.evtx is cut inside a chunk: evtx renders all 89 lost records re-framed, so
    python-evtx (and the XML reader) are never imported; the damaged RdpCoreTS copy leaves
    one record that evtx could not parse for a reason python-evtx may not share: python-evtx
    is asked, fails on it too, and the XML reader (the text readers' package) stays
    unloaded, as it is needed only for a record python-evtx rendered."""
    code = (
        "import sys; from pathlib import Path; from logscope.pipeline import iter_events;"
        "from logscope.ingest.source import IngestOptions; leds = [];"
        "list(iter_events([Path(sys.argv[1])], IngestOptions(), leds));"
        "print(leds[0].recovered, 'Evtx.Evtx' in sys.modules,"
        " 'logscope.ingest.eventlog_text.xml_export' in sys.modules)")
    evtx = shared / "corpus" / "evtx"
    cut = evtx / "plaso/test_data/evtx/System2.evtx"
    vss = evtx / ("omerbenamram-evtx/samples/2-vss_0-Microsoft-Windows-RemoteDesktopServices"
                  "-RdpCoreTS_4Operational.evtx")
    out = [subprocess.run([sys.executable, "-c", code, str(p)], capture_output=True, text=True,
                          check=True, cwd=ROOT).stdout.split() for p in (cut, vss)]
    assert out == [["89", "False", "False"], ["41", "True", "False"]]


def test_slot_reads_at_the_descriptor_are_the_files_bytes(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The slot view reads a plain file by ``os.pread`` (one system call a slot, the file's
    position left alone), any other stream by seek and read: the same bytes either way, a
    read cut short is completed, the end of the file gives fewer; and a file read through
    the view gives the same events and ledger as an in-memory copy of it."""
    data = EVTX.read_bytes()
    path = tmp_path / "x.evtx"
    path.write_bytes(data + b"\x01" * 100)  # a tail shorter than a slot
    size = len(data) + 100
    offsets = [0, 4096, 4096 + 65536, size - 50, size, size + 10]
    with open(path, "rb") as fh, open(path, "rb", buffering=0) as raw:
        by_fd, unbuffered = SlotFile(fh), SlotFile(raw)
        assert by_fd._fd is not None and unbuffered._fd is not None
        in_memory = SlotFile(io.BytesIO(path.read_bytes()))
        wrapped = SlotFile(io.BufferedReader(io.BytesIO(path.read_bytes())))  # type: ignore[arg-type]
        assert in_memory._fd is None and wrapped._fd is None
        assert by_fd.size == unbuffered.size == in_memory.size == wrapped.size == size
        for at in offsets:
            want = (data + b"\x01" * 100)[at:at + 65536]
            assert by_fd.read(at, 65536) == unbuffered.read(at, 65536) == want
            assert in_memory.read(at, 65536) == wrapped.read(at, 65536) == want
        assert fh.tell() == 0  # positioned reads leave the file where it was
        real = os.pread
        monkeypatch.setattr(os, "pread", lambda fd, n, at: real(fd, min(n, 1000), at))
        assert by_fd.read(4096, 65536) == data[4096:4096 + 65536]  # cut short, completed
    monkeypatch.undo()

    options = IngestOptions()

    def read(source: Source) -> tuple[list[dict], dict]:
        ledger = FileLedger("x.evtx")
        return [e.to_dict() for e in reader.parse(source, ledger, options)], ledger.as_dict()

    on_disk = read(Source("x.evtx", opener=lambda: open(path, "rb"), size=size, fs_path=path))
    assert on_disk == read(Source("x.evtx", opener=lambda: io.BytesIO(path.read_bytes()),
                                  size=size))
    assert on_disk[0] and on_disk[1]["records"] > 0
