"""`Document`: one Kubernetes object (or Helm values, or a text file) with the positions of its fields."""
from __future__ import annotations

from typing import Iterator

from ..objects import kind_key, split_api_version
from .embedded import Embedded, apply_transform, embed
from .problems import Problem
from .suppress import NO_SUPPRESSIONS, Suppressions
from .yamlpos import item_position, key_positions

__all__ = ["Document", "TextDocument", "POLICYLINT_API", "iter_node_positions"]

POLICYLINT_API = "policylint.io/v1"


class Document:
    """One YAML/JSON document, or one item of a ``kind: List``.

    Positions live in ``_table`` (``id(container)`` -> positions, 0-based, lines relative to the chunk
    of text that was parsed), ``_offset`` is that chunk's first line in the file.  ``_source`` keeps the
    chunk's text so that embedded YAML can be positioned later; ``_origin`` says which YAML document of
    the chunk this is and the path of its root inside it (``("items", 3)`` for a List item).
    """

    __slots__ = ("file", "index", "item", "line", "data", "api_version", "kind", "group", "namespace",
                 "name", "kind_key", "suppressions", "_table", "_root", "_offset", "_source", "_origin",
                 "_loader", "_embedded")

    def __init__(self, file: str, index: int, item: int | None, data, *, table: dict,
                 root: tuple[int, int], offset: int, source: str | None, origin: tuple = (0, ()),
                 loader: str = "yaml", api_version: str | None = None, kind: str | None = None):
        self.file = file
        self.index = index
        self.item = item
        self.data = data
        self._table = table
        self._root = root
        self._offset = offset
        self._source = source
        self._origin = origin
        self._loader = loader
        self._embedded: dict[tuple, Embedded] = {}
        self.line = root[0] + offset + 1
        self.suppressions: Suppressions = NO_SUPPRESSIONS
        metadata = data.get("metadata") if isinstance(data, dict) else None
        if not isinstance(metadata, dict):
            metadata = {}
        self.api_version = api_version if api_version is not None else _text(data, "apiVersion")
        self.kind = kind if kind is not None else _text(data, "kind")
        self.namespace = _text(metadata, "namespace")
        self.name = _text(metadata, "name")
        self.group = split_api_version(self.api_version)[0]
        self.kind_key = kind_key(self.group, self.kind)

    def __repr__(self) -> str:
        where = f"{self.file}#{self.index}" + (f"[{self.item}]" if self.item is not None else "")
        return f"<Document {where} line {self.line} {self.kind_key} {self.namespace}/{self.name}>"

    # --- positions -------------------------------------------------------------------------------

    def locate(self, path: tuple = ()) -> tuple[int, int]:
        """1-based (line, column) of the key or list item at ``path``, or of its longest existing prefix."""
        line, column = self._chunk_position(path)
        return line + self._offset + 1, column + 1

    def _chunk_position(self, path: tuple) -> tuple[int, int]:
        obj = self.data
        table = self._table
        position = self._root
        transform = None  # inside embedded YAML: (line base, column base, exact)
        embedded = self._embedded
        for depth, segment in enumerate(path):
            if isinstance(obj, dict):
                keys = key_positions(table, obj)
                if keys is None or segment not in keys:
                    break
                found = keys[segment]
                obj = obj[segment]
            elif isinstance(obj, list) and type(segment) is int and 0 <= segment < len(obj):
                found = item_position(table, obj, segment)
                if found is None:
                    break
                obj = obj[segment]
            else:
                break
            position = found if transform is None else apply_transform(transform, found)
            if embedded and isinstance(obj, str):
                inner = embedded.get(tuple(path[: depth + 1]))
                if inner is not None and inner.table is not None:
                    obj, table, transform = inner.value, inner.table, inner.transform
        return position

    def parse_embedded(self, path: tuple) -> tuple[object, Problem | None]:
        """Parse the YAML held by the string at ``path`` (e.g. ``("data", "mesh")``); cached per path.

        Afterwards ``locate(path + inner)`` points into the outer file.  Returns ``(None, None)`` when
        there is no string at the path.
        """
        path = tuple(path)
        cached = self._embedded.get(path)
        if cached is not None:
            return cached.value, cached.problem
        found, value = _lookup(self, path)
        if not found or not isinstance(value, str):
            return None, None
        result = embed(self, path, value)
        self._embedded[path] = result
        return result.value, result.problem

    # --- pickling (positions are keyed by id(), which does not survive a pickle) --------------------

    def __getstate__(self):
        state = {name: getattr(self, name) for name in _PLAIN_SLOTS}
        state["_table"] = export_table(self.data, self._table)
        state["_embedded"] = {path: emb.exported() for path, emb in self._embedded.items()}
        return state

    def __setstate__(self, state):
        for name in _PLAIN_SLOTS:
            setattr(self, name, state[name])
        self._table = import_table(self.data, state["_table"])
        self._embedded = {path: Embedded.imported(saved) for path, saved in state["_embedded"].items()}


