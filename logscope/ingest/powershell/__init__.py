"""PowerShell error records as pasted from a console, a transcript or a tool's log (kind
``powershell-error``): ``grammar`` says what one line is, ``record`` turns a record's lines
into its fields, ``reader`` detects, cleans the paste and groups lines into records.
"""

from ...lazy import lazy_attrs

__all__ = ["KINDS", "detect", "parse"]
__getattr__ = lazy_attrs(__name__, dict.fromkeys(__all__, "reader"))  # on first use
