"""Reading the fleet index: free SQL, hits grouped for reports, and run-to-run diffs.

Every reader opens the index read-only, so it can run while no hunt writes (DuckDB lets one
process write a file at a time).
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from pathlib import Path
from typing import Any

import orjson

from .index import IndexFileError, connect, one


class FleetError(Exception):
    """A query or option the index cannot answer (exit 2), with DuckDB's reason."""


#: ``--by`` dimensions → SQL over ``hits h`` joined to the bundle (``b``) and its hosts.
DIMENSIONS = {
    "signature": "h.signature",
    "month": "coalesce(strftime(h.time, '%Y-%m'), 'no time')",
    "host": "h.host",
    "vm": "h.vm",
    "job": "h.job",
    "severity": "h.severity",
    "bundle": "b.path",
    "role": "hs.role",
    "os": "hs.os",
    "product_version": "pv.product_version",
}
_FROM = """hits h JOIN bundles b USING (bundle_sha)
  LEFT JOIN (SELECT bundle_sha, lower(split_part(host, '.', 1)) AS short,
                    any_value(role) AS role, any_value(os) AS os
             FROM hosts GROUP BY ALL) hs
    ON hs.bundle_sha = h.bundle_sha AND hs.short = lower(split_part(h.host, '.', 1))
  LEFT JOIN (SELECT bundle_sha, max(product_version) AS product_version FROM hosts
             GROUP BY bundle_sha) pv ON pv.bundle_sha = h.bundle_sha"""
#: Signatures drawn in the trend chart (the most frequent).
TREND_SERIES = 8


def _open(path: Path) -> Any:  # noqa: ANN401
    try:
        return connect(path, read_only=True)
    except IndexFileError as exc:
        raise FleetError(str(exc)) from None


def query(path: Path, sql: str) -> tuple[list[str], list[tuple[Any, ...]]]:
    import duckdb

    con = _open(path)
    try:
        cur = con.execute(sql)
        if cur.description is None:
            return [], []
        return [d[0] for d in cur.description], cur.fetchall()
    except duckdb.Error as exc:
        raise FleetError(f"{path}: query failed: {exc}") from None
    finally:
        con.close()


def report(path: Path, by: list[str]) -> dict[str, Any]:
    """Hits and bundles per group, the monthly trend, and the index's own state."""
    bad = [d for d in by if d not in DIMENSIONS]
    if bad or not by:
        raise FleetError(f"--by: unknown {', '.join(bad) or '(empty)'}; known: "
                         f"{', '.join(DIMENSIONS)}")
    con = _open(path)
    try:
        exprs = ", ".join(f"{DIMENSIONS[d]} AS {d}" for d in by)
        rows = con.execute(
            f"SELECT {exprs}, count(*) AS hits, count(DISTINCT h.bundle_sha) AS bundles "
            f"FROM {_FROM} GROUP BY ALL ORDER BY hits DESC, {', '.join(by)}").fetchall()
        top = [s for (s,) in con.execute(
            "SELECT signature FROM hits GROUP BY signature ORDER BY count(*) DESC, signature "
            f"LIMIT {TREND_SERIES}").fetchall()]
        trend = con.execute(
            "SELECT strftime(time, '%Y-%m') AS month, signature, count(*) FROM hits "
            "WHERE time IS NOT NULL GROUP BY ALL ORDER BY month, signature").fetchall()
        status = con.execute("SELECT status, count(*) FROM bundles GROUP BY status "
                             "ORDER BY status").fetchall()
        runs = one(con.execute("SELECT run_id, started, signatures_version, mode, analysed, "
                           "failed FROM runs ORDER BY run_id DESC LIMIT 1"))
    finally:
        con.close()
    return {
        "index": str(path), "by": by,
        "rows": [dict(zip([*by, "hits", "bundles"], r, strict=True)) for r in rows],
        "trend": [{"month": m, "signature": s, "hits": n} for m, s, n in trend if s in top],
        "trend_signatures": top,
        "bundles": {s: n for s, n in status},
        "last_run": None if runs is None else dict(zip(
            ("run_id", "started", "signatures_version", "mode", "analysed", "failed"),
            (runs[0], runs[1].isoformat() if runs[1] else None, *runs[2:]), strict=True)),
    }


