"""The shipped JSON Schema agrees with the loader: it accepts the bundled library and rejects
the broken files whose mistake is a schema mistake."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml

from logscope.match.library import NON_SIGNATURE_DIRS, builtin_dir

jsonschema = pytest.importorskip("jsonschema")

SCHEMA = json.loads((Path(__file__).resolve().parents[2] / "logscope" / "match" /
                     "signature.schema.json").read_text("utf-8"))
BROKEN = Path(__file__).resolve().parent / "broken"


def _validator() -> object:
    cls = jsonschema.validators.validator_for(SCHEMA)
    cls.check_schema(SCHEMA)
    return cls(SCHEMA)


def _files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yml")
                  if p.relative_to(root).parts[0] not in NON_SIGNATURE_DIRS
                  and p.name != "library.yml")


def test_schema_accepts_every_bundled_signature() -> None:
    v = _validator()
    bad = {p.name: [e.message for e in v.iter_errors(yaml.safe_load(p.read_text("utf-8")))]
           for p in _files(builtin_dir())}
    assert {k: e for k, e in bad.items() if e} == {}


@pytest.mark.parametrize("name", ["unknown-field.yml", "missing-and-bad-values.yml",
                                  "bad-id.yml", "example-shape.yml", "baseline-shape.yml",
                                  "event-id-range.yml", "unknown-operator-and-field.yml"])
def test_schema_rejects_schema_mistakes(name: str) -> None:
    data = yaml.safe_load((BROKEN / name).read_text("utf-8"))
    assert list(_validator().iter_errors(data))
