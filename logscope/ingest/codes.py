"""Every code in a piece of pasted text, whatever the language around it.

Why: a German, Japanese or Russian paste says the same thing as an English one only in its
codes: the HRESULT (written ``0x800423F4``, ``0X800423f4``, ``800423F4``, ``%%2147754996``,
``2147754996``, ``-2147212300``, ``(0x80070070)``, ``hr = ...``), a symbolic name
(``VSS_E_INSUFFICIENT_STORAGE``, ``E_ACCESSDENIED``, ``ERROR_DISK_FULL``), a Hyper-V WMI job
code (``32768``) or a Win32 error number (``error 32``). Signatures key on those, so every
text reader fills the same fields from :func:`find_codes`. Canonical forms and names come from
``logscope/hresult.py`` and ``data/hresults.yml`` (extend the data file, not this module).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

import re2

from .. import hresult as hr
from ..events import Event
from ..lazy import regex

#: How much of one message is scanned (bounded work on a hostile paste).
MAX_SCAN_CHARS = 64 * 1024

# One pass over the text, alternatives in order of precedence; a token is never read twice.
_TOKENS = regex(
    r"(?<![0-9A-Za-z_%-])(?:"
    r"(?P<hex>0[xX][0-9A-Fa-f]{8})(?:L\b)?"
    r"|(?P<pct>%%\d{9,10})"
    r"|(?P<neg>-2\d{9})"
    r"|(?P<dec>[234]\d{9})"
    r"|(?P<bare>[89ACac][0-9A-Fa-f]{7})"
    r"|(?P<name>(?:VSS_E|E|ERROR|RPC_S|CO_E)_[A-Z0-9_]{2,60})"
    r"|(?P<wmi>327(?:6[89]|7\d))"
    r")(?![0-9A-Za-z_-])"
)
#: A superset of where ``_TOKENS`` can match, in RE2 (linear, no lookbehind): the lookbehind
#: becomes a consumed boundary character, the lookahead a consumed one or the end, and ``\d``
#: (any Unicode digit in ``re``) any digit or non-ASCII character. Why: ``re`` tries the
#: lookbehind at every position, and most pasted lines (hashes, paths, prose) hold no token at
#: all; a text this misses has no token, so skipping ``_TOKENS`` there changes nothing.
_DIGIT_OR_WIDE = "[0-9\\x{80}-\\x{10FFFF}]"
_MAYBE_TOKEN = re2.compile(
    r"(?:^|[^0-9A-Za-z_%-])(?:"
    r"0[xX][0-9A-Fa-f]{8}L?"
    rf"|%%{_DIGIT_OR_WIDE}{{9,10}}"
    rf"|-2{_DIGIT_OR_WIDE}{{9}}"
    rf"|[234]{_DIGIT_OR_WIDE}{{9}}"
    r"|[89ACac][0-9A-Fa-f]{7}"
    r"|(?:VSS_E|E|ERROR|RPC_S|CO_E)_[A-Z0-9_]{2,60}"
    rf"|327(?:6[89]|7{_DIGIT_OR_WIDE})"
    r")(?:$|[^0-9A-Za-z_-])"
)
#: A superset of where ``_WIN32`` can match, in RE2: one of its words (``\\b`` dropped; under
#: ``re.IGNORECASE`` their letters fold only with ASCII ones and ``ſ``, as under ``(?i)``),
#: then its separators and the number's first character (``\\d``: any digit or non-ASCII
#: character). Why: "error" is in most lines of a support ticket, and ``_WIN32`` scans a
#: 500-character line in ~60 us; a word with no number after it is no Win32 code.
_MAYBE_WIN32 = re2.compile(
    r"(?i:error(?:[ \t]+code)?|errore|fehler|erreur|getlasterror\(\))"
    # the number outside (?i): folded, the wide class would take in "s" and "k" (ſ, K)
    rf"[ \t]*[:=#]?[ \t]*['(]?(?:0[xX][0-9A-Fa-f]|{_DIGIT_OR_WIDE})")
#: Words before a bare number that make it a code (any of the languages we read).
_CONTEXT = regex(
    r"(?:code|error|errors|hresult|hr|result|return|returned|value|status|fehler|fehlercode"
    r"|erreur|error|errore|código|codice|ошибк[аи]|код|エラー|コード|错误|代码|job|state"
    r"|returnvalue|errorcode)\W{0,4}$", re.IGNORECASE)
_QUOTED = regex(r"['\"(\[]$")
#: ``error 32``, ``Win32 error 0x20``, ``error code: 5``, ``GetLastError() = 5`` (a Win32 number).
_WIN32 = regex(
    r"(?:\bwin32[ \t]+error(?:[ \t]+code)?|\b(?:system[ \t]+)?error(?:[ \t]+code)?|getlasterror\(\)"
    r"|\bfehler|\berreur|\berrore)[ \t]*[:=#]?[ \t]*['(]?(0x[0-9A-Fa-f]{1,4}|\d{1,5})"
    r"(?![0-9A-Za-z,:_-]|\.\d)",
    re.IGNORECASE)


@dataclass(slots=True)
class Codes:
    """The codes of one text, each list in order of appearance, without repeats."""

    hresults: list[str] = field(default_factory=list)
    wmi_codes: list[int] = field(default_factory=list)
    win32_codes: list[int] = field(default_factory=list)
    vss_errors: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.hresults or self.wmi_codes or self.win32_codes or self.vss_errors)

    def apply(self, event: Event) -> None:
        """Fill the contract fields: ``hresult`` (first), ``data.hresults`` (all),
        ``data.wmi_code``, ``data.win32_code`` (first of each), ``data.vss_error`` (the
        ``VSS_E_*`` name written, else the name of the first VSS code)."""
        if self.hresults:
            merged = list(event.data.get("hresults") or [])
            merged += [c for c in self.hresults if c not in merged]
            event.data["hresults"] = merged
            if event.hresult is None:
                event.hresult = merged[0]
        if self.wmi_codes:
            event.data.setdefault("wmi_code", self.wmi_codes[0])
            if len(self.wmi_codes) > 1:
                event.data.setdefault("wmi_codes", list(self.wmi_codes))
        if self.win32_codes:
            event.data.setdefault("win32_code", self.win32_codes[0])
        vss = self.vss_errors or [n for n in (_name_of(c) for c in self.hresults)
                                  if n and n.startswith("VSS_E_")]
        if vss:
            event.data.setdefault("vss_error", vss[0])


def find_codes(text: str) -> Codes:
    """Every HRESULT, symbolic name, WMI job code and Win32 error number in ``text``."""
    out = Codes()
    if not text:
        return out
    t = text[:MAX_SCAN_CHARS]
    if not t.isascii():
        t = unicodedata.normalize("NFKC", t)  # full-width digits and brackets (ja, zh)
    for m in _TOKENS.finditer(t) if _may_hold_token(t) else ():
        kind = m.lastgroup
        token = m.group(kind)  # type: ignore[arg-type]
        before = t[max(0, m.start() - 24):m.start()]
        code: str | None = None
        if kind == "hex":
            code = hr.normalize("0x" + token[2:])
        elif kind in ("pct", "neg", "dec"):
            code = hr.normalize(token)
        elif kind == "bare":
            # eight hex digits without 0x: only with a letter in them or a code word before
            # (a date, a size or a GUID part is not an HRESULT)
            if not token.isdigit() or _CONTEXT.search(before) or _QUOTED.search(before):
                code = hr.normalize(token) if not token.isdigit() else hr.normalize("0x" + token)
        elif kind == "name":
            code = hr.by_name(token)
            if token.startswith("VSS_E_") and token not in out.vss_errors:
                out.vss_errors.append(token)
        elif kind == "wmi":
            n = int(token)
            if n in hr.wmi_codes() and (_CONTEXT.search(before) or _QUOTED.search(before)):
                if n not in out.wmi_codes:
                    out.wmi_codes.append(n)
        if code and code not in out.hresults:
            out.hresults.append(code)
    for m in _WIN32.finditer(t) if _may_hold_win32(t) else ():
        value = m.group(1)
        n = int(value, 16) if value[:2].lower() == "0x" else int(value)
        if 0 < n < 16000 and n not in out.win32_codes:
            out.win32_codes.append(n)
    return out


def _may_hold_token(text: str) -> bool:
    """False only where ``_TOKENS`` finds nothing (see ``_MAYBE_TOKEN``)."""
    try:
        return _MAYBE_TOKEN.search(text) is not None
    except UnicodeEncodeError:  # a lone surrogate (undecodable byte): RE2 reads only UTF-8
        return True


def _may_hold_win32(text: str) -> bool:
    """False only where ``_WIN32`` finds nothing (see ``_MAYBE_WIN32``)."""
    try:
        return _MAYBE_WIN32.search(text) is not None
    except UnicodeEncodeError:  # a lone surrogate: RE2 reads only UTF-8
        return True


def ascii_code_patterns() -> list[str]:
    """RE2 one of which every ASCII text matches that ``find_codes`` finds a code in: its own
    two pretests (no NFKC folding happens on ASCII; ``lower`` is ``(?i)`` there). An ASCII
    text that matches neither has no code (``ingest/quiet_text``)."""
    return [_MAYBE_TOKEN.pattern, _MAYBE_WIN32.pattern]


def apply_codes(event: Event, text: str | None = None) -> Codes:
    """:func:`find_codes` over ``text`` (default: the event's message), applied to the event."""
    codes = find_codes(event.message if text is None else text)
    codes.apply(event)
    return codes


def _name_of(code: str) -> str | None:
    described = hr.describe(code)
    return described["name"] if described else None
