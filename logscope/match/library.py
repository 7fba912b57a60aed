"""Load signature libraries (built-in + user folders) into ``Signature`` objects.

Collect-or-raise: loading never stops at the first bad file; every problem comes back as a
``LoadIssue`` with file:line:column, so ``logscope validate`` can list them all in one run.
A duplicate id inside one library is an error; a later library overriding an earlier one's
id is allowed and reported (``overrides``).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import yamlio
from ..events import KINDS
from .cache import MISSING, ParsedCache, cache_dir
from .conditions import ConditionError, compile_group
from . import compiled
from .issues import LoadIssue, mark as _mark
from .model import SEVERITIES, STATUSES, Hint, Signature
from .shape import check_baseline_shape as _check_baseline_shape
from .shape import check_examples_shape as _check_examples_shape
from .shape import reference_urls  # noqa: F401  (re-exported for validate)

SIGNATURE_SUFFIXES = (".yml", ".yaml")
#: Files in a library folder that are not signatures.
NON_SIGNATURE_DIRS = ("chains", "tuning")
NON_SIGNATURE_FILES = ("library.yml",)

#: Event fields copied into every hit (so hint texts may name them); the matcher uses it.
ENTITY_FIELDS = ("vm_name", "vm_id", "host", "job_name", "writer_name", "writer_id",
                 "writer_state", "last_error", "hresult", "event_id", "provider")

REQUIRED = ("id", "title", "severity", "status", "match", "hint")
KNOWN_KEYS = frozenset(
    (*REQUIRED, "description", "tags", "references", "catalogue", "extract", "suppress",
     "examples", "baseline_hits", "author", "date", "modified", "falsepositives", "notes")
)
HINT_KEYS = frozenset(("cause", "remedy", "evidence", "confidence", "collect"))
PUBLIC_EXAMPLE_LEVELS = ("error", "warning", "off")



@dataclass(slots=True)
class Library:
    """All loaded signatures (id → signature, later libraries win) plus load issues."""

    signatures: dict[str, Signature] = field(default_factory=dict)
    issues: list[LoadIssue] = field(default_factory=list)
    overrides: list[tuple[str, str, str]] = field(default_factory=list)
    chains_dirs: list[Path] = field(default_factory=list)
    versions: list[str] = field(default_factory=list)
    digest: str = ""
    #: Library name → how a signature without a sourced public example is reported
    #: (``public_examples`` in its ``library.yml``: error, warning or off; default warning).
    public_examples: dict[str, str] = field(default_factory=dict)
    #: Its key in the checked-library cache (``compiled.py``; "" when not cached): the chains
    #: checked against it are cached under the same key.
    cache_key: str = field(default="", compare=False, repr=False)

    @property
    def version(self) -> str:
        """``<built-in version>+<content hash>`` so a finding can be reproduced exactly."""
        base = "+".join(self.versions) if self.versions else "unversioned"
        return f"{base}+{self.digest[:12]}" if self.digest else base


def builtin_dir() -> Path:
    """The built-in signatures: the repo's ``signatures/`` in a checkout, package data in a wheel."""
    pkg = Path(__file__).resolve().parent.parent
    for cand in (pkg.parent / "signatures", pkg / "_signatures"):
        if (cand / "library.yml").is_file():
            return cand
    raise FileNotFoundError(
        f"the built-in signature library is missing (looked in {pkg.parent / 'signatures'} "
        f"and {pkg / '_signatures'}): reinstall logscope")


