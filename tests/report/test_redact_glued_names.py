"""Redaction also finds a machine name where a tool glues it to other text: collection
folders (Veeam's ``<stamp>_<computer>``, logscope collect's ``logscope-host-<computer>-<time>``)
and Hyper-V's differencing disk names (``<disk>_<GUID>.avhdx``); a longer word is left alone."""

from __future__ import annotations

from logscope.report.redact import Redactor


def test_glued_names_are_redacted_and_longer_words_are_not() -> None:
    r = Redactor()
    r.host("HV21")
    r.host("SQL01")
    r.compile()
    assert r.text("cases/logscope-host-HV21-20261204-030000/Get-VM.txt") == \
        "cases/logscope-host-HOST-1-20261204-030000/Get-VM.txt"
    assert r.text("2026-03-14T103000_SQL01/VSS/vss_writers.log") == \
        "2026-03-14T103000_HOST-2/VSS/vss_writers.log"
    assert r.text("D:\\VMs\\SQL01_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx") == \
        "D:\\VMs\\HOST-2_6F1C0D8E-3B7A-4C55-9E0F-1A2B3C4D5E6F.avhdx"
    # not a name: part of a longer word, or an underscore that starts no GUID
    assert r.text("SQL01X HV21-old SQL01_backup") == "SQL01X HV21-old SQL01_backup"
