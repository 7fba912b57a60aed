"""Why a zip member is not read, decided from its header before a byte of it is.

Why apart from the walk: the refusals are the bundle's safety rules for one member
(encryption, a compression method we cannot read, a symbolic link, and the limits of
``IngestOptions`` as the headers declare them); the walk in ``bundle`` only counts what it
accepted and hands the rest to the ledger. Headers can lie, so the same limits are checked
again on the bytes produced (``Bundle._bounded_copy``, ``archive.MemberStream``).
"""

from __future__ import annotations

import stat
from typing import TYPE_CHECKING

from . import archive
from .archive import METHOD_NAMES
from .source import IngestOptions

if TYPE_CHECKING:
    import zipfile


def member_refusal(info: zipfile.ZipInfo, o: IngestOptions, members: int,
                   total_bytes: int) -> str | None:
    """The reason ``info`` is refused (its prefix before ``:`` is the skip reason), or None.

    ``members``: members accepted so far; ``total_bytes``: the bundle's bytes so far (the
    larger of those produced and those the accepted members declare)."""
    if info.flag_bits & 0x41 or info.compress_type == 99:
        return ("encrypted member: cannot be read without the password "
                "(re-create the archive without encryption)")
    if info.compress_type not in archive.readable():
        label = METHOD_NAMES.get(info.compress_type, "unknown")
        return (f"unsupported compression method: {info.compress_type} ({label}); "
                "re-create the archive with Deflate")
    if info.create_system == 3 and stat.S_ISLNK(info.external_attr >> 16):
        return "symbolic link member: not followed"
    if members >= o.max_members:
        return f"member count limit: more than {o.max_members} members (raise --max-members)"
    if info.file_size > o.max_member_bytes:
        return (f"member size limit: {info.file_size} bytes > {o.max_member_bytes} "
                "(raise --max-member-size)")
    if info.file_size > archive.RATIO_FLOOR and info.file_size > o.max_ratio * max(info.compress_size, 1):
        return (f"compression ratio limit: {info.file_size / max(info.compress_size, 1):.0f}:1 "
                f"> {o.max_ratio:.0f}:1 (zip bomb? raise --max-ratio)")
    if total_bytes + info.file_size > o.max_total_bytes:
        return (f"total size limit: the bundle would exceed {o.max_total_bytes} bytes "
                "(raise --max-total-size)")
    return None
