"""What one line of PowerShell error output is.

Windows PowerShell 5.1 NormalView (every real sample in tests/pasted_readers/data)::

    Start-VM : 'minikube' failed to start. (Virtual machine ID D43F8370-...)
    At line:1 char:1               (localised: In Zeile:1 Zeichen:1, 発生場所 行:1 文字:1)
    + Start-VM minikube
    + ~~~~~~~~~~~~~~~~~
        + CategoryInfo          : PermissionDenied: (:) [Start-VM], VirtualizationException
        + FullyQualifiedErrorId : AccessDenied,Microsoft.HyperV.PowerShell.Commands.StartVM

The position line is localised, so it is recognised by its shape (``...:<n> <word>:<n>`` at
the end of a line); the ``+ CategoryInfo`` / ``+ FullyQualifiedErrorId`` keys are never
translated, which is what detection keys on. PowerShell 7's ConciseView writes
``Checkpoint-VM: message`` (approved verb, no space before the colon) and
``$Error[0] | Format-List *`` writes ``Key : value`` lines with the ErrorRecord's keys.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from ... import datafiles
from ...lazy import regex
from ..paste_read import MD_ESCAPE

#: ``+ CategoryInfo : ...`` (the ``+`` may be lost or escaped in a paste).
KEY = regex(r"^\s*\+?\s*(?P<key>CategoryInfo|FullyQualifiedErrorId|PSComputerName)\s*:\s?"
                 r"(?P<value>.*)$")
#: ``+ Start-VM minikube`` / ``+ ~~~~`` under the position line.
PLUS = regex(r"^\s*\+(?:\s|$)")
#: ``At line:1 char:1``, ``At C:\x.ps1:33 char:14``, ``Au caractère Ligne:1 : 1``, mojibake.
POSITION = regex(r"[:：]\s?\d{1,7}(?:\s{1,3}[^\s:：]{0,16})?\s?[:：]\s?\d{1,7}\s*$")
#: ``Name : message`` -- a command (Verb-Noun, optionally module-qualified) or a script path,
#: anywhere in the line (a tool's log prefix may come first).
STRONG_HEAD = regex(
    r"(?:^|(?<=\s))(?P<name>(?:[A-Za-z][\w.-]{0,40}\\)?[A-Za-z]{2,20}-[A-Za-z][\w]{0,60}"
    r"|[A-Za-z]:\\[^:\r\n]{0,300}?\.ps1|[\w.-]{1,120}\.ps1)\s?:\s(?P<msg>.*)$")
#: ``claude : Die Benennung ...`` -- any command name at a line start.
WEAK_HEAD = regex(r"^(?P<name>[^\s:]{1,80}) : (?P<msg>.*)$")
#: ``CategoryInfo`` value: ``Category: (target:type) [Activity], Reason``.
CATEGORY = regex(r"^(?P<cat>[^:(]{1,60}):\s*\((?P<target>.{0,300})\)\s*"
                      r"\[(?P<activity>[^\]]{0,120})\]\W{0,6}"
                      r"(?P<reason>[A-Za-z_][\w.]{0,200})?\s*$")
LIST_KEY = regex(r"^(?P<key>[A-Za-z]{6,24})\s*:\s?(?P<value>.*)$")
GUID = regex(r"[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}")
ID_GUID = regex(r"\bID\s{0,2}\{?(" + GUID.pattern + r")")
VM_NAME = regex(r"(?:^|\n|:\s)'(?P<name>[^'\n]{1,200})'\s")


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    raw: dict[str, Any] = datafiles.table("powershell.yml")
    raw["verb_set"] = frozenset(raw["verbs"])
    raw["list_key_set"] = frozenset(raw["list_keys"])
    return raw


@lru_cache(maxsize=1)
def concise_head() -> re.Pattern[str]:
    verbs = "|".join(sorted(table()["verbs"], key=len, reverse=True))
    return re.compile(rf"^(?P<name>(?:[A-Za-z][\w.-]{{0,40}}\\)?(?:{verbs})-[A-Za-z]\w{{0,60}}):"
                      rf"\s(?P<msg>\S.*)$")


def is_position(text: str) -> bool:
    return bool(POSITION.search(text)) and len(text) < 600


def list_key(text: str) -> tuple[str, str] | None:
    m = LIST_KEY.match(text)
    if m and m.group("key") in table()["list_key_set"]:
        return m.group("key"), m.group("value")
    return None


def detect_lines(lines: list[str]) -> bool:
    """True when the lines hold a PowerShell error record."""
    keys = lists = concise = 0
    for raw in lines:
        s = MD_ESCAPE.sub(r"\1", raw.lstrip(" \t>"))  # shared with the reader
        if KEY.match(s) and "+" in s[:8]:
            keys += 1
        elif (k := list_key(s)) and k[0] in ("CategoryInfo", "FullyQualifiedErrorId",
                                              "Exception"):
            lists += 1
        elif concise_head().match(s):
            concise += 1
    return bool(keys or lists >= 2 or concise)
