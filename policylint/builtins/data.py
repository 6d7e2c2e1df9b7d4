"""Generic value builtins: conversions, defaults, index lookups, embedded YAML, where index values came from."""
from __future__ import annotations

import math
import re

from . import builtin

_INT = re.compile(r"[+-]?[0-9]+\Z")
_INT64 = (-(2**63), 2**63 - 1)


@builtin("default", "`x` unless it is null, else `fallback`")
def default(x, fallback):
    return fallback if x is None else x


@builtin("size", "length of a string (characters), list or map; `size(null)` is 0; other types give null")
def size(x):
    if x is None:
        return 0
    if type(x) in (str, list, dict):
        return len(x)
    return None


@builtin("int", "integer from an int, a float (truncated) or a decimal string (`\"12\"`, `\"-3\"`); else null")
def to_int(x):
    t = type(x)
    if t is int:
        return x
    if t is float:
        return int(x) if math.isfinite(x) else None
    if t is str and _INT.match(x):
        value = int(x)
        return value if _INT64[0] <= value <= _INT64[1] else None
    return None


@builtin("string", "the value as messages render it (`[a, b]`, `null`, `true`)")
def to_string(x):
    from policylint.lang.runtime import fmt

    return fmt(x)


@builtin("type", "`\"string\"`, `\"int\"`, `\"float\"`, `\"bool\"`, `\"null\"`, `\"list\"`, `\"map\"` (else `\"timestamp\"`/`\"bytes\"`)")
def type_name(x):
    name = TYPE_NAMES.get(type(x))
    if name is not None:
        return name
    return "bytes" if isinstance(x, (bytes, bytearray)) else "timestamp"


TYPE_NAMES = {str: "string", int: "int", float: "float", bool: "bool", type(None): "null", list: "list",
               dict: "map"}


@builtin("lookup", "the values an `index` block stored under `key` (a list, empty when none)", context="env")
def lookup(env, name, key):
    if type(key) in (list, dict):  # stored as index_key() made it (a tuple); a map is never a key
        rt = _runtime or _load_runtime()
        key = rt.index_key(key)
        if key is rt.NO_KEY:
            return []
    if type(name) is not str:
        return []
    try:
        found = env.lookup(name, key)
    except TypeError:
        return []
    return found if type(found) is list else list(found or ())


_runtime = None


def _load_runtime():
    """policylint.lang.runtime, imported on first use (it imports this module)."""
    global _runtime
    from policylint.lang import runtime

    _runtime = runtime
    return runtime


@builtin("fileOf", "the file an index value (a document's data) was loaded from; null if unknown", context="env")
def file_of(env, value):
    document = _document_of(env, value)
    return getattr(document, "file", None) if document is not None else None


@builtin("lineOf", "the first line of the document an index value came from; null if unknown", context="env")
def line_of(env, value):
    document = _document_of(env, value)
    return getattr(document, "line", None) if document is not None else None


def _document_of(env, value):
    if type(value) is not dict:
        return None
    try:
        return env.document_of(value)
    except Exception:  # noqa: BLE001 - the hook is the engine's; a failing hook must not fail the rule
        return None


@builtin("parseYaml", "the value of an embedded YAML/JSON string; a rule can point `at` into it; null if invalid",
         context="document")
def parse_yaml(doc, path, text):
    """Parse through the document when the rule knows where the string is, so positions inside it are known;
    otherwise (a computed string) parse it on its own."""
    if type(text) is not str:
        return None
    parse_embedded = getattr(doc, "parse_embedded", None)
    if path is not None and parse_embedded is not None:
        try:
            value, problem = parse_embedded(tuple(path))
        except Exception:  # noqa: BLE001 - a loader failure on odd input falls back to a plain parse
            pass
        else:
            return value if problem is None else None
    import yaml

    try:
        return yaml.safe_load(text)
    except (yaml.YAMLError, ValueError, RecursionError):
        return None
