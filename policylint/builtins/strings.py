"""String helpers behind the language's string methods (`lowerAscii`, `split`, `matches`, ...).

These are called by generated rule code, not registered as builtins: the methods are part of the language.
All of them are total: a receiver or argument of the wrong type gives `None` (or `False` for predicates).
"""
from __future__ import annotations

import re

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}
_ASCII_UPPER = {c: c - 32 for c in range(ord("a"), ord("z") + 1)}
_REGEX_CACHE: dict[str, re.Pattern | None] = {}
_REGEX_CACHE_LIMIT = 512


def lower_ascii(s):
    """Lower-case A-Z only (CEL `lowerAscii`): other letters are left alone."""
    if type(s) is not str:
        return None
    return s.lower() if s.isascii() else s.translate(_ASCII_LOWER)


def upper_ascii(s):
    if type(s) is not str:
        return None
    return s.upper() if s.isascii() else s.translate(_ASCII_UPPER)


def trim(s):
    return s.strip() if type(s) is str else None


def split(s, sep):
    """`s.split(sep)`: keeps empty elements; an empty separator splits into characters (as Go and CEL do)."""
    if type(s) is not str or type(sep) is not str:
        return None
    return s.split(sep) if sep else list(s)


def replace(s, old, new):
    if type(s) is not str or type(old) is not str or type(new) is not str:
        return None
    return s.replace(old, new)


def index_of(s, sub):
    if type(s) is not str or type(sub) is not str:
        return None
    return s.find(sub)


def last_index_of(s, sub):
    if type(s) is not str or type(sub) is not str:
        return None
    return s.rfind(sub)


def substring(s, start, end=None):
    """CEL `substring(start[, end])`: indices in characters; out of range or reversed gives `None`."""
    if type(s) is not str or type(start) is not int:
        return None
    if end is None:
        end = len(s)
    elif type(end) is not int:
        return None
    if not 0 <= start <= end <= len(s):
        return None
    return s[start:end]


def starts_with(s, prefix) -> bool:
    return type(s) is str and type(prefix) is str and s.startswith(prefix)


def ends_with(s, suffix) -> bool:
    return type(s) is str and type(suffix) is str and s.endswith(suffix)


def regex(pattern) -> re.Pattern | None:
    """The compiled pattern, cached; `None` for a pattern that does not compile (or is not a string)."""
    if type(pattern) is not str:
        return None
    compiled = _REGEX_CACHE.get(pattern, False)
    if compiled is False:
        try:
            compiled = re.compile(pattern)
        except (re.error, RecursionError, OverflowError):
            compiled = None
        if len(_REGEX_CACHE) >= _REGEX_CACHE_LIMIT:
            _REGEX_CACHE.clear()
        _REGEX_CACHE[pattern] = compiled
    return compiled


def matches(s, pattern) -> bool:
    """`s.matches(re)`: a search anywhere in `s` (anchor with `^...$` for a full match)."""
    if type(s) is not str:
        return False
    compiled = regex(pattern)
    return compiled is not None and compiled.search(s) is not None
