"""Chain rules (``signatures/chains/*.yml``): symptom → mechanism → cause, joined on a VM.

A chain names ordered steps, each a set of signature ids with a time window relative to the
symptom (seconds; a hit with no time, such as a vssadmin capture, joins on the entity
alone). A chain fires when its symptom step and at least one other step are present, or,
with ``absence: true``, on the symptom alone, listing what the bundle lacks and how to
collect it.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .. import yamlio
from ..match.library import LoadIssue, _mark
from ..match.model import SEVERITIES, Hint

CHAIN_KEYS = frozenset(("id", "title", "severity", "description", "steps", "join", "hint",
                        "absence", "references", "catalogue", "examples"))
STEP_KEYS = frozenset(("id", "role", "signatures", "window", "weight", "collect", "required"))
ROLES = ("symptom", "mechanism", "cause", "follow-up")


@dataclass(slots=True)
class Step:
    id: str
    role: str
    signatures: tuple[str, ...]
    window: tuple[float, float] = (-3600.0, 3600.0)
    weight: float = 1.0
    collect: str = ""
    required: bool = False


@dataclass(slots=True)
class Chain:
    id: str
    title: str
    severity: str
    steps: list[Step]
    hint: Hint
    absence: bool = False
    references: tuple[str, ...] = ()
    catalogue: tuple[str, ...] = ()
    description: str = ""
    path: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


def load_chains(dirs: list[Path], issues: list[LoadIssue], known_ids: set[str] | None = None,
                *, cache: bool = True, key: str = "") -> dict[str, Chain]:
    """Every chain in the given folders (later folders win); problems go to ``issues``.

    ``key``: the loaded library's ``cache_key``: the chains checked against that library are
    kept under it (``match/compiled.py``; the same chains and problems as a fresh load).
    ``cache``: False for ``validate`` (no cache of any kind)."""
    from ..match import compiled
    from ..match.cache import ParsedCache, cache_dir

    if cache and key and (hit := compiled.cached(key, "chains", _decode)) is not None:
        chains, found = hit
        issues.extend(found)
        return chains
    before = len(issues)
    chains = _load_chains(dirs, issues, known_ids, ParsedCache(cache_dir() if cache else None))
    if cache and key:
        compiled.store(key, (chains, issues[before:]), "chains", _encode)
    return chains


def _load_chains(dirs: list[Path], issues: list[LoadIssue], known_ids: set[str] | None,
                 parsed: Any) -> dict[str, Chain]:  # noqa: ANN401
    from ..match.cache import MISSING

    chains: dict[str, Chain] = {}
    for d in dirs:
        seen: set[str] = set()
        for path in sorted(d.rglob("*.y*ml")):
            p = str(path)
            try:
                raw = path.read_bytes()
                data = parsed.get(raw)  # parsed trees by content hash, as for signatures
                if data is MISSING:
                    data = yamlio.load(raw.decode("utf-8"), p)
                    parsed.put(raw, data)
            except (yamlio.YamlError, UnicodeDecodeError) as exc:
                if isinstance(exc, yamlio.YamlError):
                    issues.append(LoadIssue(exc.path, exc.line, exc.column, exc.message, "yaml"))
                else:
                    issues.append(LoadIssue(p, 1, 1, f"not UTF-8: {exc}", "yaml"))
                continue
            chain = chain_from_dict(data, p, issues, known_ids)
            if chain is None:
                continue
            if chain.id in seen:
                issues.append(LoadIssue(p, 1, 1, f"duplicate chain id {chain.id!r}",
                                        "duplicate-id"))
                continue
            seen.add(chain.id)
            chains[chain.id] = chain
    parsed.save()
    return chains


def _encode(value: tuple[dict[str, Chain], list[LoadIssue]]) -> dict[str, Any]:
    from ..match.cache import _enc

    chains, found = value
    out = []
    for c in chains.values():
        d = {f.name: getattr(c, f.name) for f in fields(Chain)}
        d["steps"] = [{f.name: getattr(s, f.name) for f in fields(Step)} for s in c.steps]
        d["hint"] = {f.name: getattr(c.hint, f.name) for f in fields(Hint)}
        d["extra"] = [[k, _enc(v)] for k, v in c.extra.items()]
        out.append(d)
    return {"chains": out, "issues": [[getattr(i, f.name) for f in fields(LoadIssue)]
                                      for i in found]}


def _decode(entry: dict[str, Any]) -> tuple[dict[str, Chain], list[LoadIssue]]:
    from ..match.cache import _dec

    chains: dict[str, Chain] = {}
    for d in entry["chains"]:
        d = dict(d)
        d["steps"] = [Step(**{**s, "signatures": tuple(s["signatures"]),
                              "window": tuple(s["window"])}) for s in d["steps"]]
        d["hint"] = Hint(**d["hint"])
        d["extra"] = {k: _dec(v) for k, v in d["extra"]}
        d["references"], d["catalogue"] = tuple(d["references"]), tuple(d["catalogue"])
        chains[d["id"]] = Chain(**d)
    return chains, [LoadIssue(*i) for i in entry["issues"]]


def chain_from_dict(data: Any, p: str, issues: list[LoadIssue],  # noqa: ANN401, C901
                    known_ids: set[str] | None = None) -> Chain | None:
    if not isinstance(data, dict):
        issues.append(LoadIssue(p, 1, 1, "a chain file must be a YAML mapping", "schema"))
        return None
    before = len(issues)

    def bad(obj: Any, key: str, msg: str, code: str = "schema") -> None:  # noqa: ANN401
        line, col = _mark(obj, key)
        issues.append(LoadIssue(p, line, col, msg, code))

    for key in data:
        if key not in CHAIN_KEYS:
            bad(data, str(key), f"unknown field {key!r}", "unknown-field")
    for key in ("id", "title", "severity", "steps", "hint"):
        if key not in data:
            bad(data, "id", f"missing required field {key!r}")
    if data.get("severity") not in SEVERITIES:
        bad(data, "severity", f"severity must be one of {', '.join(SEVERITIES)}")
    steps: list[Step] = []
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or len(raw_steps) < 2:
        bad(data, "steps", "a chain needs a list of at least two steps")
        raw_steps = []
    for i, s in enumerate(raw_steps):
        if not isinstance(s, dict):
            bad(data, "steps", f"step {i} must be a mapping")
            continue
        for key in s:
            if key not in STEP_KEYS:
                bad(s, str(key), f"unknown step field {key!r}", "unknown-field")
        sigs = s.get("signatures")
        sigs = tuple(sigs) if isinstance(sigs, list) else ((sigs,) if sigs else ())
        if not sigs:
            bad(s, "signatures", f"step {i} names no signatures")
        for sid in sigs:
            if known_ids is not None and sid not in known_ids:
                bad(s, "signatures", f"step {i}: unknown signature id {sid!r}", "unknown-ref")
        role = s.get("role", "mechanism")
        if role not in ROLES:
            bad(s, "role", f"role must be one of {', '.join(ROLES)}")
        window = s.get("window", [-3600, 3600])
        if (not isinstance(window, list) or len(window) != 2
                or not all(isinstance(w, (int, float)) for w in window) or window[0] > window[1]):
            bad(s, "window", "window must be [before, after] in seconds, before <= after")
            window = [-3600, 3600]
        steps.append(Step(id=str(s.get("id", f"step{i}")), role=role, signatures=sigs,
                          window=(float(window[0]), float(window[1])),
                          weight=float(s.get("weight", 1.0)), collect=str(s.get("collect", "")),
                          required=bool(s.get("required", i == 0))))
    if steps and steps[0].role != "symptom":
        bad(data, "steps", "the first step must have role 'symptom'")
    h = data.get("hint")
    if not isinstance(h, dict) or "cause" not in h or "remedy" not in h:
        bad(data, "hint", "hint needs 'cause' and 'remedy'")
        h = None
    if len(issues) > before or h is None:
        return None
    remedy = h["remedy"]
    return Chain(
        id=str(data["id"]),
        title=str(data["title"]),
        severity=str(data["severity"]),
        steps=steps,
        hint=Hint(cause=str(h["cause"]).strip(),
                  remedy=[str(x) for x in remedy] if isinstance(remedy, list) else [str(remedy)],
                  confidence=float(h.get("confidence", 0.8)), evidence=str(h.get("evidence", "")),
                  collect=str(h.get("collect", ""))),
        absence=bool(data.get("absence", False)),
        references=tuple(str(r) for r in data.get("references") or ()),
        catalogue=tuple(str(r) for r in data.get("catalogue") or ()),
        description=str(data.get("description", "")),
        path=p,
    )
