"""Files and texts to Documents and Problems: the entry points ``load_file`` and ``load_text``."""
from __future__ import annotations

import json
import os
from dataclasses import dataclass, field

from . import guards, suppress
from .classify import FileKind, classify
from .document import POLICYLINT_API, Document, TextDocument, iter_node_positions
from .guards import split_documents
from .parse import ParsedDocument, parse_chunk
from .problems import Problem, problem
from .reading import DEFAULT_MAX_BYTES, normalize_newlines, read_text
from .yamlpos import JsonPositionLoader, PositionLoader, item_position

__all__ = ["LoadResult", "load_file", "load_text", "DEFAULT_MAX_BYTES"]

STDIN = "<stdin>"
# Inputs that are not Kubernetes objects but whole YAML documents of one known shape.
SYNTHETIC_KINDS = {FileKind.HELM_VALUES: "HelmValues", FileKind.MESH_CONFIG: "MeshConfig"}


@dataclass
class LoadResult:
    documents: list[Document] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    skipped: int = 0


def load_file(path: str | os.PathLike, text: str | None = None, *, display: str | None = None,
              max_bytes: int = DEFAULT_MAX_BYTES, kind: FileKind | None = None) -> LoadResult:
    """Load one file (or ``text`` standing for it). The file name decides how it is read, unless ``kind``
    says (``FileKind.MESH_CONFIG`` for --mesh-config); a name that is not recognised is read as a YAML
    manifest stream."""
    name = display if display is not None else os.fspath(path)
    kind = kind or classify(name) or FileKind.MANIFEST
    if kind is FileKind.SKIP:
        return LoadResult(skipped=1)
    if text is None:
        text, failure = read_text(path, name, max_bytes)
        if failure is not None:
            return LoadResult(problems=[failure])
    return _load(text, name, kind)


def load_text(text: str, file: str = STDIN) -> LoadResult:
    """Load text that did not come from a file: stdin, an admission request, a test.  ``file`` names it
    in positions; a recognised file name (``values.yaml``, ``Makefile``, ``x.json``) picks the reader."""
    if file == STDIN:
        return _load(text, file, None)
    kind = classify(file) or FileKind.MANIFEST
    if kind is FileKind.SKIP:
        return LoadResult(skipped=1)
    return _load(text, file, kind)


def _load(text: str, file: str, kind: FileKind | None) -> LoadResult:
    text = normalize_newlines(text[1:] if text.startswith("\ufeff") else text)
    if kind is FileKind.TEXT:
        return _load_text_file(text, file)
    if kind is FileKind.JSON:
        return _load_json(text, file)
    if kind is None:  # stdin: `kubectl get -o json` output is JSON, everything else YAML
        if text.lstrip().startswith(("{", "[")):
            result = _load_json(text, file, quiet=True)
            if result is not None:
                return result
        kind = FileKind.MANIFEST
    synthetic = SYNTHETIC_KINDS.get(kind)
    return _load_yaml(normalize_newlines(text, unicode_breaks=True), file, synthetic)


def _load_text_file(text: str, file: str) -> LoadResult:
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    document = TextDocument(file, lines)
    comments = suppress.scan_comments(text)
    if comments:
        document.suppressions = suppress.Suppressions(
            (("lines", c.target), c.ids, c.reason) for c in comments)
    return LoadResult([document])


@dataclass
class _Group:
    """The Documents made from one YAML document (several for a List), for attaching comments."""

    parsed: ParsedDocument
    offset: int
    end_line: int
    members: list = field(default_factory=list)  # (Document, root path inside the YAML document)
    is_list: bool = False


class _Builder:
    """Collects the Documents and Problems of one file."""

    def __init__(self, file: str, text: str, synthetic: str | None = None):
        self.file = file
        self.text = text
        self.synthetic = synthetic
        self.result = LoadResult()
        self.groups: list[_Group] = []
        self.index = 0

    def add_problem(self, code: str, message: str, line0: int, column0: int) -> None:
        self.result.problems.append(problem(code, message, self.file, line0 + 1, column0 + 1))

    def add_parsed(self, parsed: ParsedDocument, offset: int, end_line: int, source: str, loader: str) -> None:
        index = self.index
        self.index += 1
        for key, first, again in parsed.duplicates:
            self.add_problem("PL005", f"duplicate key {key!r} (first defined on line {first[0] + offset + 1}); "
                                      "the last value wins in PyYAML but kubectl rejects it",
                             again[0] + offset, again[1])
        group = _Group(parsed, offset, end_line)
        self.groups.append(group)
        data = parsed.data

        def make(item, value, root, prefix, **kind):
            document = Document(self.file, index, item, value, table=parsed.table, root=root, offset=offset,
                                source=source, origin=(parsed.node_index, prefix), loader=loader, **kind)
            group.members.append((document, prefix))
            self.result.documents.append(document)

        if self.synthetic:
            if self._is_mapping(data, parsed.root, offset, "the document"):
                make(None, data, parsed.root, (), api_version=POLICYLINT_API, kind=self.synthetic)
            return
        if not self._is_mapping(data, parsed.root, offset, "the document"):
            return
        items = data.get("items")
        kind = data.get("kind")
        if isinstance(kind, str) and kind.endswith("List") and isinstance(items, list):
            group.is_list = True
            for i, item in enumerate(items):
                root = item_position(parsed.table, items, i) or parsed.root
                if self._is_object(item, root, offset, f"item {i} of the {kind}"):
                    make(i, item, root, ("items", i))
            return
        if self._is_object(data, parsed.root, offset, "the document"):
            make(None, data, parsed.root, ())

    def _is_mapping(self, data, root, offset, what: str) -> bool:
        if isinstance(data, dict):
            return True
        self.add_problem("PL003", f"{what} is {_describe(data)}, not a mapping; a Kubernetes object is a "
                                  "mapping with apiVersion, kind and metadata", root[0] + offset, root[1])
        return False

    def _is_object(self, data, root, offset, what: str) -> bool:
        if not self._is_mapping(data, root, offset, what):
            return False
        missing = [key for key in ("apiVersion", "kind") if not data.get(key)]
        wrong = [key for key in ("apiVersion", "kind") if key not in missing and not isinstance(data[key], str)]
        if not missing and not wrong:
            return True
        if missing:
            message = f"{what} has no {' and no '.join(missing)}, so it is not a Kubernetes object"
        else:
            message = (f"the {wrong[0]} of {what} is {_describe(data[wrong[0]])}, not a string, "
                       "so it is not a Kubernetes object")
        self.add_problem("PL004", message + " and no rule can check it", root[0] + offset, root[1])
        return False

    def finish(self, empty_warning: bool = True) -> LoadResult:
        if self.index == 0 and not self.result.problems and empty_warning:
            self.add_problem("PL010", "the file holds no YAML document (it is empty or only comments)", 0, 0)
        if self.groups:
            _attach_comments(suppress.scan_comments(self.text), self.groups, self.text)
        for group in self.groups:
            if group.is_list:  # the List and its items list are dropped: forget their id()s
                data = group.parsed.data
                group.parsed.table.pop(id(data.get("items")), None)
                group.parsed.table.pop(id(data), None)
        return self.result


