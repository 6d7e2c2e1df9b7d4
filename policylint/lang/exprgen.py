"""Expressions -> Python source, as straight-line statements inside one generated function.

`FunctionBuilder.value(node, scope)` emits the statements a value needs and returns a cheap Python expression
for it (a local name, a constant, or a small inline expression). Field access, comparisons with literals,
membership in constant lists and `&&`/`||`/`!` are inlined; the rest calls `runtime` helpers. Every computed
value is pure, so a value already computed in the current block (or an enclosing one) is reused by its source
text (`temp`), and a right operand of `&&`/`||` that needs statements is emitted under an `if`.

Variables remember where their value came from (`PathDesc`): `at:` and path-aware builtins read it.
"""
from __future__ import annotations

import difflib
import math
import re
from contextlib import contextmanager
from dataclasses import dataclass, replace

from . import ast, runtime
from .errors import ErrorSink

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER_SOURCE = re.compile(r"-?[0-9][0-9.e+-]*\Z")
_STRING_SOURCE = re.compile(r"'[^'\\]*'\Z|\"[^\"\\]*\"\Z")
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ORDER_HELPER = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}
_FOLD = {"==": runtime.eq, "!=": runtime.ne, "<": runtime.lt, "<=": runtime.le, ">": runtime.gt, ">=": runtime.ge}
_ARITH_HELPER = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}

# Top-level fields a bare name commonly means: never reported as a misspelt variable.
TOP_LEVEL_FIELDS = frozenset({
    "apiVersion", "kind", "metadata", "spec", "status", "data", "stringData", "binaryData", "type", "items",
    "immutable", "rules", "subjects", "roleRef", "webhooks", "lines", "path",
})
# name -> (min args, max args)
METHODS = {
    "startsWith": (1, 1), "endsWith": (1, 1), "contains": (1, 1), "matches": (1, 1), "lowerAscii": (0, 0),
    "upperAscii": (0, 0), "trim": (0, 0), "split": (1, 1), "replace": (2, 2), "size": (0, 0), "indexOf": (1, 1),
    "lastIndexOf": (1, 1), "substring": (1, 2), "join": (0, 1), "keys": (0, 0), "values": (0, 0),
}
MACROS = {"all": (2, 2), "exists": (2, 2), "exists_one": (2, 2), "filter": (2, 2), "map": (2, 3)}
_SIMPLE_METHODS = {
    "lowerAscii": "_lower_ascii", "upperAscii": "_upper_ascii", "trim": "_trim", "split": "_split",
    "replace": "_replace", "size": "_size", "indexOf": "_index_of", "lastIndexOf": "_last_index_of",
    "substring": "_substring", "join": "_join", "keys": "_keys", "values": "_values", "startsWith": "_starts_with",
    "endsWith": "_ends_with", "contains": "_contains", "matches": "_matches",
}


