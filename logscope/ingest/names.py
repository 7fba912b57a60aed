"""What a bundle member is called in the report and which host it came from: safe member
names (no path escape), display text without control characters, host names from folders.
"""

from __future__ import annotations

import re
from pathlib import PurePosixPath


def safe_member_name(name: str) -> str:
    """A member name for display only: backslashes to ``/``, no drive, no ``..``, no root,
    control characters written as ``\\xNN`` (a name must not drive a terminal)."""
    n = display_text(name.replace("\\", "/"))
    if len(n) >= 2 and n[1] == ":":
        n = n[2:]
    parts = [p for p in PurePosixPath(n).parts if p not in ("/", "..", ".", "")]
    return "/".join(parts) or "_"


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def display_text(name: str) -> str:
    """A file name as shown in reports: control and bidi characters as ``\\xNN``/``\\uNNNN``."""
    return _CONTROL.sub(lambda m: ascii(m.group())[1:-1], name)


def host_from_path(rel: str) -> str | None:
    """A machine name suggested by the folder a file sits in (``case/SQL01/VSS/x.log`` → SQL01).

    Heuristic: the folder nearest to the file that is not a generic container name and looks
    like a machine name (no spaces, a first label of at most 15 characters, as NetBIOS allows).
    ``guest-``/``host-`` prefixes are dropped, and so is the ``yyyy-MM-ddTHHmmss_`` stamp of a
    Veeam guest log collection folder (``2026-03-14T103000_SQL01``).
    """
    parts = PurePosixPath(rel).parts[:-1]
    for part in reversed(parts):
        part = _COLLECTION_STAMP.sub("", part)
        low = part.lower()
        if low in _GENERIC_DIRS or low.endswith((".zip", ".gz")):
            continue
        for prefix in ("guest-", "host-", "guest_", "host_"):
            if low.startswith(prefix):
                part = part[len(prefix):]
                break
        if " " in part or not part or len(part.split(".")[0]) > 15:
            continue
        return part
    return None


_COLLECTION_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{6}_")


_GENERIC_DIRS = {
    "logs", "log", "evtx", "eventlogs", "event logs", "winevt", "windows", "system32", "config",
    "vss", "backup", "veeam", "support", "bundle", "export", "host", "hosts", "guest", "guests",
    "servers", "text", "application", "system", "xml", "tmp", "data",
}
