"""Every rule has a failing and a passing fixture; this test discovers them from the layout.

fixtures/rules/<ID>/fail.<ext>   findings marked on their lines with `# expect: ID@COLUMN[, ID@COLUMN...]`
fixtures/rules/<ID>/pass.<ext>   no finding of rule <ID>
fixtures/rules/<ID>/.policylint.yaml   optional config for both fixtures
fixtures/rules/<ID>/mesh.yaml    optional mesh config passed like --mesh-config

For a fail fixture, the findings of rule <ID> must be exactly the marked ones (rule, line, column); markers of
other rules in the same file are asserted too, so a fixture documents everything it triggers.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from policylint.api import Linter, builtin_rules_dir
from policylint.config import Config, load_config

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "fixtures" / "rules"
MARKER = re.compile(r"#\s*expect:\s*(.+?)\s*$")
EXPECTATION = re.compile(r"([A-Z]+[0-9]{3})@([0-9]+)")


def rule_ids() -> list[str]:
    return sorted(p.stem for p in builtin_rules_dir().rglob("*.rule"))


def fixture(rule_id: str, kind: str) -> Path:
    matches = sorted(p for p in (FIXTURES / rule_id).glob(f"{kind}*") if p.is_file())
    assert matches, f"rule {rule_id} has no {kind} fixture under fixtures/rules/{rule_id}/"
    return matches[0]


def expected_markers(path: Path) -> set[tuple[str, int, int]]:
    found = set()
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        marker = MARKER.search(line)
        if not marker:
            continue
        pairs = EXPECTATION.findall(marker.group(1))
        assert pairs, f"{path}:{number}: malformed marker {marker.group(0)!r} (want `# expect: ID@COLUMN`)"
        found.update((rule, number, int(col)) for rule, col in pairs)
    return found


_LINTERS: dict[Path, Linter] = {}


def linter_for(folder: Path) -> Linter:
    if folder not in _LINTERS:
        config_file = folder / ".policylint.yaml"
        config = load_config(config_file) if config_file.exists() else Config()
        _LINTERS[folder] = Linter(config)
    return _LINTERS[folder]


def lint(path: Path):
    folder = path.parent
    mesh = folder / "mesh.yaml"
    return linter_for(folder).lint_paths([str(path)], mesh_config=str(mesh) if mesh.exists() else None)


def test_every_rule_has_fixtures():
    missing = [rid for rid in rule_ids() if not (FIXTURES / rid).is_dir()]
    assert missing == []


def test_no_orphan_fixtures():
    orphans = sorted(p.name for p in FIXTURES.iterdir() if p.is_dir() and p.name not in set(rule_ids()))
    assert orphans == []


@pytest.mark.parametrize("rule_id", rule_ids())
def test_fail_fixture(rule_id: str):
    path = fixture(rule_id, "fail")
    expected = expected_markers(path)
    assert any(rule == rule_id for rule, _, _ in expected), f"{path} marks no finding of {rule_id}"
    report = lint(path)
    marked_rules = {rule for rule, _, _ in expected}
    got = {(f.rule, f.line, f.column) for f in report.active() if f.rule in marked_rules}
    assert sorted(got) == sorted(expected)


@pytest.mark.parametrize("rule_id", rule_ids())
def test_pass_fixture(rule_id: str):
    path = fixture(rule_id, "pass")
    report = lint(path)
    assert [(f.rule, f.line, f.column, f.message) for f in report.active() if f.rule == rule_id] == []
