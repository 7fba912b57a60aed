"""PowerShell error output: detection and grouping lines into error records (kind
``powershell-error``).

A record is anchored where PowerShell is unambiguous -- the position line, the ``+`` lines
and the ``+ CategoryInfo`` / ``+ FullyQualifiedErrorId`` keys -- and its message is found by
looking back over the lines held since the last record for the ``Name : message`` head (a
tool's log prefix before it is kept as ``data.prefix``). ConciseView (``Verb-Noun: message``)
and ``$Error[0] | Format-List *`` records are read too. Several records in one paste give
several events; every other line is counted as skipped with its reason.
"""

from __future__ import annotations

from collections.abc import Iterator

from ...events import Event
from ...ledger import FileLedger
from ..paste_clean import CleanLine
from ..paste_read import cleaned_lines
from ..source import IngestOptions, Source
from ..textio import head_text
from . import grammar as G
from .record import Record, to_event

KINDS = ("powershell-error",)
CHUNK_LINES = 4000
#: Lines held while looking for a record's head (a transcript between errors is skipped).
MAX_HELD = 200
MAX_RECORD_LINES = 500
OTHER = "not part of an error record"
#: Paragraphs one ConciseView record may have (its message's own blank-line breaks).
MAX_CONCISE_PARAGRAPHS = 3


def detect(head: bytes, name: str) -> str | None:
    return "powershell-error" if G.detect_lines(head_text(head[:32768]).splitlines()[:600]) \
        else None


