"""The identity table joins VM name, id, guest name, Veeam task/job/server, disks and host."""

from __future__ import annotations

from logscope.correlate.identity import IdentityTable, disk_paths, short_name
from logscope.events import Event, Locator

from .helpers import BUNDLES, run


def test_sqlwriter_bundle_joins_every_source_into_one_machine() -> None:
    (row,) = run(BUNDLES / "sqlwriter-chain")["identities"]
    assert row["vm_names"] == ["SQL01"]
    assert row["vm_ids"] == ["4e4fd04e-b8ce-42c0-bc6e-3d9f554c4670"]
    assert row["guest_hosts"] == ["SQL01.contoso.local"]
    assert row["hyperv_hosts"] == ["HV01.contoso.local"]
    assert row["jobs"] == ["SQL Backup"]
    assert row["veeam_tasks"] == ["5a6b7c8d-1e2f-4a3b-9c8d-7e6f5a4b3c2d"]
    assert row["veeam_servers"] == ["VBR01"]
    assert set(row["sources"]) == {"evtx-xml", "veeam", "vssadmin"}
    assert any(f.endswith("SQL01/VSS/vss_writers.log") for f in row["files"])


def test_disk_paths_from_a_veeam_error_join_the_vm() -> None:
    (row,) = run(BUNDLES / "sharing-violation")["identities"]
    assert row["vm_names"] == ["APPSRV"]
    assert row["disks"] == ["C:\\ClusterStorage\\Volume1\\APPSRV\\Virtual Hard Disks\\"
                            "APPSRV-01_6B1C4E2A-94D1-4F0B-8C55-2E7A9F3D1B20.avhdx"]
    assert row["hyperv_hosts"] == ["HV05.contoso.local"]


def test_disk_path_extraction_forms_and_bounds() -> None:
    text = ("'VM1' could not create auto virtual hard disk D:\\VMs\\VM1\\disk 1-AutoRecovery.avhdx: "
            "in use; parent \\\\fs01\\vhds\\shared.vhds and E:\\x.txt")
    assert disk_paths(text) == ["D:\\VMs\\VM1\\disk 1-AutoRecovery.avhdx",
                                "\\\\fs01\\vhds\\shared.vhds"]
    assert disk_paths("C:\\" + "a" * 100_000 + ".vhdx") == []  # bounded, no match, fast


def test_lookup_by_name_id_and_guest_name_and_job() -> None:
    t = IdentityTable()
    t.observe(Event(kind="evtx-xml", file="HV/x.xml", locator=Locator(record=1), host="HV9.corp",
                    vm_name="Db-1", vm_id="0a0b0c0d-0000-4000-8000-000000000001"))
    t.observe(Event(kind="vssadmin", file="DB-1/w.txt", locator=Locator(line=1), host="db-1"))
    t.observe(Event(kind="veeam", file="VBR/j.log", locator=Locator(line=3), host="VBR",
                    vm_name="DB-1", job_name="Nightly", data={"task_session_id": "t1"}))
    t.finish()
    e = t.lookup("db-1.corp.example")
    assert e is not None
    assert t.lookup("{0A0B0C0D-0000-4000-8000-000000000001}") == e
    assert t.entities_of_job("nightly") == {e}
    assert t.has_guest_logs(e)
    assert t.hosts_of(e) == ["HV9.corp"]
    assert t.lookup("nope") is None
    assert short_name("\\\\SQL01.contoso.local") == "sql01"


def test_repeated_keyed_events_teach_once_but_new_facts_still_count() -> None:
    """observe() skips an event that repeats what the table knows (VMMS logs repeat the same
    VM thousands of times); a new file, host or disk path is still learned."""
    from logscope.correlate.identity import IdentityTable
    from logscope.events import Event, Locator

    def vmms(file: str, host: str = "HV01", message: str = "") -> Event:
        return Event(kind="evtx", file=file, locator=Locator(record=1), host=host, vm_name="APPSRV",
                     vm_id="6b1c4e2a-94d1-4f0b-8c55-2e7a9f3d1b20", provider="Microsoft-Windows-Hyper-V-VMMS",
                     message=message)

    table = IdentityTable()
    for _ in range(3):
        table.observe(vmms("a.evtx"))
    root = table._find("vm:appsrv")
    assert table.files[root] == {"a.evtx"} and table.vm_host[root] == {"HV01"}
    table.observe(vmms("b.evtx"))
    table.observe(vmms("b.evtx", host="HV02"))
    table.observe(vmms("b.evtx", message=r"Checkpoint of D:\VMs\APPSRV\disk0.vhdx failed"))
    table.observe(vmms("b.evtx", message=r"Checkpoint of D:\VMs\APPSRV\disk1.vhdx failed"))
    assert table.files[root] == {"a.evtx", "b.evtx"}
    assert table.vm_host[root] == {"HV01", "HV02"}
    assert table.disks[root] == {r"D:\VMs\APPSRV\disk0.vhdx", r"D:\VMs\APPSRV\disk1.vhdx"}


def test_a_host_spelled_two_ways_prints_the_same_whatever_the_order() -> None:
    """Parallel workers reorder files: the printed guest name must not depend on which came first."""
    def table(*hosts: str) -> list[str]:
        t = IdentityTable()
        for i, h in enumerate(hosts):
            t.observe(Event(kind="evtx", file=f"f{i}", locator=Locator(record=i), host=h,
                            provider="VSS", event_id=8224))
        return [r["guest_hosts"] for r in t.rows()]
    assert table("IE9Win7", "IE9WIN7") == table("IE9WIN7", "IE9Win7") == [["IE9WIN7"]]
    assert table("SQL01", "SQL01.contoso.local") == [["SQL01.contoso.local"]]


def test_hosts_of_follows_new_hosts_and_joins_after_it_was_asked() -> None:
    """``hosts_of`` is cached per entity (a VM joined to hundreds of names by one VmId was a
    scan of every name per hit); a host learnt or a join made after a call is in the next."""
    def vmms(vm: str, host: str, vm_id: str | None = None) -> Event:
        return Event(kind="evtx", file="a.evtx", locator=Locator(record=1), host=host,
                     vm_name=vm, vm_id=vm_id, provider="Microsoft-Windows-Hyper-V-VMMS")

    t = IdentityTable()
    for i in range(300):
        t.observe(vmms(f"VM{i:03d}", "HV01", "0a0b0c0d-0000-4000-8000-000000000001"))
    t.observe(vmms("Other", "HV03"))
    e = t.lookup("VM007")
    assert e is not None and t.hosts_of(e) == ["HV01"] and t.hosts_of(t.lookup("other")) == ["HV03"]
    got = t.hosts_of(e)
    got.append("changed by a caller")
    t.observe(vmms("VM123", "HV02"))  # a new host of a known key: no new key, no join
    assert t.hosts_of(e) == ["HV01", "HV02"]
    t.observe(vmms("Other", "HV03", "0a0b0c0d-0000-4000-8000-000000000001"))  # a join
    e = t.lookup("VM007")
    assert e == t.lookup("other")
    assert t.hosts_of(e) == ["HV01", "HV02", "HV03"]
    # the cached answers are the uncached ones
    for entity in {t._find(k) for k in t.parent}:
        assert t.hosts_of(entity) == sorted(set().union(
            *(t.vm_host.get(k, set()) for k in t.members(entity))))
