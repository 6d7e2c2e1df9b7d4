"""Rule files -> `RuleSet`: parse, check, generate and load Python code, with the on-disk cache.

Per file: a cache hit loads the stored metadata and code object (lark is not imported); a miss parses the file
(lark), builds declarations, generates one Python module and compiles it. Then, across files: duplicate rule
ids and index names, and `lookup()` of an index no file declares. All errors of all files are collected and
raised together as one `RuleCompileError`.
"""
from __future__ import annotations

import hashlib
import os
import pickle
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..model import Severity
from . import runtime
from .cache import Cache, cache_dir, compiler_fingerprint, entry_key
from .errors import CompileError, ErrorSink, RuleCompileError


_FUSED = "fused"  # the name of a fused function in its generated module


@dataclass(slots=True, eq=False)
class CompiledRule:
    id: str
    name: str
    severity: Severity
    kinds: tuple
    summary: str
    istio_code: str | None
    params: dict
    doc: str
    source: str
    line: int
    uses_lookup: bool
    check: Callable[[Any, Any, runtime.Env], list]  # check(doc, params, env) -> list[Hit]
    unit_key: str = ""  # cache key of the compiled file: names the rule's exact code in a fused function's key
    decl: bytes = b""  # the pickled declaration, for fusion

    def __repr__(self) -> str:
        return f"CompiledRule({self.id} {self.name} at {self.source}:{self.line})"


@dataclass(slots=True, eq=False)
class CompiledIndex:
    name: str
    kinds: tuple
    source: str
    line: int
    entries: Callable[[Any, runtime.Env], list]  # entries(doc, env) -> [(key, value)]

    def __repr__(self) -> str:
        return f"CompiledIndex({self.name} at {self.source}:{self.line})"


@dataclass(slots=True)
class RuleSet:
    rules: list = field(default_factory=list)
    indexes: list = field(default_factory=list)
    registry: dict = field(default_factory=dict)
    cache: Cache | None = None

    def fuse(self, rules: list[CompiledRule]) -> Callable | None:
        """One function evaluating `rules` together (see fusion.py): `fused(doc, params_tuple, env)` ->
        [(position in rules, Hit)], or None for a document that is not a mapping. Cached on disk like the rule
        files; None when the rules cannot be fused (the caller runs them one by one)."""
        digest = hashlib.sha256(b"fused")
        for rule in rules:
            digest.update(f"\0{rule.unit_key}\0{rule.id}".encode())
        key = digest.hexdigest()
        entry = self.cache.load(key) if self.cache is not None else None
        if entry is None:
            from .fusion import generate_fused  # imports the parser: only on a cache miss

            try:
                source = generate_fused([pickle.loads(rule.decl) for rule in rules], self.registry, _FUSED)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    code = compile(source, "<policylint fused rules>", "exec")
            except Exception:  # noqa: BLE001 - a fusion bug must cost speed, never a run: the rules run one by one
                return None
            entry = {"source": source, "code": code}
            if self.cache is not None:
                self.cache.store(key, entry)
        namespace = _namespace(self.registry)
        exec(entry["code"], namespace)
        return namespace[_FUSED]


def compile_rule_files(paths, *, use_cache: bool = True) -> RuleSet:
    from ..builtins import load

    registry = load()
    fingerprint = compiler_fingerprint(registry)
    root = cache_dir() if use_cache else None
    cache = Cache(root) if root is not None else None
    errors: list[CompileError] = []
    units: list[tuple[str, str, dict]] = []  # (display, cache key, entry)
    for path in paths:
        display = str(path)
        try:
            content = Path(path).read_bytes()
            text = content.decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            errors.append(CompileError(display, 1, 1, f"cannot read rule file: {exc}", ""))
            continue
        key = entry_key(content, fingerprint)
        entry = cache.load(key) if cache is not None else None
        if entry is None or "decls" not in entry or not all(name in registry for name in entry["builtins"]):
            entry, file_errors = _compile_file(display, text, registry, root)
            if file_errors:
                errors.extend(file_errors)
                continue
            if cache is not None:
                cache.store(key, entry)
        units.append((display, key, entry))
    errors.extend(_cross_file_errors(units))
    if errors:
        raise RuleCompileError(errors)
    ruleset = _instantiate(units, registry)
    ruleset.cache = cache
    return ruleset


