"""The bundle's identity table: which names and ids denote the same virtual machine.

Why: the Veeam line names the VM, the host's VMMS event carries VmName and VmId, and the
guest's own logs carry its computer name (or the bundle folder it sits in). Joining them is
what turns three sources into one story. Built from whatever the events say, union-find.
Besides the join keys, each entity collects what a support engineer looks up next: the
Hyper-V host that runs it, the Veeam jobs, task sessions and servers that processed it, and
the virtual disk paths (VHD/VHDX/AVHDX/VHDS) named in its events.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..events import Event
from ..lazy import regex

#: Event kinds written inside a guest (their ``host`` is the guest's computer name).
GUEST_KINDS = frozenset(("vssadmin", "veeam-guest", "sqlwriter-log"))
#: Kinds written on the Veeam backup server (their ``host`` is the server, never a VM).
SERVER_KINDS = frozenset(("veeam", "veeam-session"))
#: Per entity, at most this many disk paths / task sessions are kept (bounded memory).
MAX_PER_ENTITY = 64
#: A virtual disk path: drive or UNC start, no quote/newline, one of Hyper-V's disk
#: extensions. Bounded repetition over one character class: linear, no bad backtracking.
_DISK = regex(r"(?:[A-Za-z]:\\|\\\\)[^'\"\r\n*?<>|]{1,400}?\.(?:avhdx|vhdx|vhds|avhd|vhd)\b",
              re.IGNORECASE)
#: Only the start of a message is searched for disk paths.
DISK_SCAN_CHARS = 8192


@lru_cache(maxsize=4096)
def short_name(name: str) -> str:
    """``SQL01.contoso.local`` → ``sql01``: the join form of a machine name (cached: a
    bundle names a few machines, thousands of times)."""
    n = name.strip().strip("'\"").casefold()
    if n.startswith("\\\\"):
        n = n[2:]
    if "." in n and not _is_ip(n):
        n = n.split(".", 1)[0]
    return n


def _is_ip(n: str) -> bool:
    parts = n.split(".")
    return len(parts) == 4 and all(p.isdigit() for p in parts)


def disk_paths(text: str) -> list[str]:
    """Virtual disk paths named in a message (``…\\SQL01.vhdx``, ``…-AutoRecovery.avhdx``)."""
    return list(dict.fromkeys(m.group(0) for m in _DISK.finditer(text[:DISK_SCAN_CHARS])))


def _bounded_add(s: set[str], value: str) -> None:
    """Keep the ``MAX_PER_ENTITY`` smallest values: bounded, and independent of the order the
    files were read in (a process pool reads them in another order)."""
    if value in s:
        return
    if len(s) < MAX_PER_ENTITY:
        s.add(value)
        return
    largest = max(s)
    if value < largest:
        s.discard(largest)
        s.add(value)


@dataclass
class IdentityTable:
    """Union-find over keys ``vm:<name>``, ``id:<guid>``, ``host:<name>``, ``disk:<path>``."""

    parent: dict[str, str] = field(default_factory=dict)
    vm_host: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    sources: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    display: dict[str, str] = field(default_factory=dict)
    jobs: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    tasks: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    servers: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    disks: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    files: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    hyperv_hosts: set[str] = field(default_factory=set)
    _plain_seen: set[tuple[str, str, str]] = field(default_factory=set, repr=False)
    #: What keyed events already taught (observe is idempotent): a repeat is skipped.
    _keyed_seen: set[tuple[Any, ...]] = field(default_factory=set, repr=False)

    #: root → its keys, built on first use and dropped when a key or a union is added (the
    #: report asks members() per hint and per hit: a scan of every key each time was
    #: quadratic in the size of the bundle).
    _groups: dict[str, list[str]] | None = field(default=None, repr=False)
    #: entity → its Hyper-V hosts (``hosts_of``, asked per hit and per chain): dropped with
    #: ``_groups`` and when a host is added.
    _hosts: dict[str, list[str]] = field(default_factory=dict, repr=False)

    def _find(self, k: str) -> str:
        if k not in self.parent:
            self.parent[k] = k
            self._groups = None
        root = k
        while self.parent[root] != root:
            root = self.parent[root]
        while self.parent[k] != root:
            self.parent[k], k = root, self.parent[k]
        return root

    def _union(self, a: str, b: str) -> None:
        ra, rb = self._find(a), self._find(b)
        if ra != rb:
            # keep a vm: key as the root when there is one (nicer display)
            if rb.startswith("vm:") and not ra.startswith("vm:"):
                ra, rb = rb, ra
            self.parent[rb] = ra
            self._groups = None

    def _observe_state(self, ev: Event) -> None:
        """Hyper-V state joins disk paths to the VM (issue 17): an attached disk
        (Get-VMHardDiskDrive) belongs to its VM, a differencing disk (Get-VHD) to the chain of
        its parent. A VHD Set (.vhds) is shared by the nodes of a guest cluster: never a join
        key (it would make the nodes one machine)."""
        path = ev.data.get("path")
        if not isinstance(path, str) or not path or path.casefold().endswith(".vhds"):
            return
        disk = "disk:" + path.casefold()
        self.display.setdefault(disk, path)
        obj = ev.data.get("object")
        if obj == "harddisk" and (ev.vm_name or ev.vm_id):
            vm = ("vm:" + short_name(ev.vm_name) if ev.vm_name
                  else "id:" + str(ev.vm_id).lower().strip("{}"))
            self._union(vm, disk)
        elif obj == "vhd" and path.casefold().endswith((".avhdx", ".avhd")):
            parent = ev.data.get("parent_path")
            if isinstance(parent, str) and parent:
                self.display.setdefault("disk:" + parent.casefold(), parent)
                self._union(disk, "disk:" + parent.casefold())

    def observe(self, ev: Event) -> None:
        """Learn from one event (cheap; called for every event)."""
        if ev.kind == "hyperv-state":
            self._observe_state(ev)
        names_disk = False  # only asked of events that name a VM (the others never use it)
        if ev.vm_name or ev.vm_id:
            names_disk = bool(ev.message) and "vhd" in ev.message.casefold()
            if not names_disk:
                # a VMMS log repeats the same VM, host and file thousands of times: learn it once
                extra = ((str(ev.data.get("server")), str(ev.data.get("task_session_id")))
                         if ev.kind in SERVER_KINDS else None)
                memo = (ev.vm_name, ev.vm_id, ev.kind, ev.file, ev.host, ev.job_name, extra)
                if memo in self._keyed_seen:
                    return
                if len(self._keyed_seen) > 100_000:
                    self._keyed_seen.clear()
                self._keyed_seen.add(memo)
        keys = []
        if ev.vm_name:
            k = "vm:" + short_name(ev.vm_name)
            self._show(k, ev.vm_name)
            keys.append(k)
        if ev.vm_id:
            k = "id:" + ev.vm_id.lower().strip("{}")
            keys.append(k)
        if keys:
            for k in keys[1:]:
                self._union(keys[0], k)
            self._find(keys[0])
            k0 = keys[0]
            self.sources[k0].add(ev.kind)
            _bounded_add(self.files[k0], ev.file)
            if ev.host and ev.kind not in SERVER_KINDS and ev.kind not in GUEST_KINDS:
                # a host event about a VM: the host runs it (VMMS, Worker)
                hosts = self.vm_host[k0]
                if ev.host not in hosts:
                    hosts.add(ev.host)
                    self._hosts.clear()
                self.hyperv_hosts.add(short_name(ev.host))
            if ev.kind in SERVER_KINDS:
                server = ev.data.get("server") or ev.host
                if server:
                    _bounded_add(self.servers[k0], str(server))
                task = ev.data.get("task_session_id")
                if task:
                    _bounded_add(self.tasks[k0], str(task))
            if ev.job_name:
                _bounded_add(self.jobs[k0], ev.job_name)
            if names_disk:
                for p in disk_paths(ev.message):
                    _bounded_add(self.disks[k0], p)
            return
        if ev.host and ev.kind not in SERVER_KINDS:
            # the same machine in the same file teaches nothing new: skip the work (bounded)
            seen = (ev.host, ev.kind, ev.file)
            if seen in self._plain_seen:
                return
            if len(self._plain_seen) > 100_000:
                self._plain_seen.clear()
            self._plain_seen.add(seen)
            k = "host:" + short_name(ev.host)
            self._show(k, ev.host)
            self._find(k)
            self.sources[k].add(ev.kind)
            _bounded_add(self.files[k], ev.file)

    def finish(self) -> None:
        """Link guest computer names to VM names when their short names agree."""
        for k in list(self.parent):
            if k.startswith("host:"):
                vm = "vm:" + k[5:]
                if vm in self.parent and k[5:] not in self.hyperv_hosts:
                    self._union(vm, k)

    def entity(self, fields: dict[str, Any], kind: str) -> str | None:
        """The canonical VM entity of a hit, or None when it names no VM or guest."""
        if fields.get("vm_name"):
            return self._find("vm:" + short_name(str(fields["vm_name"])))
        if fields.get("vm_id"):
            return self._find("id:" + str(fields["vm_id"]).lower().strip("{}"))
        disk = fields.get("disk_path")
        if isinstance(disk, str) and "disk:" + disk.casefold() in self.parent:
            return self._find("disk:" + disk.casefold())
        host = fields.get("host")
        if host and kind not in SERVER_KINDS:
            k = "host:" + short_name(str(host))
            if k[5:] in self.hyperv_hosts and kind not in GUEST_KINDS:
                return None
            return self._find(k)
        return None

    def lookup(self, name: str) -> str | None:
        """The entity a user-typed name or id denotes (``--vm``), or None when unknown."""
        n = short_name(name)
        for k in ("vm:" + n, "host:" + n, "id:" + n.strip("{}")):
            if k in self.parent:
                return self._find(k)
        return None

    def entities_of_job(self, job: str) -> set[str]:
        """Entities of the VMs a Veeam job processed (``--job``)."""
        j = job.casefold()
        return {self._find(k) for k, js in self.jobs.items() if any(x.casefold() == j for x in js)}

    def _show(self, key: str, name: str) -> None:
        """Remember how to print a key: of the spellings seen, the fullest ('SQL01.contoso.local'
        over 'SQL01'), then the same one of equal length ('IE9WIN7', 'IE9Win7') whatever order
        the events arrive in: parallel workers reorder files."""
        old = self.display.get(key)
        if old is None or (-len(name), name) < (-len(old), old):
            self.display[key] = name

    def members(self, entity: str) -> list[str]:
        return list(self._members(entity))

    def _members(self, entity: str) -> list[str]:
        """The keys of an entity, sorted (the cached list itself: not to be changed)."""
        if self._groups is None:
            groups: dict[str, list[str]] = defaultdict(list)
            for k in list(self.parent):
                groups[self._find(k)].append(k)
            for keys in groups.values():
                keys.sort()
            self._groups = groups
            self._hosts.clear()
        return self._groups.get(entity, [])

    def name_of(self, entity: str) -> str:
        """A human name for an entity (the VM name when known)."""
        members = self._members(entity)
        for prefix in ("vm:", "host:", "id:"):
            for k in members:
                if k.startswith(prefix):
                    return self.display.get(k, k.split(":", 1)[1])
        return entity.split(":", 1)[-1]

    def guests_of(self, entity: str) -> list[str]:
        """The guest computer names of an entity (its VM name when no guest log named it)."""
        members = self._members(entity)
        guests = sorted({self.display.get(k, k[5:]) for k in members if k.startswith("host:")})
        return guests or [self.name_of(entity)]

    def has_guest_logs(self, entity: str) -> bool:
        """Whether the bundle holds any file written inside this VM's guest."""
        return any(k.startswith("host:") and k[5:] not in self.hyperv_hosts
                   for k in self._members(entity))

    def hosts_of(self, entity: str) -> list[str]:
        """The Hyper-V hosts that run an entity's VM (cached: a VM joined by one VmId to
        hundreds of names was a scan of every name per hit)."""
        members = self._members(entity)  # first: it drops the cache when the groups changed
        found = self._hosts.get(entity)
        if found is None:
            vm_host = self.vm_host
            found = self._hosts[entity] = sorted(set().union(
                *(vm_host[k] for k in members if k in vm_host)))
        return list(found)

    def rows(self) -> list[dict[str, Any]]:
        """The table for reports: one row per VM/guest entity."""
        groups: dict[str, list[str]] = defaultdict(list)
        for k in self.parent:
            groups[self._find(k)].append(k)

        def union(table: dict[str, set[str]], members: list[str]) -> list[str]:
            return sorted(set().union(*(table.get(k, set()) for k in members)))

        out = []
        for root, members in sorted(groups.items()):
            names = sorted({self.display.get(k, k[3:]) for k in members if k.startswith("vm:")})
            ids = sorted(k[3:] for k in members if k.startswith("id:"))
            guests = sorted({self.display.get(k, k[5:]) for k in members if k.startswith("host:")})
            if not names and not ids and guests and all(
                    short_name(g) in self.hyperv_hosts for g in guests):
                continue  # a Hyper-V host itself, not a VM
            if all(k.startswith("disk:") for k in members):
                continue  # disk files no VM record named
            out.append({"entity": root, "vm_names": names, "vm_ids": ids,
                        "guest_hosts": guests, "hyperv_hosts": union(self.vm_host, members),
                        "jobs": union(self.jobs, members),
                        "veeam_tasks": union(self.tasks, members),
                        "veeam_servers": union(self.servers, members),
                        "disks": sorted(set(union(self.disks, members)) | {
                            self.display.get(k, k[5:]) for k in members
                            if k.startswith("disk:")}),
                        "sources": union(self.sources, members),
                        "files": union(self.files, members)})
        return out
