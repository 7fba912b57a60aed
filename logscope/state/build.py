"""One capture's events → one ``VmState`` per VM.

A record names its VM by name (most cmdlets print ``VMName``) or only by id; ``Get-VM`` and
any record carrying both give the pairing. Disks, checkpoints and controllers go to their VM;
files of a folder listing go to the VM whose disks or folder they sit beside.
"""

from __future__ import annotations

from collections import defaultdict

from ..events import Event
from .chains import DiskIndex, chains_of
from .model import Capture, Checkpoint, Disk, VmState, names


def _ntpath_dir(path: str) -> str:
    return path.replace("/", "\\").rsplit("\\", 1)[0].casefold()


def _vm_key(ev: Event, id_name: dict[str, str]) -> str | None:
    if ev.vm_name:
        return ev.vm_name.casefold()
    if ev.vm_id:
        return id_name.get(ev.vm_id, "id:" + ev.vm_id)
    return None


def build(cap: Capture) -> list[VmState]:
    """Every VM the capture names, with what it says about each."""
    id_name = {ev.vm_id: ev.vm_name.casefold() for ev in cap.events if ev.vm_id and ev.vm_name}
    vms: dict[str, VmState] = {}
    disks = DiskIndex()
    scsi: dict[str, list[Event]] = defaultdict(list)
    has_scsi_listing = False
    csv_roots = set(names("csv_path_prefixes"))
    snaps: dict[str, list[Event]] = defaultdict(list)
    for ev in cap.events:
        obj = ev.data.get("object")
        if obj in ("vhd", "file", "vhdsnapshot", "vhdset"):
            disks.add(ev)
            if obj == "vhdsnapshot":
                snaps[str(ev.data.get("path") or "").casefold()].append(ev)
            continue
        if obj == "csv":
            info = ev.data.get("shared_volume_info")
            if isinstance(info, str) and ":\\" in info:
                csv_roots.add(info.casefold().rstrip("\\") + "\\")
            continue
        key = _vm_key(ev, id_name)
        if key is None:
            continue
        vm = vms.get(key)
        if vm is None:
            vm = vms[key] = VmState(name=ev.vm_name or key, capture=cap)
        vm.vm_id = vm.vm_id or ev.vm_id
        vm.host = vm.host or ev.host
        if obj == "vm":
            vm.ev = ev
            vm.generation = str(ev.data.get("generation") or "") or None
        elif obj == "harddisk":
            vm.drives.append(ev)
            if str(ev.data.get("controller_type", "")).upper() == "SCSI":
                scsi[key]  # a SCSI disk proves a SCSI controller
        elif obj == "scsi":
            has_scsi_listing = True
            scsi[key].append(ev)
        elif obj == "snapshot" and str(ev.data.get("snapshot_type", "")).casefold() == "recovery":
            vm.recovery.append(Checkpoint(str(ev.data.get("name") or "?"), "recovery checkpoint", ev,
                                          cap.age_hours(ev)))
        elif obj == "integration" and str(ev.data.get("name", "")).casefold() in \
                names("backup_integration_names"):
            vm.backup_ic = ev
    for key, vm in vms.items():
        _disks_of(vm, disks, snaps, cap)
        _scsi_of(vm, scsi.get(key), key in scsi, has_scsi_listing)
        paths = [str(d.data.get("path") or "") for d in vm.drives]
        paths += [str(vm.ev.data.get(k) or "") for k in ("path", "configuration_location")
                  if vm.ev is not None]
        known = [p.casefold() for p in paths if p]
        if known:
            vm.on_csv = any(p.startswith(tuple(csv_roots)) for p in known)
    cap.orphans = _autorecovery(list(vms.values()), disks)
    return sorted(vms.values(), key=lambda v: v.name.casefold())


def _disks_of(vm: VmState, disks: DiskIndex, snaps: dict[str, list[Event]],
              cap: Capture) -> None:
    vhds_ext = names("vhd_set_extensions")
    for d in vm.drives:
        path = str(d.data.get("path") or "")
        if path.casefold().endswith(vhds_ext):
            vm.vhds.append(path)
            for s in snaps.get(path.casefold(), ()):
                vm.recovery.append(Checkpoint(str(s.data.get("snapshot_id") or "?"),
                                              "VHD Set snapshot", s, cap.age_hours(s)))
    vm.chains = chains_of(vm, disks)


def _scsi_of(vm: VmState, rows: list[Event] | None, proven: bool, listed: bool) -> None:
    """Count only what the capture shows: with no Get-VMScsiController listing in it, a VM
    without SCSI disks has an unknown controller count, not zero."""
    if rows:
        vm.scsi_count, vm.scsi_ev = len(rows), rows[0]
    elif proven:
        vm.scsi_count = 1
    elif listed and vm.generation == "2":
        # a generation 2 VM boots from SCSI: a listing without it did not cover it
        vm.notes.append("generation 2 but no SCSI controller listed: not covered by the listing")
    elif listed:
        vm.scsi_count = 0
    else:
        vm.notes.append("no Get-VMScsiController listing in this capture")


def _autorecovery(vms: list[VmState], disks: DiskIndex) -> list[Disk]:
    """``<disk>-AutoRecovery.avhdx`` files go to the VM whose disks sit in the same folder;
    the ones no VM can be tied to are returned."""
    suffixes = names("autorecovery_suffixes")
    orphans: list[Disk] = []
    folders: dict[str, VmState] = {}
    for vm in vms:
        for d in vm.drives:
            folders.setdefault(_ntpath_dir(str(d.data.get("path") or "")), vm)
        if vm.ev is not None and vm.ev.data.get("path"):
            folders.setdefault(str(vm.ev.data["path"]).rstrip("\\").casefold(), vm)
    for disk in disks.all():
        if disk.path.casefold().endswith(suffixes):
            folder = _ntpath_dir(disk.path)
            vm = folders.get(folder) or next(
                (v for f, v in folders.items() if folder.startswith(f + "\\")), None)
            if vm is not None:
                vm.autorecovery.append(disk)
            else:
                orphans.append(disk)
    return orphans


def link_shared(states: list[VmState]) -> None:
    """VHD Sets attached to more than one VM (a guest cluster), across every capture."""
    users: dict[str, set[str]] = defaultdict(set)
    for vm in states:
        for p in vm.vhds:
            users[p.casefold()].add(vm.name)
    for vm in states:
        others = {n for p in vm.vhds for n in users[p.casefold()]} - {vm.name}
        vm.shared_with = sorted(others, key=str.casefold)


def link_guest_csv(states: list[VmState], captures: list[Capture]) -> None:
    """A capture collected inside a VM (its host is the name of a VM the host captures show)
    that lists Cluster Shared Volumes: that guest cluster node uses CSVs."""
    by_name: dict[str, list[VmState]] = defaultdict(list)
    for vm in states:
        by_name[vm.name.split(".", 1)[0].casefold()].append(vm)
    for cap in captures:
        csvs = [ev for ev in cap.events if ev.data.get("object") == "csv"]
        host = (cap.host or "").split(".", 1)[0].casefold()
        if csvs and host in by_name:
            for vm in by_name[host]:
                vm.guest_csv = csvs


__all__ = ["Disk", "build", "link_guest_csv", "link_shared"]
