"""Compiled rules never raise: random expressions over odd documents (a deterministic fuzz)."""
from __future__ import annotations

import random

from lang_helpers import FakeDocument

from policylint.lang import Env

ATOMS = ["spec", "spec.a", "spec.list", "spec.map", "spec.list[0]", "spec.list[-1]", "spec.map.k", "kind", "self",
         "1", "0", "-2", "2.5", "'s'", "''", "null", "true", "[1, 'a']", "[]", "{'k': 1}", "config.x", "spec[kind]",
         "spec.list[spec.a]"]
UNARY = ["!{}", "-{}", "size({})", "string({})", "int({})", "type({})", "has({}.x)", "{}.size()", "{}.lowerAscii()",
         "{}.split(',')", "{}.keys()", "{}.values()", "{}.join('-')", "{}.startsWith('s')", "{}.contains(1)",
         "{}.matches('^a')", "{}.substring(1)", "{}.indexOf('a')", "{}.all(x, x)", "{}.exists(x, x == 1)",
         "{}.map(x, x + 1)", "{}.filter(x, x)", "{}.exists_one(x, !x)", "isCIDR({})", "cidrCanonical({})",
         "isIstioHost({})", "wildcardParents({})", "parseYaml({})", "lookup('probe0', {})", "{}[0]", "{}['k']",
         "{}[-1]", "fileOf({})", "cidrsOverlapping({})"]
BINARY = ["{} && {}", "{} || {}", "{} == {}", "{} != {}", "{} < {}", "{} >= {}", "{} in {}", "{} + {}", "{} - {}",
          "{} * {}", "{} / {}", "{} % {}", "{} ? {} : 1", "default({}, {})", "cidrContains({}, {})",
          "hostMatches({}, {})", "{}.replace('a', {})", "{}.substring(0, {})", "[{}, {}]", "{{'a': {}, 'b': {}}}",
          "{}.map(x, {})"]
DOCUMENTS = [
    {}, {"spec": None}, {"spec": "text"}, {"spec": []}, {"spec": {"a": 1, "list": [], "map": {}}},
    {"kind": "K", "spec": {"a": "s", "list": [None, {"x": 1}, "a,b"], "map": {"k": [1.5, True]}}},
    {"kind": 7, "spec": {"a": True, "list": ["10.0.0.0/8", "*.a.com", 3], "map": {"k": {"x": None}}}},
    {"kind": "spec", "spec": {"a": -1, "list": [[1, [2]], {"": []}], "map": {1: "x", "k": "k: [1"}}},
    {"kind": None, "spec": {"a": 1e308, "list": [float("nan"), -0.0], "map": {"k": ""}}},
]


def expression(rng: random.Random, depth: int) -> str:
    if depth == 0 or rng.random() < 0.2:
        return rng.choice(ATOMS)
    if rng.random() < 0.5:
        return rng.choice(UNARY).format(expression(rng, depth - 1))
    template = "(" + rng.choice(BINARY) + ")"  # relations do not chain
    return template.format(*(expression(rng, depth - 1) for _ in range(template.count("{}"))))


def test_random_expressions_never_raise(lang):
    rng = random.Random(20240611)
    expressions = [expression(rng, 3) for _ in range(300)]
    text = "".join(f'index probe{i} {{\n  kinds: ["*"]\n  key: 0\n  value: {e}\n}}\n' for i, e in enumerate(expressions))
    ruleset = lang.compile(text)
    env = Env({"x": [1]}, lambda name, key: [{"kind": "Other"}])
    for data in DOCUMENTS:
        for index, expr in zip(ruleset.indexes, expressions):
            try:
                index.entries(FakeDocument(data), env)
            except Exception as exc:  # noqa: BLE001 - the point of the test
                raise AssertionError(f"{expr!r} on {data!r} raised {type(exc).__name__}: {exc}") from exc


def test_random_rules_never_raise(lang):
    rng = random.Random(7)
    bodies = []
    for i in range(40):
        when = expression(rng, 3)
        shown = expression(rng, 2).replace('"', "'")
        bodies.append(f'rule R{i} r {{\n  severity: info\n  kinds: ["*"]\n  summary: "s"\n  for x in spec.list\n'
                      f'  let y = {expression(rng, 2)}\n  when: {when}\n  message: "{{{shown}}} {{y}}"\n'
                      f'  at: x\n  fix: {expression(rng, 1)}\n  doc: """\n## What it does\n## Why it matters\n'
                      f'## Example\n## How to fix\n"""\n}}\n')
    ruleset = lang.compile(*bodies, 'index probe0 {\n  kinds: ["*"]\n  key: 1\n}\n')
    for data in DOCUMENTS:
        for rule in ruleset.rules:
            for hit in rule.check(FakeDocument(data), {}, Env()):
                assert type(hit.message) is str and type(hit.path) is tuple
