"""The fleet index re-analyses a bundle when the parser version changes: only edits that can
change an analysis result may change it."""

from __future__ import annotations

from pathlib import Path

import pytest

from logscope.hunt import versions


def _version_with_edit(monkeypatch: pytest.MonkeyPatch, name: str) -> str:
    """``parser_version()`` as if the package file ``name`` held other bytes."""
    real = Path.read_bytes

    def read_bytes(self: Path) -> bytes:
        data = real(self)
        return data + b"\n# edited\n" if self.as_posix().endswith("/logscope/" + name) else data

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    versions.parser_version.cache_clear()
    try:
        return versions.parser_version()
    finally:
        monkeypatch.setattr(Path, "read_bytes", real)
        versions.parser_version.cache_clear()


def test_stop_handling_edits_keep_the_parser_version(monkeypatch: pytest.MonkeyPatch) -> None:
    versions.parser_version.cache_clear()
    base = versions.parser_version()
    assert _version_with_edit(monkeypatch, "signals.py") == base
    assert _version_with_edit(monkeypatch, "__main__.py") == base
    # an edit to the analysis itself is a new version
    assert _version_with_edit(monkeypatch, "pipeline.py") != base
    assert _version_with_edit(monkeypatch, "ingest/codes.py") != base
