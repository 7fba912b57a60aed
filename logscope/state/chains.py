"""Differencing-disk chains: base → .avhdx → ... → the disk the VM writes to.

From ``Get-VHD`` (``ParentPath`` of each differencing disk) when the capture has it; else from
a folder listing: Hyper-V names a checkpoint's differencing disk ``<base name>_<GUID>.avhdx``
beside the base, so the files of that pattern in the folder are the chain's levels (ordered
by last-write time; the listing cannot show which is whose parent).
"""

from __future__ import annotations

import re

from ..events import Event
from .model import Disk, DiskChain, VmState, names

#: ``SQL01_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx`` → stem ``SQL01``.
_GUID_NAME = re.compile(r"^(?P<stem>.+)_[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}"
                        r"\.a?vhdx?$")
MAX_DEPTH = 512


def _split(path: str) -> tuple[str, str]:
    p = path.replace("/", "\\")
    return (p.rsplit("\\", 1)[0], p.rsplit("\\", 1)[1]) if "\\" in p else ("", p)


class DiskIndex:
    """Disk files of one capture by path (case-insensitive, as Windows paths are)."""

    def __init__(self) -> None:
        self._by_path: dict[str, Disk] = {}
        #: (folder, stem) → disks, built on first use (a folder listing of thousands of files
        #: is indexed once, not scanned per attached disk).
        self._by_stem: dict[tuple[str, str], list[Disk]] | None = None

    def add(self, ev: Event) -> None:
        obj = ev.data.get("object")
        path = str(ev.data.get("path") or "")
        if not path or obj in ("vhdsnapshot", "vhdset"):
            return
        d = self._by_path.setdefault(path.casefold(), Disk(path=path))
        if obj == "vhd":
            d.ev = ev
            d.parent = str(ev.data.get("parent_path") or "") or None
            d.vhd_type = str(ev.data.get("vhd_type") or "") or None
            if isinstance(ev.data.get("file_size"), int):
                d.size = ev.data["file_size"]
        elif obj == "file":
            d.last_write = ev
            if d.size is None and isinstance(ev.data.get("file_size"), int):
                d.size = ev.data["file_size"]
            d.ev = d.ev or ev

    def get(self, path: str) -> Disk | None:
        return self._by_path.get(path.casefold())

    def all(self) -> list[Disk]:
        return list(self._by_path.values())

    def _stems(self) -> dict[tuple[str, str], list[Disk]]:
        """``(folder, stem)`` → its ``<stem>_<GUID>.avhdx`` levels, and under ``(folder,
        stem + ".")`` the non-differencing ``<stem>.vhdx`` base."""
        if self._by_stem is None:
            self._by_stem = {}
            for d in self._by_path.values():
                folder, name = _split(d.path)
                m = _GUID_NAME.match(name)
                if m and d.differencing:
                    key = (folder.casefold(), m.group("stem").casefold())
                elif not d.differencing and "." in name:
                    key = (folder.casefold(), name.rsplit(".", 1)[0].casefold() + ".")
                else:
                    continue
                self._by_stem.setdefault(key, []).append(d)
        return self._by_stem

    def siblings(self, folder: str, stem: str) -> list[Disk]:
        """The ``<stem>_<GUID>.avhdx`` files of a folder."""
        return list(self._stems().get((folder.casefold(), stem.casefold()), ()))

    def base(self, folder: str, stem: str) -> Disk | None:
        """The ``<stem>.vhdx`` (or .vhd) beside them."""
        got = self._stems().get((folder.casefold(), stem.casefold() + "."))
        return got[0] if got else None


def chains_of(vm: VmState, disks: DiskIndex) -> list[DiskChain]:
    """One chain per attached disk the capture can follow (VHD Sets are counted apart)."""
    out = []
    vhds = names("vhd_set_extensions")
    for drive in vm.drives:
        top = str(drive.data.get("path") or "")
        if not top or top.casefold().endswith(vhds):
            continue
        chain = _from_get_vhd(top, disks, drive) or _from_listing(top, disks, drive)
        if chain is not None:
            out.append(chain)
    return out


def _from_get_vhd(top: str, disks: DiskIndex, drive: Event) -> DiskChain | None:
    first = disks.get(top)
    if first is None or first.ev is None or first.ev.data.get("object") != "vhd":
        return None
    seen, chain = set(), []
    d: Disk | None = first
    while d is not None and d.path.casefold() not in seen and len(chain) < MAX_DEPTH:
        seen.add(d.path.casefold())
        chain.append(d)
        d = (disks.get(d.parent) or Disk(path=d.parent)) if d.parent else None
    return DiskChain(top=top, disks=chain, source="Get-VHD", ev=first.ev)


def _from_listing(top: str, disks: DiskIndex, drive: Event) -> DiskChain | None:
    folder, name = _split(top)
    m = _GUID_NAME.match(name)
    stem = m.group("stem") if m else name.rsplit(".", 1)[0]
    levels = disks.siblings(folder, stem)
    if not levels:
        return None
    levels.sort(key=lambda d: (d.last_write.time.isoformat()
                               if d.last_write and d.last_write.time else ""), reverse=True)
    base = disks.base(folder, stem)
    ev = next((d.last_write for d in levels if d.path.casefold() == top.casefold()
               and d.last_write), None) or levels[0].last_write or drive
    return DiskChain(top=top, disks=levels + ([base] if base else []),
                     source="folder listing", ev=ev)
