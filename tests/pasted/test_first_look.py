"""Detection's first look (ingest/first_look.py, data/text_markers.yml) never changes a verdict.

Why: detection asks a text family only when one of its markers is in the file's head. That
is safe only if each marker is a necessary condition of the family's own detection. Checked
two ways: on every text file the project and the shared corpus hold, as they are and as a
paste damages them (quoted, re-encoded as UTF-16, CRLF, indented), the kind, events and
ledger are the ones the full detection (every family asked) gives; and the markers that
mirror a data table (Event Viewer labels, Veeam session markers, Hyper-V objects, directory
listing extensions) are checked against that table, so an entry added there is not missed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import re2
from hypothesis import given, settings
from hypothesis import strategies as st

from logscope import datafiles
from logscope.ingest import PARSER_MODULES, detect, first_look, message_text, read_source
from logscope.ingest.eventlog_text import labels, pasted_record
from logscope.ingest.source import IngestOptions, Source
from logscope.ingest.veeam.data import load as veeam_data

ROOT = Path(__file__).resolve().parents[2]
#: Formats with their own magic (read before any text family) or no text at all.
_BINARY = (".evtx", ".zip", ".gz", ".pyc")


def _files(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.suffix not in _BINARY
                  and p.suffix != ".py" and "__pycache__" not in p.parts)


def _project_files() -> list[Path]:
    return _files(ROOT / "samples") + _files(ROOT / "tests")


def _shared_files(shared: Path) -> list[Path]:
    out = _files(shared / "corpus" / "text")
    return out + [p for p in (shared / "corpus" / "evtx" / n for n in ("README.md", "MANIFEST.tsv"))
                  if p.is_file()]


def _variants(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The file, and the same text as a paste or another tool damages it."""
    yield "as is", data
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return
    lines = text.splitlines()
    yield "quoted", "\n".join("> " + x for x in lines).encode("utf-8")
    yield "indented", "\n".join("    " + x for x in lines).encode("utf-8")
    yield "crlf", "\r\n".join(lines).encode("utf-8")
    yield "utf-16", b"\xff\xfe" + text.encode("utf-16-le")


def _source(name: str, data: bytes) -> Source:
    return Source(name, lambda: io.BytesIO(data), size=len(data))


def _verdict(name: str, data: bytes, monkeypatch: pytest.MonkeyPatch, look: bool) -> str:
    monkeypatch.setattr(first_look, "ENABLED", look)
    found = detect(_source(name, data))
    return f"{found.kind} {found.reason}"


def _read(name: str, data: bytes, monkeypatch: pytest.MonkeyPatch,
          look: bool) -> Any:  # noqa: ANN401
    monkeypatch.setattr(first_look, "ENABLED", look)
    ledger, events = read_source(_source(name, data), IngestOptions())
    out = [ev.to_dict() for ev in events]
    return ledger.as_dict(), out


def _check(paths: list[Path], monkeypatch: pytest.MonkeyPatch) -> int:
    compared = 0
    for path in paths:
        data = path.read_bytes()
        for form, variant in _variants(data):
            cheap = _verdict(path.name, variant, monkeypatch, True)
            full = _verdict(path.name, variant, monkeypatch, False)
            assert cheap == full, \
                f"{path} ({form}): {cheap!r} with the first look, {full!r} without"
            compared += 1
        assert _read(path.name, data, monkeypatch, True) == _read(path.name, data, monkeypatch,
                                                                   False), path
    return compared


