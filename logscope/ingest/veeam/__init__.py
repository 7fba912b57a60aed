"""Veeam Backup & Replication logs: job/task/service logs (``veeam``), console session text
(``veeam-session``), the guest helper's VeeamVssSupport log (``veeam-guest``) and
SqlWriterLogger.txt (``sqlwriter-log``).

``lines`` + ``header`` + ``continuation`` read the line grammar (multi-line entries, run
headers); ``entities`` and ``paths`` find VMs, jobs and disks in the text; ``server``,
``session``, ``guest`` and ``sqlwriter`` turn entries into events; ``offset`` converts local
times to UTC (stated or inferred offsets); ``reader`` detects and dispatches; ``fold`` reads
a server or agent log or session text in blocks and counts the plain lines (``plain``: what
one is per kind) nothing downstream can use; ``repeats`` counts an agent or session entry
repeated past the hits a report keeps.
"""

from ...lazy import lazy_attrs

__all__ = ["KINDS", "detect", "parse"]
__getattr__ = lazy_attrs(__name__, dict.fromkeys(__all__, "reader"))  # on first use
