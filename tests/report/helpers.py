"""Run the pipeline in-process on sample bundles (shared by correlate and report tests)."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

from logscope.correlate.filters import Filters
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parents[2]
BUNDLES = ROOT / "samples" / "bundles"


def run(*paths: Path, filters: Filters | None = None, keep_events: bool = False,
        **opts: Any) -> dict[str, Any]:  # noqa: ANN401
    return build_report(analyze(list(paths), IngestOptions(**opts), filters=filters,
                                keep_events=keep_events))


def copy_bundle(name: str, dest: Path) -> Path:
    out = dest / name
    shutil.copytree(BUNDLES / name, out)
    return out