#: One short text per form whose detection hangs on one marker (layouts as the tools print
#: them), with the kind it is.
FORMS = {
    "diskshadow banner": (
        "Microsoft DiskShadow version 1.0\nCopyright (C) 2013 Microsoft Corporation\n"
        "On computer:  HV01,  6/2/2019 2:55:20 PM\n", "diskshadow"),
    "vm json": (
        '[\n  {\n    "Name": "SQL01",\n    "Id": "1d6a3c2e-4b1f-4c8e-9a0b-2c3d4e5f6a7b",\n'
        '    "Generation": 2,\n    "State": 2\n  }\n]\n', "hyperv-state"),
    "vm csv": (
        '#TYPE Microsoft.HyperV.PowerShell.VirtualMachine\n"Name","State","CPUUsage","Uptime"\n'
        '"SQL01","Running","3","12.03:04:05"\n', "hyperv-state"),
    "dir listing": (
        " Volume in drive D is Data\n\n Directory of D:\\Hyper-V\\SQL01\n\n"
        "12/04/2026  02:00 AM     4,194,304,000 SQL01.vhdx\n"
        "12/04/2026  02:05 AM        12,582,912 SQL01_4C2E.avhdx\n", "hyperv-state"),
    "vss storage": (
        "Shadow Copy Storage association\n"
        "   For volume: (C:)\\\\?\\Volume{3d2cf5b1-0000-0000-0000-100000000000}\\\n"
        "   Shadow Copy Storage volume: (C:)\\\\?\\Volume{3d2cf5b1-0000-0000-0000-100000000000}\\\n"
        "   Used Shadow Copy Storage space: 0 bytes (0%)\n"
        "   Allocated Shadow Copy Storage space: 0 bytes (0%)\n"
        "   Maximum Shadow Copy Storage space: 3.99 GB (10%)\n", "vssadmin"),
    "ps concise": (
        "Checkpoint-VM: Checkpoint operation failed for 'SQL01'. (Virtual machine ID "
        "1D6A3C2E-4B1F-4C8E-9A0B-2C3D4E5F6A7B)\n", "powershell-error"),
    "sqlwriter": (
        "[06/02/2019 14:55:20.123, TID 1a2b] SqlWriterLogger: UTC OFFSET: +02:00\n"
        "[06/02/2019 14:55:20.456, TID 1a2b] Entering CSqlWriter::OnIdentify\n", "sqlwriter-log"),
    "wevtutil": (
        "Event[0]:\n  Log Name: Application\n  Source: VSS\n  Date: 2026-12-04T02:00:01.000\n"
        "  Event ID: 8193\n  Level: Error\n  Description: \n"
        "Volume Shadow Copy Service error: Unexpected error calling routine.\n", "event-text"),
    "event xml": (
        '<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System>'
        '<Provider Name="VSS"/><EventID>8193</EventID>'
        '<TimeCreated SystemTime="2026-12-04T02:00:01.000Z"/><Computer>HV01</Computer></System>'
        "<EventData><Data>x</Data></EventData></Event>\n", "evtx-xml"),
    "evtx csv": (
        "Level,Date and Time,Source,Event ID,Task Category\n"
        "Error,12/4/2026 2:00:01 AM,VSS,8193,None,Volume Shadow Copy Service error\n", "evtx-csv"),
    "get-winevent list": (
        "TimeCreated  : 12/4/2026 2:00:01 AM\nProviderName : VSS\nId           : 8193\n"
        "Message      : Volume Shadow Copy Service error: Unexpected error.\n", "event-text"),
    "shorthand": (
        "VSS 8193: Volume Shadow Copy Service error: Unexpected error calling routine.\n",
        "event-text"),
    "veeam session": (
        "Backup job: HV-Daily\nFailed to create VM recovery checkpoint (mode: Veeam "
        "application-aware processing)\n", "veeam-session"),
}


