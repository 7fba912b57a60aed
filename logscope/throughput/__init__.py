"""Backup job throughput and bottlenecks (issue 11): extract → analyze → render.

``Collector`` is fed every event by the pipeline; ``analyze.section`` turns what it kept into
the report's ``throughput`` section and hints; ``render`` draws that section in each format.
"""

from .extract import Collector, Session
from .render import register

register()

__all__ = ["Collector", "Session"]
