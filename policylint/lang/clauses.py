"""Parsed clauses -> `RuleDecl` / `IndexDecl`: clause names, order, required clauses, header and doc checks."""
from __future__ import annotations

import difflib
import re
import textwrap

from . import ast
from .errors import ErrorSink
from .parser import parse_placeholder, string_body, unescape

RULE_ORDER = ("severity", "kinds", "summary", "istio_code", "param", "for/let", "when", "message", "at", "column",
              "fix", "doc")
INDEX_ORDER = ("kinds", "for/let", "key", "value")
RULE_REQUIRED = ("severity", "kinds", "summary", "when", "message", "doc")
INDEX_REQUIRED = ("kinds", "key")
DOC_HEADINGS = ("## What it does", "## Why it matters", "## Example", "## How to fix")
SEVERITIES = ("error", "warning", "info")

_RULE_ID = re.compile(r"[A-Z]+[0-9]+\Z")
_RULE_NAME = re.compile(r"[a-z][a-z0-9]*(-[a-z0-9]+)*\Z")
_KIND = re.compile(r"\*\Z|([a-z0-9]([-a-z0-9.]*[a-z0-9])?/)?[A-Z][A-Za-z0-9]*\Z")
_HEX_WIDTH = {"x": 4, "u": 6, "U": 10}


def build(raw_decls: list, sink: ErrorSink) -> list:
    out = []
    for kind, (line, column), first, second, items in raw_decls:
        if kind == "rule":
            out.append(_rule(line, column, first, second, items, sink))
        else:
            out.append(_index(line, column, first, items, sink))
    return out


def _rule(line, column, id_token, name_token, items, sink: ErrorSink) -> ast.RuleDecl:
    rule = ast.RuleDecl(line, column, str(id_token), str(name_token), id_column=id_token.column)
    if not _RULE_ID.match(rule.id):
        sink.add(id_token.line, id_token.column, f"rule id {rule.id!r} must be upper-case letters then digits (SE130)")
    if not _RULE_NAME.match(rule.name):
        sink.add(name_token.line, name_token.column, f"rule name {rule.name!r} must be kebab-case (port-name-missing)")
    seen = _walk_clauses(items, RULE_ORDER, sink, rule)
    for clause in items:
        if isinstance(clause, ast.Param):
            if any(p.name == clause.name for p in rule.params):
                sink.add(clause.line, clause.column, f"duplicate param {clause.name!r}")
                continue
            rule.params.append(clause)
            _constant(clause.default, sink)  # reports a non-constant default
            continue
        if isinstance(clause, (ast.ForStep, ast.LetStep)):
            rule.steps.append(clause)
            continue
        if seen.get(clause.name) is not clause:
            continue
        name, value = clause.name, clause.value
        if name == "doc":
            rule.doc = _doc(clause, sink)
        elif isinstance(value, str):
            sink.add(clause.value_line, clause.value_column, "a triple-quoted string is only allowed for doc")
        elif name == "severity":
            word = value.name if isinstance(value, ast.Name) else value.value if isinstance(value, ast.Literal) else None
            if word not in SEVERITIES:
                sink.add(value.line, value.column, "severity must be error, warning or info")
            else:
                rule.severity = word
        elif name == "kinds":
            rule.kinds = _kinds(value, sink)
        elif name == "summary":
            rule.summary = _string(value, sink, "summary") or ""
        elif name == "istio_code":
            rule.istio_code = _string(value, sink, "istio_code")
        elif name == "message":
            rule.message = _template(value, sink)
        elif name == "when":
            rule.when = value
        elif name == "at":
            rule.at = value
        elif name == "column":
            rule.column_expr = value
        elif name == "fix":
            rule.fix = value
    _require(rule, "rule " + rule.id, RULE_REQUIRED, seen, sink)
    return rule


def _index(line, column, name_token, items, sink: ErrorSink) -> ast.IndexDecl:
    index = ast.IndexDecl(line, column, str(name_token), name_column=name_token.column)
    seen = _walk_clauses(items, INDEX_ORDER, sink, index)
    for clause in items:
        if isinstance(clause, (ast.ForStep, ast.LetStep)):
            index.steps.append(clause)
        elif isinstance(clause, ast.Param):
            sink.add(clause.line, clause.column, "an index has no params")
        elif seen.get(clause.name) is clause:
            if isinstance(clause.value, str):
                sink.add(clause.value_line, clause.value_column, "a triple-quoted string is only allowed for doc")
            elif clause.name == "kinds":
                index.kinds = _kinds(clause.value, sink)
            elif clause.name == "key":
                index.key = clause.value
            elif clause.name == "value":
                index.value = clause.value
    _require(index, "index " + index.name, INDEX_REQUIRED, seen, sink)
    return index


