"""Compile errors: exact file:line:col, message, quoted source line and caret."""
from __future__ import annotations

import pytest
from lang_helpers import DOC, rule_text

from policylint.lang import CompileError, RuleCompileError

HEADER = 'rule T1 t {\n  severity: error\n  kinds: ["*"]\n  summary: "s"\n'


def only_error(lang, text: str) -> str:
    errors = lang.errors(text)
    assert len(errors) == 1, errors
    return errors[0]


CASES = {
    "syntax": (
        rule_text("for port in spec.ports\nwhen: port.number in params.ports && )\nmessage: 'm'",
                  header="param ports = [443]"),
        "F1.rule:7:40: error: unexpected token ')'; expected an expression\n"
        "  when: port.number in params.ports && )\n"
        "                                       ^"),
    "unknown builtin": (
        rule_text("when: isCIRD(spec.x)\nmessage: 'm'"),
        "F1.rule:5:9: error: unknown function isCIRD() (did you mean isCIDR()?)\n"
        "  when: isCIRD(spec.x)\n"
        "        ^"),
    "wrong arity": (
        rule_text("when: isCIDR(spec.x, 1)\nmessage: 'm'"),
        "F1.rule:5:9: error: isCIDR() takes 1 argument, got 2\n"
        "  when: isCIDR(spec.x, 1)\n"
        "        ^"),
    "wrong method arity": (
        rule_text("when: spec.x.substring()\nmessage: 'm'"),
        "F1.rule:5:16: error: substring() takes 1 to 2 arguments, got 0\n"
        "  when: spec.x.substring()\n"
        "               ^"),
    "unknown method": (
        rule_text("when: spec.x.lowercase()\nmessage: 'm'"),
        "F1.rule:5:16: error: unknown method lowercase() (did you mean lowerAscii()?)\n"
        "  when: spec.x.lowercase()\n"
        "               ^"),
    "unknown param": (
        rule_text("when: params.port == 1\nmessage: 'm'", header="param ports = [443]"),
        "F1.rule:6:16: error: unknown param 'port' (declared: ports)\n"
        "  when: params.port == 1\n"
        "               ^"),
    "bad at": (
        rule_text("when: true\nmessage: 'm'\nat: size(spec.hosts)"),
        "F1.rule:7:7: error: at must be a path expression: a field chain from the document or from a for/let "
        "variable (port.protocol, metadata.annotations[\"x\"]), c ? p1 : p2, or path(list)\n"
        "  at: size(spec.hosts)\n"
        "      ^"),
    "bad regex": (
        rule_text("when: kind.matches('a(b')\nmessage: 'm'"),
        "F1.rule:5:22: error: invalid regular expression: missing ), unterminated subpattern at position 1\n"
        "  when: kind.matches('a(b')\n"
        "                     ^"),
    "missing clause": (
        HEADER + DOC + "\n}\n",
        "F1.rule:1:1: error: rule T1 is missing the clauses 'when', 'message'\n"
        "rule T1 t {\n"
        "^"),
    "missing doc heading": (
        HEADER + '  when: true\n  message: "m"\n  doc: """\n## What it does\n## Example\n"""\n}\n',
        "F1.rule:7:8: error: doc is missing the headings '## Why it matters', '## How to fix'\n"
        '  doc: """\n'
        "       ^"),
    "unterminated string": (
        rule_text('when: true\nmessage: "m'),
        'F1.rule:6:12: error: unterminated string (strings end on the same line; use """...""" for doc)\n'
        '  message: "m\n'
        "           ^"),
    "end of file": (
        HEADER + "  when: a &&",
        "F1.rule:5:11: error: unexpected end of file; expected an expression\n"
        "  when: a &&\n"
        "          ^"),
    "placeholder syntax": (
        rule_text('when: true\nmessage: "x {a +} y"'),
        "F1.rule:6:18: error: unexpected end of placeholder; expected an expression\n"
        '  message: "x {a +} y"\n'
        "                 ^"),
    "unknown escape": (
        rule_text(r'when: kind.matches("\d")' + "\nmessage: 'm'"),
        "F1.rule:5:23: error: unknown escape '\\d' (write r\"...\" for a regular expression)\n"
        '  when: kind.matches("\\d")\n'
        "                      ^"),
    "unknown clause": (
        rule_text("sevrity: error\nwhen: true\nmessage: 'm'"),
        "F1.rule:5:3: error: unknown clause 'sevrity' in a rule (did you mean 'severity'?)\n"
        "  sevrity: error\n"
        "  ^"),
    "clause order": (
        'rule T1 t {\n  kinds: ["*"]\n  severity: error\n  summary: "s"\n  when: true\n  message: "m"\n' + DOC
        + "\n}\n",
        "F1.rule:3:3: error: clause 'severity' must come before 'kinds' (order: severity, kinds, summary, "
        "istio_code, param, for/let, when, message, at, column, fix, doc)\n"
        "  severity: error\n"
        "  ^"),
    "severity": (
        'rule T1 t {\n  severity: fatal\n  kinds: ["*"]\n  summary: "s"\n  when: true\n  message: "m"\n' + DOC
        + "\n}\n",
        "F1.rule:2:13: error: severity must be error, warning or info\n"
        "  severity: fatal\n"
        "            ^"),
    "misspelt variable": (
        rule_text("for port in spec.ports\nwhen: prot.number == 1\nmessage: 'm'"),
        "F1.rule:6:9: error: unknown name 'prot': did you mean the variable 'port'? (a bare name that is no "
        "variable reads a top-level field: write self.prot)\n"
        "  when: prot.number == 1\n"
        "        ^"),
    "macro variable": (
        rule_text("when: spec.x.all(1, true)\nmessage: 'm'"),
        "F1.rule:5:20: error: the first argument of all() must be a variable name\n"
        "  when: spec.x.all(1, true)\n"
        "                   ^"),
    "has": (
        rule_text("when: has(1)\nmessage: 'm'"),
        "F1.rule:5:13: error: has() needs a field selection such as has(spec.addresses)\n"
        "  when: has(1)\n"
        "            ^"),
    "lookup name": (
        rule_text("when: lookup(kind, 1)\nmessage: 'm'"),
        "F1.rule:5:16: error: lookup() needs the index name as a string literal\n"
        "  when: lookup(kind, 1)\n"
        "               ^"),
    "lookup of an undeclared index": (
        rule_text("when: lookup('nope', 1)\nmessage: 'm'"),
        "F1.rule:5:16: error: lookup() of unknown index 'nope': no rule file declares `index nope { ... }`\n"
        "  when: lookup('nope', 1)\n"
        "               ^"),
    "param default": (
        rule_text("when: true\nmessage: 'm'", header="param p = kind"),
        "F1.rule:5:13: error: a param default must be a constant (literals, lists and maps of literals)\n"
        "  param p = kind\n"
        "            ^"),
    "bare params": (
        rule_text("when: params\nmessage: 'm'"),
        "F1.rule:5:9: error: params must be followed by a parameter name (params.x)\n"
        "  when: params\n"
        "        ^"),
    "triple-quoted outside doc": (
        rule_text('when: """x"""\nmessage: "m"'),
        "F1.rule:5:9: error: a triple-quoted string is only allowed for doc\n"
        '  when: """x"""\n'
        "        ^"),
    "unexpected character": (
        rule_text('when: a @ b\nmessage: "m"'),
        "F1.rule:5:11: error: unexpected character '@'\n"
        "  when: a @ b\n"
        "          ^"),
    "chained comparison": (
        rule_text('when: 1 < a < 3\nmessage: "m"'),
        "F1.rule:5:15: error: unexpected '<': comparisons do not chain; write (a < b) && (b < c), or add "
        "parentheses\n"
        "  when: 1 < a < 3\n"
        "              ^"),
    "token after an expression": (
        rule_text('when: a )\nmessage: "m"'),
        "F1.rule:5:11: error: unexpected token ')'; expected a clause or '}'\n"
        "  when: a )\n"
        "          ^"),
}


