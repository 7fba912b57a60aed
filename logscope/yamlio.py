"""THE YAML loader of logscope: safe, duplicate keys rejected, bounded, positions kept.

Why one loader: pySigma's two loaders disagree on duplicate keys (../shared/docs/aesthetics.md,
"Avoid" #2). Signature files are reviewed like code but may come from a user's folder, so
they are untrusted: no Python tags, no alias bombs, no deep nesting, no huge files.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

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


class _Loader(yaml.SafeLoader):
    def __init__(self, stream: str, path: str) -> None:
        super().__init__(stream)
        self._path = path
        self._aliases = 0
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:  # noqa: ANN401
        if self.check_event(yaml.AliasEvent):
            self._aliases += 1
            if self._aliases > MAX_ALIASES:
                mark = self.peek_event().start_mark
                raise YamlError(self._path, mark.line + 1, mark.column + 1,
                                f"more than {MAX_ALIASES} aliases")
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                mark = self.peek_event().start_mark
                raise YamlError(self._path, mark.line + 1, mark.column + 1,
                                f"nesting deeper than {MAX_DEPTH}")
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1

    def compose_document(self) -> Any:  # noqa: ANN401
        node = super().compose_document()
        if node is not None:
            _check_expansion(node, self._path)
        return node

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Mapping:
        own = {id(k) for k, _ in node.value}
        self.flatten_mapping(node)
        # keys brought in by a ``<<`` merge may be overridden by the mapping's own keys
        merged = {self.construct_object(k, deep=True) for k, _ in node.value
                  if id(k) not in own and _hashable(self.construct_object(k, deep=True))}
        out = Mapping()
        out.start = (node.start_mark.line + 1, node.start_mark.column + 1)
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
            except TypeError:
                m = key_node.start_mark
                raise YamlError(self._path, m.line + 1, m.column + 1, "unhashable key") from None
            if key in out and key in merged and id(key_node) in own:
                merged.discard(key)
            elif key in out:
                m = key_node.start_mark
                first = out.marks.get(str(key), (0, 0))
                raise YamlError(self._path, m.line + 1, m.column + 1,
                                f"duplicate key {key!r} (first at line {first[0]})")
            out[key] = self.construct_object(value_node, deep=True)
            out.marks[str(key)] = (key_node.start_mark.line + 1, key_node.start_mark.column + 1)
        return out


def _hashable(key: object) -> bool:
    try:
        hash(key)
    except TypeError:
        return False
    return True


def _check_expansion(root: yaml.Node, path: str) -> None:
    """Reject a document whose alias-expanded size exceeds ``MAX_EXPANDED_NODES``.

    Sizes are memoized per node, so the walk is linear in the composed (shared) graph.
    """
    sizes: dict[int, int] = {}
    on_path: set[int] = set()  # nodes whose subtree is being walked: meeting one is a cycle
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        if id(node) in sizes:
            continue
        if not done and id(node) in on_path:
            m = node.start_mark
            raise YamlError(path, m.line + 1, m.column + 1, "recursive alias")
        if isinstance(node, yaml.ScalarNode):
            sizes[id(node)] = 1
            continue
        children = ([c for pair in node.value for c in pair] if isinstance(node, yaml.MappingNode)
                    else list(node.value))
        if done:
            on_path.discard(id(node))
            total = 1 + sum(sizes.get(id(c), 0) for c in children)
            sizes[id(node)] = total
            if total > MAX_EXPANDED_NODES:
                m = node.start_mark
                raise YamlError(path, m.line + 1, m.column + 1,
                                f"aliases expand to more than {MAX_EXPANDED_NODES} nodes")
            continue
        on_path.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                        _Loader.construct_mapping)  # type: ignore[arg-type]


def load(text: str, path: str = "<string>") -> Any:  # noqa: ANN401
    """Parse one YAML document safely; raises ``YamlError`` with file:line:column."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_YAML_BYTES:
        raise YamlError(path, 1, 1, f"file larger than {MAX_YAML_BYTES} bytes")
    try:
        loader = _Loader(text, path)
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


#: libyaml's parser when PyYAML has it: the same constructors and resolver as SafeLoader,
#: about ten times faster than the pure-Python one.
_DATA_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load_data(text: str) -> Any:  # noqa: ANN401
    """A data table shipped in ``logscope/data`` (ours, reviewed): plain dicts, parsed by
    libyaml. Why not ``load``: every run reads these tables (≈0.1 CPU-s through the
    pure-Python parser); tests/test_data_tables.py parses each with ``load`` too, so duplicate
    keys and unsafe constructs are still caught before a table ships."""
    return yaml.load(text, Loader=_DATA_LOADER)  # noqa: S506 - a safe loader
