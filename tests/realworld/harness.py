"""Real-world cases: public troubleshooting material as it was pasted, and the cause that the
source established. Shared by the tests (``test_realworld.py``, ``test_cases.py``) and the
score script (``benchmarks/realworld_score.py``) so both read a case the same way.

A case is a folder ``tests/realworld/<case-id>/`` holding ``case.yml`` and one or more
evidence files, verbatim as pasted (see tests/realworld/README.md).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from logscope.events import KINDS
from logscope.ingest import parser_modules
from logscope.ingest.source import IngestOptions
from logscope.pipeline import analyze
from logscope.report.build import build_report

ROOT = Path(__file__).resolve().parent
CASE_FILE = "case.yml"
REQUIRED = ("id", "source", "title", "licence", "form", "cause", "established")
OPTIONAL = ("notes",)


@dataclass(slots=True)
class Case:
    """One case as written in its ``case.yml``, with its evidence files."""

    id: str
    folder: Path
    source: str
    title: str
    licence: str
    form: str
    cause: list[str]
    established: str
    evidence: list[Path] = field(default_factory=list)


@dataclass(slots=True)
class Outcome:
    """What the pipeline made of a case: the top hint and how the files were read."""

    case: Case
    top: str | None
    ranked: list[str]
    kinds: dict[str, str]

    @property
    def right(self) -> bool:
        return self.top in self.case.cause


def case_dirs(root: Path = ROOT) -> list[Path]:
    """Every folder under ``root`` that holds a ``case.yml``, sorted by name."""
    return sorted(p.parent for p in root.glob(f"*/{CASE_FILE}"))


def problems(folder: Path) -> list[str]:
    """What is wrong with a case folder's ``case.yml`` and files (empty when it is sound)."""
    path = folder / CASE_FILE
    try:
        data = yaml.safe_load(path.read_text("utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        return [f"{path}: cannot read: {exc}"]
    if not isinstance(data, dict):
        return [f"{path}: must be a mapping"]
    out = [f"{path}: missing {k!r}" for k in REQUIRED if not data.get(k)]
    out += [f"{path}: unknown key {k!r}" for k in data if k not in (*REQUIRED, *OPTIONAL)]
    if data.get("id") and data["id"] != folder.name:
        out.append(f"{path}: id {data['id']!r} is not the folder name {folder.name!r}")
    src = data.get("source")
    if src and (not isinstance(src, str) or not src.startswith("https://") or " " in src):
        out.append(f"{path}: source must be one https:// URL, got {src!r}")
    if data.get("form") and data["form"] not in KINDS:
        out.append(f"{path}: form {data['form']!r} is not a kind ({', '.join(KINDS)})")
    cause = data.get("cause")
    if cause is not None and (not isinstance(cause, list) or not cause
                              or not all(isinstance(c, str) and c for c in cause)):
        out.append(f"{path}: cause must be a non-empty list of hint ids")
    for key in ("title", "licence", "established"):
        if data.get(key) is not None and not isinstance(data[key], str):
            out.append(f"{path}: {key} must be text")
    if not evidence_files(folder):
        out.append(f"{folder}: no evidence file beside {CASE_FILE}")
    return out


def evidence_files(folder: Path) -> list[Path]:
    """The case's evidence: every file of the folder except ``case.yml`` (and dot files)."""
    return sorted(p for p in folder.rglob("*") if p.is_file() and p.name != CASE_FILE
                  and not p.name.startswith("."))


def load_case(folder: Path) -> Case:
    """The case in ``folder``; raises ValueError naming every problem of its ``case.yml``."""
    bad = problems(folder)
    if bad:
        raise ValueError("; ".join(bad))
    data: dict[str, Any] = yaml.safe_load((folder / CASE_FILE).read_text("utf-8"))
    return Case(id=data["id"], folder=folder, source=data["source"], title=data["title"],
                licence=data["licence"], form=data["form"], cause=list(data["cause"]),
                established=data["established"], evidence=evidence_files(folder))


def registered_kinds() -> set[str]:
    """The kinds the parser registry reads right now (a reader still being written is absent)."""
    return {k for mod in parser_modules() for k in getattr(mod, "KINDS", ())}


def run_case(case: Case) -> Outcome:
    """Analyse the case's evidence files (never ``case.yml``) with the built-in library.

    The top is the first ranked hint; when there is none, the first benign (suppressed) hit,
    so a case whose established answer is "expected, no action" can name that signature.
    """
    report = build_report(analyze(case.evidence, IngestOptions()))
    ranked = [h["id"] for h in report["hints"]]
    benign = [h["signature"] for h in report["hits"] if h.get("suppressed")]
    top = ranked[0] if ranked else (benign[0] if benign else None)
    kinds = {str(f["path"]): str(f["kind"]) for f in report["files"]}
    return Outcome(case, top, ranked or benign, kinds)
