"""Escaping of log-derived values for each output (logs are hostile input).

Terminal: control characters, ANSI/OSC sequences (7- and 8-bit) and the bidirectional
overrides and marks of "Trojan Source" are stripped, so a log line cannot move the cursor,
retitle the window, plant a hyperlink or reorder what is shown. CSV: the same stripping (a
CSV is often read with ``cat``), and a cell that a spreadsheet would run as a formula
(``= + - @``, tab, CR) is prefixed with ``'``. HTML escaping uses ``html.escape`` at the
point of rendering.
"""

from __future__ import annotations

import re

from ..lazy import regex

_ANSI = regex(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CTRL = regex(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
              r"\u2066-\u2069]")


def terminal(text: object, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed."""
    s = _ANSI.sub("", str(text))
    s = _CTRL.sub("", s.replace("\t", " ").replace("\r", "" if keep_newlines else " "))
    return s if keep_newlines else s.replace("\n", " ")


def csv_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will evaluate as a formula (leading blanks do not
    help: some importers trim them before deciding)."""
    s = "" if value is None else terminal(value)
    if s.lstrip(" \t\r\n")[:1] in ("=", "+", "-", "@") or s[:1] in ("\t", "\r"):
        return "'" + s
    return s


def markdown(text: object) -> str:
    """Inline Markdown: special characters escaped, no raw HTML, one line."""
    s = terminal(text)
    s = re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", s)
    return s