def _describe(value) -> str:
    if isinstance(value, list):
        return "a list"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return f"a number ({value!r})"
    if isinstance(value, str):
        return "a string"
    return f"a {type(value).__name__}"


def _load_yaml(text: str, file: str, synthetic: str | None) -> LoadResult:
    builder = _Builder(file, text, synthetic)
    chunks = split_documents(text)
    for number, chunk in enumerate(chunks):
        if not chunk.text.strip():
            continue
        end_line = chunks[number + 1].line if number + 1 < len(chunks) else chunk.line + chunk.text.count("\n") + 1
        offset = chunk.line

        def where(line: int, column: int, offset=offset) -> tuple[int, int]:
            return line + offset + 1, column + 1

        for outcome in parse_chunk(chunk.text, PositionLoader, templates=not synthetic, where=where):
            if isinstance(outcome, ParsedDocument):
                builder.add_parsed(outcome, offset, end_line, chunk.text, "yaml")
            else:
                builder.index += 1
                builder.add_problem(outcome.code, outcome.message, outcome.line + offset, outcome.column)
    return builder.finish(empty_warning=not synthetic)


def _load_json(text: str, file: str, quiet: bool = False) -> LoadResult | None:
    """A JSON file: ``json.loads`` decides validity and values, the YAML reader supplies positions.

    ``quiet``: return None instead of PL011 (stdin that only looked like JSON).
    """
    builder = _Builder(file, text)
    if not text.strip():
        return builder.finish()
    deep = guards.nesting_violation(text, JsonPositionLoader)
    if deep is not None:
        builder.add_problem("PL009", f"arrays and objects nest more than {guards.MAX_DEPTH} levels deep here; "
                                     "the file is skipped", *deep)
        return builder.finish()
    try:
        value = json.loads(text)
    except (ValueError, RecursionError) as error:
        if quiet:
            return None
        line, column = (error.lineno - 1, error.colno - 1) if isinstance(error, json.JSONDecodeError) else (0, 0)
        message = error.msg if isinstance(error, json.JSONDecodeError) else str(error)
        builder.add_problem("PL011", f"invalid JSON: {message}", line, column)
        return builder.finish()
    source = text.replace("\t", " ")  # raw tabs are only whitespace in valid JSON; libyaml rejects some
    outcomes = parse_chunk(source, JsonPositionLoader, templates=False)
    parsed = outcomes[0] if len(outcomes) == 1 and isinstance(outcomes[0], ParsedDocument) else None
    if parsed is None or parsed.data != value:  # a JSON corner libyaml reads differently: keep JSON's values
        start = len(text) - len(text.lstrip())
        parsed = ParsedDocument(value, {}, guards.index_to_position(text, start), [], 0)
        source = None
    builder.add_parsed(parsed, 0, text.count("\n") + 1, source, "json")
    return builder.finish()


def _attach_comments(comments: list, groups: list[_Group], text: str) -> None:
    """Give each Document the suppression comments that apply to it."""
    if not comments:
        return
    lines = text.split("\n")
    found: dict[int, list] = {}
    nodes: dict[int, list] = {}  # per group, computed once
    for comment in comments:
        group = next((g for g in groups if g.offset <= comment.target < g.end_line), None)
        if group is None:
            continue
        root_line = group.parsed.root[0] + group.offset
        if comment.target <= root_line:
            path = ()
        else:
            target = comment.target - group.offset
            line = lines[comment.target]
            indent = len(line) - len(line.lstrip(" "))
            if id(group) not in nodes:
                nodes[id(group)] = list(iter_node_positions(group.parsed.data, group.parsed.table))
            path = suppress.target_path(nodes[id(group)], target, indent)
            if path is None:
                continue
        for document, prefix in group.members:
            if path[: len(prefix)] == prefix:
                entry = (path[len(prefix):], comment.ids, comment.reason)
            elif prefix[: len(path)] == path:
                entry = ((), comment.ids, comment.reason)
            else:
                continue
            found.setdefault(id(document), [document]).append(entry)
    for document, *entries in found.values():
        document.suppressions = suppress.Suppressions(entries)
