"""The report's engine versions, read from dist-info folder names, are importlib.metadata's."""

from __future__ import annotations

from importlib import metadata

import pytest

from logscope.report.build import _version


@pytest.mark.parametrize("dist", ["evtx", "python-evtx", "typer", "logscope", "PyYAML"])
def test_same_version_as_importlib_metadata(dist: str) -> None:
    assert _version(dist) == metadata.version(dist)


def test_a_missing_distribution_has_no_version() -> None:
    assert _version("no-such-distribution-here") is None
