"""``logscope hunt`` on a real LocalCluster (2 workers): the index says what ``analyze`` says,
a second hunt does no work, and the fleet commands read the result."""

from __future__ import annotations

import sys
from pathlib import Path

import duckdb
import orjson

from logscope.hunt.driver import HuntOptions, hunt
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report
from tests.hunt.conftest import run_cli


def _analyze(bundle: Path) -> tuple[set[tuple], set[tuple], dict]:
    """Hits, hints and the report of ``analyze`` on one bundle."""
    report = build_report(analyze([bundle], IngestOptions()))
    hits = {(h["signature"], h["file"], orjson.dumps(h["locator"], option=orjson.OPT_SORT_KEYS)
             .decode(), h["time"]) for h in report["hits"]}
    hints = {(h["id"], h["severity"], h["confidence"]) for h in report["hints"]}
    return hits, hints, report


def test_sample_archive_indexes_like_analyze_and_a_rerun_does_no_work(archive: Path,
                                                                       tmp_path: Path) -> None:
    db = tmp_path / "fleet.duckdb"
    bundles = sorted(p for p in archive.iterdir() if p.is_dir())
    first = hunt(HuntOptions([archive], db, workers=2, export_parquet=tmp_path / "pq"))
    assert first["analysed"] == len(bundles) and first["failed"] == 0
    con = duckdb.connect(str(db), read_only=True)
    con.execute("SET TimeZone = 'UTC'")
    statuses = dict(con.execute("SELECT path, status FROM bundles").fetchall())
    assert statuses == {str(b): "ok" for b in bundles}
    for b in bundles:
        rows = con.execute(
            "SELECT h.signature, h.file, h.locator, strftime(h.time, '%Y-%m-%dT%H:%M:%S.%f') "
            "FROM hits h JOIN bundles USING (bundle_sha) WHERE path = ?", [str(b)]).fetchall()
        hits, hints, report = _analyze(b)
        assert set(rows) == {(s, f, loc, _micro(t)) for s, f, loc, t in hits}, b.name
        got = con.execute("SELECT id, severity, confidence FROM hints JOIN bundles "
                          "USING (bundle_sha) WHERE path = ?", [str(b)]).fetchall()
        assert set(got) == hints, b.name
        # the Veeam server, its OS and product version as its log header states them
        runs = [r for f in report["files"] for r in f.get("info", {}).get("runs", [])]
        hosts = {h: (role, os_, pv) for h, role, os_, pv in con.execute(
            "SELECT host, role, os, product_version FROM hosts JOIN bundles "
            "USING (bundle_sha) WHERE path = ?", [str(b)]).fetchall()}
        for machine in {r["machine"] for r in runs}:
            stated = [r for r in runs if r["machine"] == machine]
            role, os_, pv = hosts[machine]
            assert role == "veeam-server", b.name
            assert os_ in ({r.get("os") for r in stated if r.get("os")} or {None}), b.name
            assert pv in ({r.get("version") for r in stated if r.get("version")}
                          or {None}), b.name
    n_hits = con.execute("SELECT count(*) FROM hits").fetchall()[0][0]
    assert n_hits > 0
    # the census saw the Hyper-V event the no-SCSI signature keys on, in that bundle only
    where = con.execute("SELECT DISTINCT path FROM census JOIN bundles USING (bundle_sha) "
                        "WHERE event_id = 10103 AND provider = 'Microsoft-Windows-Hyper-V-VMMS'"
                        ).fetchall()
    assert {Path(p).name for (p,) in where} == {"no-scsi-controller", "scsi-autorecovery",
                                                "no-scsi-state"}
    files = con.execute("SELECT count(*), sum(records) FROM files").fetchall()[0]
    assert files[0] >= len(bundles) and files[1] > 0
    con.close()
    parquet = duckdb.sql(f"SELECT count(*) FROM '{tmp_path / 'pq' / 'hits.parquet'}'").fetchall()
    assert parquet[0][0] == n_hits

    second = hunt(HuntOptions([archive], db, workers=2))
    assert second["to_analyse"] == 0 and second["analysed"] == 0
    assert second["skipped"] == len(bundles)
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute("SELECT DISTINCT run_id FROM bundles").fetchall() == [(1,)]
    assert con.execute("SELECT count(*) FROM runs WHERE finished IS NOT NULL"
                       ).fetchall()[0][0] == 2
    con.close()

    cli = [sys.executable, "-m", "logscope"]
    out = run_cli([*cli, "fleet", "diff", str(db), "--run", "1", "--run", "2"],
                  check=True).stdout
    assert "0 signature(s) changed" in out
    html = run_cli([*cli, "fleet", "report", str(db), "--by", "signature,month",
                    "-f", "html"], check=True).stdout
    assert "<svg id='trend'" in html and "class='series'" in html
    q = run_cli([*cli, "fleet", "query", str(db), "SELECT count(*) AS n FROM hits",
                 "-f", "json"], check=True).stdout
    assert orjson.loads(q) == [{"n": n_hits}]


def _micro(t: str | None) -> str | None:
    """An ISO time as DuckDB's strftime above prints it (UTC, microseconds, no offset)."""
    if t is None:
        return None
    from datetime import UTC, datetime

    return datetime.fromisoformat(t).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")
