"""Backup job throughput and bottlenecks (issue 11): extract → analyze → render.

``Collector`` is fed every event by the pipeline; ``analyze.section`` turns what it kept into
the report's ``throughput`` section and hints; ``render`` draws that section in each format.

Start-up: importing the package loads only the collector (``extract.py``, light until a
Veeam event comes); ``Session`` loads on first use, and ``render`` registers the report
section when a report that holds one is rendered (``report.sections.PROVIDERS``).
"""

from ..lazy import lazy_attrs
from .extract import Collector

__getattr__ = lazy_attrs(__name__, {"Session": "session"})

__all__ = ["Collector", "Session"]