def load_library(user_dirs: list[Path] | None = None, *, builtin: bool = True,
                 cache: bool = True) -> Library:
    """Load the built-in library, then each user folder in order (later wins).

    ``cache``: reuse the whole checked library by the content hash of its folders
    (``match/compiled.py``), else parsed YAML trees by each file's hash (``match/cache.py``);
    the result is the same as a fresh load. ``logscope validate`` passes False so CI always
    parses and checks the files.
    """
    dirs = [Path(d) for d in ([builtin_dir()] if builtin else []) + list(user_dirs or [])]
    names = ["builtin" if builtin and i == 0 else str(d) for i, d in enumerate(dirs)]
    key = compiled.library_key(dirs, names) if cache and cache_dir() else None
    if key and (lib := compiled.cached(key)) is not None:
        lib.cache_key = key
        return lib
    lib = Library()
    h = hashlib.sha256()
    parsed = ParsedCache(cache_dir() if cache else None)
    for d, name in zip(dirs, names, strict=True):
        _load_dir(lib, d, name, h, parsed)
    lib.digest = h.hexdigest()
    parsed.save()
    if key:
        compiled.store(key, lib)
        lib.cache_key = key
    return lib


def _load_dir(lib: Library, root: Path, name: str, h: Any,  # noqa: ANN401
              parsed: ParsedCache | None = None) -> None:
    if not root.is_dir():
        lib.issues.append(LoadIssue(str(root), 1, 1, "signature folder not found", "io"))
        return
    meta = root / "library.yml"
    if meta.is_file():
        try:
            data = yamlio.load(meta.read_text("utf-8"), str(meta))
            if isinstance(data, dict) and data.get("version"):
                lib.versions.append(str(data["version"]))
            if isinstance(data, dict) and "public_examples" in data:
                raw_level = data["public_examples"]
                # YAML 1.1 reads a bare `off` as false
                level = "off" if raw_level is False else str(raw_level)
                if level in PUBLIC_EXAMPLE_LEVELS:
                    lib.public_examples[name] = level
                else:
                    line, col = _mark(data, "public_examples")
                    lib.issues.append(LoadIssue(str(meta), line, col, "public_examples must be "
                                                "one of " + ", ".join(PUBLIC_EXAMPLE_LEVELS) +
                                                f", got {level!r}", "schema"))
        except yamlio.YamlError as exc:
            lib.issues.append(LoadIssue(exc.path, exc.line, exc.column, exc.message, "yaml"))
    if (root / "chains").is_dir():
        lib.chains_dirs.append(root / "chains")
    seen: dict[str, str] = {}
    for path in sorted(p for p in root.rglob("*") if p.suffix in SIGNATURE_SUFFIXES):
        rel = path.relative_to(root)
        if rel.parts[0] in NON_SIGNATURE_DIRS or rel.as_posix() in NON_SIGNATURE_FILES:
            continue
        try:
            raw = yamlio.read_bytes(path)  # bounded: a user folder may hold anything
        except yamlio.YamlError as exc:
            lib.issues.append(LoadIssue(exc.path, exc.line, exc.column, exc.message, "yaml"))
            continue
        h.update(rel.as_posix().encode() + b"\0" + raw)
        sig = parse_signature_file(path, raw, lib.issues, parsed)
        if sig is None:
            continue
        sig.library = name
        if sig.id in seen:
            lib.issues.append(LoadIssue(str(path), sig.line, 1,
                                        f"duplicate id {sig.id!r} (also in {seen[sig.id]})",
                                        "duplicate-id"))
            continue
        seen[sig.id] = str(path)
        if sig.id in lib.signatures:
            lib.overrides.append((sig.id, lib.signatures[sig.id].path, str(path)))
        lib.signatures[sig.id] = sig


def parse_signature_file(path: Path, raw: bytes, issues: list[LoadIssue],
                         parsed: ParsedCache | None = None) -> Signature | None:
    """Parse and check one signature file; problems are appended to ``issues``."""
    p = str(path)
    data = parsed.get(raw) if parsed is not None else MISSING
    if data is not MISSING:
        return signature_from_dict(data, p, issues)
    try:
        data = yamlio.load(raw.decode("utf-8"), p)
        if parsed is not None:
            parsed.put(raw, data)
    except UnicodeDecodeError as exc:
        issues.append(LoadIssue(p, 1, 1, f"not UTF-8: {exc}", "yaml"))
        return None
    except yamlio.YamlError as exc:
        issues.append(LoadIssue(exc.path, exc.line, exc.column, exc.message, "yaml"))
        return None
    return signature_from_dict(data, p, issues)


