"""Rule file text -> syntax tree (`ast`), with readable syntax errors.

Importing this module imports lark (tens of milliseconds): the compiler only does so when a rule file is not in
the cache.
"""
from __future__ import annotations

import hashlib
from pathlib import Path

import lark
from lark import Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedInput, UnexpectedToken

from . import ast
from .errors import ErrorSink

GRAMMAR_PATH = Path(__file__).with_name("grammar.lark")

# Terminals that can start an expression: when a syntax error expects all of them, say "an expression".
_EXPRESSION_START = {"NAME", "NUMBER", "STRING", "RAW_STRING", "LPAR", "LSQB", "LBRACE", "BANG", "MINUS"}
_OPERATORS = {"QMARK", "DOT", "LSQB", "LPAR", "PLUS", "MINUS", "STAR", "SLASH", "PERCENT", "LESSTHAN", "MORETHAN",
              "IN"}
_RELATIONS = {"==", "!=", "<", "<=", ">", ">=", "in"}
_CLAUSE_START = {"NAME", "FOR", "LET", "PARAM"}
_TERMINAL_WORDS = {
    "NAME": "a name", "NUMBER": "a number", "STRING": "a string", "RAW_STRING": "a string",
    "LONG_STRING": 'a """doc string"""', "HEADER_WORD": "a rule id or name", "$END": "the end of the file",
}
_ESCAPES = {"\\": "\\", '"': '"', "'": "'", "n": "\n", "r": "\r", "t": "\t", "0": "\0", "/": "/"}
_HEX_ESCAPES = {"x": 2, "u": 4, "U": 8}

_parser: lark.Lark | None = None


def grammar_text() -> str:
    return GRAMMAR_PATH.read_text(encoding="utf-8")


def get_parser(cache_dir: Path | None = None) -> lark.Lark:
    """The LALR parser, built once per process; lark's own analysis cache is kept beside ours when allowed."""
    global _parser
    if _parser is None:
        text = grammar_text()
        cache = None
        if cache_dir is not None:
            cache = str(cache_dir / f"grammar-{hashlib.sha256(text.encode()).hexdigest()[:16]}.lark")
            try:
                cache_dir.mkdir(parents=True, exist_ok=True)
            except OSError:
                cache = None
        options = dict(parser="lalr", lexer="contextual", propagate_positions=True, maybe_placeholders=True,
                       start=["start", "placeholder"])
        try:
            _parser = lark.Lark(text, cache=cache, **options)
        except OSError:  # an unwritable cache directory only costs time
            _parser = lark.Lark(text, **options)
    return _parser


def parse_file(text: str, sink: ErrorSink) -> list:
    """The file's declarations as raw `(kind, header tokens, clauses)` tuples; syntax errors go to `sink`."""
    parser = get_parser()
    try:
        tree = parser.parse(text, start="start")
    except UnexpectedInput as exc:
        line, column, message = describe_syntax_error(exc, parser)
        sink.add(line, column, message)
        return []
    return ToAst(sink).transform(tree)


def parse_placeholder(text: str, line: int, column: int, sink: ErrorSink):
    """Parse the `{EXPR}` text of a message placeholder that starts at (line, column) in the rule file."""
    parser = get_parser()
    try:
        tree = parser.parse(text, start="placeholder")
    except UnexpectedInput as exc:
        sub_line, sub_column, message = describe_syntax_error(exc, parser)
        message = message.replace("end of file", "end of placeholder")
        sink.add(line + sub_line - 1, (column + sub_column - 1) if sub_line == 1 else sub_column, message)
        return None
    return ToAst(sink, line - 1, column - 1).transform(tree)


def describe_syntax_error(exc: UnexpectedInput, parser: lark.Lark) -> tuple[int, int, str]:
    line = exc.line if exc.line and exc.line > 0 else 1
    column = exc.column if exc.column and exc.column > 0 else 1
    if isinstance(exc, UnexpectedCharacters):
        char = exc.char
        if char in "\"'":
            return line, column, "unterminated string (strings end on the same line; use \"\"\"...\"\"\" for doc)"
        return line, column, f"unexpected character {char!r}"
    if isinstance(exc, UnexpectedToken):
        token = exc.token
        if str(token) in _RELATIONS and token.type != "NAME":
            return line, column, (f"unexpected {str(token)!r}: comparisons do not chain; "
                                  "write (a < b) && (b < c), or add parentheses")
        if token.type == "$END":
            found = "unexpected end of file"
        elif token.type in _TERMINAL_WORDS:
            found = f"unexpected {_TERMINAL_WORDS[token.type].partition(' ')[2]} {str(token)!r}"
        else:
            found = f"unexpected token {str(token)!r}"
        return line, column, f"{found}; expected {describe_expected(set(exc.expected), parser)}"
    return line, column, "syntax error"


def describe_expected(expected: set[str], parser: lark.Lark) -> str:
    parts: list[str] = []
    rest = set(expected)
    if _EXPRESSION_START <= rest:
        parts.append("an expression")
        rest -= _EXPRESSION_START
    operators = {t for t in rest if t in _OPERATORS or t.startswith("__ANON")}
    if len(operators) >= 3:
        parts.append("an operator")
        rest -= operators
    if "NAME" in rest and rest & {"FOR", "LET", "PARAM", "RBRACE"}:
        parts.append("a clause")
        rest -= _CLAUSE_START
    by_name = {t.name: t for t in parser.terminals}
    words = []
    for name in rest:
        if name in _TERMINAL_WORDS:
            words.append(_TERMINAL_WORDS[name])
        elif name in by_name and by_name[name].pattern.type == "str":
            words.append(repr(by_name[name].pattern.value))
        else:
            words.append(name)
    parts.extend(sorted(set(words)))
    if not parts:
        return "nothing more"
    return parts[0] if len(parts) == 1 else ", ".join(parts[:-1]) + " or " + parts[-1]


