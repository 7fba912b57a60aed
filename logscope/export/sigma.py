"""``logscope export sigma``: the event-log signatures as Sigma rules, one file each.

Why: the people who run Hyper-V estates already collect these event logs live in a SIEM and
keep detection content as Sigma rules; exporting lets the library fire there, before a
bundle is ever sent. Every rule carries a stable uuid5 id derived from the signature id and
the signature id itself (custom field ``logscope``). What Sigma cannot express is reported
per signature (:class:`SignatureExport.not_expressed`), and also written into the rule.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from ..correlate.chains import Chain
from ..match.library import Library
from ..match.model import Signature
from .sigma_detection import EVENTLOG_KINDS, Unexpressible, as_list, translate
from .sigma_logsource import narrowed, sources

__all__ = ["EVENTLOG_KINDS", "ExportReport", "SignatureExport", "build_rules", "export_sigma",
           "report_text", "rule_uuid", "sigma_title", "table"]


@lru_cache(maxsize=1)
def table() -> dict[str, Any]:
    """The mapping tables (``data/sigma.yml``)."""
    text = resources.files("logscope").joinpath("data/sigma.yml").read_text("utf-8")
    return yaml.safe_load(text)


def rule_uuid(signature_id: str) -> str:
    """The Sigma rule id of a signature: uuid5 of ``logscope:<id>`` in our namespace."""
    return str(uuid.uuid5(uuid.UUID(table()["uuid_namespace"]), f"logscope:{signature_id}"))


@dataclass
class SignatureExport:
    """What became of one signature: ``file`` (relative to the output folder) or None."""

    id: str
    file: str | None
    rule_id: str | None
    #: reason code -> details (codes and their meaning: ``data/sigma.yml`` ``reasons``)
    not_expressed: dict[str, list[str]] = field(default_factory=dict)
    #: every rule written, (file, rule id): ``file`` and ``rule_id`` are the first; a
    #: signature whose providers write to several log sources has one per source
    rules: list[tuple[str, str]] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "exported": self.file is not None, "file": self.file,
                "rule_id": self.rule_id,
                "rules": [{"file": f, "rule_id": r} for f, r in self.rules],
                "not_expressed": [
                    {"reason": r, "details": d} for r, d in self.not_expressed.items()]}


@dataclass
class ExportReport:
    output: str
    signatures: list[SignatureExport]

    def counts(self) -> dict[str, Any]:
        by_reason: dict[str, int] = {}
        skipped_by: dict[str, int] = {}
        for s in self.signatures:
            for r in s.not_expressed:
                by_reason[r] = by_reason.get(r, 0) + 1
            if s.file is None:
                first = next(iter(s.not_expressed), "unknown")
                skipped_by[first] = skipped_by.get(first, 0) + 1
        exported = sum(1 for s in self.signatures if s.file is not None)
        return {"signatures": len(self.signatures), "exported": exported,
                "rules": sum(len(s.rules) for s in self.signatures),
                "not_exported": len(self.signatures) - exported,
                "not_exported_by_reason": skipped_by, "signatures_by_reason": by_reason}

    def as_dict(self) -> dict[str, Any]:
        return {"output": self.output, "counts": self.counts(),
                "reasons": table()["reasons"],
                "signatures": [s.as_dict() for s in self.signatures]}


def chain_roles(chains: dict[str, Chain]) -> dict[str, list[tuple[str, bool]]]:
    """signature id -> [(chain id, chain fires on absence)] for every chain it is a step of."""
    out: dict[str, list[tuple[str, bool]]] = {}
    for chain in chains.values():
        for step in chain.steps:
            for sid in step.signatures:
                out.setdefault(sid, []).append((chain.id, chain.absence))
    return out


def build_rules(sig: Signature, chains: list[tuple[str, bool]] | None = None
                ) -> tuple[list[tuple[dict[str, Any], str]], dict[str, list[str]]]:
    """``([(rule, relative path)], not_expressed)`` for one signature: one rule per log
    source (:mod:`.sigma_logsource`), none when Sigma cannot express it (the reasons say
    why). The first source's rule has the signature's own rule id and file name; a further
    one's id and name add its service, and each lists the others as ``related``."""
    t = table()
    reasons: dict[str, list[str]] = {}
    kinds = set(sig.kinds)
    if not kinds & EVENTLOG_KINDS:
        return [], {"no-eventlog-kind": [", ".join(sig.kinds)]}
    if kinds - EVENTLOG_KINDS:
        reasons["other-kinds"] = [", ".join(sorted(kinds - EVENTLOG_KINDS))]
    srcs = sources(sig.match, t)
    try:
        dets = [translate(sig.match if len(srcs) == 1 else narrowed(sig.match, src), t)
                for src in srcs]
    except Unexpressible as exc:
        return [], {exc.reason: [exc.detail], **reasons}
    for det in dets:
        for reason, details in det.reasons.items():
            have = reasons.setdefault(reason, [])
            have.extend(d for d in details if d not in have)
    for chain_id, absence in chains or []:
        reasons.setdefault("chain", []).append(chain_id)
        if absence:
            reasons.setdefault("absence", []).append(chain_id)
    reasons["remedy"] = [f"{len(sig.hint.remedy)} remedy steps, cause, confidence "
                         f"{sig.hint.confidence}" + (", collect command" if sig.hint.collect
                                                     else "")]
    if sig.extract:
        reasons["extract"] = sorted(sig.extract)
    if sig.suppress:
        reasons["suppress"] = ["known-benign record"]
    stem = re.sub(r"[^a-z0-9]+", "_", sig.id.lower()).strip("_")
    ids = [rule_uuid(sig.id if i == 0 else f"{sig.id}@{src.key}")
           for i, src in enumerate(srcs)]
    rules = []
    for i, (src, det) in enumerate(zip(srcs, dets, strict=True)):
        title = sigma_title(sig)
        if len(srcs) > 1:
            title += " in " + ", ".join(_cap(p.removeprefix("Microsoft-Windows-"))
                                        for p in src.providers)
        rule: dict[str, Any] = {
            "title": title,
            "id": ids[i],
            "related": [{"id": other, "type": "similar"} for other in ids if other != ids[i]],
            "status": t["statuses"][sig.status],
            "description": " ".join(sig.description.split()) or sig.title,
            "references": list(sig.references),
            "author": "logscope signature library",
            "date": _date(sig),
            "logsource": src.logsource,
            "detection": det.as_yaml_obj(),
            "falsepositives": ["Known-benign record (a logscope suppression signature)"]
            if sig.suppress else ["Unknown"],
            "level": "informational" if sig.suppress else t["levels"][sig.severity],
            "logscope": {"id": sig.id, "catalogue": list(sig.catalogue),
                         "not_expressed": sorted(reasons)},
        }
        for key in ("related", "references"):
            if not rule[key]:
                del rule[key]
        name = stem if i == 0 else f"{stem}_{re.sub(r'[^a-z0-9]+', '_', src.key.lower())}"
        rules.append((rule, f"{src.folder}/win_{name}.yml"))
    return rules, reasons


