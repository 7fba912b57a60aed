"""THE YAML loader of logscope: safe, duplicate keys rejected, bounded, positions kept.

Why one loader: pySigma's two loaders disagree on duplicate keys (../shared/docs/aesthetics.md,
"Avoid" #2). Signature files are reviewed like code but may come from a user's folder, so
they are untrusted: no Python tags, no alias bombs, no deep nesting, no huge files.

PyYAML (and the checking loader built on it, ``yamlsafe.py``) loads on the first parse: a run
whose signatures and message templates come from the cache parses no YAML and skips its import.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

MAX_YAML_BYTES = 1 << 20
MAX_DEPTH = 32
MAX_ALIASES = 100
#: Nodes the document would have with every alias expanded ("billion laughs" is a few dozen
#: aliases that expand to 10^9 nodes: the alias count alone does not bound it).
MAX_EXPANDED_NODES = 200_000


@dataclass(slots=True)
class YamlError(Exception):
    """A YAML problem with its place (1-based line and column)."""

    path: str
    line: int
    column: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.column}: {self.message}"


class Mapping(dict):  # type: ignore[type-arg]
    """A dict that remembers where each key was written (for validation messages)."""

    __slots__ = ("marks", "start")

    def __init__(self) -> None:
        super().__init__()
        self.marks: dict[str, tuple[int, int]] = {}
        self.start: tuple[int, int] = (1, 1)


def load(text: str, path: str = "<string>") -> Any:  # noqa: ANN401
    """Parse one YAML document safely; raises ``YamlError`` with file:line:column."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlError(path, 1, 1, f"file larger than {MAX_YAML_BYTES} bytes")
    import yaml

    from .yamlsafe import Loader

    try:
        loader = Loader(text, path)
    except yaml.YAMLError as exc:  # the reader rejects control characters up front
        raise YamlError(path, 1, 1, str(exc).split("\n")[0]) from None
    try:
        return loader.get_single_data()
    except YamlError:
        raise
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise YamlError(path, line, col, f"{exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise YamlError(path, 1, 1, str(exc)) from None
    finally:
        loader.dispose()


def read_bytes(path: Path) -> bytes:
    """A YAML file's bytes, refusing one over ``MAX_YAML_BYTES`` without reading it all (a
    user's signature folder may hold anything, even a device or a multi-gigabyte file)."""
    p = str(path)
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_YAML_BYTES + 1)
    except OSError as exc:
        raise YamlError(p, 1, 1, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > MAX_YAML_BYTES:
        raise YamlError(p, 1, 1, f"file larger than {MAX_YAML_BYTES} bytes")
    return data


def load_data(text: str) -> Any:  # noqa: ANN401
    """A data table shipped in ``logscope/data`` (ours, reviewed): plain dicts, parsed by
    libyaml. Why not ``load``: every run reads these tables (≈0.1 CPU-s through the
    pure-Python parser); tests/test_data_tables.py parses each with ``load`` too, so duplicate
    keys and unsafe constructs are still caught before a table ships."""
    import yaml

    # libyaml's parser when PyYAML has it: the same constructors and resolver as SafeLoader,
    # about ten times faster than the pure-Python one
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return yaml.load(text, Loader=loader)  # noqa: S506 - a safe loader