def _compile_file(display: str, text: str, registry: dict, root: Path | None) -> tuple[dict, list]:
    from . import ast, clauses, codegen, parser

    sink = ErrorSink(display, text)
    parser.get_parser(root)
    decls = clauses.build(parser.parse_file(text, sink), sink)
    source, meta = codegen.generate(decls, sink, registry)
    if sink.errors:
        return {}, sorted(sink.errors, key=lambda e: (e.line, e.column))
    with warnings.catch_warnings():  # generated code is checked by our tests, not by the rule author
        warnings.simplefilter("ignore")
        code = compile(source, f"<policylint {display}>", "exec")
    used = sorted({name for name in registry if f"_builtin({name!r})" in source})
    rule_decls = {decl.id: pickle.dumps(decl, protocol=pickle.HIGHEST_PROTOCOL)
                  for decl in decls if isinstance(decl, ast.RuleDecl)}
    return {"meta": meta, "source": source, "code": code, "builtins": used, "decls": rule_decls}, []


def _cross_file_errors(units: list[tuple[str, str, dict]]) -> list[CompileError]:
    errors = []
    rule_ids: dict[str, str] = {}
    index_names: dict[str, str] = {}
    for display, _, entry in units:
        for rule in entry["meta"]["rules"]:
            first = rule_ids.setdefault(rule["id"], f"{display}:{rule['line']}")
            if first != f"{display}:{rule['line']}":
                errors.append(CompileError(display, rule["line"], rule["column"],
                                           f"duplicate rule id {rule['id']} (first declared at {first})",
                                           rule["source_line"]))
        for index in entry["meta"]["indexes"]:
            first = index_names.setdefault(index["name"], f"{display}:{index['line']}")
            if first != f"{display}:{index['line']}":
                errors.append(CompileError(display, index["line"], index["column"],
                                           f"duplicate index {index['name']} (first declared at {first})",
                                           index["source_line"]))
    for display, _, entry in units:
        for use in entry["meta"]["lookups"]:
            if use["name"] not in index_names:
                errors.append(CompileError(display, use["line"], use["column"],
                                           f"lookup() of unknown index {use['name']!r}: no rule file declares "
                                           f"`index {use['name']} {{ ... }}`", use["source_line"]))
    return errors


def _namespace(registry: dict) -> dict:
    namespace = runtime.namespace()
    namespace["_builtin"] = lambda name: registry[name].fn
    return namespace


def _instantiate(units: list[tuple[str, str, dict]], registry: dict) -> RuleSet:
    ruleset = RuleSet(registry=registry)
    for display, key, entry in units:
        namespace = _namespace(registry)
        exec(entry["code"], namespace)
        meta = entry["meta"]
        for rule in meta["rules"]:
            ruleset.rules.append(CompiledRule(
                id=rule["id"], name=rule["name"], severity=Severity(rule["severity"]), kinds=tuple(rule["kinds"]),
                summary=rule["summary"], istio_code=rule["istio_code"], params=dict(rule["params"]),
                doc=rule["doc"], source=display, line=rule["line"], uses_lookup=rule["uses_lookup"],
                check=namespace[rule["function"]], unit_key=key, decl=entry["decls"][rule["id"]],
            ))
        for index in meta["indexes"]:
            ruleset.indexes.append(CompiledIndex(
                name=index["name"], kinds=tuple(index["kinds"]), source=display, line=index["line"],
                entries=namespace[index["function"]],
            ))
    ruleset.rules.sort(key=lambda r: r.id)
    return ruleset


def generated_source(path: str | os.PathLike) -> str:
    """The Python code a rule file compiles to (for debugging rules: `python -m policylint.lang FILE`)."""
    from ..builtins import load

    display = str(path)
    text = Path(path).read_text(encoding="utf-8")
    entry, errors = _compile_file(display, text, load(), None)
    if errors:
        raise RuleCompileError(errors)
    return entry["source"]
