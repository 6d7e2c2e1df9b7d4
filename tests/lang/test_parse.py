"""Source text -> syntax tree: every construct, its position, precedence, and the rule/index declarations."""
from __future__ import annotations

from policylint.lang import ast, clauses, parser
from policylint.lang.ast import (Binary, Call, Clause, Conditional, Field, ForStep, LetStep, ListLit, Literal,
                                 MapLit, Method, Name, Param, Subscript, Template, Unary)
from policylint.lang.errors import ErrorSink

from lang_helpers import DOC


def expr(text: str):
    sink = ErrorSink("t", text)
    node = parser.parse_placeholder(text, 1, 1, sink)
    assert sink.errors == []
    return node


def decls(text: str):
    sink = ErrorSink("t.rule", text)
    out = clauses.build(parser.parse_file(text, sink), sink)
    assert [str(e) for e in sink.errors] == []
    return out


def test_literals():
    assert expr("1") == Literal(1, 1, 1)
    assert expr("2.5") == Literal(1, 1, 2.5)
    assert expr("1e3") == Literal(1, 1, 1000.0)
    assert expr('"a"') == Literal(1, 1, "a")
    assert expr("'a'") == Literal(1, 1, "a")
    assert expr("true") == Literal(1, 1, True)
    assert expr("false") == Literal(1, 1, False)
    assert expr("null") == Literal(1, 1, None)
    assert expr("-3") == Literal(1, 1, -3)


def test_string_escapes_and_raw_strings():
    assert expr(r'"a\"b\\c\n\t\u00e9\x41"').value == 'a"b\\c\n\té' + "A"
    assert expr(r"'it\'s'").value == "it's"
    assert expr(r'r"^\d+$"').value == r"^\d+$"
    assert expr(r"R'a\b'").value == r"a\b"


def test_collections():
    assert expr("[1, 'a',]") == ListLit(1, 1, (Literal(1, 2, 1), Literal(1, 5, "a")))
    assert expr("[]") == ListLit(1, 1, ())
    assert expr('{"k": 1, x: y,}') == MapLit(1, 1, (
        (Literal(1, 2, "k"), Literal(1, 7, 1)), (Name(1, 10, "x"), Name(1, 13, "y"))))
    assert expr("{}") == MapLit(1, 1, ())


def test_names_fields_subscripts():
    assert expr("spec") == Name(1, 1, "spec")
    assert expr("spec.ports") == Field(1, 6, Name(1, 1, "spec"), "ports")
    assert expr('a["x.y/z"]') == Subscript(1, 3, Name(1, 1, "a"), Literal(1, 3, "x.y/z"))
    assert expr("a[-1]") == Subscript(1, 3, Name(1, 1, "a"), Literal(1, 3, -1))
    # keywords of the clause syntax are plain names inside expressions
    assert expr("for.in.let") == Field(1, 8, Field(1, 5, Name(1, 1, "for"), "in"), "let")


def test_calls_and_methods():
    assert expr("isCIDR(x)") == Call(1, 1, "isCIDR", (Name(1, 8, "x"),))
    assert expr("f()") == Call(1, 1, "f", ())
    assert expr("s.startsWith('a')") == Method(1, 3, Name(1, 1, "s"), "startsWith", (Literal(1, 14, "a"),))
    assert expr("l.all(x, x > 0)") == Method(1, 3, Name(1, 1, "l"), "all", (
        Name(1, 7, "x"), Binary(1, 10, ">", Name(1, 10, "x"), Literal(1, 14, 0))))
    assert expr("m.keys()") == Method(1, 3, Name(1, 1, "m"), "keys", ())


def test_operators():
    assert expr("!a") == Unary(1, 1, "!", Name(1, 2, "a"))
    assert expr("-a") == Unary(1, 1, "-", Name(1, 2, "a"))
    for op in ("==", "!=", "<", "<=", ">", ">=", "in", "+", "-", "*", "/", "%", "&&", "||"):
        assert expr(f"a {op} b") == Binary(1, 1, op, Name(1, 1, "a"), Name(1, 4 + len(op), "b")), op
    assert expr("c ? a : b") == Conditional(1, 1, Name(1, 1, "c"), Name(1, 5, "a"), Name(1, 9, "b"))


