"""Folder walk order and pruning: what a report lists, and in which order, must not move.

The walk is pre-order: a folder's own files by name first, then each sub-folder by name,
which is not the order of the full paths sorted (``a-b/`` sorts before ``a/`` as text).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.ingest.bundle import Bundle
from logscope.ingest.source import IngestOptions


def _walk(root: Path) -> list[tuple[str, str | None]]:
    with Bundle([root], IngestOptions()) as bundle:
        return [(s.display, s.host_hint) for s in bundle.sources()]


def test_folder_walk_is_pre_order_by_name_and_skips_tool_folders(tmp_path: Path) -> None:
    b = tmp_path / "bundle"
    for rel in ("z.log", "A.log", "a/x.log", "a-b/y.log", "a/SQL01/VSS/w.log", "a/0.log",
                ".git/config", "__MACOSX/._z.log", "a/.git/HEAD", "HV02/VSS/v.log"):
        (b / rel).parent.mkdir(parents=True, exist_ok=True)
        (b / rel).write_bytes(b"not a log anyone reads\n")
    (b / "empty").mkdir()
    assert _walk(b) == [
        ("bundle/A.log", None),
        ("bundle/z.log", None),
        ("bundle/HV02/VSS/v.log", "HV02"),
        ("bundle/a/0.log", "a"),
        ("bundle/a/x.log", "a"),
        ("bundle/a/SQL01/VSS/w.log", "SQL01"),
        ("bundle/a-b/y.log", "a-b"),
    ]


def test_a_file_under_a_relative_folder_path_keeps_its_path(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "b" / "HV01").mkdir(parents=True)
    (tmp_path / "b" / "HV01" / "x.log").write_bytes(b"text\n")
    monkeypatch.chdir(tmp_path / "b")
    with Bundle([Path(".")], IngestOptions()) as bundle:
        (src,) = list(bundle.sources())
    assert src.fs_path == Path("HV01/x.log")
    assert src.fs_path.read_bytes() == b"text\n"
    assert src.host_hint == "HV01"
