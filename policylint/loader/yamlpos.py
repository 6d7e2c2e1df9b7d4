"""A PyYAML safe loader that records where every mapping key and list item starts.

Positions are kept apart from the data, in a side table keyed by ``id()`` of each dict/list built
while loading.  To stay close to the speed of plain ``CSafeLoader``, the table stores per container one
flat list ``[line0, col0, line1, col1, ...]`` (0-based, aligned with key order or item order) instead of
per-key objects; :func:`key_positions` turns it into a ``{key: (line, col)}`` dict on first use.  A
mapping whose key order does not match its node order (duplicate keys, ``<<`` merges) stores that
dict directly.
"""
from __future__ import annotations

import re

from yaml.composer import Composer
from yaml.constructor import ConstructorError, SafeConstructor
from yaml.nodes import MappingNode, ScalarNode, SequenceNode
from yaml.parser import Parser
from yaml.reader import Reader
from yaml.resolver import Resolver
from yaml.scanner import Scanner

try:  # libyaml parses and composes in C; only construction runs in Python
    from yaml._yaml import CParser
except ImportError:  # pragma: no cover - PyYAML built without libyaml
    CParser = None

HAVE_LIBYAML = CParser is not None

STR_TAG = "tag:yaml.org,2002:str"
MERGE_TAG = "tag:yaml.org,2002:merge"

__all__ = [
    "PositionLoader",
    "PurePositionLoader",
    "JsonPositionLoader",
    "key_positions",
    "item_position",
    "HAVE_LIBYAML",
]


class PositionConstructor(SafeConstructor):
    """Safe constructor whose map/seq constructors fill ``self.positions`` and note duplicate keys.

    ``positions``: ``{id(container): flat list | dict}`` for the document being constructed.
    ``duplicates``: ``[(key, first (line, col), repeated (line, col))]``, 0-based.
    Callers swap both out after each document (see :meth:`take_document_state`).
    """

    def __init__(self):
        super().__init__()
        self.positions: dict = {}
        self.duplicates: list = []

    def take_document_state(self) -> tuple[dict, list]:
        state = (self.positions, self.duplicates)
        self.positions, self.duplicates = {}, []
        return state

    # Strings are by far the most common scalars: build them inline instead of through
    # construct_object (same value as construct_yaml_str; scalars need no alias bookkeeping).
    def construct_yaml_map(self, node):
        data: dict = {}
        yield data
        construct = self.construct_object
        flat: list = []
        add = flat.append
        try:
            for key_node, value_node in node.value:
                if key_node.tag == STR_TAG and key_node.__class__ is ScalarNode:
                    key = key_node.value
                elif key_node.tag == MERGE_TAG:
                    self._fill_merged_mapping(data, node)
                    return
                else:
                    key = construct(key_node)
                if value_node.tag == STR_TAG and value_node.__class__ is ScalarNode:
                    data[key] = value_node.value
                else:
                    data[key] = construct(value_node)
                mark = key_node.start_mark
                add(mark.line)
                add(mark.column)
        except TypeError:  # unhashable key, e.g. `? [a, b]` or a Go template `{{ x }}: y`
            raise ConstructorError("while constructing a mapping", node.start_mark,
                                   "found unhashable key", key_node.start_mark) from None
        if len(flat) != 2 * len(data):
            self.positions[id(data)] = self._note_duplicates(node.value, 0)
        else:
            self.positions[id(data)] = flat

    def _fill_merged_mapping(self, data: dict, node: MappingNode) -> None:
        """Slow path for mappings with ``<<`` merge keys: PyYAML's merge order, explicit keys win."""
        data.clear()
        explicit = len([1 for k, _ in node.value if k.tag != MERGE_TAG])
        self.flatten_mapping(node)
        merged = len(node.value) - explicit
        for key_node, value_node in node.value:
            key = self.construct_object(key_node)
            try:
                data[key] = self.construct_object(value_node)
            except TypeError:
                raise ConstructorError("while constructing a mapping", node.start_mark,
                                       "found unhashable key", key_node.start_mark) from None
        self.positions[id(data)] = self._note_duplicates(node.value, merged)

    def _note_duplicates(self, pairs: list, first_explicit: int) -> dict:
        """Key -> position of the key that wins (the last one); record repeats among explicit keys."""
        table: dict = {}
        seen: dict = {}
        for index, (key_node, _) in enumerate(pairs):
            if key_node.tag == STR_TAG and key_node.__class__ is ScalarNode:
                key = key_node.value
            else:
                key = self.construct_object(key_node)
            mark = key_node.start_mark
            pos = (mark.line, mark.column)
            if index >= first_explicit:
                if key in seen:
                    self.duplicates.append((key, seen[key], pos))
                else:
                    seen[key] = pos
            table[key] = pos
        return table

    def construct_yaml_seq(self, node):
        data: list = []
        yield data
        construct = self.construct_object
        flat: list = []
        add = flat.append
        append = data.append
        for child in node.value:
            if child.tag == STR_TAG and child.__class__ is ScalarNode:
                append(child.value)
            else:
                append(construct(child))
            mark = child.start_mark
            add(mark.line)
            add(mark.column)
        self.positions[id(data)] = flat

    def construct_unknown_tag(self, node):
        """Local tags (`!Ref`, `!vault`) are kept as the plain value they decorate instead of failing."""
        if isinstance(node, ScalarNode):
            return node.value
        if isinstance(node, SequenceNode):
            return self.construct_yaml_seq(node)
        return self.construct_yaml_map(node)


