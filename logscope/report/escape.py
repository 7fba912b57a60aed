"""Escaping of log-derived values for each output (logs are hostile input).

Terminal: control characters and ANSI/OSC sequences are stripped, so a log line cannot
move the cursor, retitle the window or hide text. CSV: a cell that a spreadsheet would
run as a formula (``= + - @``, tab, CR) is prefixed with ``'``. HTML escaping uses
``html.escape`` at the point of rendering.
"""

from __future__ import annotations

import re

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[@-Z\\-_])")
_CTRL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def terminal(text: object, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal: escape sequences and control characters removed."""
    s = _ANSI.sub("", str(text))
    s = _CTRL.sub("", s.replace("\t", " ").replace("\r", "" if keep_newlines else " "))
    return s if keep_newlines else s.replace("\n", " ")


def csv_cell(value: object) -> str:
    """A CSV cell that no spreadsheet will evaluate as a formula."""
    s = "" if value is None else str(value)
    if s and s[0] in "=+-@\t\r":
        return "'" + s
    return s


def markdown(text: object) -> str:
    """Inline Markdown: special characters escaped, no raw HTML, one line."""
    s = terminal(text)
    s = re.sub(r"([\\`*_{}\[\]()#+!|<>~])", r"\\\1", s)
    return s
