"""``logscope explain``: a pasted message in, the same hints out.

Why a bundle of one file: a message copied from a dialog, a chat or an e-mail goes through the
very pipeline a support bundle does (detection, readers, signatures, correlation, report), so
``explain`` and ``analyze`` can never disagree about the same text. The text is written to a
private temporary folder as ``pasted.txt``; the report names its origin (``<argument>``,
``<stdin>`` or the file) instead of that folder.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

from .ingest.source import IngestOptions

PASTED_NAME = "pasted.txt"
NOT_RECOGNISED = ("No known message was recognised in the pasted text ({why}). "
                  "This does not mean the backup is fine: logscope knows nothing about this text.")


def explain(text: bytes, origin: str, options: IngestOptions,
            signature_dirs: list[Path] | None = None) -> tuple[dict[str, Any], str | None]:
    """The analyze report for one pasted text, and the plain note when nothing was recognised."""
    from .pipeline import analyze
    from .report.build import build_report, not_understood_note

    with tempfile.TemporaryDirectory(prefix="logscope-explain-") as tmp:
        folder = Path(tmp)
        (folder / PASTED_NAME).write_bytes(text)
        analysis = analyze([folder], options, signature_dirs, workers=1)
        report = build_report(analysis)
        report = _renamed(report, {str(folder): origin, f"{folder.name}/{PASTED_NAME}": origin})
    note = None
    if not report.get("hints"):
        files = report.get("files") or [{}]
        kinds = ", ".join(sorted({str(f.get("kind")) for f in files}))
        reasons = "; ".join(str(f["reason"]) for f in files if f.get("reason"))
        note = NOT_RECOGNISED.format(why=f"read as {kinds}" + (f": {reasons}" if reasons else ""))
        localised = [n for n in map(not_understood_note, files) if n]
        if localised:
            note += " " + "; ".join(localised).capitalize() + "."
    return report, note


def _renamed(value: Any, names: dict[str, str]) -> Any:  # noqa: ANN401
    """The report with the temporary folder's names replaced by the text's origin."""
    if isinstance(value, dict):
        return {k: _renamed(v, names) for k, v in value.items()}
    if isinstance(value, list):
        return [_renamed(v, names) for v in value]
    if isinstance(value, str):
        for old, new in names.items():
            if old in value:
                value = value.replace(old + "/" + PASTED_NAME, new).replace(old, new)
        return value
    return value
