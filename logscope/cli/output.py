"""Where a command's result goes: standard output or a file written atomically (see
``logscope/outfile.py``), and the ``--fail-on`` exit code. Typer-free (``values.py`` says why)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from .values import Severity, _die


def _emit(text: str | bytes, output: Path | None, what: str = "report") -> None:
    """Write the report (text, or UTF-8 bytes as the json renderer gives them)."""
    from ..signals import check

    check()  # a stop whose raise was lost on the way: no report, whatever the place
    if output is None:
        if isinstance(text, bytes):
            sys.stdout.flush()
            sys.stdout.buffer.write(text if text.endswith(b"\n") or not text else text + b"\n")
            sys.stdout.buffer.flush()
            return
        sys.stdout.write(text)
        if text and not text.endswith("\n"):
            sys.stdout.write("\n")
        return
    from ..outfile import OutputError, atomic_output

    try:
        with atomic_output(output) as fh:
            fh.write(text if isinstance(text, bytes) else text.encode("utf-8"))
    except OutputError as exc:
        _die(str(exc))
    sys.stderr.write(f"{what} written to {output}\n")


def _check_output(output: Path | None, inputs: list[Path]) -> None:
    """Exit 2 before any work when the output path cannot or must not be written."""
    if output is None:
        return
    from ..outfile import OutputError, check_target

    try:
        check_target(output, inputs)
    except OutputError as exc:
        _die(str(exc))


def _event_sink(output: Path | None) -> Any:  # noqa: ANN401
    """Standard output, or the output file written atomically (see ``outfile``)."""
    import contextlib

    if output is None:
        @contextlib.contextmanager
        def stdout() -> Any:  # noqa: ANN401
            yield sys.stdout.buffer
            sys.stdout.buffer.flush()

        return stdout()
    from ..outfile import atomic_output

    return atomic_output(output)


def _fail_on_exit(report: dict[str, Any], fail_on: Severity | None) -> None:
    """Exit 1 when ``--fail-on`` finds a hint that severe or worse."""
    from ..match.model import severity_rank

    if fail_on is not None:
        worst = max((severity_rank(h["severity"]) for h in report["hints"]), default=-1)
        if worst >= severity_rank(fail_on.value):
            raise SystemExit(1)
