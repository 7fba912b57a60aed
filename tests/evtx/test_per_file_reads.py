"""What analyze reads of each file before its parser does (issue 21: per-file cost).

Detection reads an .evtx's 8-byte magic only; any other file still gets the 64 KiB head its
text detectors sniff (the same bytes as before).
"""

from __future__ import annotations

import io
from pathlib import Path

from logscope.ingest import SNIFF_BYTES, detect
from logscope.ingest.source import Source

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


def test_text_is_sniffed_from_its_64_kib_head() -> None:
    log = VEEAM.read_bytes()
    padded = log + b"\n" * (2 * SNIFF_BYTES - len(log))  # a log longer than the head
    kind, given = counted(padded, "Job.SQL_Backup.Backup.log")
    assert kind.startswith("veeam") and given == SNIFF_BYTES
    assert counted(log, "Job.SQL_Backup.Backup.log") == (kind, len(log))
    # shorter than a magic: read whole, given to every detector
    assert counted(b"\x00\xff\x00", "x.evtx") == ("unknown", 3)
    assert counted(b"ElfFile", "x.evtx") == ("message-text", 7)
