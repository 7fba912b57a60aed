"""What one line of diskshadow output is (after paste damage is undone).

Real layouts (tests/pasted_readers/data/SOURCES.md): the banner ``Microsoft DiskShadow
version 1.0`` / ``Copyright`` / ``On computer:  HOST,  6/2/2019 2:55:20 PM``; commands echoed
as ``DISKSHADOW> create`` (console) or ``-> CREATE`` (``diskshadow /s`` script);
``The last operation failed.`` followed by ``- Returned HRESULT: 80042306`` / ``- Error text:
VSS_E_PROVIDER_VETO``; ``Excluding writer "..."``; ``Component "..." from writer "..." is
excluded from backup,``; writer blocks ``* WRITER "System Writer"`` with ``- Status: 1
(VSS_WS_STABLE)`` / ``- Writer Failure code: 0x00000000 (S_OK)`` / ``- Writer ID: {...}``
(the VShadow layout diskshadow shares, e.g. ``ERROR: Selected writer '...' is in failed
state!``); shadow copy blocks ``* Shadow copy ID = {...}``.

Field labels are localised on non-English Windows, so fields are recognised by their values
(``n (VSS_WS_...)``, ``0x........ (...)``, ``{GUID}``), never by the label text.
"""

from __future__ import annotations

import re

from ...lazy import regex

BANNER = regex(r"^\s*Microsoft DiskShadow\b", re.IGNORECASE)
COPYRIGHT = regex(r"^\s*Copyright\b.{0,40}Microsoft", re.IGNORECASE)
#: ``On computer:  DC01,  9/18/2023 5:02:10 PM`` (the label may be localised: key on the shape)
ON_COMPUTER = regex(r"^\s*[^:,]{2,30}:\s+(?P<host>[\w.-]{1,255}),\s+(?P<when>\d.{5,40}?)\s*$")
COMMAND = regex(r"^\s*(?:DISKSHADOW>|->)\s?(?P<cmd>.*)$", re.IGNORECASE)
SHELL_PROMPT = regex(r"^\s*(?:PS )?[A-Za-z]:\\[^>]{0,260}>\s*\S")
WRITER_OPEN = regex(
    r"^\s*(?:\*\s*)?WRITER\s+\"(?P<name>[^\"]{1,256})\"\s*$"
    r"|selected writer\s+['\"](?P<name2>[^'\"]{1,256})['\"]\s+is in failed state",
    re.IGNORECASE)
SHADOW_OPEN = regex(r"^\s*(?:\*\s*)?Shadow copy ID\s*=\s*(?P<id>\{[0-9A-Fa-f-]{36}\})")
EXCLUDED = regex(r"^\s*(?:Excluding writer\s+\"(?P<w1>[^\"]{1,256})\""
                      r"|Component\s+\"(?P<comp>[^\"]{1,512})\"\s+from writer\s+"
                      r"\"(?P<w2>[^\"]{1,256})\")", re.IGNORECASE)
#: A failed operation: these open an error block (the lines after it add detail).
FAILURE = regex(r"\bfailed\b|\berror\b|\bVSS_E_[A-Z_]+|\bfehler|\béchec|\berreur",
                     re.IGNORECASE)
#: ``label: value`` / ``label = value`` detail lines (``- `` already removed or not).
FIELD = regex(r"^\s*(?:[-+]\s*)?(?P<label>[^:=]{1,60}?)\s*[:=]\s*(?P<value>.*)$")
CUT = regex(r"^\s*(?:\.\.\.|…)\s*$")
STATE = regex(r"\b(?P<n>\d{1,2})\s*\((?P<name>VSS_WS_[A-Z_]+)\)|\[(?P<b>\d{1,2})\]")
FAILURE_CODE = regex(r"\b(?P<hex>0x[0-9A-Fa-f]{8})\s*(?:\((?P<text>[^)]{0,120})\))?")
GUID = regex(r"\{[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}"
                  r"-[0-9A-Fa-f]{12}\}")
QUOTED_WRITER = regex(r"writer\s+['\"](?P<name>[^'\"]{1,256})['\"]", re.IGNORECASE)


_VERBS = regex(r"(?:set|add|create|begin|end|expose|unexpose|list|writer|delete|exec|"
                    r"load|import|mask|revert|break|reset|exit|#)", re.IGNORECASE)


def is_command(line: str) -> bool:
    """A command echo: ``DISKSHADOW> ...`` always, ``-> ...`` when a diskshadow verb follows."""
    m = COMMAND.match(line)
    if m is None:
        return False
    return line.lstrip().upper().startswith("DISKSHADOW>") or bool(_VERBS.match(m.group("cmd")))


def detect_score(lines: list[str]) -> bool:
    """True when the lines are diskshadow (or VShadow) output."""
    banner = commands = blocks = fails = hres = 0
    for line in lines:
        s = line.lstrip(" \t>")
        if BANNER.match(s):
            banner += 1
        elif is_command(s):
            commands += 1
        elif WRITER_OPEN.search(s) or SHADOW_OPEN.match(s):
            blocks += 1
        elif s.strip().startswith("The last operation failed"):
            fails += 1
        elif re.search(r"Returned HRESULT|Writer Failure code|\(VSS_WS_[A-Z_]+\)", s):
            hres += 1
    return bool(banner or commands >= 2 or blocks and hres or fails and hres
                or (commands and (fails or blocks)))
