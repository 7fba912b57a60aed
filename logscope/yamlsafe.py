"""The checking PyYAML loader behind ``yamlio.load``: duplicate keys rejected; aliases,
nesting and alias expansion bounded; every mapping a ``yamlio.Mapping`` with its positions.

Apart from ``yamlio`` so that its API (errors, ``Mapping``, bounds, ``read_bytes``) does not
import PyYAML (~15 ms): a run with cached signatures and templates parses no YAML at all.
"""

from __future__ import annotations

from typing import Any

import yaml

from .yamlio import MAX_ALIASES, MAX_DEPTH, MAX_EXPANDED_NODES, Mapping, YamlError


class Loader(yaml.SafeLoader):
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


Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
                       Loader.construct_mapping)  # type: ignore[arg-type]
