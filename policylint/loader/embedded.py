"""YAML held in a string field (the ``mesh`` key of the ``istio`` ConfigMap), positioned in the outer file.

The string's node is found again by re-composing the document's text (C speed, only on request), and its
style decides how inner positions map to outer ones:

- literal block (``|``): inner line i is outer line (header + 1 + i), inner column c is (indent + c);
- one-line plain or quoted scalar without escapes: same line, column shifted by the scalar's start;
- anything else (folded ``>``, escapes, multi-line flow scalars): every inner position falls back to
  the scalar's own position.
"""
from __future__ import annotations

from typing import NamedTuple

from yaml.nodes import MappingNode, ScalarNode, SequenceNode

from ..model import render_path
from .parse import ParsedDocument, parse_chunk
from .problems import Problem, problem
from .yamlpos import STR_TAG, JsonPositionLoader, PositionLoader

__all__ = ["Embedded", "embed", "apply_transform", "LOADERS"]

LOADERS = {"yaml": PositionLoader, "json": JsonPositionLoader}

Transform = tuple  # (line base, column base, exact): chunk position of inner (line, column)


class Embedded(NamedTuple):
    value: object
    table: dict | None  # None when the text could not be parsed
    transform: Transform
    problem: Problem | None
    text: str

    def exported(self) -> tuple:
        from .document import export_table
        table = None if self.table is None else export_table(self.value, self.table)
        return (self.value, table, self.transform, self.problem, self.text)

    @classmethod
    def imported(cls, saved: tuple) -> "Embedded":
        from .document import import_table
        value, table, transform, found, text = saved
        return cls(value, None if table is None else import_table(value, table), transform, found, text)


def embed(document, path: tuple, text: str) -> Embedded:
    """Parse ``text`` (the string at ``path`` of ``document``) and work out where its positions go."""
    transform = _transform_for(document, path, text)

    def where(line: int, column: int) -> tuple[int, int]:
        outer_line, outer_column = apply_transform(transform, (line, column))
        return outer_line + document._offset + 1, outer_column + 1

    outcomes = parse_chunk(text, PositionLoader, templates=False, where=where)
    parsed = next((o for o in outcomes if isinstance(o, ParsedDocument)), None)
    found = None
    for outcome in outcomes:
        if not isinstance(outcome, ParsedDocument):
            found = _problem(document, path, outcome.code, outcome.message, where(outcome.line, outcome.column))
            break
    if found is None and parsed is not None and parsed.duplicates:
        key, first, again = parsed.duplicates[0]
        first_line = where(*first)[0]
        found = _problem(document, path, "PL005",
                         f"duplicate key {key!r} (first defined on line {first_line}); the last value wins",
                         where(*again))
    if parsed is None:
        return Embedded(None, None if found else {}, transform, found, text)
    return Embedded(parsed.data, parsed.table, transform, found, text)


def _problem(document, path: tuple, code: str, message: str, at: tuple[int, int]) -> Problem:
    return problem(code, f"in the YAML held by {render_path(path)}: {message}", document.file, *at)


def apply_transform(transform: Transform, position: tuple[int, int]) -> tuple[int, int]:
    line_base, column_base, exact = transform
    if not exact:
        return line_base, column_base
    return line_base + position[0], column_base + position[1]


def _transform_for(document, path: tuple, text: str) -> Transform:
    """How positions inside ``text`` map to chunk positions of ``document``."""
    fallback = (*document._chunk_position(path), False)
    outer = None
    source, loader_class = document._source, LOADERS.get(document._loader)
    node_index, node_path = document._origin[0], tuple(document._origin[1]) + path
    for cut in range(len(path) - 1, 0, -1):  # YAML inside YAML parsed earlier
        parent = document._embedded.get(path[:cut])
        if parent is not None and parent.table is not None:
            outer, source, loader_class = parent.transform, parent.text, PositionLoader
            node_index, node_path = 0, path[cut:]
            break
    if source is None or loader_class is None:
        return fallback
    node = _find_node(source, loader_class, node_index, node_path)
    if not isinstance(node, ScalarNode) or node.value != text:
        return fallback
    local = _scalar_transform(source, node)
    if outer is None:
        return local
    if not outer[2]:
        return outer
    if not local[2]:
        return (outer[0] + local[0], outer[1] + local[1], False)
    return (outer[0] + local[0], outer[1] + local[1], True)


def _find_node(source: str, loader_class, node_index: int, node_path: tuple):
    loader = loader_class(source)
    try:
        node = None
        for _ in range(node_index + 1):
            node = loader.get_node() if loader.check_node() else None
        for segment in node_path:
            node = _child(loader, node, segment)
            if node is None:
                return None
        return node
    except Exception:  # libyaml refused text that the pure-Python parser read at load time
        fallback = getattr(loader_class, "fallback", None)
        return _find_node(source, fallback, node_index, node_path) if fallback else None
    finally:
        loader.dispose()


def _child(loader, node, segment):
    if isinstance(node, SequenceNode):
        return node.value[segment] if type(segment) is int and 0 <= segment < len(node.value) else None
    if not isinstance(node, MappingNode):
        return None
    match = None
    for key_node, value_node in node.value:  # the last of duplicate keys wins, as in the data
        if isinstance(key_node, ScalarNode) and key_node.tag == STR_TAG:
            if key_node.value == segment:
                match = value_node
        elif loader.construct_object(key_node) == segment:
            match = value_node
    return match


def _scalar_transform(source: str, node: ScalarNode) -> Transform:
    start, end = node.start_mark, node.end_mark
    fixed = (start.line, start.column, False)
    if node.style == "|":
        value_lines = node.value.split("\n")
        first = next((i for i, line in enumerate(value_lines) if line.strip()), None)
        if first is None:
            return fixed
        raw_lines = source.split("\n")
        raw_index = start.line + 1 + first
        if raw_index >= len(raw_lines):
            return fixed
        raw = raw_lines[raw_index]
        inner = value_lines[first]
        indent = (len(raw) - len(raw.lstrip(" "))) - (len(inner) - len(inner.lstrip(" ")))
        if indent < 0 or raw[indent:] != inner:
            return fixed
        return (start.line + 1, indent, True)
    if start.line != end.line:
        return fixed
    raw = source[start.index:end.index]
    if node.style == '"':
        return fixed if "\\" in raw else (start.line, start.column + 1, True)
    if node.style == "'":
        return fixed if "''" in raw else (start.line, start.column + 1, True)
    if not node.style:
        return (start.line, start.column, True)
    return fixed
