"""What a parser is handed: one input file, wherever it lives (disk, zip member, nested zip).

Why an abstraction: parsers must not care whether a file came from a folder or from
``outer.zip/inner.zip/x.evtx``; they get a display path for reports and a way to open a
binary stream.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import IO, TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from ..events import Event
    from ..ledger import FileLedger


@dataclass(slots=True)
class Source:
    """One input file. ``display`` is the report path (``bundle.zip/host1/System.evtx``)."""

    display: str
    opener: Callable[[], IO[bytes]]
    size: int | None = None
    fs_path: Path | None = None
    #: Machine name suggested by the bundle's folder layout (``HV01/System.evtx``), if any.
    host_hint: str | None = None
    #: The file's first bytes when the bundle walk already read them (up to 8: what tells
    #: an .evtx), so detection need not open the file once more for them.
    magic: bytes | None = None

    def open(self) -> IO[bytes]:
        return self.opener()

    def head(self, n: int = 4096) -> bytes:
        with self.open() as fh:
            return fh.read(n)


@dataclass(slots=True)
class IngestOptions:
    """Options that change how files are read (one small object per stage, not a god object)."""

    engine: str = "rust"
    veeam_utc_offset: timedelta | None = None
    #: Archive limits (issue: hostile input); generous defaults fit real Veeam exports.
    max_total_bytes: int = 32 * 1024**3
    max_member_bytes: int = 8 * 1024**3
    max_members: int = 200_000
    max_ratio: float = 200.0
    max_depth: int = 4
    max_line_bytes: int = 1 << 20
    extra: dict[str, object] = field(default_factory=dict)


#: ``IngestOptions.extra`` keys that one stage sets and another reads. Here, beside the options,
#: so the pipeline can name them without importing the readers that read them.
#: A callable ``(event) -> bool`` telling whether a signature knows a message (message_text).
KNOWS_KEY = "knows_message"
#: The ``--signatures`` directories (picklable, for worker processes; message_text).
SIGNATURE_DIRS_KEY = "signature_dirs"
#: The Veeam fold rule (``match/text_gate`` → ``veeam/fold``): kind -> the consumers'
#: patterns, or None when every line must be parsed.
TEXT_FOLD_KEY = "veeam_fold"
#: The pasted-message gate rule (``match/message_gate`` → ``ingest/quiet_text``): kind -> the
#: patterns a bare message needs for a signature hit, or None; False turns the gate off.
MESSAGE_GATE_KEY = "message_gate"


class Parser(Protocol):
    """A parser module's interface: a cheap content sniff and a lazy event stream."""

    kind: str

    def detect(self, head: bytes, name: str) -> bool: ...

    def parse(
        self, source: Source, ledger: FileLedger, options: IngestOptions
    ) -> Iterator[Event]: ...
