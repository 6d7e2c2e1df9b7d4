"""Helpers for the rule language tests: write rule text to a file, compile it, run it on plain data."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
import yaml

from policylint.lang import Env, RuleCompileError, compile_rule_files

DOC = '''  doc: """
## What it does
Checks.
## Why it matters
Matters.
## Example
An example.
## How to fix
Fix it.
"""'''


class FakeDocument:
    """The part of `policylint.loader.Document` that compiled rules use."""

    def __init__(self, data, file: str = "doc.yaml", line: int = 1) -> None:
        self.data = data
        self.file = file
        self.line = line
        self.embedded_calls: list[tuple] = []

    def parse_embedded(self, path):
        self.embedded_calls.append(tuple(path))
        node = self.data
        for seg in path:
            node = node[seg]
        return yaml.safe_load(node), None


def rule_text(body: str, *, rule_id: str = "T100", kinds: str = '["*"]', header: str = "") -> str:
    """A complete rule around `body` (the clauses from `param`/`for` to `fix`)."""
    body = textwrap.indent(textwrap.dedent(body).strip("\n"), "  ")
    head = textwrap.indent(textwrap.dedent(header).strip("\n"), "  ")
    head = head + "\n" if head else ""
    return (f"rule {rule_id} test-rule {{\n  severity: warning\n  kinds: {kinds}\n  summary: \"s\"\n"
            f"{head}{body}\n{DOC}\n}}\n")


class Compiler:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.count = 0

    def files(self, *texts: str) -> list[Path]:
        paths = []
        for text in texts:
            self.count += 1
            path = self.folder / f"F{self.count}.rule"
            path.write_text(text, encoding="utf-8")
            paths.append(path)
        return paths

    def compile(self, *texts: str):
        return compile_rule_files(self.files(*texts), use_cache=False)

    def rule(self, body: str, **kw):
        return self.compile(rule_text(body, **kw)).rules[0]

    def hits(self, body: str, data, params=None, env=None, **kw):
        rule = self.rule(body, **kw)
        return rule.check(FakeDocument(data), {**rule.params, **(params or {})}, env or Env({}, None))

    def value(self, expr: str, data=None, *, env=None):
        """The exact value of an expression: compiled as the value of a one-entry index."""
        ruleset = self.compile(f'index probe {{\n  kinds: ["*"]\n  key: 0\n  value: {expr}\n}}\n')
        entries = ruleset.indexes[0].entries(FakeDocument({} if data is None else data), env or Env({}, None))
        assert len(entries) == 1
        return entries[0][1]

    def errors(self, *texts: str) -> list[str]:
        with pytest.raises(RuleCompileError) as info:
            self.compile(*texts)
        return [str(e).replace(str(self.folder) + "/", "") for e in info.value.errors]
