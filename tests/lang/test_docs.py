"""docs/rule-language.md stays true: the builtins table, the example rules and the evaluation examples."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from policylint.builtins.__main__ import main as builtins_main
from policylint.builtins.__main__ import with_table

DOC = Path(__file__).resolve().parents[2] / "docs" / "rule-language.md"
TEXT = DOC.read_text(encoding="utf-8")


def test_builtins_table_is_current():
    assert with_table(TEXT) == TEXT, "the builtins table is stale: run `python -m policylint.builtins`"
    assert builtins_main(["--check"]) == 0


def test_example_rules_compile(lang):
    blocks = re.findall(r"```rule\n(.*?)```", TEXT, re.S)
    assert len(blocks) == 3
    ruleset = lang.compile(*blocks)
    assert [r.id for r in ruleset.rules] == ["DOC001", "DOC002", "DOC003"]
    assert [i.name for i in ruleset.indexes] == ["se_by_host"]


def evaluation_rows():
    section = TEXT.split("### Evaluation examples", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `(.+)` \| `(.+)` \|$", section, re.M)
    return [(expr.replace("\\|", "|"), value) for expr, value in rows]


@pytest.mark.parametrize("expr, value", evaluation_rows())
def test_evaluation_examples(lang, expr, value):
    got, expected = lang.value(expr), lang.value(value)
    assert got == expected and type(got) is type(expected)


def test_every_construct_is_documented():
    from policylint.lang.calls import MACROS, METHODS

    for name in [*METHODS, *MACROS]:
        assert f".{name}(" in TEXT, name
    for clause in ("severity:", "kinds:", "summary:", "istio_code:", "param ", "for ", "let ", "when:", "message:",
                   "at:", "column:", "fix:", "doc:", "key:", "value:"):
        assert f"`{clause}" in TEXT or f"  {clause}" in TEXT, clause