PositionConstructor.add_constructor("tag:yaml.org,2002:map", PositionConstructor.construct_yaml_map)
PositionConstructor.add_constructor("tag:yaml.org,2002:seq", PositionConstructor.construct_yaml_seq)
PositionConstructor.add_constructor(None, PositionConstructor.construct_unknown_tag)


class PurePositionLoader(Reader, Scanner, Parser, Composer, PositionConstructor, Resolver):
    """The same loader on PyYAML's pure-Python parser.

    libyaml rejects some plain scalars that PyYAML and Go's YAML accept, notably IPv6 addresses in
    flow lists (``addresses: [2001:db8::1]``); a document libyaml cannot read is retried with this.
    """

    def __init__(self, stream):
        Reader.__init__(self, stream)
        Scanner.__init__(self)
        Parser.__init__(self)
        Composer.__init__(self)
        PositionConstructor.__init__(self)
        Resolver.__init__(self)


class MemoResolver(Resolver):
    """Resolver whose answer for a scalar is memoised: manifests repeat the same few thousand scalars
    (`name`, `TCP`, `80`), and libyaml calls back into Python's regex resolvers for every one of them."""

    _scalar_tags: dict = {}
    _MEMO_LIMIT = 100_000

    # libyaml calls these for every node; they only serve path resolvers, which policylint never adds.
    def descend_resolver(self, current_node, current_index):
        pass

    def ascend_resolver(self):
        pass

    def resolve(self, kind, value, implicit):
        if kind is not ScalarNode:
            return Resolver.resolve(self, kind, value, implicit)
        memo = self._scalar_tags
        key = (value, implicit)
        tag = memo.get(key)
        if tag is None:
            tag = Resolver.resolve(self, kind, value, implicit)
            if len(memo) < self._MEMO_LIMIT:
                memo[key] = tag
        return tag


if CParser is not None:
    class PositionLoader(CParser, PositionConstructor, MemoResolver):
        """Positions on libyaml: parsing and composing in C, construction in Python."""

        fallback = PurePositionLoader

        def __init__(self, stream):
            CParser.__init__(self, stream)
            PositionConstructor.__init__(self)
            Resolver.__init__(self)
else:  # pragma: no cover
    PositionLoader = PurePositionLoader


class JsonPositionLoader(PositionLoader):
    """Reads JSON text (a subset of YAML flow syntax) with JSON's scalar rules.

    YAML 1.1 would read `1e5` as a string and accept `yes`/`on` as booleans; a JSON document must give
    the same values as ``json.loads``.  JSON strings are always quoted, so only `true`, `false`, `null`
    and numbers reach the implicit resolvers.
    """

    yaml_implicit_resolvers: dict = {}
    _scalar_tags: dict = {}  # its own memo: JSON resolves scalars differently
    fallback = None  # JSON that libyaml cannot read falls back to json.loads values instead


JsonPositionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|false)$"), list("tf"))
JsonPositionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:null", re.compile(r"^null$"), ["n"])
JsonPositionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^-?(?:0|[1-9][0-9]*)$"), list("-0123456789"))
JsonPositionLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+(?:[eE][-+]?[0-9]+)?|[eE][-+]?[0-9]+)$"),
    list("-0123456789"))


def key_positions(table: dict, mapping: dict) -> dict | None:
    """``{key: (line, col)}`` for ``mapping`` (0-based), converting the flat form in place on first use."""
    entry = table.get(id(mapping))
    if entry is None or isinstance(entry, dict):
        return entry
    if len(entry) != 2 * len(mapping):  # the mapping was changed after loading
        return None
    lines, cols = entry[0::2], entry[1::2]
    converted = dict(zip(mapping, zip(lines, cols)))
    table[id(mapping)] = converted
    return converted


def item_position(table: dict, sequence: list, index: int) -> tuple[int, int] | None:
    """0-based position of ``sequence[index]``, or None when unknown."""
    entry = table.get(id(sequence))
    if entry is None or not isinstance(entry, list) or 2 * index + 1 >= len(entry):
        return None
    return entry[2 * index], entry[2 * index + 1]