@pytest.mark.parametrize("name", list(CASES))
def test_single_error(lang, name):
    text, expected = CASES[name]
    assert only_error(lang, text) == expected


def test_all_errors_of_a_file_in_order(lang):
    assert lang.errors('index i {\n  kinds: ["*"]\n  key: params.x\n  at: x\n}\n') == [
        "F1.rule:3:15: error: an index has no params\n  key: params.x\n              ^",
        "F1.rule:4:3: error: unknown clause 'at' in an index\n  at: x\n  ^",
    ]
    assert lang.errors(rule_text("when: true\nmessage: 'm'", kinds='["networking.istio.io/serviceEntry", 3]')) == [
        'F2.rule:3:11: error: a kind is "group/Kind", "Kind" for the core group, or "*"\n'
        '  kinds: ["networking.istio.io/serviceEntry", 3]\n          ^',
        'F2.rule:3:47: error: a kind is "group/Kind", "Kind" for the core group, or "*"\n'
        '  kinds: ["networking.istio.io/serviceEntry", 3]\n                                              ^',
    ]
    assert lang.errors(rule_text('when: true\nmessage: "x } {a"')) == [
        "F3.rule:6:15: error: single '}' in message (write '}}' for a literal brace)\n"
        '  message: "x } {a"\n              ^',
        "F3.rule:6:17: error: unclosed '{' in message (write '{{' for a literal brace)\n"
        '  message: "x } {a"\n                ^',
    ]
    assert lang.errors('rule t1 Bad_Name {\n  severity: error\n  kinds: ["*"]\n  summary: "s"\n  when: true\n'
                       '  message: "m"\n' + DOC + "\n}\n") == [
        "F4.rule:1:6: error: rule id 't1' must be upper-case letters then digits (SE130)\n"
        "rule t1 Bad_Name {\n     ^",
        "F4.rule:1:9: error: rule name 'Bad_Name' must be kebab-case (port-name-missing)\n"
        "rule t1 Bad_Name {\n        ^",
    ]


