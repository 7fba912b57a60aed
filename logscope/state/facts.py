"""``VmState`` → fact events the signature library matches (``signatures/state/``).

A fact is an event of kind ``hyperv-state`` with ``data.object: fact`` and ``data.fact`` its
name; it carries the VM's name and id (so the identity table joins it to the VM's Veeam and
VMMS events) and the file and line of the record it rests on (so a hint's evidence points
there). Numbers (ages in hours and days, depths, counts) are in ``data`` for the signatures'
thresholds; a number the capture cannot give is absent, and the message says why.
"""

from __future__ import annotations

from typing import Any

from ..events import Event, Locator
from .collector import FACT, KIND
from .model import Capture, DiskChain, VmState


def make_fact(which: str, src: Event, vm: VmState | None, message: str, *, timed: bool = False,
              **data: Any) -> Event:  # noqa: ANN401
    """A fact at ``src``'s file and line; ``timed``: it keeps ``src``'s time (a checkpoint's
    creation), else it has none (a state, like a vssadmin capture)."""
    ev = Event(kind=KIND, file=src.file,
               locator=Locator(line=src.locator.line, end_line=src.locator.end_line),
               message=message)
    if timed and src.time is not None:
        ev.time, ev.time_source, ev.utc_offset = src.time, src.time_source, src.utc_offset
        ev.timestamp_desc = src.timestamp_desc
    if vm is not None:
        ev.vm_name = vm.name if not vm.name.startswith("id:") else None
        ev.vm_id = vm.vm_id
        ev.host = vm.host or vm.capture.host
        data = {**_capture(vm.capture), **data}
    else:
        ev.host = src.host
    ev.data = {"object": FACT, "fact": which, "cmdlet": src.data.get("cmdlet"), **data}
    return ev


def _capture(cap: Capture) -> dict[str, Any]:
    return {"capture": cap.key, "capture_time": cap.time.isoformat() if cap.time else None,
            "capture_time_source": cap.time_source, "capture_time_from": cap.how}


def ages(hours: float | None) -> dict[str, Any]:
    if hours is None:
        return {}
    # the text form fills hint templates (which take text and whole numbers only)
    return {"age_hours": hours, "age_days": round(hours / 24, 1),
            "age_days_text": f"{hours / 24:.1f}"}


def age_text(hours: float | None, cap: Capture) -> str:
    if hours is None:
        why = ("the capture has no time on the same clock (a local wall time is never "
               "compared with UTC)" if cap.times else "the capture has no time")
        return f"age unknown: {why}"
    days = hours / 24
    when = "local time of the host" if cap.time_source == "local" else "UTC"
    lower = " at least" if cap.how.startswith("newest") else ""
    return f"{days:.1f} days{lower} before the capture ({when})"


def facts(states: list[VmState]) -> list[Event]:
    out: list[Event] = []
    for vm in states:
        out.extend(_recovery(vm))
        out.extend(_chains(vm))
        out.extend(_autorecovery(vm))
        out.extend(_hardware(vm))
    return out


def orphan_facts(cap: Capture) -> list[Event]:
    """AutoRecovery files of a capture that no VM record ties to a VM: still a finding (the
    identity table may join the path; else the hint names no VM)."""
    out = []
    for d in cap.orphans:
        src = d.last_write or d.ev
        if src is None:
            continue
        hours = cap.age_hours(d.last_write)
        f = make_fact("autorecovery-file", src, None,
                      f"{d.path} is still there ({d.size if d.size is not None else '?'} bytes, "
                      f"last written {age_text(hours, cap)}); no VM in the capture uses its "
                      "folder", path=d.path, disk_path=d.path, size=d.size, **ages(hours))
        f.host = cap.host
        f.data.update(_capture(cap))
        out.append(f)
    return out


