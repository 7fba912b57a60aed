"""Bundle limits from the command line: sizes such as 2G or 512MiB, into options.
"""

from __future__ import annotations

from .source import IngestOptions

_SIZE_UNITS = {"": 1, "B": 1, "K": 1 << 10, "KB": 1 << 10, "KIB": 1 << 10, "M": 1 << 20,
               "MB": 1 << 20, "MIB": 1 << 20, "G": 1 << 30, "GB": 1 << 30, "GIB": 1 << 30,
               "T": 1 << 40, "TB": 1 << 40, "TIB": 1 << 40}


def parse_size(text: str) -> int:
    """``"32G"``, ``"500 MB"``, ``"1048576"`` → bytes (binary units: archive limits are
    compared with file sizes, which tools show in KiB/MiB/GiB)."""
    t = text.strip().upper().replace(" ", "")
    num = t.rstrip("KMGTIB")
    unit = t[len(num):]
    if unit not in _SIZE_UNITS or not num:
        raise ValueError(f"not a size: {text!r} (use e.g. 500M, 32G)")
    try:
        value = float(num)
    except ValueError:
        raise ValueError(f"not a size: {text!r} (use e.g. 500M, 32G)") from None
    if not 0 < value < 1 << 60:
        raise ValueError(f"size out of range: {text!r}")
    return int(value * _SIZE_UNITS[unit])


def apply_limits(options: IngestOptions, *, max_total_size: str | None = None,
                 max_member_size: str | None = None, max_members: int | None = None,
                 max_ratio: float | None = None, max_depth: int | None = None) -> None:
    """Set the archive limits given on the command line (None keeps the default)."""
    if max_total_size is not None:
        options.max_total_bytes = parse_size(max_total_size)
    if max_member_size is not None:
        options.max_member_bytes = parse_size(max_member_size)
    if max_members is not None:
        if max_members < 1:
            raise ValueError("--max-members must be at least 1")
        options.max_members = max_members
    if max_ratio is not None:
        if max_ratio < 1:
            raise ValueError("--max-ratio must be at least 1")
        options.max_ratio = max_ratio
    if max_depth is not None:
        if max_depth < 0:
            raise ValueError("--max-depth must be 0 or more")
        options.max_depth = max_depth
