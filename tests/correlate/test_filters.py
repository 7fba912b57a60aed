"""--since/--until (UTC), --vm and --job select hits after offsets are known."""

from __future__ import annotations

from datetime import datetime

from logscope.correlate.filters import Filters
from logscope.events import UTC

from .helpers import BUNDLES, run

SQL = BUNDLES / "sqlwriter-chain"


def t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


def test_since_keeps_later_hits_and_untimed_state_captures() -> None:
    rep = run(SQL, filters=Filters(since=t("2026-03-14T09:02:00")))
    times = [r["time"] for r in rep["timeline"]]
    assert all(x is None or x >= "2026-03-14T09:02:00" for x in times)
    assert None in times  # the vssadmin capture has no time: it describes the machine now
    assert rep["meta"]["hits_total"] > len(rep["hits"])
    assert rep["meta"]["filters"]["since"] == "2026-03-14T09:02:00+00:00"
    assert rep["hints"][0]["id"] == "chain.sqlwriter-checkpoint"


def test_until_before_the_backup_leaves_only_state_captures() -> None:
    rep = run(SQL, filters=Filters(until=t("2026-03-14T08:00:00")))
    assert all(r["time"] is None for r in rep["timeline"])


def test_veeam_local_times_are_filtered_after_conversion() -> None:
    # the Veeam line is 10:02:11 local = 09:02:11 UTC: a UTC filter at 09:02:10 keeps it
    rep = run(SQL, filters=Filters(since=t("2026-03-14T09:02:10")))
    assert any(r["kind"] == "veeam" for r in rep["timeline"])
    rep = run(SQL, filters=Filters(since=t("2026-03-14T09:02:12")))
    assert not any(r["kind"] == "veeam" for r in rep["timeline"])


def test_vm_filter_by_name_id_or_guest_and_unknown_vm() -> None:
    both = [BUNDLES / "sqlwriter-chain", BUNDLES / "vhds-guest-cluster"]
    rep = run(*both, filters=Filters(vms=("gcnode1",)))
    assert {h["vm"] for h in rep["hints"]} == {"GCNODE1"}
    assert [r["vm_names"] for r in rep["identities"]] == [["GCNODE1"]]
    assert len(run(*both)["identities"]) == 2
    rep = run(*both, filters=Filters(vms=("4E4FD04E-B8CE-42C0-BC6E-3D9F554C4670",)))
    assert {h["vm"] for h in rep["hints"]} == {"SQL01"}
    rep = run(*both, filters=Filters(vms=("nosuchvm",)))
    assert rep["hints"] == [] and rep["meta"]["filters"]["unmatched"] == ["vm nosuchvm"]


def test_job_filter_keeps_the_jobs_vms_host_and_guest_evidence() -> None:
    both = [BUNDLES / "sqlwriter-chain", BUNDLES / "vhds-guest-cluster"]
    rep = run(*both, filters=Filters(jobs=("SQL Backup",)))
    assert rep["hints"][0]["id"] == "chain.sqlwriter-checkpoint"
    assert {"veeam", "evtx-xml", "vssadmin"} <= set(rep["hints"][0]["evidence_kinds"])
    assert {h["vm"] for h in rep["hints"]} == {"SQL01"}