class _Reader:
    def __init__(self, source: Source, ledger: FileLedger) -> None:
        self.source, self.ledger = source, ledger
        self.held: list[CleanLine] = []
        self.rec: Record | None = None
        self.tail = False  # the record's keys have started: a plain line ends it
        self.rec_blanks = 0  # blank lines after the record's last line (inside it if it goes on)
        self._last_key = ""

    # -- records ---------------------------------------------------------------------------
    def close(self) -> Iterator[Event]:
        rec, self.rec, self.tail = self.rec, None, False
        if self.rec_blanks:
            self.ledger.skip("blank line", self.rec_blanks)
            self.rec_blanks = 0
        if rec is None:
            return
        if not rec.message and rec.form != "list":
            self.ledger.problem(f"line {rec.line}", "error record without its message "
                                "(cut before the 'Name : message' line?)", "partial-record")
        if rec.form == "normal" and "CategoryInfo" not in rec.fields:
            self.ledger.problem(f"line {rec.line}", "error record without '+ CategoryInfo' "
                                "(cut?); read from its message", "partial-record")
        self.ledger.records += 1
        yield to_event(rec, self.source.display, self.source.host_hint)

    def open_from_held(self, form: str = "normal") -> Record:
        """Start a record whose message is in the held lines (from its head on)."""
        held, self.held = self.held, []
        at, head, how = _find_head(held)
        if at > 0:
            self.ledger.skip(OTHER, sum(c.end_line - c.line + 1 for c in held[:at]))
        body = held[at:] if at >= 0 else held
        first = body[0].line if body else None
        rec = Record(line=first or 0, form=form)
        for i, cl in enumerate(body):
            if i == 0 and head is not None:
                rec.head, rec.prefix = head.group("name"), (cl.text[:head.start()].strip() or None)
                rec.add_message(head.group("msg"), len(cl.text))
            else:
                rec.add_message(cl.text, len(cl.text))
            rec.end_line = cl.end_line
        return rec

    def feed(self, cl: CleanLine) -> Iterator[Event]:
        text = cl.text
        s = text.strip()
        led = self.ledger
        key = G.KEY.match(text)
        if self.rec is not None and self.rec.form == "list":
            yield from self._list_line(cl, text)
            return
        if key or G.PLUS.match(text) or (G.is_position(text) and self.rec is None):
            if self.rec is None or (self.tail and not key and not G.PLUS.match(text)):
                yield from self.close()
                self.rec = self.open_from_held()
            rec = self.rec
            if rec.line == 0:
                rec.line = cl.line
            rec.end_line = cl.end_line
            self.rec_blanks = 0
            if key:
                rec.fields[key.group("key")] = key.group("value").strip()
                self.tail = True
            elif G.PLUS.match(text):
                if not self.tail and len(rec.command) < 2:
                    rec.command.append(s.lstrip("+").strip())
            else:
                rec.position = s
            return
        if not s:
            if self.rec is not None:
                self.rec_blanks += 1  # Markdown doubles line breaks: the record may go on
            elif self.held and G.concise_head().match(self.held[0].text):
                # ConciseView prints the whole exception message, whose paragraphs Hyper-V
                # separates by a blank line ("Failed to copy file during export." / "Failed
                # to copy file from ...: The file exists. (0x80070050)."): a second blank
                # line, a new head or too many paragraphs end the record
                paragraphs = sum(1 for c in self.held if not c.text) + 1
                if not self.held[-1].text or paragraphs >= MAX_CONCISE_PARAGRAPHS:
                    yield from self._close_concise()
                    led.skip("blank line")
                else:
                    self.held.append(CleanLine("", cl.line, cl.end_line))
            elif self.held:
                self.held.append(CleanLine("", cl.line, cl.end_line))
            else:
                led.skip("blank line")
            return
        if self.rec is not None:
            yield from self.close()
        if (k := G.list_key(s)) and not self.held:
            self.rec = Record(line=cl.line, end_line=cl.end_line, form="list")
            self.rec.fields[k[0]] = k[1].strip()
            self._last_key = k[0]
            return
        if G.concise_head().match(s) and self.held:
            if G.concise_head().match(self.held[0].text):
                yield from self._close_concise()
            else:
                self.drop_held()
        self.held.append(CleanLine(text, cl.line, cl.end_line))
        if len(self.held) > MAX_HELD:
            old = self.held.pop(0)
            led.skip(OTHER, old.end_line - old.line + 1)

    def _list_line(self, cl: CleanLine, text: str) -> Iterator[Event]:
        rec = self.rec
        assert rec is not None
        s = text.strip()
        if not s:
            yield from self.close()
            self.ledger.skip("blank line")
            return
        k = G.list_key(s)
        if k:
            rec.fields[k[0]] = k[1].strip()
            self._last_key = k[0]
        elif text[:1].isspace() and len(rec.fields) and rec.end_line - rec.line < MAX_RECORD_LINES:
            key = self._last_key
            rec.fields[key] = (rec.fields[key] + "\n" + s).strip()
        else:
            yield from self.close()
            self.held.append(CleanLine(text, cl.line, cl.end_line))
            return
        rec.end_line = cl.end_line

    def drop_held(self) -> None:
        if self.held:
            self.ledger.skip(OTHER, sum(c.end_line - c.line + 1 for c in self.held))
            self.held = []

    def _close_concise(self) -> Iterator[Event]:
        """The held ConciseView record as an event (a trailing blank line is not part of it)."""
        trailing = 0
        while self.held and not self.held[-1].text:
            self.held.pop()
            trailing += 1
        self.rec = self.open_from_held("concise")
        yield from self.close()
        if trailing:
            self.ledger.skip("blank line", trailing)

    def finish(self) -> Iterator[Event]:
        yield from self.close()
        if self.held and G.concise_head().match(self.held[0].text):
            yield from self._close_concise()
        self.drop_held()


def _find_head(held: list[CleanLine]):  # type: ignore[no-untyped-def]
    """(index, match, how) of the message's first line among the held lines."""
    for pattern in (G.STRONG_HEAD, G.WEAK_HEAD):
        for i in range(len(held) - 1, -1, -1):
            m = pattern.search(held[i].text) if pattern is G.STRONG_HEAD else \
                pattern.match(held[i].text)
            if m:
                return i, m, pattern
    for i in range(len(held) - 1, -1, -1):  # no head: the lines after the last blank one
        if not held[i].text.strip():
            return i + 1, None, None
    return 0, None, None


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    reader = _Reader(source, ledger)
    for cl in cleaned_lines(source, ledger, options, CHUNK_LINES):
        yield from reader.feed(cl)
    yield from reader.finish()
