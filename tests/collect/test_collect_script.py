"""The PowerShell of ``logscope collect``: what each block gathers, the time window on every
event-log export, the --vm filter, and that the text parses as PowerShell."""

from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest
from collect_helpers import evtx_exports, script, state_files, text_files

from logscope.collect import Window, channels_by_block
from logscope.collect.channels import named_providers
from logscope.collect.data import table
from logscope.collect.script import ps_quote, render_block
from logscope.ingest.hyperv_state.tables import objects
from logscope.match.library import load_library


@pytest.fixture(scope="module")
def library():  # noqa: ANN201
    return load_library()


@pytest.fixture(scope="module")
def host(library) -> str:  # noqa: ANN001
    return render_block("host", channels_by_block(library), Window())


@pytest.fixture(scope="module")
def guest(library) -> str:  # noqa: ANN001
    return render_block("guest", channels_by_block(library), Window())


def _code(text: str) -> str:
    """The script without its comment lines."""
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("#"))


def test_every_cmdlet_the_state_reader_knows_runs_on_the_host(host: str, guest: str) -> None:
    code = _code(host)
    for spec in objects():
        assert re.search(rf"(?<![\w-]){re.escape(spec.cmdlet)}(?![\w-])", code), spec.cmdlet
    # one state file per object of the reader's table, none for objects it does not know
    keys = [e["object"] for e in table()["state"]]
    assert sorted(keys) == sorted(s.key for s in objects())
    # the guest runs no Hyper-V host cmdlet
    assert not re.search(r"(?<![\w-])Get-VM(?![\w])|Get-VHD|Get-Cluster", _code(guest))


def test_each_state_file_shows_the_properties_its_object_is_identified_by(host: str) -> None:
    from logscope.ingest.hyperv_state.tables import identify

    files = state_files(host)
    assert len(files) == len(objects())
    by_file = {e["file"]: e["object"] for e in table()["state"]}
    for file, props, _objects in files:
        spec = identify([name for name, _ in props])
        assert spec is not None and spec.key == by_file[file], (file, spec)
        # every property the reader maps for that object is in the file
        mapped = {p.casefold() for names in spec.fields.values() for p in names}
        assert mapped <= {name.casefold() for name, _ in props} - {n for n in spec.excluded}
        # dates leave the host as ISO 8601 with its offset (never in the host's culture)
        times = {p.casefold() for f in spec.times for p in spec.fields[f]}
        lists = {str(p).casefold() for p in table()["lists"]}
        for name, expr in props:
            if name.casefold() in times:
                assert expr is not None and "ToString('o')" in expr, (file, name)
            if name.casefold() in lists:  # whole, whatever $FormatEnumerationLimit says
                assert expr is not None and "-join ', '" in expr, (file, name)


def test_state_files_and_listing_start_with_the_collection_marker(host: str) -> None:
    from logscope.ingest.hyperv_state.tables import table as state_table

    marker = state_table()["collected_marker"]
    assert f"$marker = '{marker} {{0}} host={{1}}' -f $stamp.ToString('o'), $env:COMPUTERNAME" in host
    assert host.count("-Value @(($marker + ' command=' + $File), $text)") == 1  # state files
    assert host.count("$lines.Add($marker + ' command=' + $File)") == 1  # the listing


def test_channels_come_from_the_signature_library(library, host: str, guest: str) -> None:  # noqa: ANN001
    found = channels_by_block(library)
    assert found.unknown == {}, "providers a signature names but collect_script.yml does not map"
    host_channels = [c for c, _, _ in evtx_exports(host)]
    guest_channels = [c for c, _, _ in evtx_exports(guest)]
    assert host_channels == found.channels["host"] and guest_channels == found.channels["guest"]
    # tagged host-only providers stay on the host, guest-only ones in the guest
    assert "Microsoft-Windows-Hyper-V-VMMS-Admin" in host_channels
    assert "Microsoft-Windows-Hyper-V-Worker-Admin" in host_channels
    assert "Microsoft-Windows-Hyper-V-VMMS-Admin" not in guest_channels
    assert "Microsoft-Windows-Hyper-V-Guest-Drivers/Admin" in guest_channels
    assert "Microsoft-Windows-Hyper-V-Guest-Drivers/Admin" not in host_channels
    # every provider a signature names has its channel exported in some block
    provs = {p.casefold() for s in library.signatures.values() for p in named_providers(s.match)}
    mapping = {k.casefold(): v for k, v in table()["providers"].items()}
    for p in provs:
        assert set(mapping[p]) & set(host_channels + guest_channels), p


def test_channel_table_agrees_with_the_signatures_own_event_examples(library) -> None:  # noqa: ANN001
    """The <Channel> of each Event XML example is a channel the table exports for its provider."""
    mapping = {k.casefold(): v for k, v in table()["providers"].items()}
    pair = re.compile(r'<Provider Name="([^"]+)"[\s\S]*?<Channel>([^<]+)</Channel>')
    checked = 0
    for sig in library.signatures.values():
        for ex in [*sig.examples.get("match", []), *sig.examples.get("no_match", [])]:
            xml = ex.get("evtx-xml") if isinstance(ex, dict) else None
            if not isinstance(xml, str):
                continue
            for prov, chan in pair.findall(xml):
                if prov.casefold() in mapping:
                    assert chan in mapping[prov.casefold()], (sig.id, prov, chan)
                    checked += 1
    assert checked >= 20