_PLAIN_SLOTS = tuple(name for name in Document.__slots__ if name not in ("_table", "_embedded"))


class TextDocument(Document):
    """A script, Makefile, Dockerfile or CI file: ``data = {"path": ..., "lines": [...]}``."""

    __slots__ = ()

    def __init__(self, file: str, lines: list[str]):
        super().__init__(file, 0, None, {"path": file, "lines": lines}, table={}, root=(0, 0), offset=0,
                         source=None, loader="text", api_version=POLICYLINT_API, kind="TextFile")
        self.name = file

    def locate(self, path: tuple = ()) -> tuple[int, int]:
        lines = self.data["lines"]
        if len(path) >= 2 and path[0] == "lines" and type(path[1]) is int and 0 <= path[1] < len(lines):
            return path[1] + 1, 1
        return 1, 1

    def parse_embedded(self, path: tuple) -> tuple[object, Problem | None]:
        return None, None


def _text(mapping, key: str) -> str | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) else None


def _lookup(document: Document, path: tuple) -> tuple[bool, object]:
    """(exists, value) at ``path``, looking through YAML parsed by parse_embedded."""
    obj = document.data
    for depth, segment in enumerate(path):
        if isinstance(obj, dict) and segment in obj:
            obj = obj[segment]
        elif isinstance(obj, list) and type(segment) is int and 0 <= segment < len(obj):
            obj = obj[segment]
        else:
            return False, None
        inner = document._embedded.get(tuple(path[: depth + 1])) if document._embedded else None
        if inner is not None and inner.table is not None and depth + 1 < len(path):
            obj = inner.value
    return True, obj


def _containers(data) -> Iterator:
    """Every dict and list under ``data`` once, in a fixed pre-order (the same after unpickling)."""
    seen: set[int] = set()
    stack = [data]
    while stack:
        obj = stack.pop()
        if isinstance(obj, dict):
            children = list(obj.values())
        elif isinstance(obj, list):
            children = obj
        else:
            continue
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        yield obj
        stack.extend(reversed(children))


def export_table(data, table: dict) -> list:
    return [table.get(id(obj)) for obj in _containers(data)]


def import_table(data, entries: list) -> dict:
    return {id(obj): entry for obj, entry in zip(_containers(data), entries) if entry is not None}


def iter_node_positions(data, table: dict) -> Iterator[tuple[tuple, int, int]]:
    """``(path, line, column)`` of every key and list item under ``data`` (0-based, chunk lines)."""
    seen: set[int] = set()
    stack: list = [((), data)]
    while stack:
        path, obj = stack.pop()
        if id(obj) in seen:
            continue
        if isinstance(obj, dict):
            seen.add(id(obj))
            positions = key_positions(table, obj) or {}
            children = [(key, value, positions.get(key)) for key, value in obj.items()]
        elif isinstance(obj, list):
            seen.add(id(obj))
            children = [(i, value, item_position(table, obj, i)) for i, value in enumerate(obj)]
        else:
            continue
        for segment, value, position in reversed(children):
            child = path + (segment,)
            stack.append((child, value))
        for segment, value, position in children:
            if position is not None:
                yield path + (segment,), position[0], position[1]
