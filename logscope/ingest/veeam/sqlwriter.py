"""SQL Server's VSS writer log ``SqlWriterLogger.txt`` (kind ``sqlwriter-log``).

Format (Microsoft "SQL Server VSS Writer logging"; windows-vss-events.md §3.3):
``[MM/DD/YYYY HH:MM:SS, TID xxxx] text`` in the SQL server's local time. Each service start
writes a star-boxed banner (``SQLWRITER TRACING STARTED``, version, ``UTC OFFSET: -8:00``):
that banner is metadata, not entries, and its offset converts the times (``header``); without
it the times stay ``local`` (the guest's zone: ``--veeam-utc-offset`` is the Veeam server's
and does not apply). Key lines: ``Entering SQL Writer On<Phase>.``, ``VSS SQL BACKUP BEGIN``,
``Backup type is VSS_BT_*``, ``HRESULT EXCEPTION CAUGHT: hr: 0x...``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import datetime, timedelta

from ... import hresult
from ...events import UTC, Event, Locator
from ...lazy import regex
from ...ledger import FileLedger
from ..source import IngestOptions, Source
from .continuation import Continuations

# compiled at import: another module imports it by name (``lazy.regex`` would rebind only here)
LINE = re.compile(
    r"^\[(\d{2})/(\d{2})/(\d{4}) (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?,"
    r" TID ([0-9a-fA-F]{1,8})\] ?"
)
_OFFSET = regex(r"UTC OFFSET: ?([+-]?\d{1,2})(?::(\d{2}))?", re.I)
_VERSION = regex(r"SQL Writer version is ([\d.]{1,32})")
_PID = regex(r"ProcessId: (0x[0-9a-fA-F]{1,8}|\d{1,10})")
_PHASE = regex(r"Entering SQL Writer (\w{1,40})\.")
_BEGIN = regex(r"VSS SQL BACKUP BEGIN - ID: (\w{1,16})")
_BTYPE = regex(r"Backup type is (VSS_BT_\w{1,20})")
_SERVER = regex(r"Service: (\S{1,128}) Server: ([^\s.]{1,128})")
_DB = regex(r"Database (\S{1,256}) on instance (\S{1,128}) (found|not found)")
_ERROR_WORDS = ("exception", "error", "failed", "abort")

WRITER_NAME = "SqlServerWriter"
WRITER_ID = "a65faa63-5ea8-4ebc-9dbd-a0c4db26912a"


def parse_sqlwriter_log(
    lines: Iterator[tuple[int, str]], source: Source, ledger: FileLedger, options: IngestOptions
) -> Iterator[Event]:
    offset: timedelta | None = None
    in_banner = False
    banner_seen_rule = False
    phase: str | None = None
    cur: Event | None = None
    host = source.host_hint
    more = Continuations(ledger, "line fits no SqlWriterLogger form")
    for lineno, text in lines:
        m = LINE.match(text)
        if m is None:
            if not text.strip():
                more.blank()
            else:
                more.line(cur, lineno, text)
            continue
        more.flush()
        msg = text[m.end():].strip()
        # the star-boxed start banner: metadata only
        if msg and msg.count("*") == len(msg):
            ledger.skip("banner line")
            if cur is not None:  # a continuation never reaches across a banner line
                yield cur
                cur = None
            if in_banner and banner_seen_rule:
                in_banner = False
            banner_seen_rule = True
            continue
        if in_banner and not msg.startswith("**"):
            in_banner = False  # a banner cut before its closing rule
        if "SQLWRITER TRACING STARTED" in msg:
            in_banner = True
            ledger.info.setdefault("starts", 0)
            ledger.info["starts"] += 1
        if in_banner:
            ledger.skip("banner line")
            if cur is not None:
                yield cur
                cur = None
            if om := _OFFSET.search(msg):
                h, mins = int(om.group(1)), int(om.group(2) or 0)
                new = timedelta(hours=h, minutes=-mins if om.group(1).startswith("-") else mins)
                if offset is not None and new != offset:
                    ledger.info.setdefault("offset_changes", []).append(
                        {"line": lineno, "to_minutes": int(new.total_seconds() // 60)})
                offset = new
            if vm := _VERSION.search(msg):
                ledger.info["sqlwriter_version"] = vm.group(1)
            continue
        banner_seen_rule = False
        if cur is not None:
            yield cur
        cur = _entry(m, msg, lineno, source, offset, host)
        more.new_entry()
        if pm := _PHASE.search(msg):
            phase = pm.group(1)
            cur.data["phase_start"] = True
        if phase:
            cur.data["phase"] = phase
        if sm := _SERVER.search(msg):
            cur.data["sql_service"], cur.data["sql_server"] = sm.group(1), sm.group(2)
            # a default instance's server name is the machine name: use it when the
            # bundle layout gave none
            host = host or sm.group(2)
            cur.host = host
        ledger.records += 1
    more.flush()
    if cur is not None:
        yield cur


def _entry(m: re.Match[str], msg: str, lineno: int, source: Source,
           offset: timedelta | None, host: str | None) -> Event:
    mo, d, y, h, mi, s, frac, tid = m.groups()
    try:
        wall: datetime | None = datetime(int(y), int(mo), int(d), int(h), int(mi), int(s),
                                         int((frac or "0").ljust(6, "0")[:6]))
    except ValueError:
        wall = None
    if wall is None:
        when, source_kind = None, "none"
    elif offset is not None:
        when, source_kind = (wall - offset).replace(tzinfo=UTC), "header"
    else:
        when, source_kind = wall.replace(tzinfo=UTC), "local"
    low = msg.lower()
    ev = Event(
        kind="sqlwriter-log",
        file=source.display,
        locator=Locator(line=lineno, end_line=lineno),
        time=when,
        time_source=source_kind,
        timestamp_desc="SQL Writer log entry",
        message=msg.lstrip("* ").strip() or msg,
        host=host,
        level="Error" if any(w in low for w in _ERROR_WORDS) else "Info",
        writer_name=WRITER_NAME,
        writer_id=WRITER_ID,
        utc_offset=offset if source_kind == "header" else None,
        data={"thread": tid.lower()},
    )
    codes = hresult.find_in_text(msg)
    if codes:
        ev.hresult = codes[0]
    if bm := _BEGIN.search(msg):
        ev.data["backup_id"] = bm.group(1)
        ev.data["status"] = "started"
    if tm := _BTYPE.search(msg):
        ev.data["backup_type"] = tm.group(1)
    if "Component based backup" in msg:
        ev.data["backup_mode"] = "component"
    elif "NonComponent" in msg or "Volume based" in msg:
        ev.data["backup_mode"] = "volume"
    if dm := _DB.search(msg):
        ev.data["database"], ev.data["sql_instance"] = dm.group(1), dm.group(2)
        ev.data["db_found"] = dm.group(3) == "found"
    if "OnAbort" in msg:
        ev.data["status"] = "aborted"
    return ev
