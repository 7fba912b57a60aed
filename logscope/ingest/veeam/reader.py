"""Veeam Backup & Replication text logs: detection and the parser entry point.

Kinds (detected by content, the file name is never needed):
``veeam`` -- server logs (Job., Task., Svc.), ``[dd.MM.yyyy HH:mm:ss] <tid> Level`` lines;
``veeam-agent`` -- Veeam Agent, data mover (Agent.*.Source/Index.log), deployment service and
installer logs, ``[dd.MM.yyyy HH:mm:ss.fff] <  tid> component| text`` lines;
``veeam-session`` -- job-session text copied from the console or e-mail reports;
``veeam-guest`` -- the guest helper log (VeeamVssSupport), time of day without a date;
``sqlwriter-log`` -- SQL Server's ``SqlWriterLogger.txt``, read here because it is collected
with the guest logs of an application-aware Veeam job.
Compressed rolled logs (``.gz``) are read transparently (gzip magic), so a caller may hand
them over as they are. The modules ``veeam_*`` hold one job each; see their docstrings.

For later stages: ``veeam.lines.iter_records`` gives raw entries with their run header (no
Event mapping; the throughput issue reads ``Load:``/bottleneck lines from it);
``pairs_by_vm`` → ``infer_offset`` → ``apply_offset`` (``veeam.offset``) let correlation
convert ``local`` times with an inferred offset and its confidence.
"""

from __future__ import annotations

import gzip
import zlib
from collections.abc import Iterator
from functools import lru_cache
from typing import IO, Any

from ...events import Event
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from ..textio import head_text, iter_lines
from . import plain
from .agent import parse_agent_log
from .agent_lines import is_agent_line
from .data import load
from .fold import TEXT_FOLD_KEY, compile_triggers, fold_lines
from .guest import LINE as GUEST_LINE
from .guest import parse_guest_log
from .header import is_header_start
from .lines import parse_prefix
from .offset import apply_offset, infer_offset, pairs_by_vm
from .server import parse_server_log
from .session import parse_session_text, strip_level_tag
from .sqlwriter import LINE as SQLWRITER_LINE
from .sqlwriter import parse_sqlwriter_log

__all__ = ["KINDS", "detect", "parse", "sniff_kind", "gunzip_head", "infer_offset", "apply_offset",
           "pairs_by_vm"]

KINDS = ("veeam", "veeam-agent", "veeam-session", "veeam-guest", "sqlwriter-log")
#: The kinds ``fold`` reads in blocks (``plain.grammars``: built when one is first read).
FOLDABLE_KINDS = KINDS[:3]
GZIP_MAGIC = b"\x1f\x8b"
SNIFF_BYTES = 64 * 1024
_SNIFF_LINES = 400


def gunzip_head(head: bytes, limit: int = SNIFF_BYTES) -> bytes:
    """The first decompressed bytes of a gzip stream's head (b"" when it is not one)."""
    try:
        return zlib.decompressobj(16 + zlib.MAX_WBITS).decompress(head, limit)
    except zlib.error:
        return b""


def sniff_kind(text: str) -> str | None:
    """Which Veeam-family kind a text's first lines are, or None."""
    data = load()
    guest = guest_strong = session = sql = 0
    header_rule = header_start = False
    nonblank = 0
    for line in text.splitlines()[:_SNIFF_LINES]:
        if not line.strip():
            continue
        nonblank += 1
        if is_agent_line(line):
            return "veeam-agent"
        if parse_prefix(line) is not None:
            return "veeam"
        if is_header_start(line):
            header_rule = header_rule or line.strip().startswith("=")
            header_start = header_start or line.strip() == "Starting new log"
            continue
        if SQLWRITER_LINE.match(line):
            sql += 1
            continue
        gm = GUEST_LINE.match(line)
        if gm:
            guest += 1
            word = line[gm.end():].split(" ", 1)[0]
            if gm.group(5) or word in data.guest_levels:
                guest_strong += 1
            continue
        body = line.lstrip(" \t>*-\u2022")
        tag, rest = strip_level_tag(body)
        if body.startswith(data.session_markers) or (tag and rest.startswith("Failed to")):
            session += 1
    if header_rule and header_start:
        return "veeam"
    if sql:
        return "sqlwriter-log"
    if guest_strong and guest * 2 >= nonblank:
        return "veeam-guest"
    if session and not text.lstrip().startswith("<"):
        return "veeam-session"
    return None


