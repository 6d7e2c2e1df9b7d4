"""``# policylint: ignore ID[,ID...] [reason]`` comments and the findings they suppress.

A comment (in a block of consecutive comment lines, possibly followed by a ``---`` marker) applies to the
node that starts on the first line after the block: the whole document when that is the document's first
line, otherwise the mapping key or list item there and everything below it.  Text is only scanned when
it contains ``policylint:``, and documents without comments share one empty :class:`Suppressions`.
"""
from __future__ import annotations

import re
from typing import Iterable, NamedTuple

__all__ = ["Suppressions", "NO_SUPPRESSIONS", "SuppressionComment", "scan_comments", "target_path"]

_COMMENT = re.compile(
    r"^[ \t]*#[ \t]*policylint:[ \t]*ignore[ \t]+"
    r"(?P<ids>[A-Za-z0-9_*-]+(?:[ \t]*,[ \t]*[A-Za-z0-9_*-]+)*)"
    r"(?:[ \t]+(?P<reason>[^\n]*?))?[ \t]*$",
    re.M,
)
_REASON_LEAD = re.compile(r"^(?:--?|:|—|–)\s*")


class Suppressions:
    """The suppression comments that apply to one document: ``(path prefix, rule ids or None for all, reason)``."""

    __slots__ = ("_entries",)

    def __init__(self, entries: Iterable[tuple[tuple, frozenset | None, str]] = ()):
        self._entries = tuple(entries)

    def matches(self, rule_id: str, path: tuple = ()) -> str | None:
        """The reason ("" when none was given) if a finding of ``rule_id`` at ``path`` is suppressed."""
        for prefix, ids, reason in self._entries:
            if (ids is None or rule_id in ids) and tuple(path[: len(prefix)]) == prefix:
                return reason
        return None

    @property
    def entries(self) -> tuple:
        return self._entries

    def __bool__(self) -> bool:
        return bool(self._entries)

    def __len__(self) -> int:
        return len(self._entries)

    def __eq__(self, other) -> bool:
        return isinstance(other, Suppressions) and other._entries == self._entries

    def __hash__(self) -> int:
        return hash(self._entries)

    def __repr__(self) -> str:
        return f"Suppressions({list(self._entries)!r})"

    def __reduce__(self):
        return (_restore, (self._entries,))


def _restore(entries: tuple) -> Suppressions:
    return Suppressions(entries) if entries else NO_SUPPRESSIONS


NO_SUPPRESSIONS = Suppressions()


class SuppressionComment(NamedTuple):
    line: int  # 0-based line of the comment
    ids: frozenset | None  # None: all rules (`*`)
    reason: str
    target: int  # 0-based line the comment applies to
    crosses_marker: bool  # a `---` lies between the comment and its target


def scan_comments(text: str) -> list[SuppressionComment]:
    """Every suppression comment of ``text`` that sits directly above some content line."""
    if "policylint:" not in text:
        return []
    lines = text.split("\n")
    found = []
    for match in _COMMENT.finditer(text):
        line = text.count("\n", 0, match.start())
        target, crosses = _target_line(lines, line)
        if target is None:
            continue
        names = [part.strip() for part in match.group("ids").split(",")]
        ids = None if "*" in names else frozenset(names)
        reason = _REASON_LEAD.sub("", (match.group("reason") or "").strip())
        found.append(SuppressionComment(line, ids, reason, target, crosses))
    return found


def _target_line(lines: list[str], line: int) -> tuple[int | None, bool]:
    crosses = False
    for index in range(line + 1, len(lines)):
        stripped = lines[index].strip()
        if stripped.startswith("#"):
            continue
        if stripped == "---" or lines[index].startswith(("--- ", "---\t")):
            if stripped != "---":  # `--- content`: the content is the target
                return index, True
            crosses = True
            continue
        if not stripped:  # a blank line: the comment is not directly above anything
            return None, crosses
        return index, crosses
    return None, crosses


def target_path(nodes: Iterable[tuple[tuple, int, int]], target: int, indent: int) -> tuple | None:
    """The path a comment above line ``target`` applies to, from ``(path, line, column)`` of every node.

    The outermost node starting on that line wins (the list item before the key inside it).  A line
    where no node starts (inside a block scalar) belongs to the last node before it that is less
    indented: the key whose value holds that text.
    """
    on_line = None
    enclosing = None
    for path, line, column in nodes:
        if line == target:
            if on_line is None or column < on_line[1] or (column == on_line[1] and len(path) < len(on_line[0])):
                on_line = (path, column)
        elif line < target and column < indent:
            if enclosing is None or (line, column) >= enclosing[1]:
                enclosing = (path, (line, column))
    if on_line is not None:
        return on_line[0]
    return enclosing[0] if enclosing is not None else None
