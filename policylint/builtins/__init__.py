"""Named helper functions that rules call: `isCIDR(s)`, `hostMatches(p, h)`, `lookup(index, key)`, ...

Each module of this package registers its functions with `@builtin`. Modules are imported on first use of the
registry (`load()`), so adding a module here is enough to make its functions callable from rules. The compiler
rejects a call to a name that is not registered or with the wrong number of arguments.

Contract for every builtin: it is total (odd input, a wrong type or a malformed string gives `None` or `False`,
never an exception), it does not mutate its arguments, and it is deterministic.

Three calling conventions, chosen by `context=`:

- `""` (default): `fn(*args)`.
- `"env"`: `fn(env, *args)`; `env` is the run's `policylint.lang.Env` (config, lookup, document_of).
- `"document"`: `fn(doc, path, *args)`; `doc` is the `policylint.loader.Document` being checked and `path` the
  field path of the first argument when the rule knows it (else `None`). The value such a builtin returns is
  located at that same path: a rule may point `at` into it (`parseYaml` relies on this).
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from typing import Callable

CONTEXTS = {"": 0, "env": 1, "document": 2}


@dataclass(frozen=True, slots=True)
class Builtin:
    name: str
    fn: Callable
    params: tuple  # parameter names as rules see them
    min_args: int
    max_args: int
    doc: str
    context: str
    module: str

    @property
    def signature(self) -> str:
        shown = [*self.params[: self.min_args], *(f"{p}?" for p in self.params[self.min_args:])]
        return f"{self.name}({', '.join(shown)})"


REGISTRY: dict[str, Builtin] = {}
_loaded = False


def builtin(name: str, doc: str, *, context: str = "") -> Callable[[Callable], Callable]:
    """Register the decorated function as the builtin `name`; `doc` is one line for the reference table."""
    if context not in CONTEXTS:
        raise ValueError(f"builtin {name}: unknown context {context!r}")

    def register(fn: Callable) -> Callable:
        code = fn.__code__
        names = code.co_varnames[: code.co_argcount][CONTEXTS[context]:]
        defaults = len(fn.__defaults__ or ())
        existing = REGISTRY.get(name)
        if existing is not None and existing.module != fn.__module__:
            raise ValueError(f"builtin {name} is registered twice ({existing.module} and {fn.__module__})")
        REGISTRY[name] = Builtin(
            name=name, fn=fn, params=tuple(names), min_args=len(names) - defaults, max_args=len(names),
            doc=doc, context=context, module=fn.__module__.rpartition(".")[2],
        )
        return fn

    return register


def load() -> dict[str, Builtin]:
    """Import every module of this package (once) and return the registry."""
    global _loaded
    if not _loaded:
        folder = os.path.dirname(__file__)
        for entry in sorted(os.listdir(folder)):
            if entry.endswith(".py") and not entry.startswith("_"):
                importlib.import_module(f"{__name__}.{entry[:-3]}")
        _loaded = True
    return REGISTRY


def reference_table() -> str:
    """The Markdown table of builtins that docs/rule-language.md embeds (a test keeps the two in sync)."""
    rows = ["| builtin | module | what it does |", "|---|---|---|"]
    for item in sorted(load().values(), key=lambda b: (b.module, b.name)):
        module = f"{item.module} *({item.context})*" if item.context else item.module
        rows.append(f"| `{item.signature}` | {module} | {item.doc.replace('|', chr(92) + '|')} |")
    return "\n".join(rows)
