"""The analyze report's JSON Schema (shipped: logscope/report/report.schema.json), checked
with jsonschema against real reports of every sample bundle, and shown to reject a broken one."""

from __future__ import annotations

import copy
import json
from importlib import resources
from pathlib import Path

import jsonschema
import pytest
from typer.testing import CliRunner

from logscope.cli import app

BUNDLES = Path(__file__).resolve().parents[2] / "samples" / "bundles"
ALL = sorted(p.name for p in BUNDLES.iterdir() if p.is_dir())


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    text = resources.files("logscope.report").joinpath("report.schema.json").read_text("utf-8")
    schema = json.loads(text)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def _report(bundle: str, *extra: str) -> dict:
    res = CliRunner().invoke(app, ["analyze", str(BUNDLES / bundle), "-f", "json",
                                   "--workers", "1", *extra])
    assert res.exit_code == 0, res.output
    return json.loads(res.stdout)


@pytest.mark.parametrize("bundle", ALL)
def test_every_sample_report_matches_the_schema(bundle: str, validator) -> None:  # noqa: ANN001
    report = _report(bundle)
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(report)]
    assert errors == []


def test_redacted_and_filtered_reports_match_too(validator) -> None:  # noqa: ANN001
    report = _report("sqlwriter-chain", "--redact", "--vm", "SQL01")
    assert report["meta"]["redacted"] and report["meta"]["filters"]
    assert list(validator.iter_errors(report)) == []


def test_the_schema_rejects_what_breaks_the_contract(validator) -> None:  # noqa: ANN001
    good = _report("sqlwriter-chain")
    assert good["hits"] and good["hints"]
    broken = []
    for mutate in (
        lambda r: r.pop("hints"),
        lambda r: r["hits"][0].update(severity="fatal"),
        lambda r: r["hits"][0].update(time="yesterday"),
        lambda r: r["hits"][0]["locator"].update(page=3),
        lambda r: r["files"][0].update(records=-1),
        lambda r: r["hints"][0].update(confidence=1.5),
        lambda r: r["timeline"][0].update(time_source="guessed"),
        lambda r: r["meta"]["inputs"][0].update(sha256="xyz"),
    ):
        r = copy.deepcopy(good)
        mutate(r)
        broken.append(bool(list(validator.iter_errors(r))))
    assert all(broken), broken
