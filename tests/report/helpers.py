"""The correlate tests' pipeline helpers, shared by the report tests (one copy)."""

from __future__ import annotations

from tests.correlate.helpers import BUNDLES, ROOT, copy_bundle, run

__all__ = ["BUNDLES", "ROOT", "copy_bundle", "run"]
