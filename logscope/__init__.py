"""logscope: explains why Hyper-V host-level backups fail, from a customer's support bundle.

Data flow (one package per stage): ingest → events → match → correlate → report.
"""

from __future__ import annotations

__version__ = "0.1.0"