def test_precedence():
    # || < && < relations < + - < * / % < unary < postfix; ?: lowest and right-associative
    assert expr("a || b && c") == Binary(1, 1, "||", Name(1, 1, "a"),
                                         Binary(1, 6, "&&", Name(1, 6, "b"), Name(1, 11, "c")))
    assert expr("a + b * c == d") == Binary(1, 1, "==", Binary(1, 1, "+", Name(1, 1, "a"), Binary(
        1, 5, "*", Name(1, 5, "b"), Name(1, 9, "c"))), Name(1, 14, "d"))
    assert expr("a - b - c") == Binary(1, 1, "-", Binary(1, 1, "-", Name(1, 1, "a"), Name(1, 5, "b")),
                                       Name(1, 9, "c"))
    assert expr("!a.b") == Unary(1, 1, "!", Field(1, 4, Name(1, 2, "a"), "b"))
    assert expr("a ? b : c ? d : e") == Conditional(1, 1, Name(1, 1, "a"), Name(1, 5, "b"), Conditional(
        1, 9, Name(1, 9, "c"), Name(1, 13, "d"), Name(1, 17, "e")))
    assert expr("(a || b) && c") == Binary(1, 1, "&&", Binary(1, 2, "||", Name(1, 2, "a"), Name(1, 7, "b")),
                                           Name(1, 13, "c"))
    assert expr("x in [1] && y") == Binary(1, 1, "&&", Binary(1, 1, "in", Name(1, 1, "x"), ListLit(
        1, 6, (Literal(1, 7, 1),))), Name(1, 13, "y"))


RULE = '''# leading comment
rule SE130 serviceentry-https-port {
  severity: warning
  kinds: ["networking.istio.io/ServiceEntry"]  # trailing comment
  summary: "Port 443 is plaintext"
  istio_code: "IST0133"
  param ports = [443]
  for port in spec.ports
  let proto = port.protocol
  when: port.number in params.ports &&
        proto == "HTTP"
  message: "port {port.number} is {proto}, {{literal}}"
  at: port.protocol
  column: 3
  fix: "TLS"
''' + DOC + '''
}

index se_by_host {
  kinds: ["networking.istio.io/ServiceEntry"]
  for k, h in spec.hosts
  key: h
  value: metadata.name
}
'''


def test_rule_declaration():
    rule, index = decls(RULE)
    assert (rule.id, rule.name, rule.severity, rule.kinds, rule.summary, rule.istio_code) == (
        "SE130", "serviceentry-https-port", "warning", ("networking.istio.io/ServiceEntry",),
        "Port 443 is plaintext", "IST0133")
    assert (rule.line, rule.column, rule.id_column) == (2, 1, 6)
    assert rule.params == [Param(7, 3, "ports", ListLit(7, 17, (Literal(7, 18, 443),)))]
    assert rule.steps == [
        ForStep(8, 3, ("port",), Field(8, 20, Name(8, 15, "spec"), "ports")),
        LetStep(9, 3, "proto", Field(9, 20, Name(9, 15, "port"), "protocol")),
    ]
    assert rule.when == Binary(10, 9, "&&", Binary(10, 9, "in", Field(10, 14, Name(10, 9, "port"), "number"),
                                                   Field(10, 31, Name(10, 24, "params"), "ports")),
                               Binary(11, 9, "==", Name(11, 9, "proto"), Literal(11, 18, "HTTP")))
    assert rule.message == Template(12, 12, (
        "port ", Field(12, 24, Name(12, 19, "port"), "number"), " is ", Name(12, 36, "proto"), ", {literal}"))
    assert rule.at == Field(13, 12, Name(13, 7, "port"), "protocol")
    assert rule.column_expr == Literal(14, 11, 3)
    assert rule.fix == Literal(15, 8, "TLS")
    assert rule.doc == ("## What it does\nChecks.\n## Why it matters\nMatters.\n## Example\nAn example.\n"
                        "## How to fix\nFix it.")
    assert (index.name, index.kinds, index.line, index.name_column) == (
        "se_by_host", ("networking.istio.io/ServiceEntry",), 28, 7)
    assert index.steps == [ForStep(30, 3, ("k", "h"), Field(30, 20, Name(30, 15, "spec"), "hosts"))]
    assert index.key == Name(31, 8, "h")
    assert index.value == Field(32, 19, Name(32, 10, "metadata"), "name")


def test_severity_as_string_and_optional_clauses():
    rule, = decls('rule A1 a {\n  severity: "error"\n  kinds: ["Service", "*"]\n  summary: "s"\n'
                  '  when: true\n  message: \'m\'\n' + DOC + "\n}\n")
    assert (rule.severity, rule.kinds, rule.istio_code, rule.params, rule.steps, rule.at, rule.fix) == (
        "error", ("Service", "*"), None, [], [], None, None)
    assert rule.message == Template(6, 12, ("m",))


def test_placeholder_positions_inside_message():
    rule, = decls('rule A1 a {\n  severity: info\n  kinds: ["*"]\n  summary: "s"\n  when: true\n'
                  "  message: r\"{x['k']} \\d {{y}}\"\n" + DOC + "\n}\n")
    assert rule.message == Template(6, 12, (Subscript(6, 17, Name(6, 15, "x"), Literal(6, 17, "k")),
                                            " \\d {y}"))


def test_clause_keeps_raw_long_string():
    sink = ErrorSink("t", "")
    raw = parser.parse_file('index i {\n  kinds: ["*"]\n  key: 1\n}\n', sink)
    assert raw[0][0] == "index"
    assert raw[0][4][1] == Clause(3, 3, "key", Literal(3, 8, 1), 3, 8)
    assert ast.Literal(1, 1, "x", raw='"x"') == ast.Literal(1, 1, "x")  # raw text does not take part in ==
