"""``events --format jsonl`` and ``analyze --format jsonl`` read by Timesketch's own import
client (``timesketch-import-client``): its JSONL reader, its per-line fixing and validation
(mandatory message / datetime / timestamp_desc, datetime parsing) and the JSON it would send.
Only the network upload is replaced, by a capture of the lines it would post."""

from __future__ import annotations

import json
import logging
from datetime import datetime
from pathlib import Path

import pytest
from dateutil import parser as dateparser
from typer.testing import CliRunner

from logscope.cli import app

importer = pytest.importorskip("timesketch_import_client.importer")

BUNDLES = Path(__file__).resolve().parents[2] / "samples" / "bundles"
#: a time-less vssadmin capture, Veeam local times, evtx: every kind of time the samples have
CASES = ["sqlwriter-chain", "clean-backup", "veeam-export-sqlwriter", "guest-storage"]


class CapturingStreamer(importer.ImportStreamer):
    """The import client's streamer; ``_upload_data_buffer`` (the HTTP post) only records the
    lines, serialized as the client serializes them."""

    def __init__(self) -> None:
        super().__init__()
        self._sketch = object()  # the streamer refuses to read without a sketch
        self.posted: list[dict] = []

    def _upload_data_buffer(self, end_stream, data_lines=None, retry_count=0):  # noqa: ANN001, ANN202, ARG002
        lines = self._data_lines if data_lines is None else data_lines
        self.posted.extend(json.loads(json.dumps(x)) for x in lines)


def _import(path: Path, caplog: pytest.LogCaptureFixture) -> list[dict]:
    streamer = CapturingStreamer()
    with caplog.at_level(logging.WARNING):
        streamer.add_file(str(path))
        streamer.close()
    rejected = [r.getMessage() for r in caplog.records if r.name.startswith("timesketch")]
    assert rejected == []  # the client logs (and drops) a line it cannot read
    return streamer.posted


def _check_timeline(written: list[dict], posted: list[dict]) -> None:
    assert len(posted) == len(written) > 0
    for before, after in zip(written, posted, strict=True):
        assert isinstance(after["message"], str) and after["message"].strip()
        assert isinstance(after["timestamp_desc"], str) and after["timestamp_desc"].strip()
        when = dateparser.parse(after["datetime"])  # what the server parses
        assert when.tzinfo is not None and when.utcoffset().total_seconds() == 0
        assert when == datetime.fromisoformat(before["datetime"])
        for key, value in before.items():  # extra fields travel unchanged
            if key not in ("datetime",) and not key.startswith("_"):
                assert after[key] == value, key


@pytest.mark.parametrize("bundle", CASES)
def test_events_jsonl_imports_with_the_timesketch_client(bundle: str, tmp_path: Path,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / f"{bundle}.jsonl"
    res = CliRunner().invoke(app, ["events", str(BUNDLES / bundle), "-o", str(out),
                                   "--workers", "1"])
    assert res.exit_code == 0, res.output
    written = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    _check_timeline(written, _import(out, caplog))
    timeless = [w for w in written if w["time_source"] == "none"]
    if bundle in ("sqlwriter-chain", "clean-backup"):  # vssadmin state captures
        assert timeless and all(w["timestamp_desc"] == "No time in source" for w in timeless)
        assert all(w["datetime"] == "1970-01-01T00:00:00+00:00" for w in timeless)


@pytest.mark.parametrize("bundle", CASES)
def test_analyze_jsonl_imports_with_the_timesketch_client(bundle: str, tmp_path: Path,
                                                          caplog: pytest.LogCaptureFixture) -> None:
    out = tmp_path / f"{bundle}-report.jsonl"
    res = CliRunner().invoke(app, ["analyze", str(BUNDLES / bundle), "-f", "jsonl", "-o", str(out),
                                   "--workers", "1"])
    assert res.exit_code in (0, 1), res.output
    written = [json.loads(line) for line in out.read_text("utf-8").splitlines()]
    assert {"meta", "file", "event"} <= {w["record_type"] for w in written}
    _check_timeline(written, _import(out, caplog))
