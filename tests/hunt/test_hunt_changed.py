"""``--changed`` after editing one signature (in a copy of it) re-reads only the bundles whose
census can match it; ``fleet diff`` then shows what the edit gained and lost."""

from __future__ import annotations

import shutil
from pathlib import Path

import duckdb

from logscope.hunt.driver import HuntOptions, hunt
from tests.conftest import ROOT

SIG = ROOT / "signatures" / "evtx" / "hyper-v" / "vmms-10103-no-scsi-controller.yml"


def _by_run(db: Path) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {Path(p).name: r for p, r in con.execute("SELECT path, run_id FROM bundles")
                .fetchall()}
    finally:
        con.close()


def _hits(db: Path) -> int:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT count(*) FROM hits WHERE signature = "
                           "'hyperv.config.no-scsi-controller'").fetchall()[0][0]
    finally:
        con.close()


def _census_can_match(db: Path, provider: str, event_id: int) -> set[str]:
    """The bundles holding the signature's index key, asked of the census directly."""
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {Path(p).name for (p,) in con.execute(
            "SELECT DISTINCT path FROM census JOIN bundles USING (bundle_sha) WHERE kind IN "
            "('evtx', 'evtx-xml', 'evtx-csv') AND lower(provider) = lower(?) AND event_id = ?",
            [provider, event_id]).fetchall()}
    finally:
        con.close()


def test_changed_rereads_only_the_bundles_the_census_can_match(
        archive: Path, tmp_path: Path, scheduler: str) -> None:
    from logscope.hunt.fleet import diff

    sigs = tmp_path / "sigs"
    sigs.mkdir()
    mine = sigs / SIG.name
    shutil.copy(SIG, mine)
    db = tmp_path / "fleet.duckdb"
    opts = HuntOptions([archive], db, signature_dirs=[sigs], scheduler=scheduler)
    first = hunt(opts)
    n = sum(1 for p in archive.iterdir() if p.is_dir())  # the sample bundles
    assert first["failed"] == 0 and first["analysed"] == n
    expected = _census_can_match(db, "Microsoft-Windows-Hyper-V-VMMS", 10103)
    assert expected and len(expected) < n
    before = _hits(db)
    assert before > 0

    # 1. a new title: the same records can match, so exactly those bundles are read again
    mine.write_text(mine.read_text("utf-8").replace(
        'title: "{vm} cannot be hot backed up', 'title: "{vm} cannot be backed up online'),
        encoding="utf-8")
    second = hunt(HuntOptions([archive], db, signature_dirs=[sigs], scheduler=scheduler,
                              changed=True))
    runs = _by_run(db)
    assert {n for n, r in runs.items() if r == 2} == expected
    assert second["analysed"] == len(expected) and second["census_only"] == n - len(expected)
    con = duckdb.connect(str(db), read_only=True)
    hashes = con.execute("SELECT DISTINCT signature_hash FROM coverage WHERE signature = "
                         "'hyperv.config.no-scsi-controller'").fetchall()
    con.close()
    assert len(hashes) == 1  # every bundle is covered by the edited signature now
    hits = _hits(db)
    assert hits == before  # a new title matches the same records

    # 2. an event id no bundle holds: nothing to read, and the old hits are gone
    mine.write_text(mine.read_text("utf-8").replace("event_id: 10103", "event_id: 10199"),
                    encoding="utf-8")
    third = hunt(HuntOptions([archive], db, signature_dirs=[sigs], scheduler=scheduler,
                             changed=True))
    assert third["analysed"] == 0 and third["census_only"] == n
    d = diff(db, 2, 3)
    row = {r["signature"]: r for r in d["signatures"]}["hyperv.config.no-scsi-controller"]
    assert (row["hits_a"], row["hits_b"], row["lost"], row["gained"]) == (hits, 0, hits, 0)
    assert {Path(p).name for p in row["lost_in"]} == expected
    # 3. --signature for it, unchanged since: every pair is covered, nothing to do
    fourth = hunt(HuntOptions([archive], db, signature_dirs=[sigs], scheduler=scheduler,
                              signature_ids=["hyperv.config.no-scsi-controller"]))
    assert fourth["analysed"] == 0 and fourth["census_only"] == 0 and fourth["skipped"] == n
