"""One vssadmin output line: undo paste damage, then classify it by shape, never by label words.

Why shapes: vssadmin's labels are localized (``Writer Id`` / ``ID du rédacteur`` / ``ライター Id``)
but the values are not: a quoted name, a ``{GUID}``, a ``[N]`` state, a ``\\\\?\\Volume{…}`` path.
Every line is split once at its first colon (ASCII or full-width) into label and value, and the
value decides the class. Paste damage (Markdown ``> ``, ``&nbsp;``, ``\\[11\\]``, curly quotes,
stray backticks) is undone first and noted on the line so the parser can report it with its
line number.

All scans here are single passes with simple regexes (no nested quantifiers), so the work per
line is linear in its length.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from ...lazy import regex


# Line classes.
#: The one kind this family reads.
KINDS = ("vssadmin",)
KIND = "vssadmin"

BLANK = "blank"
BANNER = "banner"  # vssadmin 1.1 - <localized title>
COPYRIGHT = "copyright"
COMMAND = "command"  # ... vssadmin list writers
PROMPT = "prompt"  # C:\Windows\system32>
MARKUP = "markup"  # ``` fence of a Markdown paste
NAME = "name"  # <label>: '<name>'
STATE = "state"  # <label>: [N] <word>
GUID = "guid"  # <label>: {guid} (also masked / truncated / placeholder, see guid_form)
VOLUME = "volume"  # <label>: (C:)\\?\Volume{…}\  or \\?\GLOBALROOT\…
TEXT = "text"  # anything else

#: Quote characters a writer name may be wrapped in (ASCII, typographic, backtick).
QUOTES = "'\u2018\u2019\u201a\u201b`\u00b4"
DASHES = "-\u2013\u2014\u2212"

# BANNER_RE and GUID_RE compile at import: other modules import them by name (the rest are
# ``lazy.regex``, compiled on first use, which rebinds only this module's name)
BANNER_RE = re.compile(r"vssadmin[ \t]+\d{1,2}\.\d{1,2}[ \t]*[-\u2013\u2014\u2212]")
COMMAND_RE = regex(
    r"(?i)\bvssadmin(?:\.exe)?[ \t]+(list|create|delete|resize|add|query|revert|expose|break)"
    r"(?:[ \t]+([a-z]+))?"
)
PROMPT_RE = regex(r"^(?:\[PS\][ \t]*|PS[ \t]+)?[A-Za-z]:\\[^>]{0,260}>[ \t]*$")
COPYRIGHT_RE = regex(r"^\(C\)[ \t]*Copyright\b", re.IGNORECASE)
STATE_RE = regex(r"^\[[ \t]*(\d{1,6})[ \t]*\][ \t]*(.*)$")
GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
PARTIAL_GUID_RE = regex(r"^\{[0-9a-fA-F-]{0,35}$")
MASKED_RE = regex(r"^\{[^{}\s]{0,40}\}$")
PLACEHOLDER_RE = regex(r"^\{?[A-Za-z][A-Za-z0-9_.\-]{0,40}\}?$")
HTML_ENTITY_RE = regex(r"&(?:#\d{1,7}|#[xX][0-9a-fA-F]{1,6}|[A-Za-z]{2,8});")
#: A volume value: ``(C:)\\?\Volume{…}\`` or ``\\?\GLOBALROOT\…`` (a mount point in parentheses).
VOLUME_HINT_RE = regex(r"^(?:\([^()]{1,260}\)[ \t]*)?\\\\\?\\")


@dataclass(slots=True)
class Line:
    """A cleaned, classified, non-blank line (blank lines are only counted)."""

    no: int
    text: str
    kind: str
    indent: int = 0
    label: str | None = None
    value: str | None = None
    name: str | None = None
    guid: str | None = None
    #: ``ok`` | ``masked`` ({ID}) | ``truncated`` | ``placeholder`` (WriterId) for GUID lines
    guid_form: str | None = None
    state: int | None = None
    state_word: str | None = None
    listing: str | None = None  # for COMMAND lines: writers / shadows / ...
    #: paste repairs applied to this line (codes, see vssadmin.ANOMALY_TEXT)
    fixes: list[str] = field(default_factory=list)
    #: blank lines seen just before this one, and the first of them
    blanks_before: int = 0
    first_blank: int | None = None

    @property
    def block_start(self) -> bool:
        """A line that can never continue the block before it."""
        return self.kind in (NAME, BANNER, COMMAND, PROMPT)


def clean(raw: str, prefix: re.Pattern[str] | None) -> tuple[str, int, list[str]]:
    """Undo paste damage: returns (text without indentation, indentation, repair codes)."""
    fixes: list[str] = []
    s = raw
    if prefix is not None:
        m = prefix.match(s)
        if m:
            s = s[m.end() :]
            fixes.append("script-prefix")
    if "\u00a0" in s:
        s = s.replace("\u00a0", " ")
    t = s.lstrip()
    if t.startswith(">"):
        fixes.append("quote-prefix")
        while t.startswith(">"):
            t = t[1:]
            if t.startswith(" "):
                t = t[1:]
        s = t
    if "&" in s and HTML_ENTITY_RE.search(s):
        fixes.append("html-entity")
        import html  # only for a line with an entity (html.entities: ~1.3 ms to import)

        s = html.unescape(s).replace("\u00a0", " ")
    if "\\[" in s or "\\]" in s:
        fixes.append("markdown-escape")
        s = s.replace("\\[", "[").replace("\\]", "]")
    body = s.lstrip(" \t")
    indent = len(s) - len(body)
    body = body.rstrip()
    if body.startswith("`") and not body.startswith("```"):
        fixes.append("backtick")
        body = body.strip("`").strip()
    return body, indent, fixes


def classify(no: int, raw: str, prefix: re.Pattern[str] | None) -> Line | None:
    """Classify one line; None for a blank line."""
    text, indent, fixes = clean(raw, prefix)
    if not text:
        return None
    line = Line(no, text, TEXT, indent=indent, fixes=fixes)
    if text.startswith("```"):
        line.kind = MARKUP
        return line
    m = BANNER_RE.search(text)
    if m:
        line.kind = BANNER
        dash = text[m.end() - 1]
        if dash != "-":
            line.fixes.append("typographic-dash")
        return line
    m = COMMAND_RE.search(text)
    if m:
        line.kind = COMMAND
        if m.group(1).lower() == "list" and m.group(2):
            line.listing = m.group(2).lower()
        return line
    if PROMPT_RE.match(text):
        line.kind = PROMPT
        return line
    if COPYRIGHT_RE.match(text):
        line.kind = COPYRIGHT
        return line
    i = _first_colon(text)
    if i < 0:
        return line
    label, value = text[:i].strip(), text[i + 1 :].strip()
    line.label, line.value = label, value
    if not label or not value:
        return line
    first, last = value[0], value[-1]
    if first in QUOTES and last in QUOTES and len(value) >= 2:
        line.kind = NAME
        line.name = value[1:-1].strip()
        if first != "'" or last != "'":
            line.fixes.append("typographic-quotes")
        return line
    if first == "[":
        m = STATE_RE.match(value)
        if m:
            line.kind = STATE
            line.state = int(m.group(1))
            line.state_word = m.group(2).strip()
            return line
    m = GUID_RE.match(value)
    if m:
        line.kind = GUID
        line.guid = m.group(1).lower()
        line.guid_form = "ok"
        return line
    if first == "{":
        if PARTIAL_GUID_RE.match(value):
            line.kind, line.guid_form = GUID, "truncated"
            return line
        if MASKED_RE.match(value):
            line.kind, line.guid_form = GUID, "masked"
            return line
    if VOLUME_HINT_RE.match(value):
        line.kind = VOLUME
    return line


def id_form(line: Line) -> str | None:
    """How a line can serve as an id line of a writer block, or None if it cannot.

    Besides real GUIDs: ``{ID}`` (masked), a cut GUID, or a one-word placeholder such as
    ``WriterId`` (Microsoft docs); decided by position in the block, not by the word.
    """
    if line.kind == GUID:
        return line.guid_form
    if line.kind == TEXT and line.value and PLACEHOLDER_RE.match(line.value):
        return "placeholder"
    return None


def _first_colon(text: str) -> int:
    """Index of the first ASCII or full-width colon, or -1."""
    a = text.find(":")
    b = text.find("\uff1a")
    if a < 0:
        return b
    if b < 0:
        return a
    return min(a, b)


def prefix_pattern(prefix: str) -> re.Pattern[str] | None:
    """A pattern for a script's per-line prefix, generalized from the one on the banner line.

    ``8/10/2018 9:28:02 AM\\t\\t\\t`` becomes ``\\d+/\\d+/\\d+ \\d+:\\d+:\\d+ [^\\W\\d_]+\\t\\t\\t``: digit and
    letter runs vary from line to line, everything else (separators, tabs) is kept literally.
    Adjacent tokens never share characters, so matching cannot backtrack.
    """
    if not prefix.strip() or len(prefix) > 200:
        return None
    parts: list[str] = []
    for m in re.finditer(r"\d+|[^\W\d_]+|.", prefix, re.DOTALL):
        tok = m.group()
        if tok[0].isdigit():
            parts.append(r"\d+")
        elif tok[0].isalpha():
            parts.append(r"[^\W\d_]+")
        else:
            parts.append(re.escape(tok))
    return re.compile("".join(parts))
