"""Cheap checks on raw text and composed nodes that keep hostile or unrendered input out of the loader.

- :func:`split_documents` cuts a stream at ``---`` lines so that one broken document cannot hide the others.
- :func:`nesting_violation` stops deep nesting before libyaml's recursive composer overflows the C stack
  (it segfaults near 100,000 levels).  A text-only bound is computed first; only text that could be deep
  gets the exact, non-recursive event scan.
- :func:`alias_expansion` measures "billion laughs" expansion over the node graph, with memoisation.
- :func:`template_marker` finds Go template actions where YAML structure is expected.
"""
from __future__ import annotations

import re
from typing import NamedTuple

from yaml.events import CollectionEndEvent, CollectionStartEvent
from yaml.nodes import MappingNode, ScalarNode, SequenceNode

MAX_DEPTH = 256
MAX_EXPANDED_NODES = 100_000
ALIAS_EXPANSION_RATIO = 10

# Block nesting needs indentation or `- `/`? ` indicators, so a document without a line starting
# with this many of them, and without this many open brackets, is far below MAX_DEPTH.
_BOUND = 100
_DEEP_LINE = re.compile(r"\n[ \t?:-]{%d}" % _BOUND)
_DEEP_FIRST_LINE = re.compile(r"[ \t?:-]{%d}" % _BOUND)
_BRACKET = re.compile(r"[\[\]{}]")
_ANCHOR = re.compile(r"(?:^|[\s\[{,])&[^\s\[\]{},]", re.M)
_COMMENT_START = re.compile(r"(?:^|(?<=\s))#", re.M)

__all__ = [
    "Chunk",
    "split_documents",
    "nesting_violation",
    "has_anchor",
    "Expansion",
    "alias_expansion",
    "alias_bomb",
    "template_marker",
    "first_template_action",
    "MAX_DEPTH",
]


class Chunk(NamedTuple):
    """A piece of a stream holding (normally) one document: its text and its first line (0-based)."""

    text: str
    line: int


def split_documents(text: str) -> list[Chunk]:
    """Cut ``text`` before every ``---`` document marker at the start of a line.

    YAML forbids a column-0 ``---`` inside any scalar, so this never cuts through content.  Directive lines
    (``%YAML``) just above a marker stay with the document they introduce.
    """
    starts = [0]
    has_directives = text.startswith("%") or "\n%" in text
    find = text.find
    at = find("\n---")
    while at != -1:
        after = at + 4
        if after == len(text) or text[after] in " \t\r\n":
            start = at + 1
            while has_directives and start > 0:  # pull directive lines along
                prev = text.rfind("\n", 0, start - 1) + 1
                if prev < start - 1 and text.startswith("%", prev):
                    start = prev
                else:
                    break
            if start > starts[-1]:
                starts.append(start)
        at = find("\n---", after)
    chunks = []
    line = 0
    for i, start in enumerate(starts):
        end = starts[i + 1] if i + 1 < len(starts) else len(text)
        piece = text[start:end]
        chunks.append(Chunk(piece, line))
        line += piece.count("\n")
    return chunks


def index_to_position(text: str, index: int) -> tuple[int, int]:
    """0-based (line, column) of character ``index`` in ``text``."""
    line = text.count("\n", 0, index)
    return line, index - (text.rfind("\n", 0, index) + 1)


def _could_be_deep(text: str) -> bool:
    if _DEEP_LINE.search(text) or _DEEP_FIRST_LINE.match(text):
        return True
    if text.count("[") + text.count("{") < _BOUND:
        return False
    depth = deepest = 0
    for match in _BRACKET.finditer(text):  # ignores quoting: an overestimate is only slower
        if match.group() in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest >= _BOUND:
                    return True
        elif depth:
            depth -= 1
    return False


def nesting_violation(text: str, loader_class) -> tuple[int, int] | None:
    """0-based position of the first collection nested deeper than MAX_DEPTH, or None.

    Syntax errors are left to the real parse: up to the error, nesting stays within the limit.
    """
    if not _could_be_deep(text):
        return None
    loader = loader_class(text)
    depth = 0
    try:
        while loader.check_event():
            event = loader.get_event()
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    return event.start_mark.line, event.start_mark.column
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except Exception:  # the syntax error is reported by the parse that follows
        return None
    finally:
        loader.dispose()
    return None


def has_anchor(text: str) -> bool:
    """Whether the text may define an anchor (aliases need one): cheap test before the node walk."""
    return "&" in text and _ANCHOR.search(text) is not None


class Expansion(NamedTuple):
    expanded: int  # nodes a full walk of the data would visit (a lower bound once over the limit)
    distinct: int  # nodes actually written
    recursive: object | None  # a node that contains itself through an alias, if any


def alias_expansion(root) -> Expansion:
    """How far aliases blow up a composed node graph, computed without recursion.

    Each node's subtree size is memoised, so a shared (aliased) subtree costs one visit; the walk stops
    early once the expansion is far over the limit.
    """
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    recursive = None
    stack = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        key = id(node)
        if key in sizes:
            continue
        if key in open_nodes and not children_done:
            recursive = recursive or node
            continue
        if isinstance(node, ScalarNode):
            sizes[key] = 1
            continue
        children = _children(node)
        if children_done:
            total = 1
            for child in children:
                total += sizes.get(id(child), 1)
            sizes[key] = total
            open_nodes.discard(key)
            if total > MAX_EXPANDED_NODES * ALIAS_EXPANSION_RATIO:
                break
        else:
            open_nodes.add(key)
            stack.append((node, True))
            stack.extend((child, False) for child in children if id(child) not in sizes)
    expanded = sizes.get(id(root), max(sizes.values(), default=1))
    return Expansion(expanded, len(sizes), recursive)


def alias_bomb(expansion: Expansion) -> bool:
    return expansion.expanded > MAX_EXPANDED_NODES and expansion.expanded > ALIAS_EXPANSION_RATIO * expansion.distinct


def _children(node) -> list:
    if isinstance(node, MappingNode):
        return [part for pair in node.value for part in pair]
    if isinstance(node, SequenceNode):
        return node.value
    return []


def template_marker(root) -> object | None:
    """The first key, or unquoted scalar, in document order that holds ``{{``: template text where YAML
    structure belongs.  Quoted and block scalars are data (injector templates, dashboards, alert texts).
    """
    seen: set[int] = set()
    stack = [(root, False)]
    while stack:
        node, is_key = stack.pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        if isinstance(node, ScalarNode):
            if "{{" in node.value and (is_key or not node.style):
                return node
        elif isinstance(node, MappingNode):
            for key, value in reversed(node.value):
                stack.append((value, False))
                stack.append((key, True))
        else:
            stack.extend((child, False) for child in reversed(node.value))
    return None


def first_template_action(text: str, start: int = 0) -> int | None:
    """Index of the first ``{{ ... }}`` (or unclosed ``{{``) at or after ``start`` that is not in a comment."""
    at = text.find("{{", start)
    while at != -1:
        line_start = text.rfind("\n", 0, at) + 1
        if not _COMMENT_START.search(text, line_start, at):
            return at
        next_line = text.find("\n", at)
        if next_line == -1:
            break
        at = text.find("{{", next_line + 1)
    return None
