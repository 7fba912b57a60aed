"""``--redact``: stable placeholders for host, user, domain and IP names in every format.

Why on the report dict: every format renders the same dict, so one pass redacts them all
and no renderer can forget. Names are learned from what the sources say (event hosts, the
identity table, FQDN suffixes, ``DOMAIN\\user`` and ``user@domain`` forms, user fields of
events, domain SIDs, IPv4/IPv6 literals) and replaced wherever they occur, also inside
messages and file paths. Placeholders are numbered in sorted order of the names, so the
same bundle always gives the same placeholders; the mapping itself is never written.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable
from typing import Any

_IPV4 = re.compile(r"(?<![\w.])(?:\d{1,3}\.){3}\d{1,3}(?![\w.])")
_IPV6 = re.compile(r"(?<![\w:])(?:[0-9A-Fa-f]{1,4}:){4,7}[0-9A-Fa-f]{1,4}(?![\w:])")
_SID = re.compile(r"\bS-1-5-21(?:-\d{1,10}){3,4}\b")
_UPN = re.compile(r"(?<![\w.-])([A-Za-z0-9._-]{1,64})@([A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8})\b")
#: Event data keys that name a user account.
USER_KEYS = frozenset(k.casefold() for k in (
    "User", "UserName", "SubjectUserName", "TargetUserName", "AccountName", "Account",
    "account", "user"))
#: Names never treated as machine or user names (well-known accounts, placeholders).
KEEP = frozenset(("localhost", "system", "local service", "network service", "nt authority",
                  "builtin", "administrator", "administrators", "?", "", "-", "n/a"))
MAX_NAMES = 5000


class Redactor:
    """Learns names, then rewrites strings with one compiled alternation."""

    def __init__(self) -> None:
        self.hosts: set[str] = set()
        self.domains: set[str] = set()
        self.netbios: set[str] = set()
        self.users: set[str] = set()
        self._map: dict[str, str] = {}
        self._re: re.Pattern[str] | None = None
        self.counts: dict[str, int] = {}

    # -- learning ----------------------------------------------------------------------------
    def host(self, name: object) -> None:
        if not isinstance(name, str):
            return
        n = name.strip().strip("\\")
        if not n or n.casefold() in KEEP or _IPV4.fullmatch(n) or len(self.hosts) > MAX_NAMES:
            return
        short, _, domain = n.partition(".")
        if short and len(short) >= 2:
            self.hosts.add(short.casefold())
        if domain:
            self.domain(domain)

    def domain(self, name: str) -> None:
        d = name.strip(". ").casefold()
        if d and "." in d and d not in KEEP:
            self.domains.add(d)
            self.netbios.add(d.split(".", 1)[0])
        elif d and d not in KEEP:
            self.netbios.add(d)

    def user(self, name: object) -> None:
        if isinstance(name, str):
            n = name.strip()
            if "\\" in n:
                dom, _, n = n.partition("\\")
                self.domain(dom)
            if n and n.casefold() not in KEEP and len(n) >= 2 and not n.startswith("S-1-"):
                self.users.add(n.casefold())

    def learn_report(self, report: dict[str, Any]) -> None:
        for r in report.get("identities", []):
            for k in ("vm_names", "guest_hosts", "hyperv_hosts", "veeam_servers"):
                for n in r.get(k, []):
                    self.host(n)
        for h in report.get("hits", []):
            self._learn_fields(h.get("fields", {}))
        for t in report.get("timeline", []):
            self.host(t.get("host"))
        for ev in report.get("events", []) or []:
            self.host(ev.get("host"))
            self._learn_fields(ev.get("data", {}))
        texts = [h.get("text", "") for h in report.get("hits", [])]
        texts += [e.get("message", "") for e in report.get("events", []) or []]
        self._learn_texts(texts)

    def _learn_fields(self, d: Any) -> None:  # noqa: ANN401
        if not isinstance(d, dict):
            return
        for k, v in d.items():
            if k in ("host", "server", "vm_name", "Computer"):
                self.host(v)
            elif str(k).casefold() in USER_KEYS:
                self.user(v)
            elif str(k).casefold() in ("domain", "subjectdomainname", "targetdomainname"):
                if isinstance(v, str):
                    self.domain(v)

    def _learn_texts(self, texts: Iterable[str]) -> None:
        for t in texts:
            if not isinstance(t, str):
                continue
            for m in _UPN.finditer(t[:65536]):
                self.users.add(m.group(1).casefold())
                self.domain(m.group(2))
        if self.netbios:
            dom = "|".join(re.escape(n) for n in sorted(self.netbios, key=len, reverse=True))
            pat = re.compile(rf"(?<![\w-])(?:{dom})\\([A-Za-z0-9._$-]{{1,64}})", re.IGNORECASE)
            for t in texts:
                if isinstance(t, str):
                    for m in pat.finditer(t[:65536]):
                        self.user(m.group(1))

    # -- rewriting ---------------------------------------------------------------------------
    def compile(self) -> None:
        """Number the names (sorted, so placeholders are stable) and build the pattern."""
        names: dict[str, str] = {}
        for prefix, group in (("HOST", self.hosts), ("USER", self.users),
                              ("DOMAIN", self.domains)):
            for i, n in enumerate(sorted(group), 1):
                names.setdefault(n, f"{prefix}-{i}")
        for i, n in enumerate(sorted(self.netbios - self.hosts), 1):
            # a NetBIOS domain takes the placeholder of its DNS domain when there is one
            full = next((d for d in sorted(self.domains) if d.split(".", 1)[0] == n), None)
            names.setdefault(n, names.get(full, f"DOMAIN-{len(self.domains) + i}")
                             if full else f"DOMAIN-{len(self.domains) + i}")
        self._map = names
        self.counts = {"hosts": len(self.hosts), "users": len(self.users),
                       "domains": len({v for v in names.values() if v.startswith("DOMAIN")})}
        if names:
            alt = "|".join(re.escape(n) for n in sorted(names, key=len, reverse=True))
            self._re = re.compile(_BEFORE + rf"(?:{alt})" + _AFTER, re.IGNORECASE)
        self._ips: dict[str, str] = {}
        self._sids: dict[str, str] = {}

    def text(self, s: str) -> str:
        if self._re is not None:
            s = self._re.sub(lambda m: self._map[m.group(0).casefold()], s)
        s = _IPV4.sub(self._ip, s)
        s = _IPV6.sub(self._ip, s)
        return _SID.sub(lambda m: self._sids.setdefault(m.group(0),
                                                        f"SID-{len(self._sids) + 1}"), s)

    def _ip(self, m: re.Match[str]) -> str:
        ip = m.group(0)
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return ip
        if addr.is_loopback or addr.is_unspecified:
            return ip
        return self._ips.setdefault(ip, f"IP-{len(self._ips) + 1}")

    def walk(self, obj: Any, key: str | None = None) -> Any:  # noqa: ANN401
        if isinstance(obj, str):
            return obj if key in _KEEP_KEYS else self.text(obj)
        if isinstance(obj, dict):
            return {(self.text(k) if isinstance(k, str) and k not in _SAFE_KEYS and key
                     in _FREE_KEY_PARENTS else k): self.walk(v, k) for k, v in obj.items()}
        if isinstance(obj, list):
            return [self.walk(v, key) for v in obj]
        return obj


#: A name is whole when no word character or hyphen touches it, and also where a tool glues
#: it on: a collection folder (``2026-03-14T103000_SQL01``, ``logscope-host-HV21-20261204-
#: 030000``) and Hyper-V's differencing disks (``SQL01_6F1C0D8E-....avhdx``).
_BEFORE = r"(?:(?<![\w-])|(?<=\d{6}_)|(?<=logscope-host-)|(?<=logscope-guest-))"
_AFTER = r"(?:(?=-\d{8}-\d{6})|(?![A-Za-z0-9-]|_(?![0-9A-Fa-f]{8}-)))"

#: Values that are never names (hashes, versions, ids of our own data).
_KEEP_KEYS = frozenset(("sha256", "logscope_version", "signatures_version", "signature", "id",
                        "kind", "severity", "time", "datetime", "time_source", "hresult",
                        "role", "step", "record_type", "timestamp_desc"))
_SAFE_KEYS: frozenset[str] = frozenset()
#: Dicts whose keys come from logs (skip reasons) are redacted too.
_FREE_KEY_PARENTS = frozenset(("skip_reasons",))


def redact(report: dict[str, Any]) -> dict[str, Any]:
    """A redacted copy of the report (``meta.redacted`` true, with counts, never the names)."""
    r = Redactor()
    r.learn_report(report)
    r.compile()
    out: dict[str, Any] = r.walk(report)
    out["meta"]["redacted"] = True
    out["meta"]["redaction"] = {**r.counts, "ips": len(r._ips), "sids": len(r._sids)}
    return out
