"""``logscope collect`` on the command line: which blocks, --output written atomically and
never over an input, and the usage errors (exit 2)."""

from __future__ import annotations

import re
from pathlib import Path

from typer.testing import CliRunner

from logscope.cli import app

ROOT = Path(__file__).resolve().parents[2]


def run(*args: str):  # noqa: ANN201
    return CliRunner().invoke(app, ["collect", *args])


def test_both_blocks_by_default_one_with_host_or_guest() -> None:
    both = run()
    assert both.exit_code == 0, both.output
    host_head = "# logscope collect: run on the Hyper-V host"
    guest_head = "# logscope collect: run inside the guest"
    assert both.stdout.index(host_head) < both.stdout.index(guest_head)
    host = run("--host")
    assert host_head in host.stdout and guest_head not in host.stdout
    guest = run("--guest")
    assert guest_head in guest.stdout and host_head not in guest.stdout
    assert run("--host", "--guest").stdout == both.stdout


def test_output_is_the_printed_script(tmp_path: Path) -> None:
    out = tmp_path / "collect-host.ps1"
    res = run("--host", "--days", "7", "--vm", "SQL01", "-o", str(out))
    assert res.exit_code == 0, res.output
    printed = run("--host", "--days", "7", "--vm", "SQL01").stdout
    # with a BOM, so Windows PowerShell 5.1 reads the file as UTF-8, not in the ANSI code page
    assert out.read_bytes() == b"\xef\xbb\xbf" + printed.encode("utf-8")
    assert f"script written to {out}" in res.stderr
    assert [p.name for p in tmp_path.iterdir()] == ["collect-host.ps1"]  # no temporary left


def test_the_script_is_ascii_but_for_vm_names_and_the_help_tells_the_data_default() -> None:
    """ASCII pastes into any console code page; the default window the help names is the data's."""
    from logscope.collect.data import table

    text = run().stdout
    assert text.isascii()
    assert "\u00fc" in run("--vm", "B\u00fcro").stdout
    help_words = " ".join(re.sub("[\u2500-\u257f]", " ", run("--help").stdout).split())
    assert f"(default {table()['default_days']})" in help_words


def test_output_never_replaces_an_input(tmp_path: Path) -> None:
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    (sigs / "keep.yml").write_text("x: 1\n", "utf-8")
    res = run("--signatures", str(sigs), "-o", str(sigs / "keep.yml"))
    assert res.exit_code == 2
    assert "is one of the inputs" in res.stderr or "inside the input folder" in res.stderr
    assert (sigs / "keep.yml").read_text("utf-8") == "x: 1\n"
    res = run("-o", str(tmp_path))
    assert res.exit_code == 2 and "is a folder" in res.stderr


def test_a_failed_run_leaves_an_existing_output_as_it_was(tmp_path: Path) -> None:
    out = tmp_path / "collect.ps1"
    out.write_text("old\n", "utf-8")
    res = run("--vm", "SQL01\r\nRemove-Item C:\\", "-o", str(out))
    assert res.exit_code == 2 and "control characters" in res.stderr
    assert out.read_text("utf-8") == "old\n"


def test_usage_errors() -> None:
    res = run("--since", "2026-12-01", "--days", "3")
    assert res.exit_code == 2 and "--since and --days exclude each other" in res.stderr
    res = run("--since", "yesterday")
    assert res.exit_code == 2 and "not an ISO 8601 time" in res.stderr
    res = run("--since", "2999-01-01")
    assert res.exit_code == 2 and "is in the future" in res.stderr
    res = run("--days", "0")
    assert res.exit_code == 2


def test_a_provider_without_a_channel_is_named(tmp_path: Path) -> None:
    """A user signature naming a provider collect cannot place: said on stderr, not dropped."""
    sigs = tmp_path / "sigs"
    sigs.mkdir()
    src = (ROOT / "signatures/evtx/vss/vss-8193-no-diff-area.yml").read_text("utf-8")
    (sigs / "custom.yml").write_text(
        src.replace("id: ", "id: custom.", 1).replace("provider: VSS", "provider: Contoso-Agent"),
        "utf-8")
    res = run("--signatures", str(sigs), "--host")
    assert res.exit_code == 0, res.output
    assert "provider Contoso-Agent (signature custom." in res.stderr
    assert "has no event-log channel" in res.stderr
