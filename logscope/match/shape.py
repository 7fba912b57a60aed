"""Shape checks of a signature's ``examples`` and ``baseline_hits`` (what the loader can see
before any example is run): one form key per example, an optional ``source`` URL that the
signature's ``references`` list, and well-formed baseline declarations."""

from __future__ import annotations

from typing import Any

from .issues import LoadIssue
from .issues import mark as _mark
from .model import EXAMPLE_FORMATS, EXAMPLE_SOURCE_KEY


def check_examples_shape(data: Any, p: str, issues: list[LoadIssue]) -> None:  # noqa: ANN401, C901
    ex = data.get("examples")
    if ex is None:
        return
    if not isinstance(ex, dict):
        issues.append(LoadIssue(p, *_mark(data, "examples"), "examples must be a mapping with "
                                "'match' and/or 'no_match' lists", "schema"))
        return
    for key, items in ex.items():
        if key not in ("match", "no_match"):
            issues.append(LoadIssue(p, *_mark(ex, str(key)), f"unknown examples key {key!r} "
                                    "(known: match, no_match)", "unknown-field"))
            continue
        if not isinstance(items, list):
            issues.append(LoadIssue(p, *_mark(ex, str(key)), f"examples.{key} must be a list",
                                    "schema"))
            continue
        for i, item in enumerate(items):
            where = getattr(item, "start", _mark(ex, str(key)))
            forms = [k for k in item if k != EXAMPLE_SOURCE_KEY] if isinstance(item, dict) \
                else []
            if not isinstance(item, dict) or len(forms) != 1:
                issues.append(LoadIssue(p, *where, f"examples.{key}[{i}]: an example is a "
                                        "mapping with one key: " + ", ".join(EXAMPLE_FORMATS) +
                                        f" (and optionally {EXAMPLE_SOURCE_KEY!r})", "schema"))
                continue
            fmt = forms[0]
            if fmt not in EXAMPLE_FORMATS:
                issues.append(LoadIssue(p, *where, f"examples.{key}[{i}]: unknown example format "
                                        f"{fmt!r} (known: {', '.join(EXAMPLE_FORMATS)})",
                                        "unknown-field"))
            if EXAMPLE_SOURCE_KEY in item:
                _check_source(item[EXAMPLE_SOURCE_KEY], data, f"examples.{key}[{i}]",
                              p, _mark(item, EXAMPLE_SOURCE_KEY), issues)


def reference_urls(references: Any) -> set[str]:  # noqa: ANN401
    """Every https URL written in ``references`` (a whole entry, or a token inside one)."""
    urls: set[str] = set()
    for ref in references if isinstance(references, list) else []:
        for token in str(ref).split():
            token = token.strip("<>([],;\"'")
            # a closing parenthesis belongs to the URL when it closes one the URL opened
            # (Microsoft's '...(v=ws.10)' addresses); otherwise it is prose around the URL
            while token.endswith(")") and token.count(")") > token.count("("):
                token = token[:-1]
            if token.startswith("https://"):
                urls.add(token)
    return urls


def _check_source(src: Any, data: Any, where: str, p: str,  # noqa: ANN401
                  pos: tuple[int, int], issues: list[LoadIssue]) -> None:
    """An example's ``source``: one https URL that the signature's ``references`` also list,
    so the report's references name the page a reader can check the quoted text against."""
    if not isinstance(src, str) or not src.startswith("https://") or len(src.split()) != 1:
        issues.append(LoadIssue(p, *pos, f"{where}.source must be one https:// URL, got "
                                f"{src!r}", "schema"))
        return
    if src not in reference_urls(data.get("references")):
        issues.append(LoadIssue(p, *pos, f"{where}.source {src} is not listed in references",
                                "source-not-referenced"))


BASELINE_KEYS = frozenset(("file", "count", "why"))


def check_baseline_shape(data: Any, p: str, issues: list[LoadIssue]) -> None:  # noqa: ANN401
    bh = data.get("baseline_hits")
    if bh is None:
        return
    if not isinstance(bh, list):
        issues.append(LoadIssue(p, *_mark(data, "baseline_hits"), "baseline_hits must be a list "
                                "of {file, count, why}", "schema"))
        return
    for i, b in enumerate(bh):
        where = getattr(b, "start", _mark(data, "baseline_hits"))
        if not isinstance(b, dict) or not isinstance(b.get("file"), str) or not b["file"]:
            issues.append(LoadIssue(p, *where, f"baseline_hits[{i}] needs 'file' (a path "
                                    "suffix inside the baseline folder)", "schema"))
            continue
        for k in b:
            if k not in BASELINE_KEYS:
                issues.append(LoadIssue(p, *_mark(b, str(k)), f"baseline_hits[{i}]: unknown "
                                        f"key {k!r} (known: file, count, why)", "unknown-field"))
        c = b.get("count")
        if c is not None and (not isinstance(c, int) or isinstance(c, bool) or c < 1):
            issues.append(LoadIssue(p, *_mark(b, "count"), f"baseline_hits[{i}].count must be a "
                                    "positive integer", "schema"))
