"""Option values coerced without pydantic when typer's answer is certain (issue 21 start-up).

typer 0.2x coerces every parameter of a command, given or not, through a pydantic
``TypeAdapter`` built on first use: importing pydantic and building ~20 adapters costs about
0.2 CPU-s, half of a one-file ``analyze``. The value types logscope's commands use (str, int,
float, bool, Enum choices, Path, lists of those) have an obvious answer for well-formed input;
this module gives that answer directly and hands anything else (a malformed value, a range,
a custom parser, a file type, a type not listed) to typer's own adapter, so every error message
is still typer's, word for word. tests/test_cli_coerce.py runs good and bad command lines
through both paths and compares them.

``install()`` swaps the one factory typer's parameters call (``typer.core.build_runtime_param``).
Those are typer's internals, which change between releases, while the project allows any
typer from 0.16.1 on: so it does so only on a typer listed in ``PROVEN`` whose internals have
the expected shape; anywhere else typer's own coercion stays (the CLI works, ~0.2 CPU-s
slower a run). A value whose shortcut fails unexpectedly goes to typer's path too.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any, get_args, get_origin

#: Marks "no certain answer here: ask typer's adapter".
_ASK = object()

#: typer releases whose internals this module was run against: tests/test_cli_coerce.py
#: passes on each (run it with another typer first, then add that release here).
PROVEN = ("0.29.0", "0.29.1", "0.29.2")


def _leaf(value: Any, annotation: Any, info: Any, ctx: Any, param: Any) -> Any:  # noqa: ANN401
    """The value typer's adapter would return for ``value``, or ``_ASK`` when not certain."""
    if info.parser is not None:
        # logscope's own path parsers (options.path_parser) answer for themselves
        if getattr(info.parser, "certain", False) and isinstance(value, str):
            return info.parser(value)
        return _ASK
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return _choice(value, annotation, info, ctx)
    if annotation is str:
        return value if isinstance(value, str) else _ASK
    if annotation is bool:
        return value if isinstance(value, bool) else _ASK
    if annotation is int or annotation is float:
        return _number(value, annotation, info)
    if annotation is Path:
        return _path(value, info, ctx, param)
    return _ASK


def _choice(value: Any, enum: type[Enum], info: Any, ctx: Any) -> Any:  # noqa: ANN401
    from typer._param_types import coerce_cli_choice

    try:
        return coerce_cli_choice(value, choices=list(enum), case_sensitive=info.case_sensitive,
                                 ctx=ctx)
    except Exception:  # noqa: BLE001 - not a choice: typer words the error
        return _ASK


def _number(value: Any, kind: type, info: Any) -> Any:  # noqa: ANN401
    if info.clamp:
        return _ASK
    if isinstance(value, str) and value.isascii() and value.isdigit():
        n = kind(value)
    elif type(value) is kind:
        n = value
    else:  # signs, spaces, exponents, underscores: pydantic's rules, not guessed here
        return _ASK
    if (info.min is not None and n < info.min) or (info.max is not None and n > info.max):
        return _ASK
    return n


def _path(value: Any, info: Any, ctx: Any, param: Any) -> Any:  # noqa: ANN401
    if info.path_type not in (None, Path):
        return _ASK
    if isinstance(value, Path):
        p = value
    elif isinstance(value, str) and value and "\0" not in value:
        p = Path(value)  # what pydantic's Path validation makes of a string
    else:
        return _ASK
    from typer._param_types import coerce_cli_path

    try:  # typer's own checks (exists, readable, ...) on the Path pydantic would have made
        return coerce_cli_path(p, info, path_type=Path, param=param, ctx=ctx)
    except Exception:  # noqa: BLE001 - typer words the error from the original value
        return _ASK


def _fast(value: Any, annotation: Any, info: Any, ctx: Any, param: Any) -> Any:  # noqa: ANN401
    if get_origin(annotation) is list:
        (item,) = get_args(annotation)
        items = value if isinstance(value, (list, tuple)) else [value]
        out = [_leaf(v, item, info, ctx, param) for v in items]
        return _ASK if any(v is _ASK for v in out) else out
    return _leaf(value, annotation, info, ctx, param)


def install() -> None:
    """Route typer's parameter coercion through the certain answers above (idempotent); on a
    typer not proven here, or one whose internals moved, leave typer's own."""
    if os.environ.get("LOGSCOPE_TYPER_ADAPTERS"):  # typer's own path (tests compare both)
        return
    import typer

    if getattr(typer, "__version__", None) not in PROVEN:
        return
    try:
        import typer.core as core
        from typer._coercion import RuntimeParam, build_runtime_param
        from typer._param_types import coerce_cli_choice, coerce_cli_path  # noqa: F401 - see _choice, _path
    except ImportError:
        return
    if getattr(core, "build_runtime_param", None) is not build_runtime_param:
        return  # already installed, or not the factory this was written against
    if not _fits(RuntimeParam):
        return

    @dataclass(frozen=True)
    class Certain(RuntimeParam):
        """Coerces the certain cases itself; builds typer's runtime param for the rest."""

        descriptor: Any = None

        def _coerce_value(self, value: Any, param: Any, ctx: Any) -> Any:  # noqa: ANN401
            try:
                got = _fast(value, self.annotation, self.parameter_info, ctx, param)
            except (AttributeError, TypeError, ImportError):  # an internal that moved
                got = _ASK  # (a usage error, e.g. from our path parser, is typer's to show)
            if got is not _ASK:
                return got
            return build_runtime_param(self.descriptor)._coerce_value(value, param=param, ctx=ctx)

    def build(descriptor: Any) -> Any:  # noqa: ANN401
        if (getattr(descriptor, "file_annotation", None) is not None
                or not hasattr(descriptor, "annotation")
                or not hasattr(descriptor, "parameter_info")):
            return build_runtime_param(descriptor)
        return Certain(annotation=descriptor.annotation, parameter_info=descriptor.parameter_info,
                       descriptor=descriptor)

    core.build_runtime_param = build


def _fits(runtime_param: type) -> bool:
    """Whether typer's ``RuntimeParam`` is the one ``Certain`` extends: coercion through an
    overridable ``_coerce_value(value, param, ctx)``, built from an annotation and a
    ``parameter_info``."""
    import inspect

    hooks = getattr(runtime_param, "__annotations__", {})
    method = getattr(runtime_param, "_coerce_value", None)
    if method is None or not {"annotation", "parameter_info"} <= set(hooks):
        return False
    try:
        names = list(inspect.signature(method).parameters)
    except (TypeError, ValueError):
        return False
    return names == ["self", "value", "param", "ctx"]
