"""Directory listings of a VM folder: ``cmd /c dir /s`` and ``Get-ChildItem -Recurse``.

What matters in them is which disk files are there (``*.avhdx``, ``*.vhds``,
``*-AutoRecovery.avhdx``), their sizes and their last-write times. The folder comes from the
block header (`` Directory of D:\\VMs\\SQL01``, localized: `` Verzeichnis von``; PowerShell's
``    Directory: D:\\VMs\\SQL01``); the header words are in ``data/hyperv_state.yml``.
"""

from __future__ import annotations

import re
from functools import lru_cache

from ...lazy import regex
from .records import Record, strip_prefix
from .tables import table

_TIME = r"\d{1,2}:\d{2}(?::\d{2})?(?:\s?[AaPp]\.?[Mm]\.?)?"
_DATE = r"\d{1,4}[./-]\d{1,2}[./-]\d{1,4}"
#: cmd: ``12/04/2026  02:00 AM     4,194,304,000 SQL01.vhdx`` (separators of any culture).
_CMD_ROW = regex(rf"^({_DATE})\s+({_TIME})\s+(<DIR>|<JUNCTION>|[\d][\d,.\u00a0\u202f ]*)"
                      r"\s+(\S.*)$")
#: PowerShell: ``-a----        12/4/2026   2:00 AM     4194304000 SQL01.vhdx``.
_PS_ROW = regex(rf"^([dlarhs\-]{{5,6}})\s+({_DATE})\s+({_TIME})\s+(\d+\s+)?(\S.*)$")


@lru_cache(maxsize=1)
def _headers() -> tuple[tuple[str, ...], tuple[str, ...]]:
    h = table().get("dir_headers", {})
    return tuple(h.get("cmd") or ()), tuple(x.strip() for x in h.get("powershell") or ())


def _extensions() -> tuple[str, ...]:
    return tuple(str(e).casefold() for e in table().get("dir_file_extensions") or ())


def folder_of(line: str) -> str | None:
    """The folder a header line opens, or None."""
    cmd, ps = _headers()
    for h in cmd:
        if line.startswith(h) and len(line) > len(h) + 2:
            return line[len(h):].strip()
    s = line.strip()
    for h in ps:
        if s.startswith(h) and len(s) > len(h) + 2:
            return s[len(h):].strip()
    return None


class DirParser:
    """One record per file row of a disk-related extension, under its folder, fed a line at
    a time (a row is emitted at once: nothing is held but the folder)."""

    def __init__(self) -> None:
        self._folder: str | None = None
        self._exts = _extensions()

    def open_from(self) -> int | None:
        return None

    def close(self) -> list[Record]:
        return []

    def feed(self, n: int, raw: str) -> list[Record]:
        text = strip_prefix(raw.rstrip()) if raw.lstrip().startswith(("#", ">")) else raw.rstrip()
        f = folder_of(text)
        if f is not None:
            self._folder = f
            return []
        folder = self._folder
        if folder is None:
            return []
        m = _CMD_ROW.match(text)
        if m:
            date, time, size, name = m.groups()
            if size.startswith("<"):
                return []
            size_v = re.sub(r"[^\d]", "", size)
        else:
            m = _PS_ROW.match(text.strip())
            if not m or m.group(1).startswith("d"):
                return []
            _mode, date, time, size, name = m.groups()
            size_v = (size or "").strip()
        name = name.strip()
        if not name.casefold().endswith(self._exts):
            return []
        sep = "" if folder.endswith("\\") else "\\"
        return [Record({"Directory": folder, "Name": name, "Path": f"{folder}{sep}{name}",
                        "Length": size_v, "LastWriteTime": f"{date} {time}"}, n, n, "dir")]


def looks_like(lines: list[str]) -> bool:
    """A folder header and at least one disk-file row under it."""
    exts = _extensions()
    opened = False
    for line in lines:
        if folder_of(line.rstrip()) is not None:
            opened = True
        elif opened and line.rstrip().casefold().endswith(exts) and re.search(_DATE, line):
            return True
    return False
