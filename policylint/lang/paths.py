"""Where values come from: compile-time paths (`PathDesc`), variables that remember them (`Binding`), and the
analysis that gives an expression's path. `at:` and path-aware builtins read it; see docs/rule-language.md.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from . import ast


@dataclass(frozen=True, slots=True)
class PathDesc:
    """A field path known at compile time: `base` (a local holding a tuple, or None for the document root) plus
    segments (Python expressions). An inexact path is the nearest known parent: suffixes are not appended."""

    base: str | None = None
    segs: tuple = ()
    exact: bool = True
    needs_fix: bool = False  # has a negative literal index or a computed segment: make concrete at run time

    def child(self, seg: str, needs_fix: bool = False) -> "PathDesc":
        if not self.exact:
            return self
        return PathDesc(self.base, self.segs + (seg,), True, self.needs_fix or needs_fix)

    def render(self) -> str:
        text = self.render_raw()
        return f"_fix_path(data, {text})" if self.needs_fix else text

    def render_raw(self) -> str:
        """The tuple expression without `_fix_path`: for paths stored now and made concrete only for a hit
        (`_fix_path` walks the whole path again, so fixing late gives the same result)."""
        tup = "(" + ", ".join(self.segs) + ("," if len(self.segs) == 1 else "") + ")"
        return tup if self.base is None else self.base if not self.segs else f"{self.base} + {tup}"


ROOT = PathDesc()
UNKNOWN = PathDesc(exact=False)


class Binding:
    """A `for`/`let`/macro variable. `py` is the local holding its value; a lazy `let` has `node` and `scope`
    instead and is computed where it is first used. `path` (or `path_fn`, recomputed per use) says where the
    value came from; `elem_paths` names a tuple of paths for a `let` bound to a list literal of paths."""

    __slots__ = ("py", "node", "scope", "path", "path_fn", "elem_paths", "path_used")

    def __init__(self, py=None, node=None, scope=None, path=None, path_fn=None, elem_paths=None) -> None:
        self.py = py
        self.node = node
        self.scope = scope
        self.path = path
        self.path_fn = path_fn
        self.elem_paths = elem_paths
        self.path_used = False

    def get_path(self) -> PathDesc | None:
        self.path_used = True
        if self.path is not None:
            return self.path
        return self.path_fn() if self.path_fn is not None else None


def path_of(fb, node, scope: dict) -> PathDesc | None:
    """Where `node`'s value lives in the document: exact for path expressions, the nearest known parent
    (inexact) for a method applied to one, `None` when nothing is known."""
    if isinstance(node, ast.Name):
        binding = scope.get(node.name)
        if binding is not None:
            return binding.get_path()
        if node.name == "self":
            return ROOT
        if node.name in ("params", "config"):
            return None
        return PathDesc(None, (repr(node.name),))
    if isinstance(node, ast.Field):
        parent = path_of(fb, node.target, scope)
        return parent.child(repr(node.name)) if parent is not None else None
    if isinstance(node, ast.Subscript):
        parent = path_of(fb, node.target, scope)
        if parent is None or not parent.exact:
            return parent
        index = node.index
        if isinstance(index, ast.Literal) and type(index.value) in (int, str):
            return parent.child(repr(index.value), type(index.value) is int and index.value < 0)
        return parent.child(fb.atom(fb.value(index, scope)), True)
    if isinstance(node, ast.Call):
        builtin = fb.registry.get(node.name)
        if builtin is not None and builtin.context == "document" and node.args:
            return path_of(fb, node.args[0], scope)
        return None
    if isinstance(node, ast.Method):
        parent = path_of(fb, node.target, scope)
        return replace(parent, exact=False) if parent is not None else None
    return None


def has_path(fb, node, scope: dict) -> bool:
    """Whether `node` is a path expression whose path is exactly known (no code emitted)."""
    while isinstance(node, (ast.Field, ast.Subscript)):
        node = node.target
    if isinstance(node, ast.Call):
        builtin = fb.registry.get(node.name)
        return bool(builtin and builtin.context == "document" and node.args and has_path(fb, node.args[0], scope))
    if not isinstance(node, ast.Name):
        return False
    binding = scope.get(node.name)
    if binding is None:
        return node.name not in ("params", "config")
    if binding.path is not None:
        return binding.path.exact
    return binding.node is not None and has_path(fb, binding.node, binding.scope)


def element_path(fb, iterable, scope: dict, seg: str) -> PathDesc:
    """The path of a macro variable: its element (`seg` is the loop's index or key) of the iterated value."""
    path = path_of(fb, iterable, scope)
    return path.child(seg) if path is not None else UNKNOWN