def diff(path: Path, run_a: int, run_b: int) -> dict[str, Any]:
    """Per signature: hits and bundles gained and lost from run A's end to run B's."""
    con = _open(path)
    try:
        have = {r for (r,) in con.execute(
            "SELECT run_id FROM runs WHERE finished IS NOT NULL").fetchall()}
        for r in (run_a, run_b):
            if r not in have:
                raise FleetError(f"{path}: no finished run {r} (runs: "
                                 f"{', '.join(map(str, sorted(have))) or 'none'})")
        rows = con.execute("""
            WITH a AS (SELECT signature, bundle_sha, n FROM run_hits WHERE run_id = ?),
                 b AS (SELECT signature, bundle_sha, n FROM run_hits WHERE run_id = ?)
            SELECT coalesce(a.signature, b.signature) AS signature,
                   sum(coalesce(a.n, 0)) AS hits_a, sum(coalesce(b.n, 0)) AS hits_b,
                   sum(greatest(coalesce(b.n, 0) - coalesce(a.n, 0), 0)) AS gained,
                   sum(greatest(coalesce(a.n, 0) - coalesce(b.n, 0), 0)) AS lost,
                   count(*) FILTER (WHERE a.n IS NULL) AS bundles_gained,
                   count(*) FILTER (WHERE b.n IS NULL) AS bundles_lost,
                   list(bp.path ORDER BY bp.path) FILTER (WHERE a.n IS NULL) AS gained_in,
                   list(bp.path ORDER BY bp.path) FILTER (WHERE b.n IS NULL) AS lost_in
            FROM a FULL JOIN b USING (signature, bundle_sha)
            LEFT JOIN bundles bp ON bp.bundle_sha = coalesce(a.bundle_sha, b.bundle_sha)
            GROUP BY 1 HAVING sum(coalesce(a.n, 0)) <> sum(coalesce(b.n, 0))
                OR count(*) FILTER (WHERE a.n IS NULL OR b.n IS NULL) > 0
            ORDER BY 1""", [run_a, run_b]).fetchall()
    finally:
        con.close()
    keys = ("signature", "hits_a", "hits_b", "gained", "lost", "bundles_gained",
            "bundles_lost", "gained_in", "lost_in")
    return {"index": str(path), "run_a": run_a, "run_b": run_b,
            "signatures": [dict(zip(keys, r, strict=True)) for r in rows]}


def _cell(v: Any) -> Any:  # noqa: ANN401
    if isinstance(v, datetime | date):
        return v.isoformat()
    return v


def render_rows(cols: list[str], rows: list[tuple[Any, ...]], fmt: str) -> str:
    """Query rows as an aligned text table, JSON (a list of objects) or CSV."""
    if fmt == "json":
        return orjson.dumps([dict(zip(cols, map(_cell, r), strict=True)) for r in rows],
                            option=orjson.OPT_INDENT_2, default=str).decode() + "\n"
    if fmt == "csv":
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(cols)
        w.writerows([[_cell(v) for v in r] for r in rows])
        return buf.getvalue()
    from ..report.escape import terminal

    cells = [[terminal("" if v is None else str(_cell(v))) for v in r] for r in rows]
    widths = [min(max([len(c)] + [len(r[i]) for r in cells]), 60) for i, c in enumerate(cols)]
    out = ["  ".join(c.ljust(w) for c, w in zip(cols, widths, strict=True)).rstrip()]
    out.append("  ".join("-" * w for w in widths))
    out += ["  ".join(v[:w].ljust(w) for v, w in zip(r, widths, strict=True)).rstrip()
            for r in cells]
    out.append(f"({len(rows)} row{'s' if len(rows) != 1 else ''})")
    return "\n".join(out) + "\n"


def render_diff(d: dict[str, Any], fmt: str) -> str:
    if fmt == "json":
        return orjson.dumps(d, option=orjson.OPT_INDENT_2).decode() + "\n"
    cols = ["signature", "hits_a", "hits_b", "gained", "lost", "bundles_gained",
            "bundles_lost"]
    rows = [tuple(r[c] for c in cols) for r in d["signatures"]]
    if fmt == "csv":
        return render_rows(cols, rows, "csv")
    head = (f"run {d['run_a']} → run {d['run_b']}: "
            f"{len(d['signatures'])} signature(s) changed their hits\n")
    if not rows:
        return head
    text = render_rows(cols, rows, "text")
    for r in d["signatures"]:
        for what, paths in (("gained in", r["gained_in"]), ("lost in", r["lost_in"])):
            if paths:
                shown = ", ".join(paths[:10]) + (f" (+{len(paths) - 10} more)"
                                                  if len(paths) > 10 else "")
                text += f"{r['signature']}: {what} {shown}\n"
    return head + text
