"""Several blocks per listing (shadows, storage, providers), built from the real blocks."""

from __future__ import annotations

from vssadmin_helpers import CORPUS, codes, parse_bytes

HTB = "en_htb_writeup_list_shadows_clientaccessible.txt"
STORAGE = "en_fixture_verbatim_list_shadowstorage_full.txt"
PROVIDERS = "fr_burp753_list_providers.txt"


def _text(shared, name):
    return (shared / CORPUS / name).read_text("utf-8")


def test_two_shadow_copies_in_one_set_and_a_second_set(shared):
    lines = _text(shared, HTB).splitlines()
    header, set_lines, record = lines[:4], lines[4:6], lines[6:]
    second = [r.replace("046396e4", "146396e4").replace("ShadowCopy1", "ShadowCopy2") for r in record]
    other_set = [set_lines[0].replace("001689e5", "101689e5"), set_lines[1].replace("3:10:57 AM", "4:10:57 PM")]
    text = "\n".join(header + set_lines + record + second + [""] + other_set + record) + "\n"
    text = text.replace("Contained 1 shadow", "Contained 2 shadow", 1)
    events, ledger = parse_bytes(text.encode())
    assert [(e.data["shadow_id"][:8], e.data["set_id"][:8], e.data["shadow_count"]) for e in events] == [
        ("046396e4", "001689e5", 2), ("146396e4", "001689e5", 2), ("046396e4", "101689e5", 1),
    ]  # fmt: skip
    assert events[1].data["shadow_volume"].endswith("ShadowCopy2")
    assert events[2].time.isoformat() == "2019-09-09T16:10:57+00:00"
    assert ledger.records == 3 and ledger.problems == []


def test_ambiguous_creation_time_is_kept_as_text(shared):
    text = _text(shared, HTB).replace("9/9/2019 3:10:57 AM", "3/4/2019 3:10:57")
    (ev,), ledger = parse_bytes(text.encode())
    assert ev.time is None and ev.time_source == "none"
    assert ev.data["creation_time_text"] == "3/4/2019 3:10:57"
    assert "ambiguous-time" in codes(ledger)


def test_two_storage_associations_and_unbounded(shared):
    text = _text(shared, STORAGE)
    block = text.split("\n\n", 1)[1]
    d_block = block.replace("(C:)", "(D:)")
    d_block = d_block.replace("Maximum Shadow Copy Storage space: 2.00 GB (1%)", "Maximum Shadow Copy Storage space: UNBOUNDED (100%)")
    events, ledger = parse_bytes((text + "\n" + d_block).encode())
    assert [e.data["for_volume"][:4] for e in events] == ["(C:)", "(D:)"]
    assert events[1].data["maximum"] == "UNBOUNDED (100%)" and "maximum_bytes" not in events[1].data
    assert events[1].data["maximum_percent"] == 100
    assert "used_of_maximum" not in events[1].data
    assert ledger.records == 2


def test_two_providers(shared):
    text = _text(shared, PROVIDERS)
    block = text.split("\n\n", 1)[1]
    hw = (
        block.replace("Microsoft Software Shadow Copy provider 1.0", "Contoso Hardware Provider")
        .replace("Système", "Matériel")
        .replace("b5946137-7b9f-4925-af80-51abd60b20d5", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
        .replace("1.0.0.7", "3.2.1.0")
    )
    events, ledger = parse_bytes((text + "\n" + hw).encode())
    assert [(e.data["provider_name"], e.data["provider_type"], e.data["version"]) for e in events] == [
        ("Microsoft Software Shadow Copy provider 1.0", "Système", "1.0.0.7"),
        ("Contoso Hardware Provider", "Matériel", "3.2.1.0"),
    ]
    assert ledger.problems == []