def test_errors_of_all_files_are_collected(lang):
    good = rule_text("when: true\nmessage: 'm'")
    errors = lang.errors(good, rule_text("when: nope(1)\nmessage: 'm'", rule_id="T2"), good,
                         'index i {\n  kinds: ["*"]\n  key: 1\n}\n', 'index i {\n  kinds: ["*"]\n  key: 2\n}\n')
    assert errors == [
        "F2.rule:5:9: error: unknown function nope()\n  when: nope(1)\n        ^",
        "F3.rule:1:6: error: duplicate rule id T100 (first declared at F1.rule:1)\n"
        "rule T100 test-rule {\n     ^",
        "F5.rule:1:7: error: duplicate index i (first declared at F4.rule:1)\nindex i {\n      ^",
    ]


def test_error_rendering():
    error = CompileError("a.rule", 2, 5, "boom", "\tx = 1 +")
    assert str(error) == "a.rule:2:5: error: boom\n\tx = 1 +\n\t   ^"
    assert str(CompileError("a.rule", 1, 1, "cannot read", "")) == "a.rule:1:1: error: cannot read"
    combined = RuleCompileError([error, CompileError("b.rule", 1, 1, "x", "")])
    assert str(combined) == "a.rule:2:5: error: boom\n\tx = 1 +\n\t   ^\nb.rule:1:1: error: x"
    assert combined.errors[1].file == "b.rule"


def test_unreadable_rule_file(lang, tmp_path):
    from policylint.lang import compile_rule_files

    path = tmp_path / "bad.rule"
    path.write_bytes(b"\xff\xfe")
    with pytest.raises(RuleCompileError) as info:
        compile_rule_files([path], use_cache=False)
    [error] = info.value.errors
    assert (error.file, error.line, error.column) == (str(path), 1, 1)
    assert error.message.startswith("cannot read rule file: 'utf-8' codec can't decode byte 0xff")
