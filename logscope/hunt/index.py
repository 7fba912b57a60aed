"""The fleet index: a DuckDB file the hunt's driver alone writes (``schema.py``).

Why batches: a DuckDB statement per row costs about a millisecond; rows are collected per
table and inserted as one data frame per flush, each flush one transaction. A bundle counts
as done only once its rows are committed, so an interrupted hunt resumes where it stopped.
"""

from __future__ import annotations

import time
from collections import defaultdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .schema import EXPORTED, PER_BUNDLE, SCHEMA_VERSION, TABLES, columns


class IndexFileError(Exception):
    """An index that cannot be opened or is of another schema (exit 2)."""


def connect(path: Path, read_only: bool = False) -> Any:  # noqa: ANN401
    """A DuckDB connection to the index (created with its tables when writing)."""
    import duckdb

    if read_only and not path.is_file():
        raise IndexFileError(f"{path}: no such index (create it with logscope hunt)")
    try:
        con = duckdb.connect(str(path), read_only=read_only)
    except duckdb.Error as exc:
        raise IndexFileError(f"{path}: cannot open the index: {exc}") from None
    con.execute("SET TimeZone = 'UTC'")
    if read_only:
        _check_version(con, path)
        return con
    for name, cols in TABLES.items():
        con.execute(f"CREATE TABLE IF NOT EXISTS {name} ({cols})")
    found = one(con.execute("SELECT value FROM meta WHERE key = 'schema'"))
    if found is None:
        con.execute("INSERT INTO meta VALUES ('schema', ?)", [SCHEMA_VERSION])
    _check_version(con, path)
    return con


def one(cur: Any) -> Any:  # noqa: ANN401
    """The first row of a result, or None (DuckDB wants every result read to its end)."""
    rows = cur.fetchall()
    return rows[0] if rows else None


def _check_version(con: Any, path: Path) -> None:  # noqa: ANN401
    try:
        found = one(con.execute("SELECT value FROM meta WHERE key = 'schema'"))
    except Exception:  # noqa: BLE001 - any DuckDB catalog error: not our file
        raise IndexFileError(f"{path}: not a logscope fleet index") from None
    if found is None or found[0] != SCHEMA_VERSION:
        raise IndexFileError(f"{path}: index schema {found[0] if found else '?'}, this logscope "
                          f"writes schema {SCHEMA_VERSION}: hunt into a new index file")


def new_run(con: Any, row: dict[str, Any]) -> int:  # noqa: ANN401
    run_id = one(con.execute("SELECT coalesce(max(run_id), 0) + 1 FROM runs"))[0]
    insert(con, "runs", [{**row, "run_id": run_id}])
    return int(run_id)


def insert(con: Any, table: str, rows: list[dict[str, Any]]) -> None:  # noqa: ANN401
    """Insert dict rows (missing keys are NULL) in one statement."""
    if not rows:
        return
    import pandas as pd

    cols = columns(table)
    frame = pd.DataFrame([[r.get(c) for c in cols] for r in rows], columns=cols, dtype=object)
    con.register("_rows", frame)
    try:
        con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM _rows")
    finally:
        con.unregister("_rows")


def known_hash(con: Any) -> Any:  # noqa: ANN401
    """``(path, fingerprint) → bundle_sha`` for bundles hashed by an earlier hunt."""
    table = {(p, f): s for p, f, s in con.execute(
        "SELECT path, fingerprint, bundle_sha FROM fingerprints").fetchall()}
    return lambda path, fp: table.get((path, fp))


def remember_hashes(con: Any, refs: list[Any]) -> None:  # noqa: ANN401
    con.execute("BEGIN")
    con.execute("DELETE FROM fingerprints")
    insert(con, "fingerprints", [{"path": str(r.path), "fingerprint": r.fingerprint,
                                  "bundle_sha": r.sha} for r in refs])
    con.execute("COMMIT")