@pytest.mark.parametrize("form", sorted(FORMS))
def test_each_form_is_found_by_its_markers(form: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """As the tool prints it, the form is its kind with the first look; damaged by a paste
    (the kind may change then: a quoted listing is no listing), the full detection's."""
    text, kind = FORMS[form]
    for damage, data in _variants(text.encode("utf-8")):
        cheap = _verdict("pasted.txt", data, monkeypatch, True)
        assert cheap == _verdict("pasted.txt", data, monkeypatch, False), damage
        if damage == "as is":
            assert cheap.split()[0] == kind


def test_project_files_get_the_full_detections_verdict(monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _project_files()
    assert len(paths) > 150
    assert _check(paths, monkeypatch) > 4 * 150


def test_corpus_text_files_get_the_full_detections_verdict(shared: Path,
                                                           monkeypatch: pytest.MonkeyPatch) -> None:
    paths = _shared_files(shared)
    assert len(paths) > 20
    _check(paths, monkeypatch)


def test_the_corpus_readme_and_manifest_load_no_structured_family(shared: Path) -> None:
    """What the look is for: the two text files beside the corpus' .evtx files."""
    for name in ("README.md", "MANIFEST.tsv"):
        head = (shared / "corpus" / "evtx" / name).read_bytes()[:65536]
        may = first_look.families(head, name)
        assert may is not None and may <= {"message_text"}, (name, may)


def test_a_head_no_marker_fits_is_left_to_the_message_reader_only() -> None:
    assert first_look.families(b"just a note about nothing in particular\n", "n.txt") == \
        {"message_text"}
    assert first_look.families(b"just a note\n", "NOTES.MD") == frozenset()


def test_text_a_family_cleans_into_other_text_goes_to_every_family() -> None:
    """An HTML entity can become any character; a legacy code page or NULs a reader drops
    make another text than the one the markers saw."""
    assert first_look.families(b"Writer Id&#58; {x}\n", "w.txt") is None
    assert first_look.families("caf\xe9 \xe0 la cr\xe8me".encode("cp1252"), "w.txt") is None
    assert first_look.families(b"log\x00line\n" * 10, "w.txt") is None
    assert first_look.families(b"\x1f\x8b\x08\x00", "w.log.gz") is None
    # a reader's \d takes any script's digits: "[\u0661\u0662.10.2021 ..." is a Veeam line
    assert first_look.families("[\u0661\u0662.10.2021 04:30:17] <01> Info x\n".encode(),
                               "w.log") is None
    assert first_look.families("caf\u00e9 [12.10.2021 04:30:17] <01> Info x\n".encode(),
                               "w.log") == {"veeam", "message_text"}


def test_every_family_after_evtx_has_markers() -> None:
    families = first_look.table()["families"]
    assert set(families) == set(PARSER_MODULES[1:])
    for name, spec in families.items():
        assert spec.get("raw") or spec.get("clean") or name == "message_text", name


def test_message_text_keeps_its_suffixes_in_the_table() -> None:
    assert message_text.NOT_EVIDENCE_SUFFIXES == first_look.not_evidence_suffixes()
    assert ".md" in message_text.NOT_EVIDENCE_SUFFIXES
    assert message_text.EVENT_KIND == pasted_record.KIND


def _matches(family: str, view: str, text: str) -> bool:
    return any(re2.search(first_look.expand(p), text)
               for p in first_look.table()["families"][family].get(view) or ())


def test_every_event_id_label_is_a_viewer_marker() -> None:
    data = datafiles.table("eventviewer_labels.yml")
    for lang, labs in data["fields"]["event_id"].items():
        for lab in labs:
            for form in (lab, lab.upper(), lab.replace(" ", "\u00a0"), lab.replace("'", "\u2019")):
                assert _matches("eventlog_text", "clean", f"{form}: 12289"), (lang, form)


def test_every_veeam_session_marker_is_a_marker() -> None:
    for marker in veeam_data().session_markers:
        for line in (marker + "x", "> " + marker + "x", "\u2022 " + marker + "x"):
            assert _matches("veeam", "raw", line), marker
    assert _matches("veeam", "raw", "[error] Failed to process VM")


def test_every_hyperv_object_has_a_marked_property() -> None:
    """Each identifying set (and alternative) names a property the markers look for, as a
    list label and as a column over a dash line."""
    from logscope.ingest.hyperv_state.tables import table

    for obj in table()["objects"].values():
        for props in [obj["identify"], *obj.get("alt_identify", [])]:
            assert any(_matches("hyperv_state", "raw", f"{p} : x") for p in props), props
            assert _matches("hyperv_state", "raw", f"# {' '.join(props)}\n-- --"), props


def test_every_directory_listing_extension_is_a_marker() -> None:
    from logscope.ingest.hyperv_state.tables import table

    for ext in table()["dir_file_extensions"]:
        assert _matches("hyperv_state", "raw", f"12/04/2026  02:00 AM  1,024 X{ext.upper()}  ")


def test_labels_fold_as_the_markers_assume() -> None:
    """The viewer markers allow any run of white space and either apostrophe: what
    ``labels.fold`` makes equal."""
    assert labels.fold("ID de l\u2019\u00e9v\u00e9nement") == labels.fold("ID de l'événement")
    assert labels.fold("Event\u00a0  ID") == labels.fold("event id")


def test_a_note_loads_no_text_family(tmp_path: Path) -> None:
    """In a fresh interpreter: reading a Markdown note about backups (no family's markers)
    imports none of the text families' readers."""
    import subprocess
    import sys

    note = tmp_path / "NOTES.md"
    note.write_text("# Backup notes\n\nThe Veeam job of the Hyper-V cluster failed last night; "
                    "the VSS writers and the `diskshadow` output are attached.\n\n"
                    "| host | role |\n|---|---|\n| HV01 | node |\n", "utf-8")
    code = ("import sys\nfrom pathlib import Path\nfrom logscope.ingest import read_source\n"
            "from logscope.ingest.source import IngestOptions, Source\n"
            "p = Path(sys.argv[1])\n"
            "src = Source(p.name, opener=lambda: p.open('rb'), size=p.stat().st_size)\n"
            "ledger, events = read_source(src, IngestOptions())\nlist(events)\n"
            "fams = ('eventlog_text', 'vssadmin', 'veeam', 'diskshadow', 'hyperv_state',"
            " 'powershell', 'message_text')\n"
            "print(ledger.kind, [f for f in fams if 'logscope.ingest.' + f in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code, str(note)],
                         capture_output=True, text=True, check=True, cwd=tmp_path).stdout
    assert out.strip() == "unknown []"


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=5000) | st.text(max_size=3000).map(lambda t: t.encode("utf-8")))
def test_is_text_counts_printable_bytes_as_a_byte_loop_does(head: bytes) -> None:
    """``is_text`` counts text bytes with ``bytes.translate``: the share a loop over the bytes
    gives (printable ASCII, tab, line ends, and high bytes when the sample is UTF-8)."""
    from logscope.ingest.pasted_lines import is_text
    from logscope.ingest.textio import sniff_encoding

    sample = head[:4096]
    if not sample or sniff_encoding(sample)[0].startswith("utf-16"):
        return
    try:
        sample.decode("utf-8")
        high_ok = True
    except UnicodeDecodeError as exc:
        high_ok = exc.start >= len(sample) - 3
    text = sum(32 <= b < 127 or b in (9, 10, 13) or (high_ok and b >= 0x80) for b in sample)
    assert is_text(head) == (text / len(sample) > 0.95)
