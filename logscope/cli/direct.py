"""``logscope analyze`` without typer when its command line has one certain meaning.

Why: importing typer and building the command costs ~35 ms of a ~130 ms one-file run, for a
command line that is almost always paths and a few well-formed options. This reads such a
line into the values typer would pass to ``analyze_run.run`` and returns None for anything
else (help, an unknown or malformed option, a value that starts with ``-``, an empty path, no
path, shell completion): typer then reads it, so usage lines, help and every error are still
typer's own. tests/test_cli_direct.py compares the values with typer's on many command lines
and this table with the typer command's options.
"""

from __future__ import annotations

import errno
import os
import sys
from collections.abc import Callable
from enum import Enum
from pathlib import Path
from typing import Any

from .values import Engine, Fmt, Severity


def _digits(kind: type) -> Callable[[str], Any]:
    # what coerce.py answers for without pydantic: ASCII digits only (no sign, space, exponent)
    return lambda v: kind(v) if v.isascii() and v.isdigit() else None


def _choice(enum: type[Enum]) -> Callable[[str], Any]:
    return lambda v: enum._value2member_map_.get(v)  # case-sensitive, as typer's choices


def _path(v: str) -> Path | None:
    return Path(v) if v else None  # "" is options.path_parser's error: typer reports it


def _text(v: str) -> str:
    return v


#: analyze's options (``analyze.py``): name -> (parameter, value parser or None for a flag,
#: repeatable). A parser returns None for a value it is not certain of.
OPTIONS: dict[str, tuple[str, Callable[[str], Any] | None, bool]] = {
    "--format": ("fmt", _choice(Fmt), False),
    "-f": ("fmt", _choice(Fmt), False),
    "--output": ("output", _path, False),
    "-o": ("output", _path, False),
    "--engine": ("engine", _choice(Engine), False),
    "--signatures": ("signatures", _path, True),
    "--veeam-utc-offset": ("veeam_utc_offset", _text, False),
    "--max-total-size": ("max_total_size", _text, False),
    "--max-member-size": ("max_member_size", _text, False),
    "--max-members": ("max_members", _digits(int), False),
    "--max-ratio": ("max_ratio", _digits(float), False),
    "--max-depth": ("max_depth", _digits(int), False),
    "--fail-on": ("fail_on", _choice(Severity), False),
    "--since": ("since", _text, False),
    "--until": ("until", _text, False),
    "--vm": ("vm", _text, True),
    "--job": ("job", _text, True),
    "--tz": ("tz", _text, False),
    "--redact": ("redact", None, False),
    "--workers": ("workers", _digits(int), False),
    "--allow-signature-errors": ("allow_signature_errors", None, False),
}


def analyze_args(args: list[str]) -> dict[str, Any] | None:
    """The keyword arguments typer would call ``analyze_run.run`` with for ``analyze ARGS``
    (those given: the rest are ``run``'s defaults), or None when typer must read ``args``."""
    if os.name == "nt" or any(k.endswith("_COMPLETE") for k in os.environ):
        return None  # click expands wildcards on Windows; completion is typer's
    paths: list[Path] = []
    given: dict[str, Any] = {}
    rest = iter(args)
    only_paths = False
    for tok in rest:
        if only_paths or not tok.startswith("-"):
            if not tok:
                return None
            paths.append(Path(tok))
            continue
        if tok == "--":
            only_paths = True
            continue
        name, eq, value = tok.partition("=") if tok.startswith("--") else (tok, "", "")
        spec = OPTIONS.get(name)
        if spec is None:
            return None
        param, parse, repeatable = spec
        if parse is None:
            if eq:
                return None
            given[param] = True
            continue
        if not eq:
            value = next(rest, None)  # type: ignore[assignment]
            if value is None or value.startswith("-"):
                return None
        got = parse(value)
        if got is None:
            return None
        if repeatable:
            given.setdefault(param, []).append(got)
        else:
            given[param] = got  # given twice: the last one, as click keeps
    return {"paths": paths, **given} if paths else None


def run_direct(argv: list[str]) -> bool:
    """Run ``analyze`` from ``argv`` (the words after the program name) without typer when its
    meaning is certain; False when typer must read it. Ends as typer's ``main`` would."""
    if not argv or argv[0] != "analyze":
        return False
    kwargs = analyze_args(argv[1:])
    if kwargs is None:
        return False
    import gc

    gc.disable()  # until start-up is over: ``analyze_run._settle``
    from .analyze_run import run

    try:
        run(**kwargs)
    except SystemExit as exc:
        if exc.code is None or isinstance(exc.code, int):
            _leave(exc.code or 0)
        raise
    except KeyboardInterrupt:
        raise SystemExit(130) from None
    except EOFError:
        sys.stderr.write("\n")
        _aborted()
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
        from typer._click.utils import PacifyFlushWrapper

        sys.stdout = PacifyFlushWrapper(sys.stdout)  # type: ignore[assignment]
        sys.stderr = PacifyFlushWrapper(sys.stderr)  # type: ignore[assignment]
        raise SystemExit(1) from None
    finally:
        gc.enable()  # a run that ended before ``_settle`` (a usage error) leaves it on too
    _leave(0)
    return True


def _leave(code: int) -> None:
    """End the process with ``code`` now when the interpreter's own exit has nothing left to
    do but free memory (~15 ms: every module and object, one by one): the output flushed, no
    other thread running, no exit handler registered (a worker pool registers one) and no
    profiler or tracer waiting to write its figures. Otherwise return: the normal exit."""
    import atexit

    if sys.getprofile() is not None or sys.gettrace() is not None:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe: the normal exit reports it as it always has
        return
    threading = sys.modules.get("threading")
    if threading is not None and threading.active_count() > 1:
        return
    pending = getattr(atexit, "_ncallbacks", None)
    if pending is None or pending():
        return
    os._exit(code)


def _aborted() -> None:
    """typer's words for an aborted command (``typer.core._main``), then exit 1."""
    from typer import core

    if core.HAS_RICH and core.DEFAULT_MARKUP_MODE is not None:
        from typer import rich_utils

        rich_utils.rich_abort_error()
    else:
        sys.stderr.write("Aborted!\n")
    raise SystemExit(1)
