"""``diskshadow`` console output and script logs (kind ``diskshadow``).

``lines`` classifies one cleaned line (banner, command echo, block opener, field, ...);
``reader`` detects the format, cleans the paste (``ingest.paste_clean``) and groups lines
into events: one per writer (status or metadata listing), per failed operation, per
excluded writer or component and per shadow copy created.
"""

from ...lazy import lazy_attrs

__all__ = ["KINDS", "detect", "parse"]
__getattr__ = lazy_attrs(__name__, dict.fromkeys(__all__, "reader"))  # on first use