def _path_mark(match: Any, where: str) -> tuple[int, int]:  # noqa: ANN401
    """Position of a condition named like ``match.any[0].all[1].field|op`` (deepest known)."""
    node: Any = match
    pos = getattr(match, "start", (1, 1))
    rest = where.split(".", 1)[1] if where.startswith("match.") else where
    while rest:
        head, sep, tail = rest.partition(".")
        name, _, idx = head.partition("[")
        if not isinstance(node, dict) or name not in node:
            # a condition key may itself contain dots (data.ErrorCode|hresult): try it whole
            if isinstance(node, dict) and rest in node:
                return _mark(node, rest)
            break
        pos = _mark(node, name)
        node = node[name]
        if idx:
            try:
                node = node[int(idx.rstrip("]"))]
                pos = getattr(node, "start", pos)
            except (ValueError, IndexError, TypeError, KeyError):
                break
        rest = tail if sep else ""
    return pos


def _mark(data: Any, key: str) -> tuple[int, int]:  # noqa: ANN401
    marks = getattr(data, "marks", {})
    return marks.get(key, getattr(data, "start", (1, 1)))


def signature_from_dict(data: Any, p: str, issues: list[LoadIssue]) -> Signature | None:  # noqa: ANN401, C901
    """Build a ``Signature`` from a loaded mapping, reporting every schema problem found."""
    if not isinstance(data, dict):
        issues.append(LoadIssue(p, 1, 1, "a signature file must be a YAML mapping", "schema"))
        return None
    before = len(issues)

    def bad(key: str, msg: str, code: str = "schema") -> None:
        line, col = _mark(data, key)
        issues.append(LoadIssue(p, line, col, msg, code))

    for key in REQUIRED:
        if key not in data:
            issues.append(LoadIssue(p, *getattr(data, "start", (1, 1)),
                                    f"missing required field {key!r}", "schema"))
    for key in data:
        if key not in KNOWN_KEYS:
            bad(str(key), f"unknown field {key!r}", "unknown-field")
    sid = data.get("id")
    if sid is not None and (not isinstance(sid, str) or not _valid_id(sid)):
        bad("id", f"id must be dotted lower-case words (e.g. guest.sqlwriter.nonretryable), got {sid!r}")
    sev = data.get("severity")
    if sev is not None and sev not in SEVERITIES:
        bad("severity", f"severity must be one of {', '.join(SEVERITIES)}, got {sev!r}")
    status = data.get("status")
    if status is not None and status not in STATUSES:
        bad("status", f"status must be one of {', '.join(STATUSES)}, got {status!r}")
    match = data.get("match")
    kinds: tuple[str, ...] = ()
    if match is not None:
        if not isinstance(match, dict) or not match:
            bad("match", "match must be a non-empty mapping")
        else:
            k = match.get("kind")
            kinds = tuple(k) if isinstance(k, list) else ((k,) if k else ())
            if not kinds:
                bad("match", "match.kind is required (which event kinds this signature reads)")
            for kind in kinds:
                if kind not in KINDS:
                    line, col = _mark(match, "kind")
                    issues.append(LoadIssue(p, line, col, f"unknown kind {kind!r}", "schema"))
            try:
                compile_group(match)
            except ConditionError as exc:
                line, col = _path_mark(match, exc.key)
                code = "regex" if "RE2" in str(exc) else "condition"
                issues.append(LoadIssue(p, line, col, str(exc), code))
            _check_match_semantics(match, p, issues)
    _check_extract(data, p, issues)
    _check_examples_shape(data, p, issues)
    _check_baseline_shape(data, p, issues)
    from . import lint  # checks of a file read: a cached library never needs them (start-up)

    for prob in lint.check_placeholders(data, ENTITY_FIELDS):
        issues.append(LoadIssue(p, *lint.position(prob), prob.message, prob.code))
    hint = _hint(data.get("hint"), p, issues, data)
    if len(issues) > before or sid is None or hint is None or not isinstance(match, dict):
        return None
    ex = data.get("examples") or {}
    line = _mark(data, "id")[0]
    return Signature(
        id=sid,
        title=str(data["title"]),
        severity=sev,
        status=status,
        kinds=kinds,
        match=match,
        hint=hint,
        description=str(data.get("description", "")),
        tags=tuple(data.get("tags") or ()),
        references=tuple(str(r) for r in (data.get("references") or ())),
        catalogue=tuple(_as_tuple(data.get("catalogue"))),
        extract=dict(data.get("extract") or {}),
        suppress=bool(data.get("suppress", False)),
        examples={k: list(v or []) for k, v in ex.items()} if isinstance(ex, dict) else {},
        baseline_hits=list(data.get("baseline_hits") or []),
        path=p,
        line=line,
        marks=dict(getattr(data, "marks", {})),
    )


