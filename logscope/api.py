"""The Python API for notebooks: ``logscope.analyze(paths)`` and ``logscope.events_frame(paths)``.

Why: analysts work in Jupyter with pandas; the CLI's JSON report is the contract, so the API
returns that same dict and builds its DataFrames from it (one source of truth). Every time
column is a tz-aware UTC ``datetime64``. A time that is only a wall time of unknown zone
(``time_source`` "local", e.g. an Event Viewer CSV export) is never put in a UTC column: it is
NaT there and kept, naive, in ``local_time``. pandas is imported only when a frame is asked for.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

    from .pipeline import Analysis

PathArg = str | PathLike[str] | Iterable[str | PathLike[str]]


def _paths(paths: PathArg) -> list[Path]:
    if isinstance(paths, (str, PathLike)):
        paths = [paths]
    paths = list(paths)
    if any(os.fspath(p) == "" for p in paths):  # Path("") would be the current folder
        raise FileNotFoundError("'': empty path (name a file or folder; '.' is the current folder)")
    out = [Path(p) for p in paths]
    for p in out:
        if not p.exists():
            raise FileNotFoundError(f"{p}: no such file or folder")
    return out


def _options(engine: str, veeam_utc_offset: str | timedelta | None) -> Any:  # noqa: ANN401
    from .events import parse_offset
    from .ingest.source import IngestOptions

    if engine not in ("rust", "python"):
        raise ValueError(f"engine must be 'rust' or 'python', not {engine!r}")
    offset = (parse_offset(veeam_utc_offset) if isinstance(veeam_utc_offset, str)
              else veeam_utc_offset)
    return IngestOptions(engine=engine, veeam_utc_offset=offset)


@dataclass
class AnalysisResult:
    """One analysis: ``report`` is the JSON report dict (``logscope analyze -f json``)."""

    report: dict[str, Any]
    analysis: Analysis

    def hints_frame(self) -> pd.DataFrame:
        """One row per root-cause hint, ranked; ``first_time``/``last_time`` span its evidence."""
        rows = []
        for rank, h in enumerate(self.report["hints"], 1):
            times = [e["time"] for e in h.get("evidence", [])
                     if e.get("time") and e.get("time_source") != "local"]
            rows.append({
                "rank": rank, "id": h.get("id"), "kind": h.get("kind"), "title": h["title"],
                "severity": h["severity"], "confidence": h.get("confidence"),
                "vm": h.get("vm"), "cause": h.get("cause"), "remedy": h.get("remedy"),
                "evidence": len(h.get("evidence", [])),
                "missing_evidence": len(h.get("missing_evidence") or []),
                "first_time": min(times, default=None), "last_time": max(times, default=None)})
        return _frame(rows, ["rank", "id", "kind", "title", "severity", "confidence", "vm",
                             "cause", "remedy", "evidence", "missing_evidence", "first_time",
                             "last_time"], times=("first_time", "last_time"))

    def hits_frame(self) -> pd.DataFrame:
        """One row per signature hit, with the machine the identity table resolved."""
        rows = []
        for h in self.report["hits"]:
            machine = h.get("machine") or {}
            rows.append({**_when(h["time"], h["time_source"]), "signature": h["signature"],
                         "title": h["title"], "severity": h["severity"],
                         "suppressed": h["suppressed"], "kind": h["kind"], "file": h["file"],
                         "locator": _locator(h["locator"]), "vm": machine.get("vm"),
                         "hyperv_hosts": machine.get("hyperv_hosts"), "text": h["text"],
                         "fields": h["fields"]})
        return _frame(rows, ["time", "local_time", "time_source", "signature", "title",
                             "severity", "suppressed", "kind", "file", "locator", "vm",
                             "hyperv_hosts", "text", "fields"])

    def timeline_frame(self) -> pd.DataFrame:
        """The report's timeline (every hit, in time order), one row per entry."""
        rows = [{**_when(r["time"], r["time_source"]),
                 **{k: v for k, v in r.items() if k not in ("time", "time_source")},
                 "locator": _locator(r["locator"])} for r in self.report["timeline"]]
        return _frame(rows, ["time", "local_time", "time_source", "signature", "severity",
                             "benign", "kind", "host", "vm", "file", "locator", "text"])

    def files_frame(self) -> pd.DataFrame:
        """One row per file read: kind, records read and skipped, the problems and why."""
        rows = [{**f, "problems": len(f.get("problems") or []),
                 "problem_list": f.get("problems") or []} for f in self.report["files"]]
        return _frame(rows, ["path", "kind", "records", "skipped", "problems"], times=())


def analyze(paths: PathArg, *, signatures: Iterable[str | PathLike[str]] | None = None,
            engine: str = "rust", veeam_utc_offset: str | timedelta | None = None,
            workers: int = 1) -> AnalysisResult:
    """Analyse a bundle (folders, zips or files) as ``logscope analyze`` does."""
    from .pipeline import analyze as run
    from .report.build import build_report

    sig_dirs = [Path(s) for s in signatures] if signatures is not None else None
    analysis = run(_paths(paths), _options(engine, veeam_utc_offset), sig_dirs,
                   workers=max(1, workers))
    return AnalysisResult(build_report(analysis), analysis)


def events_frame(paths: PathArg, *, engine: str = "rust",
                 veeam_utc_offset: str | timedelta | None = None) -> pd.DataFrame:
    """Every normalized event of a bundle (as ``logscope events``), one row each; ``data``
    holds the record's own named values."""
    from .pipeline import iter_events

    rows = []
    for ev in iter_events(_paths(paths), _options(engine, veeam_utc_offset), []):
        d = ev.to_dict()
        rows.append({**_when(d.pop("datetime"), d.pop("time_source")), **d,
                     "locator": _locator(d["locator"])})
    return _frame(rows, ["time", "local_time", "time_source", "timestamp_desc", "kind",
                         "host", "provider", "channel", "event_id", "record_id", "level",
                         "message", "hresult", "vm_name", "vm_id", "file", "locator", "data"])


def _when(iso: str | None, source: str) -> dict[str, Any]:
    """``time`` (a UTC instant) or ``local_time`` (a wall time of unknown zone), never both."""
    if iso is None or source == "none":
        return {"time": None, "local_time": None, "time_source": source}
    if source == "local":  # stored tagged UTC; it is not one: keep the wall time, naive
        wall = datetime.fromisoformat(iso).replace(tzinfo=None).isoformat()
        return {"time": None, "local_time": wall, "time_source": source}
    return {"time": iso, "local_time": None, "time_source": source}


def _locator(loc: dict[str, Any]) -> str:
    return ", ".join(f"{k} {v}" for k, v in loc.items())


def _frame(rows: list[dict[str, Any]], first: list[str],
           times: tuple[str, ...] = ("time",)) -> pd.DataFrame:
    """A DataFrame with the ``first`` columns in order (present even with no rows), then any
    others; time columns tz-aware UTC, ``local_time`` naive."""
    import pandas as pd

    df = pd.DataFrame.from_records(rows)
    for col in first:
        if col not in df.columns:
            df[col] = pd.Series(dtype=object)
    df = df[first + [c for c in df.columns if c not in first]]
    for col in times:
        df[col] = pd.to_datetime(df[col], utc=True, format="ISO8601")
    if "local_time" in df.columns:
        df["local_time"] = pd.to_datetime(df["local_time"], format="ISO8601")
    return df
