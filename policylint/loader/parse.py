"""Parse one chunk of YAML text (normally one document) into data + positions, or into problems.

Positions and problem locations here are 0-based and relative to the chunk; the caller adds the chunk's
line offset and the file name.
"""
from __future__ import annotations

from typing import NamedTuple

import yaml
from yaml.parser import ParserError
from yaml.scanner import ScannerError

from . import guards

__all__ = ["ParsedDocument", "RawProblem", "parse_chunk", "syntax_message"]


class ParsedDocument(NamedTuple):
    data: object
    table: dict  # id(container) -> positions, see yamlpos
    root: tuple[int, int]  # where the document's root node starts
    duplicates: list  # (key, first (line, col), repeated (line, col))
    node_index: int  # which YAML document of the chunk (for re-composing it later)


class RawProblem(NamedTuple):
    code: str
    message: str
    line: int
    column: int


def parse_chunk(text: str, loader_class, *, templates: bool = True,
                where=None) -> list[ParsedDocument | RawProblem]:
    """One outcome per non-empty YAML document of ``text``, in order.

    ``templates``: report Go template text in YAML structure as PL002 (off for Helm values and
    embedded YAML, which hold template strings as data).  ``where(line, column)`` turns a 0-based chunk
    position into the 1-based file position quoted inside messages.  Empty documents give no outcome.
    """
    deep = guards.nesting_violation(text, loader_class)
    if deep is not None:
        return [RawProblem("PL009", f"mappings and lists nest more than {guards.MAX_DEPTH} levels deep here; "
                                    "the document is skipped", *deep)]
    template_hint = templates and "{{" in text
    anchors = guards.has_anchor(text)
    outcomes: list = []
    loader = loader_class(text)
    node_index = -1
    try:
        while loader.check_node():
            node = loader.get_node()
            node_index += 1
            if node is None:
                continue
            if template_hint:
                marker = guards.template_marker(node)
                if marker is not None:
                    at = guards.first_template_action(text, marker.start_mark.index)
                    outcomes.append(_template_problem(text, marker.start_mark.index if at is None else at))
                    continue
            if anchors:
                trouble = _alias_problem(guards.alias_expansion(node), node)
                if trouble is not None:
                    outcomes.append(trouble)
                    continue
            data = loader.construct_document(node)
            table, duplicates = loader.take_document_state()
            if data is None:  # empty document, or only comments
                continue
            outcomes.append(ParsedDocument(data, table, (node.start_mark.line, node.start_mark.column),
                                           duplicates, node_index))
    except yaml.MarkedYAMLError as error:
        if template_hint and (at := guards.first_template_action(text)) is not None:
            outcomes.append(_template_problem(text, at))
        elif isinstance(error, (ScannerError, ParserError)) and getattr(loader_class, "fallback", None):
            retry = parse_chunk(text, loader_class.fallback, templates=templates, where=where)
            if not any(isinstance(outcome, RawProblem) and outcome.code == "PL001" for outcome in retry):
                return retry
            outcomes.append(_syntax_problem(error, where))
        else:
            outcomes.append(_syntax_problem(error, where))
    except Exception as error:  # never let odd input escape as an exception
        if template_hint and (at := guards.first_template_action(text)) is not None:
            outcomes.append(_template_problem(text, at))
        else:
            outcomes.append(RawProblem("PL001", f"cannot read this YAML document: {error}", 0, 0))
    finally:
        loader.dispose()
    return outcomes


def _alias_problem(expansion: guards.Expansion, root) -> RawProblem | None:
    if expansion.recursive is not None:
        mark = expansion.recursive.start_mark
        return RawProblem("PL008", "an alias refers to the node that contains it, so the data is infinitely "
                                   "deep; the document is skipped", mark.line, mark.column)
    if guards.alias_bomb(expansion):
        return RawProblem(
            "PL008",
            f"aliases (*name) expand this document's {expansion.distinct} nodes to more than "
            f"{max(expansion.expanded, guards.MAX_EXPANDED_NODES):,}; it looks like a 'billion laughs' attack "
            "and the document is skipped",
            root.start_mark.line, root.start_mark.column)
    return None


def _syntax_problem(error: yaml.MarkedYAMLError, where) -> RawProblem:
    mark = error.problem_mark or error.context_mark
    line, column = (mark.line, mark.column) if mark else (0, 0)
    return RawProblem("PL001", syntax_message(error, where), line, column)


def _template_problem(text: str, index: int) -> RawProblem:
    line, column = guards.index_to_position(text, index)
    return RawProblem(
        "PL002",
        "looks like a Helm/Go template ({{ ... }}); render it first: `helm template ... | policylint lint -`",
        line, column)


_HINTS = (
    ("mapping values are not allowed", "check the indentation, or quote a value that contains ': '"),
    ("could not find expected ':'", "a line has no ':' or is indented wrongly"),
    ("did not find expected key", "check the indentation of this line"),
    ("expected <block end>", "check the indentation of this line"),
    ("cannot start any token", "quote the value; YAML also does not allow tabs for indentation"),
    ("found undefined alias", "a value starting with '*' is an alias; quote it"),
    ("found unhashable key", "a key is a list or a mapping"),
    ("found unexpected end of stream", "a quote or bracket is not closed"),
    ("did not find expected ',' or", "a bracket is not closed"),
)


def syntax_message(error: yaml.MarkedYAMLError, where=None) -> str:
    """A one-line message from PyYAML's multi-line error text, with a hint when the cause is common."""
    problem = (error.problem or "invalid YAML").replace("\n", " ")
    message = problem
    if error.context:
        context = error.context.replace("\n", " ")
        mark = error.context_mark
        if mark is not None and mark is not error.problem_mark:
            line, column = where(mark.line, mark.column) if where else (mark.line + 1, mark.column + 1)
            context += f" that starts on line {line}, column {column}"
        message += f" ({context})"
    for needle, hint in _HINTS:
        if needle in problem:
            message += f"; {hint}"
            break
    return message