def _as_tuple(v: Any) -> tuple[str, ...]:  # noqa: ANN401
    if v is None:
        return ()
    return tuple(str(x) for x in v) if isinstance(v, list) else (str(v),)


def _valid_id(sid: str) -> bool:
    parts = sid.split(".")
    return len(parts) >= 2 and all(
        part and all(c.islower() or c.isdigit() or c == "-" for c in part) for part in parts
    )


def _check_match_semantics(match: dict[str, Any], p: str, issues: list[LoadIssue]) -> None:
    """What a compiler cannot see: unknown fields, event ids out of range, contradictions."""
    from . import lint  # as in signature_from_dict

    for prob in lint.check_match(match):
        issues.append(LoadIssue(p, *lint.position(prob), prob.message, prob.code))


def _check_extract(data: Any, p: str, issues: list[LoadIssue]) -> None:  # noqa: ANN401
    if "extract" not in data or data["extract"] is None:
        return
    from . import lint  # as in signature_from_dict

    for prob in lint.check_extract(data["extract"]):
        node = prob.node if prob.key else data
        key = prob.key or "extract"
        issues.append(LoadIssue(p, *lint.position(lint.Problem(node, key, "", "")),
                                prob.message, prob.code))



def _hint(h: Any, p: str, issues: list[LoadIssue], data: Any) -> Hint | None:  # noqa: ANN401
    if h is None:
        return None
    if not isinstance(h, dict):
        line, col = _mark(data, "hint")
        issues.append(LoadIssue(p, line, col, "hint must be a mapping", "schema"))
        return None
    ok = True
    for key in h:
        if key not in HINT_KEYS:
            line, col = _mark(h, str(key))
            issues.append(LoadIssue(p, line, col, f"unknown hint field {key!r}", "unknown-field"))
            ok = False
    if "cause" not in h or "remedy" not in h:
        line, col = _mark(data, "hint")
        issues.append(LoadIssue(p, line, col, "hint needs 'cause' and 'remedy'", "schema"))
        return None
    remedy = h["remedy"]
    steps = [str(s) for s in remedy] if isinstance(remedy, list) else [str(remedy)]
    conf = h.get("confidence", 0.5)
    if not isinstance(conf, (int, float)) or isinstance(conf, bool) or not 0 <= conf <= 1:
        line, col = _mark(h, "confidence")
        issues.append(LoadIssue(p, line, col, f"confidence must be 0..1, got {conf!r}", "schema"))
        ok = False
    if not ok:
        return None
    return Hint(cause=str(h["cause"]).strip(), remedy=steps, evidence=str(h.get("evidence", "")),
                confidence=float(conf), collect=str(h.get("collect", "")))
