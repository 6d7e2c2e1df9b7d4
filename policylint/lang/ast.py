"""The rule language's syntax tree. Every node knows where it starts (1-based line and column) for errors."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Union


@dataclass(frozen=True, slots=True)
class Literal:
    line: int
    column: int
    value: Any  # int, float, str, bool or None
    raw: str | None = field(default=None, compare=False, repr=False)  # a string's source text, quotes included


@dataclass(frozen=True, slots=True)
class ListLit:
    line: int
    column: int
    items: tuple


@dataclass(frozen=True, slots=True)
class MapLit:
    line: int
    column: int
    pairs: tuple  # ((key, value), ...)


@dataclass(frozen=True, slots=True)
class Name:
    line: int
    column: int
    name: str


@dataclass(frozen=True, slots=True)
class Field:
    """`target.name`; the position is the field name's."""

    line: int
    column: int
    target: Expr
    name: str


@dataclass(frozen=True, slots=True)
class Subscript:
    """`target[index]`; the position is the opening bracket's."""

    line: int
    column: int
    target: Expr
    index: Expr


@dataclass(frozen=True, slots=True)
class Call:
    """`name(args)`: a builtin function; the position is the function name's."""

    line: int
    column: int
    name: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Method:
    """`target.name(args)`: a method or a macro; the position is the method name's."""

    line: int
    column: int
    target: Expr
    name: str
    args: tuple


@dataclass(frozen=True, slots=True)
class Unary:
    line: int
    column: int
    op: str  # "!" or "-"
    operand: Expr


@dataclass(frozen=True, slots=True)
class Binary:
    line: int
    column: int
    op: str  # && || == != < <= > >= in + - * / %
    left: Expr
    right: Expr


@dataclass(frozen=True, slots=True)
class Conditional:
    line: int
    column: int
    test: Expr
    then: Expr
    otherwise: Expr


@dataclass(frozen=True, slots=True)
class Template:
    """A message: literal text and `{EXPR}` placeholders, in order."""

    line: int
    column: int
    parts: tuple  # str | Expr


Expr = Union[Literal, ListLit, MapLit, Name, Field, Subscript, Call, Method, Unary, Binary, Conditional]


@dataclass(frozen=True, slots=True)
class Param:
    line: int
    column: int
    name: str
    default: Expr


@dataclass(frozen=True, slots=True)
class ForStep:
    """`for x in E` or `for k, v in E`."""

    line: int
    column: int
    names: tuple
    iterable: Expr


@dataclass(frozen=True, slots=True)
class LetStep:
    line: int
    column: int
    name: str
    value: Expr


@dataclass(frozen=True, slots=True)
class Clause:
    """`name: value` as written, before the rule or index gives it a meaning."""

    line: int
    column: int
    name: str
    value: Any  # Expr, or str for a triple-quoted doc
    value_line: int
    value_column: int


@dataclass(slots=True)
class RuleDecl:
    line: int
    column: int
    id: str
    name: str
    severity: str = "warning"
    kinds: tuple = ()
    summary: str = ""
    istio_code: str | None = None
    params: list = field(default_factory=list)  # [Param]
    steps: list = field(default_factory=list)  # [ForStep | LetStep]
    when: Expr | None = None
    message: Template | None = None
    at: Expr | None = None
    column_expr: Expr | None = None
    fix: Expr | None = None
    doc: str = ""
    id_column: int = 0


@dataclass(slots=True)
class IndexDecl:
    line: int
    column: int
    name: str
    kinds: tuple = ()
    steps: list = field(default_factory=list)
    key: Expr | None = None
    value: Expr | None = None
    name_column: int = 0
