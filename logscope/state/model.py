"""The per-VM state model: what one capture of one host says about each VM.

Why a model and not more signatures: a chain of differencing disks, the age of a recovery
checkpoint or a VHD Set shared by two VMs are facts about several records together (and about
two captures, for a trend); no single listing line says them. Each value keeps the event it
was read from, so a finding built on it points at file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any

from .. import datafiles
from ..events import Event

#: Time sources whose times are UTC (``header``: local time converted with the stated offset).
UTC_SOURCES = frozenset(("utc", "header", "flag", "inferred"))


@lru_cache(maxsize=1)
def settings() -> dict[str, Any]:
    data = datafiles.table("hyperv_state_model.yml")
    return data if isinstance(data, dict) else {}


def names(key: str) -> tuple[str, ...]:
    """A casefolded list of the settings file."""
    return tuple(str(x).casefold() for x in settings().get(key) or ())


def zone(time_source: str) -> str | None:
    """``utc`` or ``local`` (the two clocks that must never be compared), None for no time."""
    if time_source in UTC_SOURCES:
        return "utc"
    return "local" if time_source == "local" else None


@dataclass(slots=True)
class Capture:
    """One collection: the files of one folder (one host, one moment).

    ``times`` holds the capture time per clock: from the ``# logscope-collect`` marker (UTC),
    else the newest time written in the capture, per clock (a lower bound: ages measured
    against it are at least that old).
    """

    key: str
    host: str | None = None
    times: dict[str, datetime] = field(default_factory=dict)
    how: str = "none"
    events: list[Event] = field(default_factory=list)
    #: AutoRecovery files no VM of the capture can be tied to (its folder is no VM's).
    orphans: list[Disk] = field(default_factory=list)

    @property
    def time(self) -> datetime | None:
        return self.times.get("utc") or self.times.get("local")

    @property
    def time_source(self) -> str:
        if "utc" in self.times:
            return "utc"
        return "local" if "local" in self.times else "none"

    def age_hours(self, ev: Event | None) -> float | None:
        """Hours from ``ev``'s time to the capture time on the same clock; None when the two
        clocks differ (a local wall time is never compared with UTC) or either is unknown."""
        if ev is None or ev.time is None:
            return None
        z = zone(ev.time_source)
        ref = self.times.get(z) if z else None
        if ref is None:
            return None
        return round((ref - ev.time).total_seconds() / 3600, 1)


@dataclass(slots=True)
class Disk:
    """A virtual disk file: from ``Get-VHD`` (type, parent, size) and/or a folder listing."""

    path: str
    parent: str | None = None
    vhd_type: str | None = None
    size: int | None = None
    last_write: Event | None = None
    ev: Event | None = None

    @property
    def differencing(self) -> bool:
        return self.path.casefold().endswith(names("differencing_extensions")) or \
            (self.vhd_type or "").casefold() == "differencing"


@dataclass(slots=True)
class DiskChain:
    """An attached disk and its parents, top first; ``depth`` counts the differencing levels."""

    top: str
    disks: list[Disk]
    source: str
    ev: Event

    @property
    def base(self) -> str:
        return self.disks[-1].path if self.disks else self.top

    @property
    def depth(self) -> int:
        return sum(1 for d in self.disks if d.differencing)

    @property
    def size(self) -> int | None:
        sizes = [d.size for d in self.disks if d.size is not None]
        return sum(sizes) if sizes else None


@dataclass(slots=True)
class Checkpoint:
    """A recovery checkpoint (``Get-VMSnapshot``) or a VHD Set snapshot (``Get-VHDSnapshot``);
    ``kind`` says which, in words."""

    name: str
    kind: str
    ev: Event
    age_hours: float | None = None


@dataclass(slots=True)
class VmState:
    """What one capture says about one VM (None: the capture does not say)."""

    name: str
    capture: Capture
    vm_id: str | None = None
    host: str | None = None
    ev: Event | None = None
    generation: str | None = None
    drives: list[Event] = field(default_factory=list)
    chains: list[DiskChain] = field(default_factory=list)
    recovery: list[Checkpoint] = field(default_factory=list)
    vhds: list[str] = field(default_factory=list)
    shared_with: list[str] = field(default_factory=list)
    scsi_count: int | None = None
    scsi_ev: Event | None = None
    backup_ic: Event | None = None
    on_csv: bool | None = None
    autorecovery: list[Disk] = field(default_factory=list)
    #: Get-ClusterSharedVolume records collected inside this VM (a guest cluster node using
    #: CSVs, which a VHD Set cannot be checkpointed as: Veeam/WMI 32770).
    guest_csv: list[Event] = field(default_factory=list)
    #: What the capture could not say, in words (shown in the report).
    notes: list[str] = field(default_factory=list)

    @property
    def backup_ic_enabled(self) -> bool | None:
        v = self.backup_ic.data.get("enabled") if self.backup_ic is not None else None
        return v if isinstance(v, bool) else None

    @property
    def depth(self) -> int:
        return max((c.depth for c in self.chains), default=0)

    def evidence(self) -> Event | None:
        """The record that best names this VM in the capture (for facts without a record)."""
        return self.ev or (self.drives[0] if self.drives else None) or self.scsi_ev
