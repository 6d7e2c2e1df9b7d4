"""Values and helpers that generated rule code uses at evaluation time.

Generated code inlines the common cases (field access, comparison with a literal, truth tests) and calls these
helpers for the rest. Every helper is total: a type mismatch gives `None` (or `False`), never an exception.
Language semantics implemented here: `==` is deep equality where booleans never equal numbers; ordering is
defined between numbers and between strings only; arithmetic on mismatched types gives `None`.
"""
from __future__ import annotations

import math
import re
from typing import Any, Callable, Mapping, NamedTuple

from ..builtins import data as _data
from ..builtins import strings as _strings

_NUMBER = (int, float)


class Hit(NamedTuple):
    """One finding of one rule on one document: the engine adds position, resource and severity. (A tuple:
    rules make one per hit, and a frozen dataclass costs several times more to build.)"""

    message: str
    path: tuple
    fix: str | None = None
    column: int | None = None


def _no_lookup(name: str, key) -> list:
    return []


def _no_document(data) -> None:
    return None


class Env:
    """What a rule may read besides its document.

    `config`: the user's configuration mapping (`config.x.y` in rules). `lookup(name, key)`: the index entries
    stored under `key` (a list, empty when none). `document_of(data)`: the `Document` whose `data` is `data`
    (by identity), or `None`; `fileOf()`/`lineOf()` use it. The engine assigns it after construction.
    """

    __slots__ = ("config", "lookup", "document_of")

    def __init__(self, config: Mapping | None = None, lookup: Callable[[str, Any], list] | None = None,
                 document_of: Callable[[Any], Any] | None = None) -> None:
        self.config = config if config is not None else {}
        self.lookup = lookup or _no_lookup
        self.document_of = document_of or _no_document


# -- equality and ordering ------------------------------------------------------------------------------------

def eq(a, b) -> bool:
    ta = type(a)
    tb = type(b)
    if ta is tb:
        if ta is list:
            return len(a) == len(b) and all(eq(x, y) for x, y in zip(a, b))
        if ta is dict:
            return a.keys() == b.keys() and all(eq(v, b[k]) for k, v in a.items())
        return a == b
    if ta in _NUMBER and tb in _NUMBER:
        return a == b
    return False


def ne(a, b) -> bool:
    return not eq(a, b)


def _ordered(a, b) -> bool:
    ta = type(a)
    tb = type(b)
    return (ta in _NUMBER and tb in _NUMBER) or (ta is str and tb is str)


def lt(a, b) -> bool:
    return _ordered(a, b) and a < b


def le(a, b) -> bool:
    return _ordered(a, b) and a <= b


def gt(a, b) -> bool:
    return _ordered(a, b) and a > b


def ge(a, b) -> bool:
    return _ordered(a, b) and a >= b


def contains(container, item) -> bool:
    """`item in container`: list element (deep equality), map key, or substring."""
    tc = type(container)
    if tc is list:
        ti = type(item)
        if ti is str:
            return item in container  # a string only ever equals a string
        if (ti is int or ti is float) and item not in container:
            return False  # eq() of numbers implies ==, so no element is eq() either
        return any(eq(x, item) for x in container)
    if tc is dict:
        try:
            return item in container and (type(item) is not bool or any(k is item for k in container))
        except TypeError:  # unhashable item (a list or map) is never a key
            return False
    if tc is str:
        return type(item) is str and item in container
    return False


# -- arithmetic -----------------------------------------------------------------------------------------------

# A float meeting an integer too large for a float overflows: such a result is unknown (`None`).

def add(a, b):
    ta = type(a)
    tb = type(b)
    if ta in _NUMBER and tb in _NUMBER:
        try:
            return a + b
        except OverflowError:
            return None
    if ta is tb and (ta is str or ta is list):
        return a + b
    return None


def sub(a, b):
    if type(a) in _NUMBER and type(b) in _NUMBER:
        try:
            return a - b
        except OverflowError:
            return None
    return None


def mul(a, b):
    if type(a) in _NUMBER and type(b) in _NUMBER:
        try:
            return a * b
        except OverflowError:
            return None
    return None


def div(a, b):
    """Integers divide truncating toward zero (as CEL and Go do); division by zero gives `None`."""
    ta = type(a)
    tb = type(b)
    if ta not in _NUMBER or tb not in _NUMBER or b == 0:
        return None
    if ta is int and tb is int:
        q = abs(a) // abs(b)
        return q if (a < 0) == (b < 0) else -q
    try:
        return a / b
    except OverflowError:
        return None


def mod(a, b):
    """Integer remainder with the sign of the dividend (CEL, Go); other types or zero give `None`."""
    if type(a) is not int or type(b) is not int or b == 0:
        return None
    r = abs(a) % abs(b)
    return -r if a < 0 else r


def neg(a):
    return -a if type(a) in _NUMBER else None


# -- access ---------------------------------------------------------------------------------------------------

def index(obj, key):
    """`obj[key]` for a computed key: map member, list element (negative counts from the end), else `None`."""
    to = type(obj)
    if to is dict:
        try:
            value = obj.get(key)
        except TypeError:
            return None
        return value if type(key) is not bool or any(k is key for k in obj) else None
    if to is list and type(key) is int:
        if -len(obj) <= key < len(obj):
            return obj[key]
    elif to is str and type(key) is int and -len(obj) <= key < len(obj):
        return obj[key]
    return None