def _walk_clauses(items, order, sink: ErrorSink, decl) -> dict:
    """Check names, duplicates and order; return {clause name: its first occurrence}."""
    seen: dict = {}
    last_rank, last_name = -1, ""
    for clause in items:
        if isinstance(clause, ast.Param):
            name, shown = "param", "param"
        elif isinstance(clause, (ast.ForStep, ast.LetStep)):
            name, shown = "for/let", "for" if isinstance(clause, ast.ForStep) else "let"
        else:
            name = shown = clause.name
            if name not in order or name == "for/let":
                close = difflib.get_close_matches(name, [c for c in order if "/" not in c], n=1)
                hint = f" (did you mean {close[0]!r}?)" if close else ""
                where = "a rule" if isinstance(decl, ast.RuleDecl) else "an index"
                sink.add(clause.line, clause.column, f"unknown clause {name!r} in {where}{hint}")
                continue
            if name in seen:
                sink.add(clause.line, clause.column, f"duplicate clause {name!r}")
                continue
            seen[name] = clause
        if name not in order:
            sink.add(clause.line, clause.column, f"{shown!r} is not allowed in an index")
            continue
        rank = order.index(name)
        if rank < last_rank:
            sink.add(clause.line, clause.column,
                     f"clause {shown!r} must come before {last_name!r} (order: {', '.join(order)})")
        else:
            last_rank, last_name = rank, shown
    return seen


def _require(decl, label: str, required, seen: dict, sink: ErrorSink) -> None:
    missing = [name for name in required if name not in seen]
    if missing:
        what = ", ".join(repr(m) for m in missing)
        sink.add(decl.line, decl.column, f"{label} is missing the clause{'s' if len(missing) > 1 else ''} {what}")


def _string(node, sink: ErrorSink, clause: str) -> str | None:
    if isinstance(node, ast.Literal) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.Literal) and node.value is None and clause == "istio_code":
        return None
    sink.add(node.line, node.column, f"{clause} must be a string")
    return None


def _kinds(node, sink: ErrorSink) -> tuple:
    if not isinstance(node, ast.ListLit) or not node.items:
        sink.add(node.line, node.column, 'kinds must be a non-empty list of strings like "networking.istio.io/ServiceEntry"')
        return ()
    kinds = []
    for item in node.items:
        if not (isinstance(item, ast.Literal) and isinstance(item.value, str) and _KIND.match(item.value)):
            sink.add(item.line, item.column, 'a kind is "group/Kind", "Kind" for the core group, or "*"')
        else:
            kinds.append(item.value)
    return tuple(kinds)


def _doc(clause: ast.Clause, sink: ErrorSink) -> str:
    value = clause.value
    if isinstance(value, str):
        text = textwrap.dedent(value[3:-3]).strip()
    elif isinstance(value, ast.Literal) and isinstance(value.value, str):
        text = value.value.strip()
    else:
        sink.add(clause.value_line, clause.value_column, 'doc must be a """triple-quoted""" Markdown string')
        return ""
    lines = {line.strip() for line in text.splitlines()}
    missing = [h for h in DOC_HEADINGS if h not in lines]
    if missing:
        sink.add(clause.value_line, clause.value_column,
                 f"doc is missing the heading{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)}")
    return text


def _constant(node, sink: ErrorSink):
    """The value of a literal-only expression; reports anything else."""
    if isinstance(node, ast.Literal):
        return node.value
    if isinstance(node, ast.ListLit):
        return [_constant(item, sink) for item in node.items]
    if isinstance(node, ast.MapLit):
        out = {}
        for key, value in node.pairs:
            k = _constant(key, sink)
            if isinstance(k, (list, dict)):
                sink.add(key.line, key.column, "a map key must be a string, number, bool or null")
                continue
            out[k] = _constant(value, sink)
        return out
    sink.add(node.line, node.column, "a param default must be a constant (literals, lists and maps of literals)")
    return None


def constant_value(node):
    """`_constant` for nodes already checked (no errors possible)."""
    return _constant(node, ErrorSink("", ""))


def _template(node, sink: ErrorSink) -> ast.Template | None:
    """A message string: literal text with `{EXPR}` placeholders; `{{` and `}}` are literal braces."""
    if not (isinstance(node, ast.Literal) and isinstance(node.value, str) and node.raw):
        sink.add(node.line, node.column, "message must be a string (with {EXPR} placeholders)")
        return None
    body, offset = string_body(node.raw)
    is_raw = node.raw[0] in "rR"
    start = node.column + offset  # column of body[0]
    parts: list = []
    text: list[str] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch == "\\" and not is_raw:
            width = _HEX_WIDTH.get(body[i + 1: i + 2], 2)
            text.append(unescape(body[i: i + width], node.line, start + i, sink))
            i += width
        elif ch in "{}" and body[i + 1: i + 2] == ch:
            text.append(ch)
            i += 2
        elif ch == "}":
            sink.add(node.line, start + i, "single '}' in message (write '}}' for a literal brace)")
            i += 1
        elif ch == "{":
            end = _closing_brace(body, i + 1)
            if end < 0:
                sink.add(node.line, start + i, "unclosed '{' in message (write '{{' for a literal brace)")
                break
            if text:
                parts.append("".join(text))
                text = []
            source = body[i + 1: end]
            if not source.strip():
                sink.add(node.line, start + i, "empty placeholder '{}' in message")
            else:
                expr = parse_placeholder(source, node.line, start + i + 1, sink)
                if expr is not None:
                    parts.append(expr)
            i = end + 1
        else:
            text.append(ch)
            i += 1
    if text:
        parts.append("".join(text))
    return ast.Template(node.line, node.column, tuple(parts))


def _closing_brace(body: str, i: int) -> int:
    depth = 1
    while i < len(body):
        ch = body[i]
        if ch in "'\"":
            i += 1
            while i < len(body) and body[i] != ch:
                i += 2 if body[i] == "\\" else 1
        elif ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1