def test_named_providers_skip_exclusions() -> None:
    match = {"any": [{"provider": ["A", "B"]}, {"kind": "x"}], "provider|exists": "C",
             "not": {"provider": "D"}}
    assert list(named_providers(match)) == ["A", "B", "C"]


@pytest.mark.parametrize(("window", "expected"), [
    (Window(), "timediff(@SystemTime)<=2592000000"),
    (Window(days=7), "timediff(@SystemTime)<=604800000"),
    (Window(since=datetime(2026, 12, 1, 9, 0, tzinfo=timezone(timedelta(hours=1)))),
     "@SystemTime>='2026-12-01T08:00:00.000Z'"),
])
def test_every_event_log_export_has_the_time_window(window: Window, expected: str) -> None:
    text = script(window=window)
    exports = evtx_exports(text)
    assert len(exports) == text.count("wevtutil epl") >= 6
    for _channel, _file, rest in exports:
        assert rest.startswith(f' "/q:*[System[TimeCreated[{expected}]]]"'), rest


def test_vm_filter_narrows_every_host_cmdlet() -> None:
    text = script(("host",), vms=["SQL01", "O'Brien\u2019s"])
    code = _code(text)
    assert "$vms = @(Get-VM -Name @('SQL01', 'O''Brien\u2019\u2019s'))" in code
    # Get-VM runs once; every per-VM cmdlet reads $vms
    assert len(re.findall(r"(?<![\w-])Get-VM(?![\w.-])", code)) == 1
    for file, _props, objs in state_files(text):
        if file != "Get-ClusterSharedVolume.txt":
            assert "$vms" in objs or objs.startswith("Get-Logscope"), file
    assert "$vms" in code.split("function Get-LogscopeDiskChain", 1)[1].split("}", 1)[0]
    assert "@(Get-VM)" in script(("host",))


def test_a_vm_name_is_never_read_as_powershell() -> None:
    assert ps_quote("a'b") == "'a''b'"
    assert ps_quote("$(Remove-Item C:\\)") == "'$(Remove-Item C:\\)'"
    assert ps_quote("x\u2018y") == "'x\u2018\u2018y'"
    with pytest.raises(ValueError, match="control characters"):
        ps_quote("a\nRemove-Item C:\\ -Recurse")


def test_blocks_name_the_vssadmin_listings_and_guest_sql_writer_log(host: str, guest: str) -> None:
    for text in (host, guest):
        assert [c for _, c in text_files(text)] == [
            "vssadmin list writers", "vssadmin list providers", "vssadmin list shadows",
            "vssadmin list shadowstorage"]
        assert "Compress-Archive -Path $out -DestinationPath ($out + '.zip')" in text
    assert "SqlWriterLogger*.txt" in guest and "SqlWriterLogger" not in host
    assert "<<" not in host + guest


def test_the_script_parses_as_powershell(host: str, guest: str) -> None:
    """A PowerShell grammar finds no syntax error (tree-sitter-powershell, in the test extra)."""
    ts = pytest.importorskip("tree_sitter")
    tsp = pytest.importorskip("tree_sitter_powershell")
    parser = ts.Parser(ts.Language(tsp.language()))
    for text in (host, guest, script(("host",), vms=["a'b"])):
        raw = text.encode()
        bad: list[tuple[int, bytes]] = []

        def walk(node) -> None:  # noqa: ANN001
            if node.is_error or node.is_missing:
                bad.append((node.start_point.row + 1, raw[node.start_byte:node.end_byte][:60]))
            for child in node.children:
                walk(child)

        walk(parser.parse(raw).root_node)
        assert bad == []
    # and the check does see a broken script
    broken = host.replace("if ($vhd) {", "if ($vhd) ", 1).encode()
    assert parser.parse(broken).root_node.has_error


def test_guest_clusters_export_their_failover_clustering_log(library, host: str,  # noqa: ANN001
                                                             guest: str) -> None:
    """The FailoverClustering signatures are tagged ``host`` (they read host CSVs), but guest
    clusters on VHD Sets run the same service: its channels go to both blocks, as
    ``blocks`` in collect_script.yml says; a host-only provider stays on the host."""
    fc = table()["providers"]["Microsoft-Windows-FailoverClustering"]
    assert all("host" in s.tags and "guest" not in s.tags for s in library.signatures.values()
               if "Microsoft-Windows-FailoverClustering" in named_providers(s.match))
    for block in (host, guest):
        exported = [c for c, _, _ in evtx_exports(block)]
        assert set(fc) <= set(exported)
    assert "Microsoft-Windows-FailoverClustering/Operational" in \
        [c for c, _, _ in evtx_exports(guest)]
    assert "Microsoft-Windows-Hyper-V-Worker-Admin" not in [c for c, _, _ in evtx_exports(guest)]


def test_a_block_the_data_file_names_must_exist(library, monkeypatch) -> None:  # noqa: ANN001
    import logscope.collect.channels as channels

    bad = {**table(), "blocks": {"Microsoft-Windows-FailoverClustering": ["host", "gust"]}}
    monkeypatch.setattr(channels, "table", lambda: bad)
    with pytest.raises(ValueError, match="gust"):
        channels_by_block(library)