def has_index(obj, key) -> bool:
    to = type(obj)
    if to is dict:
        try:
            return key in obj
        except TypeError:
            return False
    if to is list and type(key) is int:
        return -len(obj) <= key < len(obj)
    return False


def make_map(pairs) -> dict:
    """A map literal with computed keys: unhashable keys (lists, maps) are left out."""
    out = {}
    for key, value in pairs:
        try:
            out[key] = value
        except TypeError:
            pass
    return out


def iterate(obj) -> Any:
    """What `for x in obj` and the macros range over: list elements, map keys, else nothing."""
    return obj if type(obj) in (list, dict) else ()


size = _data.size  # the `.size()` method and the `size()` builtin are one function


def keys(obj):
    return list(obj) if type(obj) is dict else None


def values(obj):
    return list(obj.values()) if type(obj) is dict else None


def join(items, sep=""):
    """`list.join(sep)`: elements are rendered as in messages (strings bare)."""
    if type(items) is not list or type(sep) is not str:
        return None
    return sep.join(x if type(x) is str else fmt(x) for x in items)


# -- rendering ------------------------------------------------------------------------------------------------

def fmt(value) -> str:
    """A value as messages show it: YAML flow style with bare strings (`[a, b]`, `{k: v}`, `null`, `true`)."""
    t = type(value)
    if t is str:
        return value
    if value is None:
        return "null"
    if t is bool:
        return "true" if value else "false"
    if t is int:
        try:
            return str(value)
        except ValueError:  # more digits than Python converts (sys.set_int_max_str_digits)
            return hex(value)
    if t is float:
        if math.isnan(value):
            return ".nan"
        if math.isinf(value):
            return ".inf" if value > 0 else "-.inf"
        return repr(value)
    if t is list:
        return "[" + ", ".join(fmt(x) for x in value) + "]"
    if t is dict:
        return "{" + ", ".join(f"{fmt(k)}: {fmt(v)}" for k, v in value.items()) + "}"
    iso = getattr(value, "isoformat", None)  # YAML timestamps load as date/datetime
    return iso() if iso is not None else str(value)


def fix_text(value) -> str | None:
    return None if value is None else fmt(value)


def column(value) -> int | None:
    return value if type(value) is int and value >= 1 else None


NO_KEY = object()  # what `index_key` gives for a value that cannot be a key
_CONTAINERS = (list, dict)


def index_key(key):
    """An index key as stored: lists become tuples (element-wise comparison); a map, or a list holding one,
    cannot be a key (`NO_KEY`)."""
    t = type(key)
    if t is list:
        for k in key:
            if type(k) in _CONTAINERS:
                break
        else:  # the usual key: a few strings and numbers
            return tuple(key)
        out = tuple(index_key(k) for k in key)
        return NO_KEY if NO_KEY in out else out
    if t is dict:
        return NO_KEY
    return key


def fix_path(data, path: tuple) -> tuple:
    """Make a path computed at run time concrete: negative indices count from the end of the list they index;
    the path stops before the first segment that is not a string or an integer (nearest known parent)."""
    for seg in path:  # the usual path, strings and indices from loops, is concrete already
        ts = type(seg)
        if ts is not str and (ts is not int or seg < 0):
            break
    else:
        return path
    out = []
    node = data
    for seg in path:
        ts = type(seg)
        if ts is int:
            if type(node) is list and seg < 0:
                if seg < -len(node):
                    break
                seg += len(node)
            node = node[seg] if type(node) is list and 0 <= seg < len(node) else None
        elif ts is str:
            node = node.get(seg) if type(node) is dict else None
        else:
            break
        out.append(seg)
    return tuple(out)


def as_path(value) -> tuple:
    """`at: path(list)`: a list of keys and indices from the document root (`["spec", "ports", 0]`)."""
    return tuple(value) if type(value) is list else ()


# -- string methods (regexes: a literal pattern is compiled once by the generated module) ---------------------

def matches_compiled(s, compiled: re.Pattern) -> bool:
    return type(s) is str and compiled.search(s) is not None


def namespace() -> dict:
    """The globals every generated rule module starts from."""
    return {
        "_Hit": Hit, "_re": re, "_NUMBER": _NUMBER,
        "_eq": eq, "_ne": ne, "_lt": lt, "_le": le, "_gt": gt, "_ge": ge, "_contains": contains,
        "_add": add, "_sub": sub, "_mul": mul, "_div": div, "_mod": mod, "_neg": neg,
        "_index": index, "_has_index": has_index, "_make_map": make_map, "_iterate": iterate,
        "_size": size, "_keys": keys, "_values": values, "_join": join,
        "_fmt": fmt, "_fix_text": fix_text, "_column": column, "_index_key": index_key, "_NO_KEY": NO_KEY, "_fix_path": fix_path,
        "_as_path": as_path,
        "_matches_compiled": matches_compiled, "_matches": _strings.matches,
        "_lower_ascii": _strings.lower_ascii, "_upper_ascii": _strings.upper_ascii, "_trim": _strings.trim,
        "_split": _strings.split, "_replace": _strings.replace, "_index_of": _strings.index_of,
        "_last_index_of": _strings.last_index_of, "_substring": _strings.substring,
        "_starts_with": _strings.starts_with, "_ends_with": _strings.ends_with,
        "_SIZED": (str, list, dict), "_TYPE_NAMES": _data.TYPE_NAMES,
    }
