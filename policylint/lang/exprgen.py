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

from . import ast, calls, paths, runtime
from .errors import ErrorSink
from .paths import Binding, PathDesc

_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_NUMBER_SOURCE = re.compile(r"-?[0-9][0-9.e+-]*\Z")
_STRING_SOURCE = re.compile(r"'[^'\\]*'\Z|\"[^\"\\]*\"\Z")
_MIRROR = {"==": "==", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}
_ORDER_HELPER = {"<": "_lt", "<=": "_le", ">": "_gt", ">=": "_ge"}
# type() names and what each is exactly (builtins/data.py TYPE_NAMES: exact types, no subclasses).
_TYPE_TESTS = {"string": "str", "int": "int", "float": "float", "bool": "bool", "null": "None", "list": "list",
               "map": "dict"}
_FOLD = {"==": runtime.eq, "!=": runtime.ne, "<": runtime.lt, "<=": runtime.le, ">": runtime.gt, ">=": runtime.ge}
_ARITH_HELPER = {"+": "_add", "-": "_sub", "*": "_mul", "/": "_div", "%": "_mod"}

# Top-level fields a bare name commonly means: never reported as a misspelt variable.
TOP_LEVEL_FIELDS = frozenset({
    "apiVersion", "kind", "metadata", "spec", "status", "data", "stringData", "binaryData", "type", "items",
    "immutable", "rules", "subjects", "roleRef", "webhooks", "lines", "path",
})
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
        self.param_prefix = "p_"  # a fused function names each rule's parameters apart (see fusion.py)
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
        return f"{self.param_prefix}{name}"

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
        if op in ("==", "!=") and type(lit) is str and lit in _TYPE_TESTS and _is_type_call(left):
            # `type(v) == "map"` names one Python type (builtins/data.py TYPE_NAMES): test it without the name.
            v = self.atom(self.value(left.args[0], scope))
            return f"({v} is {'not ' if op == '!=' else ''}{_TYPE_TESTS[lit]})" if lit == "null" else \
                f"(type({v}) is {'not ' if op == '!=' else ''}{_TYPE_TESTS[lit]})"
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

    def _Call(self, node, scope) -> str:
        return calls.call(self, node, scope)

    def _Method(self, node, scope) -> str:
        return calls.method(self, node, scope)

    def arity_ok(self, node, name: str, got: int, low: int, high: int) -> bool:
        return calls.arity_ok(self, node, name, got, low, high)

    def path_of(self, node, scope) -> PathDesc | None:
        return paths.path_of(self, node, scope)

    def has_path(self, node, scope) -> bool:
        return paths.has_path(self, node, scope)


def _is_type_call(node) -> bool:
    return isinstance(node, ast.Call) and node.name == "type" and len(node.args) == 1
