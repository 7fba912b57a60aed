"""Missing-evidence commands are exact: named machine, time-filtered wevtutil exports."""

from __future__ import annotations

from datetime import datetime

from logscope.correlate import collect
from logscope.events import UTC


def test_time_filter_is_added_to_each_epl_without_one() -> None:
    cmd = ("Inside the guest: `wevtutil epl Application app.evtx` and "
           "`wevtutil epl System sys.evtx /q:\"*[System[(EventID=25)]]\"`")
    out = collect.with_time_filter(cmd, "2026-03-14T08:01:58", "2026-03-14T10:02:11")
    assert out.count("/q:") == 2
    assert ("wevtutil epl Application app.evtx /q:\"*[System[TimeCreated[@SystemTime>="
            "'2026-03-14T08:01:58' and @SystemTime<='2026-03-14T10:02:11']]]\"`") in out
    assert "sys.evtx /q:\"*[System[(EventID=25)]]\"" in out  # an existing filter is kept
    assert collect.with_time_filter("vssadmin list writers", "a", "b") == "vssadmin list writers"


def test_window_around_the_evidence() -> None:
    a = datetime(2026, 3, 14, 9, 2, 5, tzinfo=UTC)
    assert collect.window(a, None) == ("2026-03-14T08:02:05", "2026-03-14T10:02:05")
    assert collect.window(None, None)[0].startswith("<")


def test_role_template_names_the_guest() -> None:
    cmd = collect.for_role("cause", {"guest": "SQL01", "vm": "SQL01", "host": "HV01"})
    assert cmd.startswith("Inside guest SQL01: vssadmin list writers")
