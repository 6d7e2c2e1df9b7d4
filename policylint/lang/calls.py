"""Calls -> Python: builtin functions (arity, `lookup` names, env/document conventions), `has()`, methods and
the macros `all`, `exists`, `exists_one`, `filter`, `map` (compiled to loops, not closures).
"""
from __future__ import annotations

import difflib
import re

from . import ast
from .paths import Binding, element_path, path_of

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


def call(fb, node, scope: dict) -> str:
    if node.name == "has":
        return has(fb, node, scope)
    builtin = fb.registry.get(node.name)
    if builtin is None:
        close = difflib.get_close_matches(node.name, [*fb.registry, "has"], n=1)
        hint = f" (did you mean {close[0]}()?)" if close else ""
        return fb.error(node, f"unknown function {node.name}(){hint}")
    if not arity_ok(fb, node, node.name, len(node.args), builtin.min_args, builtin.max_args):
        return "None"
    if node.name == "lookup":
        name = node.args[0]
        if not (isinstance(name, ast.Literal) and type(name.value) is str):
            return fb.error(name, "lookup() needs the index name as a string literal")
        fb.lookups.append((name.value, name.line, name.column))
    args = [fb.value(arg, scope) for arg in node.args]
    if node.name in _INLINED:
        return _INLINED[node.name](fb, node, args)
    if builtin.context == "env":
        args.insert(0, "env")
    elif builtin.context == "document":
        path = path_of(fb, node.args[0], scope) if node.args else None
        args[:0] = ["doc", path.render() if path is not None and path.exact else "None"]
    return fb.temp(f"{fb.module.builtin(node.name)}({', '.join(args)})")


def _inline_default(fb, node, args: list) -> str:
    x = fb.atom(args[0])
    return fb.temp(f"({args[1]} if {x} is None else {x})")


def _inline_size(fb, node, args: list) -> str:
    x = fb.atom(args[0])
    return fb.temp(f"(len({x}) if type({x}) in _SIZED else 0 if {x} is None else None)")


def _inline_type(fb, node, args: list) -> str:
    x = fb.atom(args[0])
    return fb.temp(f"(_TYPE_NAMES.get(type({x})) or {fb.module.builtin('type')}({x}))")


def _inline_lookup(fb, node, args: list) -> str:
    # A string key, the usual one, needs none of the builtin's key conversion: straight to the store (Env's
    # contract: `lookup` gives a list).
    literal = node.args[1]
    if isinstance(literal, ast.Literal) and type(literal.value) is str:
        return fb.temp(f"env.lookup({args[0]}, {args[1]})")
    key = fb.atom(args[1])
    return fb.temp(f"(env.lookup({args[0]}, {key}) if type({key}) is str "
                   f"else {fb.module.builtin('lookup')}(env, {args[0]}, {key}))")


# The most called data builtins, written out where they are called (no Python call per use); each gives what its
# function in builtins/data.py gives, which stays the reference (and what the docs list).
_INLINED = {"default": _inline_default, "size": _inline_size, "type": _inline_type, "lookup": _inline_lookup}


def arity_ok(fb, node, name: str, got: int, low: int, high: int) -> bool:
    if low <= got <= high:
        return True
    want = str(low) if low == high else f"{low} to {high}"
    plural = "" if want == "1" else "s"
    fb.error(node, f"{name}() takes {want} argument{plural}, got {got}")
    return False


def has(fb, node, scope: dict) -> str:
    if len(node.args) != 1:
        arity_ok(fb, node, "has", len(node.args), 1, 1)
        return "None"
    arg = node.args[0]
    if isinstance(arg, ast.Name) and arg.name not in scope and arg.name not in ("self", "params", "config"):
        return f"({arg.name!r} in data)"
    if isinstance(arg, ast.Field):
        obj = fb.atom(fb.value(arg.target, scope))
        return f"(type({obj}) is dict and {arg.name!r} in {obj})"
    if isinstance(arg, ast.Subscript):
        obj = fb.value(arg.target, scope)
        return f"_has_index({obj}, {fb.value(arg.index, scope)})"
    return fb.error(arg, "has() needs a field selection such as has(spec.addresses)")


def method(fb, node, scope: dict) -> str:
    if node.name in MACROS:
        return macro(fb, node, scope)
    if node.name not in METHODS:
        close = difflib.get_close_matches(node.name, [*METHODS, *MACROS], n=1)
        hint = f" (did you mean {close[0]}()?)" if close else ""
        return fb.error(node, f"unknown method {node.name}(){hint}")
    if not arity_ok(fb, node, node.name, len(node.args), *METHODS[node.name]):
        return "None"
    receiver = fb.atom(fb.value(node.target, scope))
    first = node.args[0] if node.args else None
    literal = first.value if isinstance(first, ast.Literal) and type(first.value) is str else None
    if node.name == "matches" and literal is not None:
        try:
            re.compile(literal)
        except re.error as exc:
            return fb.error(first, f"invalid regular expression: {exc}")
        pattern = fb.module.const(f"_re.compile({literal!r})")
        return f"(type({receiver}) is str and {pattern}.search({receiver}) is not None)"
    if literal is not None and node.name == "contains":
        return f"({literal!r} in {receiver} if type({receiver}) is str else _contains({receiver}, {literal!r}))"
    if literal is not None and node.name in ("startsWith", "endsWith"):
        test = f"{receiver}.{node.name.lower()}({literal!r})"  # startswith / endswith
        return f"(type({receiver}) is str and {test})"
    args = [receiver, *(fb.value(arg, scope) for arg in node.args)]
    return fb.temp(f"{_SIMPLE_METHODS[node.name]}({', '.join(args)})")


def macro(fb, node, scope: dict) -> str:
    name = node.name
    if not arity_ok(fb, node, name, len(node.args), *MACROS[name]):
        return "None"
    var = node.args[0]
    if not isinstance(var, ast.Name):
        return fb.error(var, f"the first argument of {name}() must be a variable name")
    receiver = fb.atom(fb.value(node.target, scope))
    py_var = fb.fresh(f"v_{var.name}_")
    seg = fb.fresh("_s")
    binding = Binding(py=py_var, path_fn=lambda: element_path(fb, node.target, scope, seg))
    inner = {**scope, var.name: binding}
    result = fb.fresh()
    start = {"all": "True", "exists": "False", "exists_one": "0"}.get(name, "[]")

    def body():
        if name == "map" and len(node.args) == 2:
            fb.emit(f"{result}.append({fb.value(node.args[1], inner)})")
            return
        cond = fb.test(node.args[1], inner)
        if name == "all":
            with fb.block(f"if not {cond}:"):
                fb.emit(f"{result} = False")
                fb.emit("break")
        elif name == "exists":
            with fb.block(f"if {cond}:"):
                fb.emit(f"{result} = True")
                fb.emit("break")
        elif name == "exists_one":
            with fb.block(f"if {cond}:"):
                fb.emit(f"{result} += 1")
        else:
            with fb.block(f"if {cond}:"):
                item = py_var if name == "filter" else fb.value(node.args[2], inner)
                fb.emit(f"{result}.append({item})")

    lines, _ = fb.capture(body)
    fb.emit(f"{result} = {start}")
    if binding.path_used:
        fb.emit(f"for {seg}, {py_var} in (enumerate({receiver}) if type({receiver}) is list else "
                  f"zip({receiver}, {receiver}) if type({receiver}) is dict else ()):")
    else:
        fb.emit(f"for {py_var} in ({receiver} if type({receiver}) in (list, dict) else ()):")
    fb.splice(lines or ["pass"])
    return f"({result} == 1)" if name == "exists_one" else result
