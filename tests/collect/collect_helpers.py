"""Reading back what a ``logscope collect`` script says it writes: its file names, the property
list of each state file, and the layout of the folder listing, taken from the rendered script
text itself (so a template edit that changes a form is tested, not a copy of it)."""

from __future__ import annotations

import re

from logscope.collect import Window, channels_by_block, render
from logscope.match.library import load_library

_STATE = re.compile(r"^\$props = @\((.*)\)\nSave-LogscopeState '([^']+)' \$props \{ (.*) \}$",
                    re.MULTILINE)
_TEXT = re.compile(r"^Save-LogscopeText '([^']+)' \{ (.*) \}$", re.MULTILINE)
_EVTX = re.compile(r'^wevtutil epl (\S+) "\$out\\([^"]+)"(.*)$', re.MULTILINE)


def script(roles: tuple[str, ...] = ("host", "guest"), window: Window | None = None,
           vms: list[str] | None = None) -> str:
    return render(roles, channels_by_block(load_library()), window or Window(), vms)


def split_items(inner: str) -> list[str]:
    """The top-level items of a PowerShell ``@(...)`` body (commas inside braces, parentheses
    or quotes do not split)."""
    items, depth, quote, cur = [], 0, False, ""
    for c in inner:
        if c == "'" :
            quote = not quote
        elif not quote and c in "{(":
            depth += 1
        elif not quote and c in "})":
            depth -= 1
        if c == "," and depth == 0 and not quote:
            items.append(cur.strip())
            cur = ""
            continue
        cur += c
    if cur.strip():
        items.append(cur.strip())
    return items


def state_files(text: str) -> list[tuple[str, list[tuple[str, str | None]], str]]:
    """``(file, [(property, expression or None)], objects)`` per Save-LogscopeState call."""
    out = []
    for m in _STATE.finditer(text):
        props = []
        for item in split_items(m.group(1)):
            calc = re.fullmatch(r"@\{ Name = '([^']+)'; Expression = \{ (.*) \} \}", item)
            if calc:
                props.append((calc.group(1), calc.group(2)))
            else:
                assert item.startswith("'") and item.endswith("'"), item
                props.append((item[1:-1].replace("''", "'"), None))
        out.append((m.group(2), props, m.group(3)))
    return out


def text_files(text: str) -> list[tuple[str, str]]:
    return [(m.group(1), m.group(2)) for m in _TEXT.finditer(text)]


def evtx_exports(text: str) -> list[tuple[str, str, str]]:
    """``(channel, file, rest of the line)`` per ``wevtutil epl``."""
    return [(m.group(1), m.group(2), m.group(3)) for m in _EVTX.finditer(text)]


def listing_layout(text: str) -> dict[str, object]:
    """The folder-listing layout the host script writes: the header strings, the row format
    (as a Python format string) and the time format (as strftime)."""
    folder = re.search(r"\$lines\.Add\('([^']+)' \+ \$g\.Name\)", text)
    heads = re.findall(r"\$lines\.Add\('((?:Mode|----)[^']*)'\)", text)
    row = re.search(r"\$lines\.Add\(\('([^']+)' -f \$i\.Mode, \$i\.LastWriteTime\.ToString"
                    r"\('([^']+)'\), \$i\.Length, \$i\.Name\)\)", text)
    file = re.search(r"^Save-LogscopeListing '([^']+)'$", text, re.MULTILINE)
    assert folder and len(heads) == 2 and row and file, "listing layout not found in the script"
    fmt = re.sub(r"\{(\d+),(-?)(\d+)\}",
                 lambda m: "{%s:%s%s}" % (m[1], "<" if m[2] else ">", m[3]), row.group(1))
    return {"file": file.group(1), "folder": folder.group(1), "heads": heads, "row": fmt,
            "time": dotnet_time_format(row.group(2))}


def dotnet_time_format(fmt: str) -> str:
    """A .NET custom date format of the tokens the script uses → strftime."""
    table = {"yyyy": "%Y", "MM": "%m", "dd": "%d", "HH": "%H", "mm": "%M", "ss": "%S"}
    out = []
    for tok in re.findall(r"yyyy|MM|dd|HH|mm|ss|\\.|[ \-T]", fmt):
        out.append(table.get(tok, tok[-1]))
    assert "".join(re.findall(r"yyyy|MM|dd|HH|mm|ss|\\.|[ \-T]", fmt)) == fmt, fmt
    return "".join(out)