def _date(sig: Signature) -> str:
    """The signature's own date if it has one, else the library version's date."""
    return str(getattr(sig, "date", "") or "") or _library_date()


@lru_cache(maxsize=1)
def _library_date() -> str:
    from ..match.library import builtin_dir

    text = (builtin_dir() / "library.yml").read_text("utf-8")
    version = str(yaml.safe_load(text).get("version", "2026.01.01"))
    return version.replace(".", "-")


_SMALL_WORDS = frozenset(("a", "an", "and", "as", "at", "by", "for", "from", "in", "new", "of",
                          "on", "or", "over", "the", "through", "to", "via", "with", "without"))


def sigma_title(sig: Signature) -> str:
    """The signature title in Sigma's style: placeholders filled with generic words or the
    match block's own ids/codes, words in title case, no trailing period."""
    t = table()["placeholders"]
    ids = "/".join(str(e) for e in as_list(sig.match.get("event_id")))
    found = _hresults(sig.match)
    codes = "/".join(found) if len(found) <= 2 else f"{found[0]} and {len(found) - 1} More"

    def fill(m: re.Match[str]) -> str:
        prep, space, name = m.group(1) or "", m.group(2), m.group(3)
        if name == "event_id":
            words = ids or "event"
        elif name == "hresult":
            words = codes or "HRESULT"
        else:
            words = t.get(name, "")
        # an emptied placeholder takes its preposition along ("copies of {volume} were")
        return f"{prep}{space}{words}" if words else ""

    title = re.sub(r"(\s+(?:of|on|for|in)\b)?(\s*)\{(\w+)\}", fill, sig.title)
    # "(0x80070070)" reads as one lower-case word to title-case checks: name the code
    title = re.sub(r"\((?=0x[0-9A-Fa-f]{8})", "(HRESULT ", title)
    title = re.sub(r"\s+([:,)])", r"\1", re.sub(r"\s{2,}", " ", title)).strip(" .")
    words = [_cap(w) if w.islower() and w not in _SMALL_WORDS else w for w in title.split(" ")]
    if words:
        words[0] = _cap(words[0])
    return " ".join(words)