def unescape(raw: str, line: int, column: int, sink: ErrorSink) -> str:
    """The value of a quoted string's body; `column` is where `raw` starts (for error positions)."""
    if "\\" not in raw:
        return raw
    out: list[str] = []
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch != "\\":
            out.append(ch)
            i += 1
            continue
        code = raw[i + 1] if i + 1 < len(raw) else ""
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            i += 2
        elif code in _HEX_ESCAPES:
            width = _HEX_ESCAPES[code]
            digits = raw[i + 2: i + 2 + width]
            try:
                if len(digits) != width:
                    raise ValueError
                out.append(chr(int(digits, 16)))
            except ValueError:
                sink.add(line, column + i, f"invalid escape '\\{code}{digits}': expected {width} hex digits")
            i += 2 + width
        else:
            sink.add(line, column + i, f"unknown escape '\\{code}' (write r\"...\" for a regular expression)")
            i += 2
    return "".join(out)


def string_body(token: Token) -> tuple[str, int]:
    """(body text between the quotes, offset of the body in the token) of a STRING or RAW_STRING token."""
    text = str(token)
    offset = 2 if text[0] in "rR" else 1
    return text[offset:-1], offset


@v_args(meta=True)
class ToAst(Transformer):
    """lark tree -> `ast` nodes. Positions shift by (line_offset, column_offset) for placeholder expressions."""

    def __init__(self, sink: ErrorSink, line_offset: int = 0, column_offset: int = 0) -> None:
        super().__init__()
        self.sink = sink
        self.dl = line_offset
        self.dc = column_offset

    def _pos(self, item) -> tuple[int, int]:
        line, column = item.line, item.column
        return line + self.dl, column + (self.dc if line == 1 else 0)

    # -- declarations -------------------------------------------------------------------------------------

    def start(self, meta, items):
        return list(items)

    def rule(self, meta, items):
        return ("rule", self._pos(meta), items[0], items[1], items[2:])

    def index(self, meta, items):
        return ("index", self._pos(meta), items[0], None, items[1:])

    def colon_clause(self, meta, items):
        name, value = items
        if isinstance(value, Token):  # LONG_STRING
            vline, vcol = self._pos(value)
            value = str(value)
        else:
            vline, vcol = value.line, value.column
        return ast.Clause(*self._pos(name), str(name), value, vline, vcol)

    def param_clause(self, meta, items):
        return ast.Param(*self._pos(meta), str(items[0]), items[1])

    def for_clause(self, meta, items):
        first, second, iterable = items
        names = (str(first),) if second is None else (str(first), str(second))
        return ast.ForStep(*self._pos(meta), names, iterable)

    def let_clause(self, meta, items):
        return ast.LetStep(*self._pos(meta), str(items[0]), items[1])

    def placeholder(self, meta, items):
        return items[0]

    # -- expressions --------------------------------------------------------------------------------------

    def cond(self, meta, items):
        return ast.Conditional(*self._pos(meta), *items)

    def or_(self, meta, items):
        return ast.Binary(*self._pos(meta), "||", *items)

    def and_(self, meta, items):
        return ast.Binary(*self._pos(meta), "&&", *items)

    def compare(self, meta, items):
        return ast.Binary(*self._pos(meta), items[1], items[0], items[2])

    arith = compare

    def in_(self, meta, items):
        return ast.Binary(*self._pos(meta), "in", *items)

    def rel_op(self, meta, items):
        return str(items[0])

    add_op = mul_op = rel_op

    def not_(self, meta, items):
        return ast.Unary(*self._pos(meta), "!", items[0])

    def neg(self, meta, items):
        operand = items[0]
        if isinstance(operand, ast.Literal) and type(operand.value) in (int, float):
            return ast.Literal(*self._pos(meta), -operand.value)
        return ast.Unary(*self._pos(meta), "-", operand)

    def field(self, meta, items):
        target, name = items
        return ast.Field(*self._pos(name), target, str(name))

    def method(self, meta, items):
        target, name, args = items
        return ast.Method(*self._pos(name), target, str(name), tuple(args or ()))

    def subscript(self, meta, items):
        target, index = items
        return ast.Subscript(index.line, index.column, target, index)

    def call(self, meta, items):
        name, args = items
        return ast.Call(*self._pos(name), str(name), tuple(args or ()))

    def args(self, meta, items):
        return tuple(items)

    def list(self, meta, items):
        return ast.ListLit(*self._pos(meta), tuple(i for i in items if i is not None and not isinstance(i, Token)))

    def map(self, meta, items):
        return ast.MapLit(*self._pos(meta), tuple(i for i in items if isinstance(i, tuple)))

    def pair(self, meta, items):
        return (items[0], items[1])

    def number(self, meta, items):
        text = str(items[0])
        value = float(text) if any(c in text for c in ".eE") else int(text)
        return ast.Literal(*self._pos(items[0]), value)

    def string(self, meta, items):
        token = items[0]
        body, offset = string_body(token)
        line, column = self._pos(token)
        return ast.Literal(line, column, unescape(body, line, column + offset, self.sink), raw=str(token))

    def raw_string(self, meta, items):
        token = items[0]
        return ast.Literal(*self._pos(token), string_body(token)[0], raw=str(token))

    def name(self, meta, items):
        token = items[0]
        text = str(token)
        if text in _CONSTANTS:
            return ast.Literal(*self._pos(token), _CONSTANTS[text])
        return ast.Name(*self._pos(token), text)


_CONSTANTS = {"true": True, "false": False, "null": None}
