"""Undo what e-mail, chat and Markdown do to a pasted log text, keeping the original line numbers.

Why one cleaner for every pasted-text reader: the same message arrives as ``> > Could not create
checkpoint ...`` in a reply, inside a code fence in a GitHub issue, with ``&#39;`` and ``<br>``
from a web forum, with smart quotes and non-breaking spaces from a word processor, or re-wrapped
at 72-80 columns by a mail client. Readers and signatures must see the message as Windows wrote
it, and every event must still point at the lines of the file it came from. Each repair is
counted (a warning is data): :func:`record_repairs` puts the counts, with the first line each
happened on, into the file's ledger.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ..lazy import regex
from ..ledger import FileLedger


@dataclass(slots=True)
class CleanLine:
    """One line of cleaned text and the original lines it came from (1-based, inclusive)."""

    text: str
    line: int
    end_line: int
    #: Which quote/fence block the line sits in: it changes whenever the paste enters or
    #: leaves a ``>`` quote or a code fence, so a reader can tell where a pasted block ends.
    block: int = 0


@dataclass(slots=True)
class Cleaned:
    """The cleaned lines plus what was repaired (count and first original line per repair)."""

    lines: list[CleanLine] = field(default_factory=list)
    repairs: Counter[str] = field(default_factory=Counter)
    first_line: dict[str, int] = field(default_factory=dict)

    def note(self, repair: str, line: int, count: int = 1) -> None:
        self.repairs[repair] += count
        self.first_line.setdefault(repair, line)

    def text(self) -> str:
        return "\n".join(cl.text for cl in self.lines)


#: Characters that are never part of what Windows wrote: zero-width, BOM, bidi marks.
_INVISIBLE = dict.fromkeys(map(ord, "\u200b\u200c\u200d\u2060\ufeff\u200e\u200f\u202a\u202c"))
_SPACES = dict.fromkeys(map(ord, "\u00a0\u202f\u2007\u2009\u3000"), " ")
_QUOTES = {ord(c): "'" for c in "\u2018\u2019\u201a\u201b\u2032"}
_QUOTES.update({ord(c): '"' for c in "\u201c\u201d\u201e\u201f\u2033"})
_QUOTE_PREFIX = regex(r"^[ \t]*(?:>[ \t]?)++")  # possessive: no backtrack stack per ">"
_FENCE = regex(r"^[ \t]*(?:```|~~~)[\w+-]*[ \t]*$")
_INLINE_FENCE = regex(r"```+([^`]*)```+")
_BACKTICKS = regex(r"`+([^`]*)`+")
_BULLET = regex(r"^([ \t]*)(?:[-*\u2022\u00b7\u25e6\u2023\u2043])[ \t]+(?=\S)")
_EMPHASIS = regex(r"\*\*(?=\S)([^*]+?)(?<=\S)\*\*")
_BR = regex(r"<br\s*/?>", re.IGNORECASE)
_TAGS = regex(r"</?(?:p|div|span|code|pre|b|i|em|strong|tt|font|blockquote)(?:\s[^<>]*)?>",
                   re.IGNORECASE)
_ENTITY = regex(r"&(?:#\d{1,7}|#x[0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
_ELLIPSIS = "\u2026"
#: ``Label:`` at the start of a line (Event Viewer fields, ``Context:`` blocks): never a
#: continuation of the previous line.
_LABEL = regex(r"^\s*[^\s:][^:]{0,40}:(?:\s|$)")
#: Tokens that a hard cut splits without a space: a GUID, a hex code, a path.
_GUID = regex(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
_HEXCODE = regex(r"0x[0-9A-Fa-f]{8}")
#: Notes that are not damage (a person's own cut mark): counted in info, not a problem.
NOT_DAMAGE = frozenset({"cut mark ... kept"})
#: Re-wrapping is assumed only when the longest line is within these columns.
WRAP_MIN, WRAP_MAX = 60, 80


def clean_lines(lines: Iterable[tuple[int, str]], *,
                starts_record: Callable[[str], bool] | None = None,
                join_wrapped: bool = True) -> Cleaned:
    """Clean ``(line_number, text)`` pairs; ``starts_record(text)`` marks lines a reader needs on
    their own (so re-wrapped lines are never joined onto them)."""
    out = Cleaned()
    block, state = 0, (False, False)
    in_fence = False
    for no, raw in lines:
        for text in _split_br(raw, no, out):
            quoted = _QUOTE_PREFIX.match(text) is not None and ">" in text[:40]
            text = _clean_one(text, no, out)
            if _FENCE.match(text):
                out.note("code fence", no)
                in_fence = not in_fence
                block += 1
                continue
            if (quoted, in_fence) != state:
                state = (quoted, in_fence)
                block += 1
            out.lines.append(CleanLine(text, no, no, block))
    if join_wrapped:
        _join_wrapped(out, starts_record)
    return out


def clean_text(text: str, first_line: int = 1, **kwargs: object) -> Cleaned:
    """:func:`clean_lines` over a string (``explain`` input, tests)."""
    return clean_lines(enumerate(text.splitlines(), first_line), **kwargs)  # type: ignore[arg-type]


def clean_message(text: str) -> str:
    """A message cleaned to one line: the repairs above, then whitespace collapsed."""
    cleaned = clean_text(text)
    return " ".join(" ".join(cl.text for cl in cleaned.lines).split())


def _split_br(raw: str, no: int, out: Cleaned) -> list[str]:
    if "<" not in raw:
        return [raw]
    parts = _BR.split(raw)
    if len(parts) > 1:
        out.note("<br> line break", no, len(parts) - 1)
    return parts


def _translated(text: str, table: dict[int, str | None], present: re.Pattern[str]) -> str:
    """``text.translate(table)``, which goes through a dict per character (~0.1 us): only
    when one of the table's characters is ``present`` in the text (one class scan)."""
    return text.translate(table) if present.search(text) else text


