"""Per-file and per-chunk work of analyze (issue 21), done cheaper with the same answers.

Detection reads an .evtx's 8-byte magic only; any other file still gets the 64 KiB head its
text detectors sniff (the same bytes as before). Chunk CRCs use zlib-ng's CRC-32: the one
the format writes (zlib's). Recovery loads python-evtx only for records evtx did not render.
"""

from __future__ import annotations

import io
import subprocess
import sys
import zlib
from pathlib import Path

from logscope.ingest import SNIFF_BYTES, detect
from logscope.ingest.evtx import chunks
from logscope.ingest.source import IngestOptions, Source

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