def detect(head: bytes, name: str) -> str | None:
    """The kind of a file from its first bytes (gzip-compressed logs included)."""
    if head.startswith(GZIP_MAGIC):
        head = gunzip_head(head)
        if not head:
            return None
    utf16 = head[:2] in (b"\xff\xfe", b"\xfe\xff") or head[1:2] == b"\x00"
    if b"\x00" in head[:4096] and not utf16:
        # a log with a crash-zeroed region is still a log; binary formats are not text
        # once their NULs are gone (evtx, zip are detected before this parser anyway)
        head = head.replace(b"\x00", b"")
        sample = head[:4096]
        if not sample or sum(32 <= b < 127 or b in (9, 10, 13) or b >= 0x80
                             for b in sample) < 0.95 * len(sample):
            return None
    return sniff_kind(head_text(head))


class _Prefixed:
    """A read-only stream that serves already-read bytes first (for peeking a non-seekable one)."""

    def __init__(self, first: bytes, rest: IO[bytes]) -> None:
        self.first, self.rest = first, rest

    def read(self, n: int = -1) -> bytes:
        if self.first:
            if n < 0:
                out, self.first = self.first + self.rest.read(), b""
                return out
            out, self.first = self.first[:n], self.first[n:]
            if len(out) < n:
                out += self.rest.read(n - len(out))
            return out
        return self.rest.read(n)


class _Bounded:
    """Stops a decompressed stream at ``limit`` bytes (a gzip bomb ends in a problem, not OOM)."""

    def __init__(self, inner: IO[bytes], limit: int, ledger: FileLedger) -> None:
        self.inner, self.left, self.ledger = inner, limit, ledger

    def read(self, n: int = -1) -> bytes:
        if self.left <= 0:
            return b""
        want = self.left if n < 0 else min(n, self.left)
        out = self.inner.read(want)
        self.left -= len(out)
        if self.left <= 0:
            self.ledger.problem("file", "decompressed size over the member limit; rest not read",
                                "limit")
        return out


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Events of one Veeam-family file, lazily; never raises on bad input."""
    try:
        fh = source.open()
    except OSError as exc:
        ledger.problem("file", f"cannot open: {exc}", "io-error")
        return
    try:
        with fh:
            stream: IO[bytes] = fh
            head = fh.read(2)
            if head == GZIP_MAGIC:
                ledger.info["compressed"] = "gzip"
                gz = gzip.GzipFile(fileobj=_Prefixed(head, fh), mode="rb")  # type: ignore[arg-type]
                stream = _Bounded(gz, options.max_member_bytes, ledger)  # type: ignore[assignment]
            else:
                stream = _Prefixed(head, fh)  # type: ignore[assignment]
            first = stream.read(SNIFF_BYTES)
            kind = sniff_kind(head_text(first)) or "veeam"
            ledger.kind = kind
            body = _Prefixed(first, stream)
            triggers = fold_triggers(kind, options)
            lines: Iterator[Any]
            if triggers is not None:
                lines = fold_lines(body, ledger, triggers,  # type: ignore[arg-type]
                                   options.max_line_bytes, plain.grammars()[kind])
            else:
                lines = iter_lines(body, ledger,  # type: ignore[arg-type]
                                   max_line_chars=options.max_line_bytes)
            yield from _PARSERS[kind](lines, source, ledger, options)
    except (OSError, EOFError, zlib.error) as exc:
        ledger.problem("file", f"read error: {exc}", "io-error")


def fold_triggers(kind: str, options: IngestOptions) -> Any | None:  # noqa: ANN401
    """The fold trigger pattern for this kind when ``analyze`` gave a fold rule
    (``match/text_gate``), else None: every line is parsed."""
    rule = options.extra.get(TEXT_FOLD_KEY)
    if not callable(rule) or kind not in FOLDABLE_KINDS:
        return None
    consumers = rule(kind)
    return None if consumers is None else _compiled(kind, tuple(consumers))


@lru_cache(maxsize=8)
def _compiled(kind: str, consumers: tuple[bytes, ...]) -> Any | None:  # noqa: ANN401
    return compile_triggers(list(consumers), plain.grammars()[kind])


_PARSERS = {
    "veeam": parse_server_log,
    "veeam-agent": parse_agent_log,
    "veeam-session": parse_session_text,
    "veeam-guest": parse_guest_log,
    "sqlwriter-log": parse_sqlwriter_log,
}