def _cap(word: str) -> str:
    """``(benign)`` -> ``(Benign)``: the first letter, after any opening punctuation."""
    for i, ch in enumerate(word):
        if ch.isdigit():  # a code or number ("0x80070070)") is written as it is
            return word
        if ch.isalpha():
            return word[:i] + ch.upper() + word[i + 1:]
    return word


def _hresults(match: Any, out: list[str] | None = None) -> list[str]:  # noqa: ANN401
    """Every HRESULT literal a match block tests (for the title)."""
    out = [] if out is None else out
    if isinstance(match, dict):
        for key, value in match.items():
            if key == "not":
                continue
            if str(key).endswith("|hresult"):
                out.extend(str(v) for v in as_list(value) if str(v) not in out)
            elif isinstance(value, (dict, list)):
                _hresults(value, out)
    elif isinstance(match, list):
        for m in match:
            _hresults(m, out)
    return out


def export_sigma(library: Library, chains: dict[str, Chain], output: Path) -> ExportReport:
    """Write the rule files of every exportable signature under ``output``; report on every
    one."""
    roles = chain_roles(chains)
    results: list[SignatureExport] = []
    for sid in sorted(library.signatures):
        rules, reasons = build_rules(library.signatures[sid], roles.get(sid))
        written = []
        for rule, rel in rules:
            dest = output / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            dest.write_text(yaml.safe_dump(rule, sort_keys=False, allow_unicode=True, width=100),
                            "utf-8")
            written.append((rel, rule["id"]))
        first = written[0] if written else (None, None)
        results.append(SignatureExport(sid, first[0], first[1], reasons, written))
    return ExportReport(str(output), results)


def report_text(report: ExportReport) -> str:
    """The command's human report: counts, then each signature and what was not expressed."""
    c = report.counts()
    lines = [f"Sigma export to {report.output}: {c['exported']} of {c['signatures']} "
             f"signatures exported, {c['not_exported']} not exported."]
    for reason, n in sorted(c["not_exported_by_reason"].items()):
        lines.append(f"  not exported, {reason}: {n}")
    for s in report.signatures:
        head = f"{s.id}: {', '.join(f for f, _ in s.rules)}" if s.file \
            else f"{s.id}: NOT EXPORTED"
        lines.append(head)
        for reason, details in s.not_expressed.items():
            lines.append(f"    - {reason}: {'; '.join(details)}")
    return "\n".join(lines) + "\n"
