"""Message templates shipped as data (logscope/data/messages/*.yml)."""

from __future__ import annotations

from logscope.messages import lookup, render, templates


def test_templates_load_for_the_documented_providers():
    providers = {p for p, _ in templates()}
    for name in ("vss", "volsnap", "sqlwriter", "sqlvdi", "microsoft-windows-hyper-v-vmms",
                 "microsoft-windows-hyper-v-worker", "microsoft-windows-backup",
                 "microsoft-windows-failoverclustering", "microsoft-windows-hyper-v-guest-drivers-icsvc"):
        assert name in providers, name
    assert lookup("Volsnap", 36) is lookup("volsnap", 36)  # alias and case-insensitive


def test_positional_inserts_and_hresult_position():
    r = render("VSS", 8193, ["CVssWriterShim::CallAppropriateFunction", "0x80042409, Writer status is not available",
                             "Operation: Gathering Writer Data"])
    assert r.text == ("Volume Shadow Copy Service error: Unexpected error calling routine "
                      "CVssWriterShim::CallAppropriateFunction. hr = 0x80042409, Writer status is not "
                      "available. Operation: Gathering Writer Data")
    assert r.hresult_insert == 2


def test_named_inserts_and_pct_resolution():
    r = render("Microsoft-Windows-Hyper-V-Worker", 3280, ["SQL01", "ID", "%%2147754996", "0x800423F4"],
               ["VmName", "VmId", "ErrorMessage", "ErrorCode"])
    assert r.text == ("'SQL01' could not initiate a checkpoint operation: 0x800423F4 "
                      "VSS_E_WRITERERROR_NONRETRYABLE (0x800423F4). (Virtual machine ID ID)")


def test_unused_inserts_are_appended_not_hidden():
    r = render("Microsoft-Windows-Backup", 521, ["0x807800A1", "%%2155348129"], ["HRESULT", "ErrorMessage"])
    assert r.text.startswith("The backup operation has failed because the Volume Shadow Copy Service")
    assert "[HRESULT=0x807800A1; ErrorMessage=0x807800A1" in r.text


def test_unknown_event_has_no_template():
    assert render("VSS", 1, ["x"]).text is None
    assert render(None, 8193, []).text is None


def test_missing_insert_renders_empty_and_long_insert_is_cut():
    assert render("VSS", 8224, []).text == "The VSS service is shutting down due to idle timeout. "
    long = render("VSS", 8224, ["x" * 5000]).text
    assert long.endswith("...") and len(long) < 600


def test_templates_from_the_cache_are_the_parsed_ones(tmp_path, monkeypatch):
    """The JSON-kept rows (match/cache.json_cached) give the templates a YAML parse gives;
    a damaged cache file is parsed again, never trusted."""
    from logscope import messages

    monkeypatch.setenv("LOGSCOPE_NO_CACHE", "1")
    messages.entries.cache_clear()
    parsed = messages.entries()
    monkeypatch.delenv("LOGSCOPE_NO_CACHE")
    monkeypatch.setenv("LOGSCOPE_CACHE_DIR", str(tmp_path))
    try:
        messages.entries.cache_clear()
        cold = messages.entries()
        (kept,) = tmp_path.glob("messages-*.json")
        messages.entries.cache_clear()
        warm = messages.entries()
        assert parsed == cold == warm and len(parsed) > 50
        kept.write_bytes(b'[["VSS", [], "8193", "planted", null]]')  # wrong type: rebuilt
        messages.entries.cache_clear()
        assert messages.entries() == parsed
    finally:
        messages.entries.cache_clear()