def py_literal(value) -> str:
    """Python source for a constant built from rule literals."""
    t = type(value)
    if t is float and (math.isinf(value) or math.isnan(value)):
        return f"float({str(value)!r})"
    if t is list:
        return "[" + ", ".join(py_literal(v) for v in value) + "]"
    if t is dict:
        return "{" + ", ".join(f"{py_literal(k)}: {py_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


def constant_of(node):
    """(True, value) when `node` is built from literals only, else (False, None)."""
    if isinstance(node, ast.Literal):
        return True, node.value
    if isinstance(node, ast.ListLit):
        values = [constant_of(item) for item in node.items]
        return all(ok for ok, _ in values), [v for _, v in values]
    if isinstance(node, ast.MapLit):
        out = {}
        for key, value in node.pairs:
            (k_ok, k), (v_ok, v) = constant_of(key), constant_of(value)
            if not (k_ok and v_ok) or isinstance(k, (list, dict)):
                return False, None
            out[k] = v
        return True, out
    return False, None


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
        tup = "(" + ", ".join(self.segs) + ("," if len(self.segs) == 1 else "") + ")"
        text = tup if self.base is None else self.base if not self.segs else f"{self.base} + {tup}"
        return f"_fix_path(data, {text})" if self.needs_fix else text


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


class ModuleBuilder:
    """Module-level constants of one generated file: hoisted literal lists, sets, regexes, builtin handles."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self._names: dict[str, str] = {}

    def const(self, source: str) -> str:
        name = self._names.get(source)
        if name is None:
            name = self._names[source] = f"_K{len(self._names)}"
            self.lines.append(f"{name} = {source}")
        return name

    def builtin(self, name: str) -> str:
        return self.const(f"_builtin({name!r})")


class FunctionBuilder:
    def __init__(self, module: ModuleBuilder, sink: ErrorSink, registry: dict, params: dict | None) -> None:
        self.module = module
        self.sink = sink
        self.registry = registry
        self.params = params  # {name: ast.Param}, None in an index
        self.lines: list[str] = []
        self.indent = 1
        self._memo: list[dict] = [{}]
        self._counter = 0
        self.used_params: set[str] = set()
        self.uses_config = False
        self.lookups: list[tuple[str, int, int]] = []

    # -- emission -----------------------------------------------------------------------------------------

    def fresh(self, prefix: str = "_t") -> str:
        self._counter += 1
        return f"{prefix}{self._counter}"

    def emit(self, line: str) -> None:
        self.lines.append("    " * self.indent + line)

    @contextmanager
    def block(self, header: str):
        self.emit(header)
        self.indent += 1
        self._memo.append(dict(self._memo[-1]))
        start = len(self.lines)
        try:
            yield
        finally:
            if len(self.lines) == start:
                self.emit("pass")
            self.indent -= 1
            self._memo.pop()

    def capture(self, fn):
        """Run `fn` with emission redirected: (the statements it emitted, its result)."""
        start = len(self.lines)
        self._memo.append(dict(self._memo[-1]))
        try:
            result = fn()
        finally:
            self._memo.pop()
        captured = self.lines[start:]
        del self.lines[start:]
        return captured, result

    def splice(self, lines: list[str]) -> None:
        """Emit captured statements one level deeper (under an `if` or `for` the caller just emitted)."""
        self.lines.extend("    " + line for line in lines)

    def temp(self, expr: str) -> str:
        memo = self._memo[-1]
        name = memo.get(expr)
        if name is None:
            name = self.fresh()
            self.emit(f"{name} = {expr}")
            memo[expr] = name
        return name

    def atom(self, expr: str) -> str:
        """`expr` if it is a name or a literal (cheap to repeat), else a temp holding it."""
        if _NUMBER_SOURCE.match(expr):
            return f"({expr})"  # `(1).startswith` parses, `1.startswith` does not
        if _IDENT.match(expr) or _STRING_SOURCE.match(expr):
            return expr
        return self.temp(expr)

    def error(self, node, message: str) -> str:
        self.sink.add(node.line, node.column, message)
        return "None"

    # -- values -------------------------------------------------------------------------------------------

    def value(self, node, scope: dict) -> str:
        return getattr(self, "_" + type(node).__name__)(node, scope)

    def test(self, node, scope: dict) -> str:
        """A Python expression whose truth is the node's truth (it need not be a bool)."""
        if isinstance(node, ast.Binary) and node.op in ("&&", "||"):
            left = self.test(node.left, scope)
            lines, right = self.capture(lambda: self.test(node.right, scope))
            if not lines:
                return f"({left} {'and' if node.op == '&&' else 'or'} {right})"
            result = self.fresh()
            self.emit(f"{result} = {'False' if node.op == '&&' else 'True'}")
            self.emit(f"if {left}:" if node.op == "&&" else f"if not {left}:")
            self.splice(lines)
            self.emit(f"    {result} = {right}")
            return result
        if isinstance(node, ast.Unary) and node.op == "!":
            return f"(not {self.test(node.operand, scope)})"
        return self.value(node, scope)

    def _Literal(self, node, scope) -> str:
        return py_literal(node.value)

    def _ListLit(self, node, scope) -> str:
        ok, value = constant_of(node)
        if ok:
            return self.module.const(py_literal(value))
        return "[" + ", ".join(self.value(item, scope) for item in node.items) + "]"

    def _MapLit(self, node, scope) -> str:
        ok, value = constant_of(node)
        if ok:
            return self.module.const(py_literal(value))
        pairs = [(self.value(k, scope), self.value(v, scope), k) for k, v in node.pairs]
        if all(isinstance(k, ast.Literal) for _, _, k in pairs):
            return "{" + ", ".join(f"{k}: {v}" for k, v, _ in pairs) + "}"
        return "_make_map((" + "".join(f"({k}, {v}), " for k, v, _ in pairs) + "))"

    def _Name(self, node, scope) -> str:
        binding = scope.get(node.name)
        if binding is not None:
            return self.binding_value(binding)
        if node.name == "self":
            return "data"
        if node.name == "params":
            return self.error(node, "params must be followed by a parameter name (params.x)")
        if node.name == "config":
            self.uses_config = True
            return "cfg"
        close = difflib.get_close_matches(node.name, list(scope), n=1, cutoff=0.75)
        if close and node.name not in TOP_LEVEL_FIELDS:
            return self.error(node, f"unknown name {node.name!r}: did you mean the variable {close[0]!r}? (a bare "
                                    f"name that is no variable reads a top-level field: write self.{node.name})")
        return self.temp(f"data.get({node.name!r})")

    def binding_value(self, binding: Binding) -> str:
        if binding.py is not None:
            return binding.py
        key = ("let", id(binding))
        memo = self._memo[-1]
        if key not in memo:
            memo[key] = self.atom(self.value(binding.node, binding.scope))
        return memo[key]

    def _Field(self, node, scope) -> str:
        target = node.target
        if isinstance(target, ast.Name) and target.name == "params" and "params" not in scope:
            return self.param(node.name, node)
        obj = self.atom(self.value(target, scope))
        return self.temp(f"({obj}.get({node.name!r}) if type({obj}) is dict else None)")

    def _Subscript(self, node, scope) -> str:
        target, index = node.target, node.index
        key = index.value if isinstance(index, ast.Literal) else None
        if isinstance(target, ast.Name) and target.name == "params" and "params" not in scope:
            if type(key) is not str:
                return self.error(index, "params[...] needs a parameter name as a string literal")
            return self.param(key, index)
        obj = self.atom(self.value(target, scope))
        if isinstance(index, ast.Literal) and type(key) is str:
            return self.temp(f"({obj}.get({key!r}) if type({obj}) is dict else None)")
        if isinstance(index, ast.Literal) and type(key) is int:
            bound = f"len({obj}) > {key}" if key >= 0 else f"len({obj}) >= {-key}"
            return self.temp(f"({obj}[{key}] if type({obj}) is list and {bound} else _index({obj}, {key}))")
        return self.temp(f"_index({obj}, {self.value(index, scope)})")

    def param(self, name: str, node) -> str:
        if self.params is None:
            return self.error(node, "an index has no params")
        if name not in self.params:
            known = ", ".join(sorted(self.params)) or "none"
            return self.error(node, f"unknown param {name!r} (declared: {known})")
        self.used_params.add(name)
        return f"p_{name}"

    def _Unary(self, node, scope) -> str:
        if node.op == "!":
            return f"(not {self.test(node.operand, scope)})"
        return self.temp(f"_neg({self.value(node.operand, scope)})")

    def _Conditional(self, node, scope) -> str:
        test = self.test(node.test, scope)
        then_lines, then = self.capture(lambda: self.value(node.then, scope))
        else_lines, otherwise = self.capture(lambda: self.value(node.otherwise, scope))
        if not then_lines and not else_lines:
            return self.temp(f"({then} if {test} else {otherwise})")
        result = self.fresh()
        self.emit(f"if {test}:")
        self.splice(then_lines)
        self.emit(f"    {result} = {then}")
        self.emit("else:")
        self.splice(else_lines)
        self.emit(f"    {result} = {otherwise}")
        return result

    def _Binary(self, node, scope) -> str:
        op = node.op
        if op in ("&&", "||"):
            return f"(True if {self.test(node, scope)} else False)"
        if op == "in":
            return self.membership(node, scope)
        if op in _MIRROR:
            return self.comparison(node, scope)
        left = self.value(node.left, scope)
        right = self.value(node.right, scope)
        small = isinstance(node.right, ast.Literal) and type(node.right.value) in (int, float) \
            and abs(node.right.value) < 2**53  # cannot overflow against a float
        if op in "+-" and small:
            left = self.atom(left)
            return self.temp(f"({left} {op} {right} if type({left}) in _NUMBER else None)")
        return self.temp(f"{_ARITH_HELPER[op]}({left}, {right})")

    def comparison(self, node, scope) -> str:
        op, left, right = node.op, node.left, node.right
        if isinstance(left, ast.Literal) and isinstance(right, ast.Literal):
            return repr(_FOLD[op](left.value, right.value))  # both constant: decide now
        if isinstance(left, ast.Literal):
            op, left, right = _MIRROR[op], right, left
        x = self.value(left, scope)
        if not isinstance(right, ast.Literal):
            y = self.value(right, scope)
            helper = {"==": "_eq", "!=": "_ne"}.get(op) or _ORDER_HELPER[op]
            return f"{helper}({x}, {y})"
        lit = right.value
        lit_src = py_literal(lit)
        if op in ("==", "!="):
            negate = "not " if op == "!=" else ""
            if lit is None or type(lit) is bool:
                return f"({x} is {'not ' if negate else ''}{lit_src})"
            if type(lit) is str or (type(lit) in (int, float) and lit not in (0, 1)):
                return f"({x} {op} {lit_src})"
            x = self.atom(x)  # 0 and 1 equal False and True in Python, never in the rule language
            if negate:
                return f"({x} != {lit_src} or type({x}) is bool)"
            return f"({x} == {lit_src} and type({x}) is not bool)"
        if type(lit) in (int, float):
            x = self.atom(x)
            return f"(type({x}) in _NUMBER and {x} {op} {lit_src})"
        if type(lit) is str:
            x = self.atom(x)
            return f"(type({x}) is str and {x} {op} {lit_src})"
        return "False"  # ordering against null or a bool is always false

    def membership(self, node, scope) -> str:
        item = self.value(node.left, scope)
        container = node.right
        ok, values = constant_of(container)
        if ok and isinstance(container, ast.ListLit):
            item = self.atom(item)
            if values and all(type(v) is str for v in values):
                members = self.module.const(f"frozenset({py_literal(tuple(sorted(set(values))))})")
                return f"(type({item}) is str and {item} in {members})"
            if values and all(type(v) in (int, float) for v in values):
                members = self.module.const(f"frozenset({py_literal(tuple(sorted(set(values))))})")
                return f"(type({item}) in _NUMBER and {item} in {members})"
        if ok and isinstance(container, ast.Literal) and type(values) is str:
            item = self.atom(item)
            return f"(type({item}) is str and {item} in {py_literal(values)})"
        return f"_contains({self.value(container, scope)}, {item})"

    # -- calls --------------------------------------------------------------------------------------------

    def _Call(self, node, scope) -> str:
        if node.name == "has":
            return self.has(node, scope)
        builtin = self.registry.get(node.name)
        if builtin is None:
            close = difflib.get_close_matches(node.name, [*self.registry, "has"], n=1)
            hint = f" (did you mean {close[0]}()?)" if close else ""
            return self.error(node, f"unknown function {node.name}(){hint}")
        if not self.arity_ok(node, node.name, len(node.args), builtin.min_args, builtin.max_args):
            return "None"
        if node.name == "lookup":
            name = node.args[0]
            if not (isinstance(name, ast.Literal) and type(name.value) is str):
                return self.error(name, "lookup() needs the index name as a string literal")
            self.lookups.append((name.value, name.line, name.column))
        args = [self.value(arg, scope) for arg in node.args]
        if builtin.context == "env":
            args.insert(0, "env")
        elif builtin.context == "document":
            path = self.path_of(node.args[0], scope) if node.args else None
            args[:0] = ["doc", path.render() if path is not None and path.exact else "None"]
        return self.temp(f"{self.module.builtin(node.name)}({', '.join(args)})")

    def arity_ok(self, node, name: str, got: int, low: int, high: int) -> bool:
        if low <= got <= high:
            return True
        want = str(low) if low == high else f"{low} to {high}"
        plural = "" if want == "1" else "s"
        self.error(node, f"{name}() takes {want} argument{plural}, got {got}")
        return False

    def has(self, node, scope) -> str:
        if len(node.args) != 1:
            self.arity_ok(node, "has", len(node.args), 1, 1)
            return "None"
        arg = node.args[0]
        if isinstance(arg, ast.Name) and arg.name not in scope and arg.name not in ("self", "params", "config"):
            return f"({arg.name!r} in data)"
        if isinstance(arg, ast.Field):
            obj = self.atom(self.value(arg.target, scope))
            return f"(type({obj}) is dict and {arg.name!r} in {obj})"
        if isinstance(arg, ast.Subscript):
            obj = self.value(arg.target, scope)
            return f"_has_index({obj}, {self.value(arg.index, scope)})"
        return self.error(arg, "has() needs a field selection such as has(spec.addresses)")

    def _Method(self, node, scope) -> str:
        if node.name in MACROS:
            return self.macro(node, scope)
        if node.name not in METHODS:
            close = difflib.get_close_matches(node.name, [*METHODS, *MACROS], n=1)
            hint = f" (did you mean {close[0]}()?)" if close else ""
            return self.error(node, f"unknown method {node.name}(){hint}")
        if not self.arity_ok(node, node.name, len(node.args), *METHODS[node.name]):
            return "None"
        receiver = self.atom(self.value(node.target, scope))
        first = node.args[0] if node.args else None
        literal = first.value if isinstance(first, ast.Literal) and type(first.value) is str else None
        if node.name == "matches" and literal is not None:
            try:
                re.compile(literal)
            except re.error as exc:
                return self.error(first, f"invalid regular expression: {exc}")
            pattern = self.module.const(f"_re.compile({literal!r})")
            return f"(type({receiver}) is str and {pattern}.search({receiver}) is not None)"
        if literal is not None and node.name == "contains":
            return f"({literal!r} in {receiver} if type({receiver}) is str else _contains({receiver}, {literal!r}))"
        if literal is not None and node.name in ("startsWith", "endsWith"):
            test = f"{receiver}.{node.name.lower()}({literal!r})"  # startswith / endswith
            return f"(type({receiver}) is str and {test})"
        args = [receiver, *(self.value(arg, scope) for arg in node.args)]
        return self.temp(f"{_SIMPLE_METHODS[node.name]}({', '.join(args)})")

    def macro(self, node, scope) -> str:
        name = node.name
        if not self.arity_ok(node, name, len(node.args), *MACROS[name]):
            return "None"
        var = node.args[0]
        if not isinstance(var, ast.Name):
            return self.error(var, f"the first argument of {name}() must be a variable name")
        receiver = self.atom(self.value(node.target, scope))
        py_var = self.fresh(f"v_{var.name}_")
        seg = self.fresh("_s")
        binding = Binding(py=py_var, path_fn=lambda: self._element_path(node.target, scope, seg))
        inner = {**scope, var.name: binding}
        result = self.fresh()
        start = {"all": "True", "exists": "False", "exists_one": "0"}.get(name, "[]")

        def body():
            if name == "map" and len(node.args) == 2:
                self.emit(f"{result}.append({self.value(node.args[1], inner)})")
                return
            cond = self.test(node.args[1], inner)
            if name == "all":
                with self.block(f"if not {cond}:"):
                    self.emit(f"{result} = False")
                    self.emit("break")
            elif name == "exists":
                with self.block(f"if {cond}:"):
                    self.emit(f"{result} = True")
                    self.emit("break")
            elif name == "exists_one":
                with self.block(f"if {cond}:"):
                    self.emit(f"{result} += 1")
            else:
                with self.block(f"if {cond}:"):
                    item = py_var if name == "filter" else self.value(node.args[2], inner)
                    self.emit(f"{result}.append({item})")

        lines, _ = self.capture(body)
        self.emit(f"{result} = {start}")
        if binding.path_used:
            self.emit(f"for {seg}, {py_var} in (enumerate({receiver}) if type({receiver}) is list else "
                      f"zip({receiver}, {receiver}) if type({receiver}) is dict else ()):")
        else:
            self.emit(f"for {py_var} in ({receiver} if type({receiver}) in (list, dict) else ()):")
        self.splice(lines or ["pass"])
        return f"({result} == 1)" if name == "exists_one" else result

    def _element_path(self, iterable, scope, seg: str) -> PathDesc:
        path = self.path_of(iterable, scope)
        return path.child(seg) if path is not None else UNKNOWN

    # -- paths --------------------------------------------------------------------------------------------

    def path_of(self, node, scope) -> PathDesc | None:
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
            parent = self.path_of(node.target, scope)
            return parent.child(repr(node.name)) if parent is not None else None
        if isinstance(node, ast.Subscript):
            parent = self.path_of(node.target, scope)
            if parent is None or not parent.exact:
                return parent
            index = node.index
            if isinstance(index, ast.Literal) and type(index.value) in (int, str):
                return parent.child(repr(index.value), type(index.value) is int and index.value < 0)
            return parent.child(self.atom(self.value(index, scope)), True)
        if isinstance(node, ast.Call):
            builtin = self.registry.get(node.name)
            if builtin is not None and builtin.context == "document" and node.args:
                return self.path_of(node.args[0], scope)
            return None
        if isinstance(node, ast.Method):
            parent = self.path_of(node.target, scope)
            return replace(parent, exact=False) if parent is not None else None
        return None

    def has_path(self, node, scope) -> bool:
        """Whether `node` is a path expression whose path is exactly known (no code emitted)."""
        while isinstance(node, (ast.Field, ast.Subscript)):
            node = node.target
        if isinstance(node, ast.Call):
            builtin = self.registry.get(node.name)
            return bool(builtin and builtin.context == "document" and node.args and self.has_path(node.args[0], scope))
        if not isinstance(node, ast.Name):
            return False
        binding = scope.get(node.name)
        if binding is None:
            return node.name not in ("params", "config")
        if binding.path is not None:
            return binding.path.exact
        return binding.node is not None and self.has_path(binding.node, binding.scope)


