"""``logscope explain``: one pasted message, the same hints as a bundle would give."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from .options import FailOnOpt, Fmt, FmtOpt, OutputOpt, SigOpt, _die
from .output import _emit, _fail_on_exit


def explain(
    text: Annotated[str | None, typer.Argument(help="The pasted message; '-' or nothing: read standard input; an existing file's path: that file.")] = None,
    fmt: FmtOpt = Fmt.text,
    output: OutputOpt = None,
    signatures: SigOpt = None,
    fail_on: FailOnOpt = None,
) -> None:
    """Explain a pasted message (event text, error line, console output) with the same hints."""
    from ..explain import explain as run
    from ..ingest.source import IngestOptions
    from ..report import render

    if text is None or text == "-":
        data, origin = sys.stdin.buffer.read(), "<stdin>"
    elif "\n" not in text and len(text) < 4096 and Path(text).is_file():
        data, origin = Path(text).read_bytes(), text
    else:
        data, origin = text.encode("utf-8"), "<argument>"
    if not data.strip():
        _die("explain: no text given (pass it as an argument or on standard input)")
    report, note = run(data, origin, IngestOptions(), signatures)
    color = output is None and fmt is Fmt.text and sys.stdout.isatty()
    rendered = render(report, fmt.value, color=color)
    if note and fmt is Fmt.text:
        rendered = note + "\n\n" + rendered
    _emit(rendered, output)
    if note:
        sys.stderr.write(note + "\n")
    _fail_on_exit(report, fail_on)