def _recovery(vm: VmState) -> list[Event]:
    out = []
    for cp in vm.recovery:
        created = cp.ev.time.isoformat() if cp.ev.time else None
        out.append(make_fact(
            "recovery-checkpoint", cp.ev, vm,
            f"VM '{vm.name}' still has {cp.kind} '{cp.name}', created "
            f"{(created or '?')[:19].replace('T', ' ')}: {age_text(cp.age_hours, vm.capture)}",
            timed=True, name=cp.name, checkpoint_kind=cp.kind, created=created,
            count=len(vm.recovery), vhds=bool(vm.vhds), shared_with=vm.shared_with,
            **ages(cp.age_hours)))
    return out


def _chains(vm: VmState) -> list[Event]:
    out = []
    for ch in vm.chains:
        oldest = _oldest_level(ch, vm.capture)
        data: dict[str, Any] = {"top": ch.top, "base": ch.base, "depth": ch.depth,
                                "chain_source": ch.source}
        if ch.size is not None:
            data["size"] = ch.size
        if oldest is not None:
            data["oldest_level_age_hours"] = oldest
        out.append(make_fact(
            "disk-chain", ch.ev, vm,
            f"VM '{vm.name}' writes to {ch.top}: {ch.depth} differencing level(s) above "
            f"{ch.base} (from {ch.source})", **data))
    return out


def _oldest_level(ch: DiskChain, cap: Capture) -> float | None:
    """Age of the oldest differencing level's last write: a level stops changing when the
    next checkpoint is taken, so this is how long the chain has been growing (at least)."""
    got = [cap.age_hours(d.last_write) for d in ch.disks if d.differencing and d.last_write]
    got = [a for a in got if a is not None]
    return max(got) if got else None


def _autorecovery(vm: VmState) -> list[Event]:
    out = []
    for d in vm.autorecovery:
        src = d.last_write or d.ev
        if src is None:
            continue
        hours = vm.capture.age_hours(d.last_write)
        out.append(make_fact(
            "autorecovery-file", src, vm,
            f"VM '{vm.name}': {d.path} is still there ({d.size if d.size is not None else '?'}"
            f" bytes, last written {age_text(hours, vm.capture)})",
            path=d.path, disk_path=d.path, size=d.size, **ages(hours)))
    return out


def _hardware(vm: VmState) -> list[Event]:
    out = []
    src = vm.scsi_ev or vm.evidence()
    if vm.scsi_count is not None and src is not None:
        out.append(make_fact(
            "scsi-controllers", src, vm,
            f"VM '{vm.name}' has {vm.scsi_count} SCSI controller(s)"
            + (f" (generation {vm.generation})" if vm.generation else ""),
            count=vm.scsi_count, generation=vm.generation))
    if vm.backup_ic is not None:
        d = vm.backup_ic.data
        out.append(make_fact(
            "backup-integration", vm.backup_ic, vm,
            f"VM '{vm.name}': integration service '{d.get('name')}' enabled={d.get('enabled')}"
            f", status {d.get('status') or '?'}",
            name=d.get("name"), enabled=vm.backup_ic_enabled, status=d.get("status")))
    if vm.guest_csv:
        names_ = ", ".join(str(ev.data.get("name") or "?") for ev in vm.guest_csv)
        out.append(make_fact(
            "guest-csv", vm.guest_csv[0], vm,
            f"inside VM '{vm.name}' the guest cluster has Cluster Shared Volume(s): {names_}",
            names=names_, vhds=bool(vm.vhds), volumes=len(vm.guest_csv)))
    if vm.vhds:
        drive = next(d for d in vm.drives
                     if str(d.data.get("path") or "").casefold() == vm.vhds[0].casefold())
        out.append(make_fact(
            "vhd-set", drive, vm,
            f"VM '{vm.name}' uses VHD Set {', '.join(vm.vhds)}"
            + (f", shared with {', '.join(vm.shared_with)}" if vm.shared_with else ""),
            paths=vm.vhds, disk_path=vm.vhds[0], shared_with=vm.shared_with,
            others=", ".join(vm.shared_with) or "no other VM in the bundle",
            nodes=len(vm.shared_with) + 1, on_csv=vm.on_csv))
    return out
