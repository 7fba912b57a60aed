"""Writers a vssadmin capture should list, given what the rest of the bundle says.

Why here: "SqlServerWriter is missing" is only a finding when the same machine's logs show
SQL Server (or, for the Hyper-V writer, when the machine is a Hyper-V host). The vssadmin
parser knows the captures; this collector learns the machines' roles from the other events
as they stream and reports each absent writer as a problem of the capture's file.

Start-up: the vssadmin writer tables (``ingest/vssadmin/expectations.py``) load on the first
vssadmin event; a bundle without one never needs them.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from ..events import Event
from ..ledger import MAX_PROBLEMS_PER_FILE, FileLedger
from .identity import short_name

if TYPE_CHECKING:
    from ..ingest.vssadmin.expectations import ListedWriters

#: Captures kept per listing composition (more than a ledger keeps problems: exact).
KEEP_CAPTURES = MAX_PROBLEMS_PER_FILE + 56
_SQL_PROVIDERS = ("sqlwriter", "sqlvdi", "mssqlserver", "mssql$")
_HYPERV_PROVIDERS = ("microsoft-windows-hyper-v-vmms", "microsoft-windows-hyper-v-worker")


class ExpectedWriters:
    """Collects, per vssadmin file, its host and the writers that can be expected (not the
    events: memory stays flat however many writers a capture lists), and the roles of
    machines (SQL Server, Hyper-V host)."""

    def __init__(self) -> None:
        self.listed: dict[str, ListedWriters] = {}
        self.hosts: dict[str, str | None] = {}
        self.roles: dict[str, set[str]] = defaultdict(set)

    def feed(self, ev: Event) -> None:
        if ev.kind == "vssadmin":
            listed = self.listed.get(ev.file)
            if listed is None:
                from ..ingest.vssadmin.expectations import ListedWriters  # module docstring

                listed = self.listed[ev.file] = ListedWriters(keep=KEEP_CAPTURES)
                self.hosts[ev.file] = None
            listed.add(ev)
            if self.hosts[ev.file] is None and ev.host:
                self.hosts[ev.file] = ev.host
            return
        if not ev.host:
            return
        prov = (ev.provider or "").casefold()
        if ev.kind == "sqlwriter-log" or prov.startswith(_SQL_PROVIDERS):
            self.roles[short_name(ev.host)].add("sql_server")
        elif prov.startswith(_HYPERV_PROVIDERS):
            self.roles[short_name(ev.host)].add("hyperv_host")

    def report(self, ledgers: list[FileLedger]) -> int:
        """Add a ``vss-writer-missing`` problem per absent writer; returns how many."""
        by_path = {led.path: led for led in ledgers}
        n = 0
        for file, listed in self.listed.items():
            led = by_path.get(file)
            host = self.hosts.get(file)
            flags = self.roles.get(short_name(host), set()) if host else set()
            if led is None or not flags:
                continue
            caps = {file: led.info.get("vssadmin_captures", [])}
            for m in listed.missing(flags, captures=caps):
                led.problem(m.where, m.message, m.code)
                n += 1
            beyond = listed.not_kept(flags)  # past the ledger's cap: counted as dropped
            led.problems_dropped += beyond
            n += beyond
        return n
