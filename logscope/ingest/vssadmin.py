"""vssadmin output (``list writers`` / ``shadows`` / ``shadowstorage`` / ``providers``) → events.

Why shape and not labels: the labels are localized (French ``Nom du rédacteur :``, Japanese
``ライター名:``), pastes lose indentation and blank lines, Markdown adds ``> `` and ``\\[11\\]``,
and scripts prefix every line with a timestamp. What survives all of that is the shape of a
block (windows-vss-events.md §1.4): a quoted name, two GUID lines, a ``[N]`` line and one more
line is a writer; a quoted name, a line, a GUID and a version is a provider; a GUID followed by a
volume path is a shadow copy; two volume lines and sizes are a shadow storage association.

One event per block (``ledger.records``); a capture (banner or command line to the next one)
that lists nothing gives a problem and no event. Every repair of paste damage is a problem with
its line number, aggregated per capture so a 40-writer paste without indentation says so once.

Parsing is a single forward pass with a lookahead of at most four non-blank lines, so memory is
bounded and the work is linear in the input (``Steps`` counts it for the tests).
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

from ..events import UTC, Event, Locator
from ..hresult import describe, find_in_text, fold, normalize
from ..ledger import FileLedger
from .source import IngestOptions, Source
from .textio import head_text, iter_lines
from .vssadmin_lines import (
    BANNER,
    BANNER_RE,
    COMMAND,
    COPYRIGHT,
    GUID,
    GUID_RE,
    MARKUP,
    NAME,
    PROMPT,
    STATE,
    TEXT,
    VOLUME,
    Line,
    classify,
    clean,
    id_form,
    prefix_pattern,
)
from .vssadmin_expect import MissingWriter, expected_writer_problems
from .vssadmin_tables import hresult_for_message, known_writer_id, tables

__all__ = [
    "KINDS",
    "MissingWriter",
    "Steps",
    "detect",
    "expected_writer_problems",
    "parse",
    "parse_text",
]

KINDS = ("vssadmin",)
KIND = "vssadmin"

#: Paste repairs, reported once per capture with the first line and a count.
ANOMALY_TEXT = {
    "quote-prefix": "Markdown/e-mail quote prefix '>' removed",
    "html-entity": "HTML entities (such as &nbsp;) decoded",
    "markdown-escape": "Markdown escapes (\\[ \\]) removed",
    "backtick": "stray Markdown backtick removed",
    "typographic-dash": "typographic dash in the banner (vssadmin prints '-'; text was retyped or reformatted)",
    "typographic-quotes": "typographic quotes around a name (vssadmin prints ASCII ')",
    "unquoted-name": "writer name without its quotes (lost in a paste)",
    "no-indent": "field lines not indented (indentation lost in a paste)",
    "blank-in-block": "blank lines inside a block (inserted by a paste or an e-mail client)",
    "script-prefix": "lines prefixed by a calling script; the prefix was removed",
    "joined-lines": "several output lines joined on one line (a script logged the output as one string); split on blank runs",
    "wrapped-line": "a GUID wrapped onto the next line (console or viewer width); joined again",
}

#: Stray lines inside a capture reported individually per file; the rest are only counted.
MAX_STRAY_PROBLEMS = 20
#: Capture summaries kept in ``ledger.info`` (bounded on hostile input).
MAX_CAPTURE_SUMMARIES = 200

#: One-line listings: only lines this long are considered, split on runs of 2+ blanks or a tab.
JOINED_MIN = 150
JOINED_SPLIT_RE = re.compile(r"[ \t]{2,}|\t")
JOINED_STATE_RE = re.compile(r"[:\uff1a][ \t]*\\?\[\d{1,2}\\?\]")
JOINED_GUID_RE = re.compile(r"\{[0-9a-fA-F]{8}-")
HEX_TAIL_RE = re.compile(r"^[0-9a-fA-F-]{1,35}\}$")
COPYRIGHT_ANY_RE = re.compile(r"\(C\)[ \t]*Copyright", re.IGNORECASE)
VERSION_RE = re.compile(r"^\d{1,5}(?:\.\d{1,6}){1,3}$")
FIRST_INT_RE = re.compile(r"\d{1,6}")
SIZE_RE = re.compile(r"^(\d[\d.,\u00a0 ]{0,20}?)[ \u00a0]*([A-Za-z]{1,6})\b")
#: A size given as a word (``UNBOUNDED``, localized), optionally with ``(100%)``.
WORD_SIZE_RE = re.compile(r"^[^\W\d_]{2,30}(?:[ \u00a0]*\(\d{1,3}[ \u00a0]*%\))?$")
PERCENT_RE = re.compile(r"\((\d{1,3})[ \u00a0]*%\)")
UNITS = {
    "b": 1, "bytes": 1, "byte": 1, "octets": 1, "octet": 1, "o": 1,
    "kb": 1 << 10, "ko": 1 << 10, "mb": 1 << 20, "mo": 1 << 20, "gb": 1 << 30, "go": 1 << 30,
    "tb": 1 << 40, "to": 1 << 40, "pb": 1 << 50, "po": 1 << 50, "eb": 1 << 60, "eo": 1 << 60,
}  # fmt: skip
TIME_RE = re.compile(
    r"^(\d{1,4})([/.\-])(\d{1,2})\2(\d{1,4})[ T]+(\d{1,2}):(\d{2})(?::(\d{2}))?[ ]*"
    r"([AaPp])?\.?[Mm]?\.?"
)


class Steps:
    """Counts the parser's work (lines, characters scanned, lookahead probes) for tests.

    Pass one as ``options.extra["vssadmin_steps"]``. Tests assert the count grows linearly
    with input size instead of timing anything.
    """

    __slots__ = ("n",)

    def __init__(self) -> None:
        self.n = 0

    def add(self, k: int = 1) -> None:
        self.n += k


def detect(head: bytes, name: str) -> str | None:
    """``vssadmin`` when the head holds the banner + copyright lines, or one complete block.

    Blocks are recognised by shape, so a capture pasted without its banner (a forum post
    starting at ``Writer name:``), in any language, is still found.
    """
    lines = head_text(head[:65536]).splitlines()
    if _banner_with_copyright(lines):
        return KIND
    parser = _Parser(name, FileLedger(name), None)
    for event in parser.run(enumerate(lines, 1)):
        if event.data.get("complete", True):
            return KIND
    return None


def _banner_with_copyright(lines: list[str]) -> bool:
    """A banner line followed by the copyright line (or joined with it), as in every capture.

    A banner alone is not enough: documentation quotes ``vssadmin 1.1 -`` in prose.
    """
    for i, line in enumerate(lines):
        m = BANNER_RE.search(line)
        if m is None:
            continue
        if COPYRIGHT_ANY_RE.search(line, m.end()):
            return True
        cleaned = clean(line, None)[0]
        m = BANNER_RE.search(cleaned)
        prefix = prefix_pattern(cleaned[: m.start()]) if m else None
        for nxt in lines[i + 1 : i + 3]:
            follow = classify(i + 2, nxt, prefix)
            if follow is None:
                continue
            if follow.kind == COPYRIGHT:
                return True
            break
    return False


#: Skipped lines and record ranges remembered to settle split lines (bounded memory).
_MAX_TRACKED = 100_000


def parse(source: Source, ledger: FileLedger, options: IngestOptions) -> Iterator[Event]:
    """Events for every writer, shadow copy, storage association and provider block."""
    ledger.kind = KIND
    steps = options.extra.get("vssadmin_steps") if options.extra else None
    with source.open() as fh:
        numbered = iter_lines(fh, ledger, max_line_chars=max(1024, options.max_line_bytes))
        yield from _Parser(source.display, ledger, steps).run(numbered)  # type: ignore[arg-type]


def parse_text(text: str, display: str = "<text>", ledger: FileLedger | None = None) -> list[Event]:
    """Convenience for callers holding decoded text (tests, the diff command)."""
    ledger = ledger if ledger is not None else FileLedger(display)
    ledger.kind = KIND
    return list(_Parser(display, ledger, None).run(enumerate(text.splitlines(), 1)))


# --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Capture:
    """One run of vssadmin inside the file (banner or command line to the next one)."""

    index: int
    first_line: int | None = None
    last_line: int | None = None
    banner_line: int | None = None
    command_line: int | None = None
    listing: str | None = None
    records: int = 0
    kinds: dict[str, int] = field(default_factory=dict)
    messages: list[Line] = field(default_factory=list)
    anomalies: dict[str, list[int]] = field(default_factory=dict)
    cut_off: bool = False
    ended: bool = False
    shadow_set: dict[str, object] | None = None

    @property
    def used(self) -> bool:
        return bool(self.banner_line or self.records or self.messages or self.command_line)

    def note(self, code: str, line: int) -> None:
        entry = self.anomalies.get(code)
        if entry is None:
            self.anomalies[code] = [line, 1]
        else:
            entry[1] += 1


class _Stream:
    """Non-blank classified lines with a small lookahead; blank lines are only counted.

    Two kinds of wrapping are undone here, before classification: a GUID line that a console
    or a log viewer wrapped at its width (``{a29aadde-0639-4400-923a-5f`` + ``d982e53c7e}``),
    and a whole listing that a calling script logged as one line (PowerShell ``"$out"`` joins
    the lines with spaces; the 3-space indentation survives, so fields split on 2+ spaces).
    """

    def __init__(self, numbered: Iterable[tuple[int, str]], steps: Steps | None) -> None:
        self._it = iter(numbered)
        self._buf: deque[tuple[Line, str]] = deque()
        self._raw: deque[tuple[int, str, str | None]] = deque()  # pushed back / split lines
        self._steps = steps
        self.prefix: re.Pattern[str] | None = None

    def _next_raw(self) -> tuple[int, str, str | None] | None:
        if self._raw:
            return self._raw.popleft()
        for no, raw in self._it:
            if self._steps is not None:
                self._steps.add(1 + len(raw))
            if len(raw) > JOINED_MIN and _looks_joined(raw):
                parts = [p for p in JOINED_SPLIT_RE.split(raw) if p.strip()]
                if self._steps is not None:
                    self._steps.add(len(raw))
                self._raw.extend((no, part, "joined-lines") for part in parts[1:])
                return no, parts[0], "joined-lines"
            return no, raw, None
        return None

    def _pull(self) -> tuple[Line, str] | None:
        blanks, first_blank = 0, None
        while (item := self._next_raw()) is not None:
            no, raw, fix = item
            line = classify(no, raw, self.prefix)
            if line is None:
                blanks += 1
                first_blank = first_blank or no
                continue
            if line.kind == GUID and line.guid_form == "truncated":
                line, raw = self._unwrap(line, raw)
            if fix:
                line.fixes.append(fix)
            line.blanks_before, line.first_blank = blanks, first_blank
            return line, raw
        return None

    def _unwrap(self, line: Line, raw: str) -> tuple[Line, str]:
        """Join a GUID cut by line wrapping with the line that holds its tail."""
        nxt = self._next_raw()
        if nxt is None:
            return line, raw
        tail = nxt[1].strip()
        if self._steps is not None:
            self._steps.add(len(tail))
        if HEX_TAIL_RE.match(tail) and GUID_RE.match((line.value or "") + tail):
            if self._steps is not None:
                self._steps.add(len(raw) + len(tail))
            merged = classify(line.no, raw.rstrip() + tail, self.prefix)
            if merged is not None:
                merged.fixes.append("wrapped-line")
                return merged, raw.rstrip() + tail
        self._raw.appendleft(nxt)
        return line, raw

    def peek(self, k: int = 0) -> Line | None:
        if self._steps is not None:
            self._steps.add()
        while len(self._buf) <= k:
            item = self._pull()
            if item is None:
                return None
            self._buf.append(item)
        return self._buf[k][0]

    def next(self) -> Line | None:
        if self._buf:
            return self._buf.popleft()[0]
        item = self._pull()
        return item[0] if item else None

    def set_prefix(self, prefix: re.Pattern[str] | None) -> None:
        """Change the script prefix; lines already looked at are classified again."""
        self.prefix = prefix
        old = list(self._buf)
        self._buf.clear()
        for line, raw in old:
            if self._steps is not None:
                self._steps.add(1 + len(raw))
            new = classify(line.no, raw, prefix)
            if new is None:  # the prefix was all there was
                continue
            new.blanks_before, new.first_blank = line.blanks_before, line.first_blank
            new.fixes.extend(f for f in line.fixes if f in ("joined-lines", "wrapped-line"))
            self._buf.append((new, raw))


def _looks_joined(raw: str) -> bool:
    """A whole listing on one line: a state shape, a GUID and several 2-space gaps."""
    return bool(
        JOINED_STATE_RE.search(raw) and JOINED_GUID_RE.search(raw) and raw.count("  ") >= 3
    )


class _Parser:
    """The block state machine for one file (or one decoded text)."""

    def __init__(self, display: str, ledger: FileLedger, steps: Steps | None) -> None:
        self.display = display
        self.ledger = ledger
        self.steps = steps
        self.capture = _Capture(1)
        self.summaries: list[dict[str, object]] = []
        self.strays = 0
        self._last_skipped = -1
        self._skipped: dict[int, str] = {}  # skipped line -> reason (bounded)
        self._ranges: list[tuple[int, int]] = []  # records' line ranges (bounded)
        self.stream: _Stream

    # -- driver ---------------------------------------------------------------------------

    def run(self, numbered: Iterable[tuple[int, str]]) -> Iterator[Event]:
        self.stream = _Stream(numbered, self.steps)
        while True:
            line = self._next()
            if line is None:
                break
            for ev in self._dispatch(line):
                if len(self._ranges) < _MAX_TRACKED:
                    self._ranges.append((ev.locator.line or 0, ev.locator.end_line or 0))
                yield ev
        self._close_capture()
        self._unskip_covered()
        if self.summaries:
            self.ledger.info["vssadmin_captures"] = self.summaries

    def _next(self) -> Line | None:
        line = self.stream.next()
        if line is not None:
            cap = self.capture
            if line.kind not in (BANNER, COMMAND):  # noted once their capture is known
                for code in line.fixes:
                    cap.note(code, line.no)
            if cap.first_line is None and line.kind not in (TEXT, MARKUP):
                cap.first_line = line.no
            cap.last_line = line.no
        return line

    def _dispatch(self, line: Line) -> Iterator[Event]:
        kind = line.kind
        cap = self.capture
        if kind == BANNER:
            if cap.banner_line or cap.records or cap.ended or (cap.messages and not cap.command_line):
                self._new_capture(line)
            elif cap.messages:
                # text between the command line and the banner (a forum's code-box caption)
                self._skip("line outside any vssadmin block", *cap.messages)
                cap.messages.clear()
            self._note_fixes(line)
            self._banner(line)
        elif kind == COMMAND:
            if cap.used:
                self._new_capture(line)
            self._note_fixes(line)
            self.capture.command_line = line.no
            self.capture.listing = line.listing
            self.capture.first_line = line.no
        elif kind == PROMPT:
            if cap.used:
                cap.ended = True
        elif kind == COPYRIGHT:
            pass
        elif kind == MARKUP:
            self._skip("Markdown markup line", line)
        elif kind == NAME:
            yield from self._name_block(line)
        elif kind == GUID:
            yield from self._guid_block(line)
        elif kind == VOLUME:
            yield from self._storage_or_stray(None, line)
        elif kind == STATE:
            self.ledger.problem(
                f"line {line.no}",
                f"state line {line.text!r} outside a writer block (its name line is missing)",
                "orphan-state",
            )
            self._skip("line outside any vssadmin block", line)
        else:
            yield from self._storage_or_stray(line, None)

    def _skip(self, reason: str, *lines: Line) -> None:
        """Count skipped physical lines once each: a physical line split into several logical
        ones (output a script joined on one line) is still one line of the file."""
        for ln in lines:
            if ln.no != self._last_skipped:
                self._last_skipped = ln.no
                self.ledger.skip(reason)
                if len(self._skipped) < _MAX_TRACKED:
                    self._skipped[ln.no] = reason

    def _unskip_covered(self) -> None:
        """A split line whose other part became a record is in that record, not skipped."""
        led = self.ledger
        for no, reason in self._skipped.items():
            if any(a <= no <= (b or a) for a, b in self._ranges):
                led.skipped -= 1
                led.skip_reasons[reason] -= 1
                if not led.skip_reasons[reason]:
                    del led.skip_reasons[reason]

    def _note_fixes(self, line: Line) -> None:
        for code in line.fixes:
            self.capture.note(code, line.no)

    def _banner(self, line: Line) -> None:
        cap = self.capture
        cap.banner_line = line.no
        if cap.first_line is None or cap.first_line > line.no:
            cap.first_line = line.no
        m = BANNER_RE.search(line.text)
        before = line.text[: m.start()] if m else ""
        if before.strip():
            self.stream.set_prefix(prefix_pattern(before))
            if self.stream.prefix is not None and "script-prefix" not in line.fixes:
                cap.note("script-prefix", line.no)
        elif self.stream.prefix is not None and not self._prefixed(line):
            self.stream.set_prefix(None)

    def _prefixed(self, line: Line) -> bool:
        """Whether the current prefix was stripped from this banner line (it stays in force)."""
        return "script-prefix" in line.fixes

    def _new_capture(self, line: Line) -> None:
        self._close_capture()
        self.capture = _Capture(self.capture.index + 1, first_line=line.no, last_line=line.no)

    # -- writers and providers ------------------------------------------------------------

    def _ahead(self, limit: int) -> list[Line]:
        """Up to ``limit`` following lines, stopping before a line that starts a new block."""
        out: list[Line] = []
        for k in range(limit):
            p = self.stream.peek(k)
            if p is None or p.block_start or p.kind == MARKUP:
                break
            out.append(p)
        return out

    def _name_block(self, n0: Line) -> Iterator[Event]:
        ahead = self._ahead(4)
        state_at = next((i for i, p in enumerate(ahead[:3]) if p.kind == STATE), None)
        if state_at is not None:
            yield self._writer(n0, state_at)
            return
        if (
            len(ahead) >= 3
            and ahead[0].kind == TEXT
            and ahead[1].kind == GUID
            and ahead[2].value is not None
            and VERSION_RE.match(ahead[2].value)
        ):
            yield self._provider(n0)
            return
        after = self.stream.peek(len(ahead))
        ids = 0
        for p in ahead[:2]:
            if id_form(p) is None:
                break
            ids += 1
        at_end = after is None and ids == len(ahead)
        # Without its state line a block is a writer only on firm evidence: a GUID-shaped id,
        # or a capture already known to list writers (a placeholder word is too weak alone).
        strong = ids > 0 and id_form(ahead[0]) in ("ok", "masked", "truncated")
        writers = self.capture.listing == "writers" or self._has("writers")
        if strong or (writers and ids and ids == len(ahead)) or (writers and not ahead and after is None):
            # A writer block cut off (end of paste) or broken off by other text or the next block.
            yield self._writer(n0, None, ids=ids, cut=at_end)
            return
        self._stray(n0)

    def _has(self, listing: str) -> bool:
        return self.capture.kinds.get(listing, 0) > 0

    def _writer(self, n0: Line, state_at: int | None, ids: int = 0, cut: bool = False) -> Event:
        ledger, cap = self.ledger, self.capture
        id_lines = [self._field(n0) for _ in range(state_at if state_at is not None else ids)]
        state_line = self._field(n0) if state_at is not None else None
        last_line: Line | None = None
        if state_line is not None:
            p = self.stream.peek(0)
            if p is None:
                cut = True
            elif not p.block_start and p.kind not in (STATE, MARKUP) and not _is_guid(p):
                last_line = self._field(n0)
        name = n0.name or ""
        where = f"line {n0.no}"
        end = (last_line or state_line or (id_lines[-1] if id_lines else None) or n0).no

        if state_line is not None and len(id_lines) != 2:
            ledger.problem(
                where,
                f"writer block '{name}' has {len(id_lines)} id line(s) instead of 2",
                "writer-id-lines",
            )
        writer_id, inferred = self._writer_id(name, id_lines[0] if id_lines else None)
        instance_id = None
        if len(id_lines) >= 2:
            inst = id_lines[1]
            form = id_form(inst)
            if form == "ok":
                instance_id = inst.guid
            else:
                ledger.problem(
                    f"line {inst.no}",
                    f"writer instance id of '{name}' is {_form_text(form)}: {inst.value!r}",
                    f"guid-{form or 'invalid'}",
                )
        state = state_word = None
        if state_line is not None:
            state, state_word = state_line.state, state_line.state_word or None
            self._check_state(state_line, name)
        last_error = hres = None
        if last_line is not None:
            last_error = last_line.value if last_line.value is not None else last_line.text
            # words in any language of hresults.yml, or a code printed as such (0x800423F4)
            hres = normalize(last_error)
        elif state_line is not None and not cut:
            ledger.problem(where, f"writer block '{name}' has no Last error line", "writer-no-last-error")
        if cut:
            missing = "state line" if state_line is None else "Last error line"
            ledger.problem(
                f"line {end}",
                f"writer block '{name}' is cut off at the end of the text (no {missing})",
                "block-cut-off",
            )
            cap.cut_off = True
        elif state_line is None:
            ledger.problem(where, f"writer block '{name}' has no [N] state line", "writer-no-state")

        info = tables().states.get(state) if state is not None else None
        data: dict[str, object] = {
            "listing": "writers",
            "instance_id": instance_id,
            "state_text": state_word,
            "capture": cap.index,
        }
        if info is not None:
            data["state_name"] = info.name
            data["failed"] = info.failed
        if inferred:
            data["writer_id_inferred"] = True
        if cut or state_line is None:
            data["complete"] = False
        if last_error is not None and hres is None:
            data["last_error_known"] = False
        return self._emit(
            "writers",
            Event(
                kind=KIND,
                file=self.display,
                locator=Locator(line=n0.no, end_line=end),
                message=_writer_message(name, state, state_word, last_error, info, cut),
                writer_name=name or None,
                writer_id=writer_id,
                writer_state=state,
                last_error=last_error,
                hresult=hres,
                data=data,
            ),
        )

    def _field(self, head: Line) -> Line:
        """Consume the next line as a field of the block that starts at ``head``."""
        line = self._next()
        assert line is not None  # only called on lines already peeked
        if line.blanks_before and line.first_blank is not None:
            self.capture.note("blank-in-block", line.first_blank)
        if line.indent == 0 and head.kind in (NAME, TEXT) and "joined-lines" not in line.fixes:
            self.capture.note("no-indent", line.no)
        return line

    def _writer_id(self, name: str, line: Line | None) -> tuple[str | None, bool]:
        """The writer class id (printed, or the well-known one when the paste lost it)."""
        known = known_writer_id(name)
        if line is None:
            return known, known is not None
        form = id_form(line)
        if form == "ok":
            if known and line.guid != known:
                self.ledger.problem(
                    f"line {line.no}",
                    f"writer id {line.guid} of '{name}' differs from its well-known id {known} "
                    "(anonymized paste, or a writer reusing the name)",
                    "writer-id-mismatch",
                )
            return line.guid, False
        note = f"; well-known id {known} used" if known else ""
        self.ledger.problem(
            f"line {line.no}",
            f"writer id of '{name}' is {_form_text(form)}: {line.value!r}{note}",
            f"guid-{form or 'invalid'}",
        )
        return known, known is not None

    def _check_state(self, line: Line, name: str) -> None:
        info = tables().states.get(line.state) if line.state is not None else None
        if info is None:
            self.ledger.problem(
                f"line {line.no}",
                f"writer '{name}' has state number [{line.state}], which is not a VSS_WRITER_STATE (0-15)",
                "state-unknown",
            )
            return
        word = line.state_word or ""
        allowed = tables().state_words.get(fold(word)) if word else None
        if allowed is not None and line.state not in allowed:
            self.ledger.problem(
                f"line {line.no}",
                f"writer '{name}': state word {word!r} disagrees with number [{line.state}] "
                f"({info.name}); the number is used",
                "state-word-mismatch",
            )

    def _provider(self, n0: Line) -> Event:
        type_line, id_line, ver_line = self._field(n0), self._field(n0), self._field(n0)
        pid = id_line.guid if id_line.guid_form == "ok" else None
        if pid is None:
            self.ledger.problem(
                f"line {id_line.no}",
                f"provider id is {_form_text(id_line.guid_form)}: {id_line.value!r}",
                f"guid-{id_line.guid_form or 'invalid'}",
            )
        ptype = type_line.value if type_line.value is not None else type_line.text
        version = ver_line.value
        return self._emit(
            "providers",
            Event(
                kind=KIND,
                file=self.display,
                locator=Locator(line=n0.no, end_line=ver_line.no),
                message=f"VSS provider '{n0.name}' ({ptype}), id {pid or '?'}, version {version}",
                data={
                    "listing": "providers",
                    "provider_name": n0.name,
                    "provider_type": ptype,
                    "provider_id": pid,
                    "version": version,
                    "capture": self.capture.index,
                },
            ),
        )

    # -- shadow copies --------------------------------------------------------------------

    def _guid_block(self, g0: Line) -> Iterator[Event]:
        p0 = self.stream.peek(0)
        if p0 is not None and p0.kind == VOLUME and not p0.blanks_before:
            yield self._shadow(g0)
            return
        p1 = self.stream.peek(1)
        p2 = self.stream.peek(2)
        if (
            p0 is not None
            and p1 is not None
            and p2 is not None
            and p0.kind == TEXT
            and p0.value
            and p1.kind == GUID
            and p2.kind == VOLUME
        ):
            contained = self._next()
            assert contained is not None
            m = FIRST_INT_RE.search(contained.label or "")
            self.capture.shadow_set = {
                "set_id": g0.guid,
                "creation_time_text": contained.value,
                "shadow_count": int(m.group()) if m else None,
            }
            return
        self._stray(g0)

    def _shadow(self, g0: Line) -> Event:
        fields: list[Line] = []
        while len(fields) < 12:
            p = self.stream.peek(0)
            if p is None or p.kind in (BANNER, COMMAND, PROMPT, STATE, MARKUP, GUID):
                break
            if p.blanks_before:
                break
            if p.kind == NAME and any(f.kind == NAME for f in fields):
                break
            line = self._next()
            assert line is not None
            fields.append(line)
        data: dict[str, object] = {"listing": "shadows", "shadow_id": g0.guid}
        if self.capture.shadow_set:
            data.update(self.capture.shadow_set)
        data.update(_shadow_fields(fields))
        data["capture"] = self.capture.index
        ctext = data.get("creation_time_text")
        when = _local_time(ctext) if isinstance(ctext, str) else None
        vol = data.get("original_volume") or "?"
        msg = f"Shadow copy {{{g0.guid or g0.value}}} of {vol}"
        if ctext:
            msg += f" created {ctext}"
        if data.get("type"):
            msg += f", type {data['type']}"
        end = fields[-1].no if fields else g0.no
        event = Event(
            kind=KIND,
            file=self.display,
            locator=Locator(line=g0.no, end_line=end),
            message=msg,
            host=data.get("originating_machine") if isinstance(data.get("originating_machine"), str) else None,  # type: ignore[arg-type]
            data=data,
        )
        if when is not None:
            event.time, event.time_source = when, "local"
            event.timestamp_desc = "Shadow copy creation time"
        elif ctext:
            self.ledger.problem(
                f"line {g0.no}",
                f"shadow copy creation time {ctext!r} is in an ambiguous or unknown regional "
                "format; kept as text only",
                "ambiguous-time",
            )
        return self._emit("shadows", event)

    # -- shadow storage -------------------------------------------------------------------

    def _unquoted_writer(self, line: Line) -> bool:
        """``Writer name: SqlServerWriter`` (quotes lost) followed by two id lines and a state."""
        if not line.value or line.value[0] in "{[(":
            return False
        ahead = self._ahead(3)
        return (
            len(ahead) == 3
            and ahead[2].kind == STATE
            and id_form(ahead[0]) is not None
            and id_form(ahead[1]) is not None
        )

    def _storage_or_stray(self, head: Line | None, first_volume: Line | None) -> Iterator[Event]:
        s = self.stream
        if head is not None and self._unquoted_writer(head):
            head.name = head.value
            self.capture.note("unquoted-name", head.no)
            yield self._writer(head, 2)
            return
        if head is not None:
            p0, p1 = s.peek(0), s.peek(1)
            if (
                not head.value
                and p0 is not None
                and p1 is not None
                and p0.kind == VOLUME
                and p1.kind == VOLUME
                and not p1.blanks_before
            ):
                yield self._storage(head, self._field(head), self._field(head))
                return
            self._stray(head)
            return
        assert first_volume is not None
        p0 = s.peek(0)
        if p0 is not None and p0.kind == VOLUME and not p0.blanks_before:
            yield self._storage(None, first_volume, self._field(first_volume))
            return
        self._stray(first_volume)

    def _storage(self, head: Line | None, for_vol: Line, store_vol: Line) -> Event:
        sizes: list[Line] = []
        while len(sizes) < 3:
            p = self.stream.peek(0)
            if p is None or p.kind != TEXT or not p.value or p.blanks_before:
                break
            if not (SIZE_RE.match(p.value) or WORD_SIZE_RE.match(p.value)):
                break
            line = self._next()
            assert line is not None
            sizes.append(line)
        first = head or for_vol
        data: dict[str, object] = {
            "listing": "shadowstorage",
            "for_volume": for_vol.value,
            "storage_volume": store_vol.value,
            "capture": self.capture.index,
        }
        for key, line in zip(("used", "allocated", "maximum"), sizes, strict=False):
            data[key] = line.value
            nbytes, pct = _size(line.value or "")
            if nbytes is not None:
                data[f"{key}_bytes"] = nbytes
            if pct is not None:
                data[f"{key}_percent"] = pct
        used, maximum = data.get("used_bytes"), data.get("maximum_bytes")
        if isinstance(used, int) and isinstance(maximum, int) and maximum > 0:
            data["used_of_maximum"] = round(used / maximum, 3)
        if len(sizes) < 3:
            self.ledger.problem(
                f"line {first.no}",
                f"shadow storage block has {len(sizes)} size line(s) instead of 3",
                "storage-sizes",
            )
        end = (sizes[-1] if sizes else store_vol).no
        msg = f"Shadow storage for {for_vol.value} on {store_vol.value}"
        if sizes:
            msg += ": " + ", ".join(
                f"{k} {data[k]}" for k in ("used", "allocated", "maximum") if k in data
            )
        return self._emit(
            "shadowstorage",
            Event(
                kind=KIND,
                file=self.display,
                locator=Locator(line=first.no, end_line=end),
                message=msg,
                data=data,
            ),
        )

    # -- bookkeeping ----------------------------------------------------------------------

    def _emit(self, listing: str, event: Event) -> Event:
        cap = self.capture
        cap.records += 1
        cap.kinds[listing] = cap.kinds.get(listing, 0) + 1
        if cap.first_line is None:
            cap.first_line = event.locator.line
        self.ledger.records += 1
        if self.steps is not None:
            self.steps.add()
        return event

    def _stray(self, line: Line) -> None:
        """A line that is no part of a block: header text before the first block, else noise."""
        cap = self.capture
        if (cap.banner_line or cap.command_line) and not cap.records and not cap.ended:
            if len(cap.messages) < 10:
                cap.messages.append(line)
            else:
                self._skip("line outside any vssadmin block", line)
            return
        self._skip("line outside any vssadmin block", line)
        if cap.records and not cap.ended:
            self.strays += 1
            if self.strays <= MAX_STRAY_PROBLEMS:
                self.ledger.problem(
                    f"line {line.no}",
                    f"unrecognised line inside vssadmin output: {line.text[:100]!r}",
                    "stray-line",
                )

    def _close_capture(self) -> None:
        cap = self.capture
        if not cap.used:
            return
        ledger = self.ledger
        listing = cap.listing or next(iter(cap.kinds), None)
        error = None
        if not cap.records:
            texts = [m.text for m in cap.messages]
            for m in cap.messages:
                codes = find_in_text(m.text)
                error = codes[0] if codes else hresult_for_message(m.value or m.text)
                if error:
                    break
            what = listing or "records"
            start = cap.messages[0].no if cap.messages else (cap.banner_line or cap.first_line)
            if texts:
                msg = f"vssadmin capture {cap.index} lists no {what}; it printed: " + " / ".join(
                    t[:200] for t in texts[:4]
                )
            elif cap.banner_line:
                msg = f"vssadmin capture {cap.index} printed its banner but lists no {what} at all"
            else:
                msg = f"vssadmin capture {cap.index}: the command has no output (no {what})"
            if error:
                desc = describe(error)
                msg += f" ({error}{' ' + desc['name'] if desc else ''})"
            ledger.problem(f"line {start}", msg, "vssadmin-error" if error else "vssadmin-empty")
        for code, (first, count) in cap.anomalies.items():
            ledger.problem(
                f"line {first}",
                f"{ANOMALY_TEXT.get(code, code)} ({count} line{'s' if count != 1 else ''})",
                code,
            )
        if len(self.summaries) < MAX_CAPTURE_SUMMARIES:
            self.summaries.append(
                {
                    "capture": cap.index,
                    "line": cap.first_line,
                    "end_line": cap.last_line,
                    "listing": listing,
                    "records": cap.records,
                    "complete": not cap.cut_off,
                    **({"error": error} if error else {}),
                }
            )


# -- helpers ----------------------------------------------------------------------------------


def _is_guid(line: Line) -> bool:
    return line.kind == GUID and line.guid_form == "ok"


def _form_text(form: str | None) -> str:
    return {
        "masked": "masked in the paste",
        "truncated": "cut off",
        "placeholder": "a placeholder word, not a GUID",
    }.get(form or "", "not a GUID")


def _writer_message(
    name: str,
    state: int | None,
    word: str | None,
    last_error: str | None,
    info: object,
    cut: bool,
) -> str:
    msg = f"Writer '{name}'"
    if state is not None:
        text = word or getattr(info, "text", "")
        msg += f" state [{state}] {text}".rstrip()
        if last_error is not None:
            msg += f", last error: {last_error}"
    if cut:
        msg += " (block cut off)" if state is not None else " (block cut off before its state)"
    return msg


#: Positional names of a shadow copy's fields (the order vssadmin prints, any language).
SHADOW_FIELDS = (
    "original_volume",
    "shadow_volume",
    "originating_machine",
    "service_machine",
    "provider_name",
    "type",
    "attributes",
)


def _shadow_fields(fields: list[Line]) -> dict[str, object]:
    out: dict[str, object] = {"fields": {(f.label or f"line {f.no}"): f.value for f in fields}}
    names = list(SHADOW_FIELDS)
    if len(fields) != len(names):
        # Not the usual seven: place only what the shape tells, keep the rest by label.
        for f in fields:
            v = f.value or ""
            if f.kind == NAME:
                out["provider_name"] = f.name
            elif "GLOBALROOT" in v.upper():
                out["shadow_volume"] = v
            elif f.kind == VOLUME and "original_volume" not in out:
                out["original_volume"] = v
        return out
    for key, f in zip(names, fields, strict=True):
        out[key] = f.name if f.kind == NAME else f.value
    attrs = out.get("attributes")
    if isinstance(attrs, str):
        out["attributes"] = [a.strip() for a in attrs.split(",") if a.strip()]
    return out


def _size(text: str) -> tuple[int | None, int | None]:
    """Bytes and percent of ``1.93 GB (1%)`` / ``0 bytes (0%)`` / ``7,98 Go``; None when unknown."""
    pct_m = PERCENT_RE.search(text)
    pct = int(pct_m.group(1)) if pct_m else None
    m = SIZE_RE.match(text)
    if not m:
        return None, pct
    unit = UNITS.get(m.group(2).lower())
    if unit is None:
        return None, pct
    num = m.group(1).replace("\u00a0", "").replace(" ", "")
    if "," in num and "." not in num:
        num = num.replace(",", ".")
    else:
        num = num.replace(",", "")
    try:
        return int(float(num) * unit), pct
    except ValueError:
        return None, pct


def _local_time(text: str) -> datetime | None:
    """A shadow copy creation time when its regional format is unambiguous, else None.

    vssadmin writes the machine's regional format (``9/9/2019 3:10:57 AM``, ``25-08-2022
    12:16:16``). Day and month are told apart only when one of them is above 12 (or both are
    equal) or the year comes first; otherwise the text is kept and no time is invented.
    """
    m = TIME_RE.match(text.strip())
    if not m:
        return None
    a, _, b, c, hh, mm, ss, ampm = m.groups()
    try:
        if len(a) == 4:
            year, month, day = int(a), int(b), int(c)
        else:
            if len(c) != 4:
                return None
            year, x, y = int(c), int(a), int(b)
            if x > 12 >= y:
                day, month = x, y
            elif y > 12 >= x or x == y:
                month, day = x, y
            else:
                return None
        hour = int(hh)
        if ampm:
            if hour > 12:
                return None
            hour = hour % 12 + (12 if ampm.lower() == "p" else 0)
        return datetime(year, month, day, hour, int(mm), int(ss or 0), tzinfo=UTC)
    except ValueError:
        return None