def _chars_of(table: dict[int, str | None]) -> re.Pattern[str]:
    return re.compile("[" + re.escape("".join(map(chr, table))) + "]")


_INVISIBLE_IN, _SPACES_IN, _QUOTES_IN = map(_chars_of, (_INVISIBLE, _SPACES, _QUOTES))


def _clean_one(text: str, no: int, out: Cleaned) -> str:
    """The per-line repairs, each counted when it changed something."""
    if not text.isascii():
        t = _translated(text, _INVISIBLE, _INVISIBLE_IN)
        if t != text:
            out.note("zero-width or bidi character removed", no)
        text, t = _translated(t, _SPACES, _SPACES_IN), t
        if t != text:
            out.note("non-breaking space normalised", no)
        text, t = _translated(text, _QUOTES, _QUOTES_IN), text
        if t != text:
            out.note("smart quote normalised", no)
        if _ELLIPSIS in text:
            text = text.replace(_ELLIPSIS, "...")
            out.note("cut mark ... kept", no)
    elif "..." in text:
        out.note("cut mark ... kept", no)
    if ">" in text:
        m = _QUOTE_PREFIX.match(text)
        if m:
            out.note("quote prefix removed", no, m.group().count(">"))
            text = text[m.end():]
    if "<" in text and _TAGS.search(text):
        text = _TAGS.sub("", text)
        out.note("HTML tag removed", no)
    if "&" in text and _ENTITY.search(text):
        import html  # only for a text with an entity (html.entities: ~1.3 ms to import)

        text = html.unescape(text).translate(_SPACES)
        out.note("HTML entity decoded", no)
    if "`" in text and not _FENCE.match(text):
        t = _INLINE_FENCE.sub(r"\1", text)
        t = _BACKTICKS.sub(r"\1", t).replace("`", "")
        if t != text:
            out.note("backticks removed", no)
            text = t
    m = _BULLET.match(text)
    if m:
        text = m.group(1) + text[m.end():]
        out.note("bullet removed", no)
    if "**" in text:
        t = _EMPHASIS.sub(r"\1", text)
        if t != text:
            out.note("Markdown emphasis removed", no)
            text = t
    return text.rstrip()


def _join_wrapped(out: Cleaned, starts_record: Callable[[str], bool] | None) -> None:
    """Join lines a mail client or editor re-wrapped at 72-80 columns.

    The classic reflow test: a line is a wrapped one when the next line's first word would
    have fitted on it within the wrap width, i.e. when the writer did not end it, the tool did.
    """
    lines = out.lines
    width = max((len(cl.text) for cl in lines), default=0)
    if not WRAP_MIN <= width <= WRAP_MAX or len(lines) < 2:
        return
    joined: list[CleanLine] = [lines[0]]
    for cl in lines[1:]:
        prev = joined[-1]
        nxt = cl.text.strip()
        first_word = nxt.split(" ", 1)[0] if nxt else ""
        wrapped = (
            nxt and prev.text.strip()
            and len(prev.text) + 1 + len(first_word) > width - 2
            and len(prev.text) >= WRAP_MIN - 10
            and not _LABEL.match(cl.text)
            and not (starts_record and starts_record(cl.text))
            and cl.line == prev.end_line + 1
            and cl.block == prev.block
        )
        if not wrapped:
            joined.append(cl)
            continue
        glue = "" if _cut_inside_token(prev.text, nxt) else " "
        joined[-1] = CleanLine(prev.text.rstrip() + glue + nxt, prev.line, cl.end_line, prev.block)
        out.note("re-wrapped line joined", cl.line)
    out.lines = joined


def _cut_inside_token(left: str, right: str) -> bool:
    """True when the line break falls inside a GUID, hex code or path (join without a space)."""
    tail = left.rsplit(" ", 1)[-1]
    head = right.split(" ", 1)[0]
    if not tail or not head:
        return False
    both = tail + head
    for pattern in (_GUID, _HEXCODE):
        whole = pattern.search(both)
        if whole and not pattern.search(tail) and not pattern.search(head):
            return True
    return tail.endswith("\\") and not left.endswith(" ")


def record_repairs(ledger: FileLedger, cleaned: Cleaned) -> None:
    """Put the repair counts into the ledger: ``info["paste_repairs"]`` and one problem each
    (code ``paste-repair``) naming the count and the first line, so the report shows them."""
    if not cleaned.repairs:
        return
    info = ledger.info.setdefault("paste_repairs", {})
    for repair, count in sorted(cleaned.repairs.items()):
        first = cleaned.first_line[repair]
        entry = info.setdefault(repair, {"count": 0, "first_line": first})
        entry["count"] += count
        if repair in NOT_DAMAGE:
            continue
        ledger.problem(f"line {first}", f"pasted text: {repair} ({count}x, first on this line)",
                       "paste-repair")