class Writer:
    """Buffers per-bundle rows and commits them every ``every`` seconds (or ``batch`` bundles)."""

    def __init__(self, con: Any, run_id: int,  # noqa: ANN401
                 every: float = 2.0, batch: int = 200) -> None:
        self.con = con
        self.run_id = run_id
        self.every = every
        self.batch = batch
        self.rows: dict[str, list[dict[str, Any]]] = defaultdict(list)
        self.replace: set[str] = set()
        self.pending = 0
        self.last = time.monotonic()

    def bundle(self, row: dict[str, Any], analysis: dict[str, Any] | None,
               coverage: list[dict[str, Any]], replace: bool) -> None:
        """One bundle's outcome; ``analysis`` None (a failure) clears its earlier rows."""
        sha = row["bundle_sha"]
        if replace:
            self.replace.add(sha)
        self.rows["bundles"].append({**row, "run_id": self.run_id,
                                     "analysed": datetime.now(UTC)})
        if analysis is not None:
            for table in ("files", "hosts", "hits", "hints"):
                self.rows[table].extend({**r, "bundle_sha": sha, "run_id": self.run_id}
                                        for r in analysis[table])
            self.rows["census"].extend(
                {"bundle_sha": sha, "kind": k, "provider": p, "event_id": e, "n": n}
                for k, p, e, n in analysis["census"])
            self.rows["coverage"].extend(coverage)
        self.pending += 1
        if self.pending >= self.batch or time.monotonic() - self.last >= self.every:
            self.flush()

    def flush(self) -> None:
        if not self.pending and not self.replace:
            return
        con = self.con
        con.execute("BEGIN")
        shas = sorted(self.replace | {r["bundle_sha"] for r in self.rows["bundles"]})
        if shas:
            import pandas as pd

            con.register("_gone", pd.DataFrame({"sha": shas}))
            try:
                con.execute("DELETE FROM bundles WHERE bundle_sha IN (SELECT sha FROM _gone)")
                for table in PER_BUNDLE if self.replace else ():
                    con.execute(f"DELETE FROM {table} WHERE bundle_sha IN "
                                "(SELECT sha FROM _gone)")
            finally:
                con.unregister("_gone")
        for table, rows in self.rows.items():
            insert(con, table, rows)
        con.execute("COMMIT")
        self.rows.clear()
        self.replace.clear()
        self.pending = 0
        self.last = time.monotonic()


def cover_by_census(con: Any, rows: list[dict[str, Any]]) -> None:  # noqa: ANN401
    """Move coverage of (bundle, signature) pairs the census proves unmatched to new hashes."""
    if not rows:
        return
    import pandas as pd

    frame = pd.DataFrame(rows, columns=columns("coverage"), dtype=object)
    con.execute("BEGIN")
    con.register("_cov", frame)
    try:
        con.execute("DELETE FROM coverage c USING _cov n WHERE c.bundle_sha = n.bundle_sha "
                    "AND c.signature = n.signature")
        con.execute("DELETE FROM hits h USING _cov n WHERE h.bundle_sha = n.bundle_sha "
                    "AND h.signature = n.signature")
        con.execute("INSERT INTO coverage BY NAME SELECT * FROM _cov")
    finally:
        con.unregister("_cov")
    con.execute("COMMIT")


def purge_signatures(con: Any, current: set[str]) -> int:  # noqa: ANN401
    """Drop hits and coverage of signatures no longer in the library; how many ids went."""
    gone = [s for (s,) in con.execute("SELECT DISTINCT signature FROM coverage").fetchall()
            if s not in current]
    if gone:
        import pandas as pd

        con.execute("BEGIN")
        con.register("_ids", pd.DataFrame({"id": gone}))
        try:
            for table in ("coverage", "hits"):
                con.execute(f"DELETE FROM {table} WHERE signature IN (SELECT id FROM _ids)")
        finally:
            con.unregister("_ids")
        con.execute("COMMIT")
    return len(gone)


def finish_run(con: Any, run_id: int, counts: dict[str, int]) -> None:  # noqa: ANN401
    """Close the run: its counters, and the snapshot of hits per (signature, bundle)."""
    con.execute("BEGIN")
    con.execute("DELETE FROM run_hits WHERE run_id = ?", [run_id])
    con.execute("INSERT INTO run_hits SELECT ?, signature, bundle_sha, count(*) FROM hits "
                "GROUP BY signature, bundle_sha", [run_id])
    con.execute("UPDATE runs SET finished = ?, analysed = ?, skipped = ?, failed = ?, "
                "census_only = ? WHERE run_id = ?",
                [datetime.now(UTC), counts.get("analysed", 0), counts.get("skipped", 0),
                 counts.get("failed", 0), counts.get("census_only", 0), run_id])
    con.execute("COMMIT")


def export_parquet(con: Any, folder: Path) -> list[Path]:  # noqa: ANN401
    """Each table as ``FOLDER/<table>.parquet`` (for pandas, Spark, another DuckDB...)."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for table in EXPORTED:
        target = folder / f"{table}.parquet"
        con.execute(f"COPY {table} TO '{_sql_str(str(target))}' (FORMAT parquet)")
        out.append(target)
    return out


def _sql_str(s: str) -> str:
    return s.replace("'", "''")
