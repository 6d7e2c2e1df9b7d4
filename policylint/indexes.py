"""Lookup tables for cross-resource rules (`index` blocks, read with `lookup()`).

`IndexStore` holds the entries of a whole run, merged in input order (the CLI's phase 2). `LazyIndexStore`
serves a few documents linted on their own (an admission review): its tables are built on the first lookup of
each index, over the entries of a `PreparedContext` that was indexed once for many reviews. Linting one
ServiceEntry reads three of the ten indexes its kind feeds; the others are never built.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable, NamedTuple


class Origin(NamedTuple):
    """Where an index value came from, for `fileOf()` / `lineOf()` (the value may be a copy from a worker)."""

    file: str
    line: int


_EMPTY: list = []
_NO_TABLE: dict = {}


def freeze(key):
    """Lists as tuples, so that a key computed by a rule finds the entry an index stored."""
    return tuple(freeze(k) for k in key) if isinstance(key, list) else key


def _store(table: dict, origins: dict, key, value, origin: Origin) -> None:
    bucket = table.get(key)
    if bucket is None:
        table[key] = [value]
    else:
        bucket.append(value)
    if type(value) is dict:  # maps are what fileOf()/lineOf() are asked about
        origins[id(value)] = origin


class IndexStore:
    """Lookup tables declared by `index` blocks; keys compare by value, results keep input order."""

    def __init__(self, entries: Iterable = ()) -> None:
        self._tables: dict[str, dict] = {}
        self._origins: dict[int, Origin] = {}
        self.extend(entries)

    def extend(self, entries: Iterable) -> None:
        tables, origins = self._tables, self._origins
        for name, key, value, origin in entries:
            table = tables.get(name)
            if table is None:
                table = tables[name] = {}
            _store(table, origins, key, value, origin)

    def document_of(self, data) -> Origin | None:
        return self._origins.get(id(data))

    def lookup(self, name: str, key) -> list:
        if isinstance(key, list):
            key = freeze(key)
        try:
            return self._tables.get(name, _NO_TABLE).get(key, _EMPTY)
        except TypeError:  # unhashable key (a map): nothing can be stored under it
            return _EMPTY


class PreparedContext:
    """Context objects (what an admission request does not carry: other ServiceEntries, Namespaces) indexed
    once, for as many reviews as share them.

    Each stored value remembers the resource (group, kind, namespace, name) that stored it, so that a review of
    that very resource can hide its stored copy: on UPDATE the old self would otherwise conflict with the new.
    """

    __slots__ = ("store", "owners", "identities", "documents")

    def __init__(self, entries: Iterable = (), documents: int = 0) -> None:
        """`entries`: (index name, key, value, Origin, owner identity) in input order."""
        self.store = IndexStore()
        self.owners: dict[str, dict] = {}  # name -> key -> owners, parallel to the store's buckets
        self.identities: set[tuple] = set()
        self.documents = documents
        owners = self.owners
        for name, key, value, origin, owner in entries:
            self.store.extend(((name, key, value, origin),))
            owners.setdefault(name, {}).setdefault(key, []).append(owner)
            if owner:
                self.identities.add(owner)

    def lookup(self, name: str, key, hidden: set[tuple]) -> list:
        """Values stored under `key`, without those of the `hidden` resources."""
        found = self.store.lookup(name, key)
        if not found or not hidden:
            return found
        owners = self.owners[name][key]
        return [value for value, owner in zip(found, owners) if owner not in hidden]


EMPTY_CONTEXT = PreparedContext()


def identity(doc) -> tuple:
    """What makes two documents the same stored resource (unnamed documents have no identity)."""
    return (doc.group, doc.kind, doc.namespace or "", doc.name) if doc.name else ()


class LazyIndexStore:
    """Index tables over `documents`, built when first looked up, on top of a prepared context.

    `build(name, documents)` gives the (key, value, Origin) entries of one index for the documents (the engine
    reports a failing index itself). Results list the context's values first, then the documents', as one
    merged run would; context values of a resource that is among `documents` are hidden.
    """

    __slots__ = ("_build", "_documents", "_context", "_hidden", "_tables", "_origins")

    def __init__(self, build: Callable[[str, list], list], documents: list, context: PreparedContext) -> None:
        self._build = build
        self._documents = documents
        self._context = context
        self._hidden = {identity(doc) for doc in documents} & context.identities if context.identities else set()
        self._tables: dict[str, dict] = {}
        self._origins: dict[int, Origin] = {}

    def lookup(self, name: str, key) -> list:
        if isinstance(key, list):
            key = freeze(key)
        table = self._tables.get(name)
        if table is None:
            table = self._table(name)
        try:
            own = table.get(key, _EMPTY)
            theirs = self._context.lookup(name, key, self._hidden) if self._context.documents else _EMPTY
        except TypeError:  # unhashable key (a map): nothing can be stored under it
            return _EMPTY
        if not theirs:
            return own
        return [*theirs, *own] if own else theirs

    def document_of(self, data) -> Any:
        found = self._origins.get(id(data))
        return found if found is not None else self._context.store.document_of(data)

    def _table(self, name: str) -> dict:
        table: dict = {}
        for key, value, origin in self._build(name, self._documents):
            _store(table, self._origins, key, value, origin)
        self._tables[name] = table
        return table
