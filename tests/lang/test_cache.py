"""The compiled-rule cache: warm starts skip lark entirely; the cache never causes an error."""
from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from lang_helpers import FakeDocument, rule_text

from policylint.lang import Env, RuleCompileError, compile_rule_files
from policylint.lang.cache import cache_dir

ROOT = Path(__file__).resolve().parents[2]
RULE = rule_text("for h in spec.hosts\nwhen: isFQDN(h)\nmessage: '{h}'")
PROBE = """
import sys
from pathlib import Path
from policylint.lang import compile_rule_files
ruleset = compile_rule_files([Path(p) for p in sys.argv[1:]])
print(len(ruleset.rules), 'lark' in sys.modules)
"""


def run_probe(cache: Path, *files: Path, **extra_env) -> str:
    env = {key: value for key, value in os.environ.items() if key != "POLICYLINT_NO_CACHE"}
    env.update(POLICYLINT_CACHE_DIR=str(cache), PYTHONPATH=str(ROOT), **extra_env)
    result = subprocess.run([sys.executable, "-c", PROBE, *map(str, files)], env=env, capture_output=True,
                            text=True, check=True, cwd=ROOT)
    return result.stdout.strip()


def entries(cache: Path) -> list[str]:
    folder = cache / "rules"
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_cache_hit_does_not_import_lark(tmp_path):
    rule = tmp_path / "T100.rule"
    rule.write_text(RULE)
    cache = tmp_path / "cache"
    assert run_probe(cache, rule) == "1 True"
    assert len(entries(cache)) == 1
    assert run_probe(cache, rule) == "1 False"
    rule.write_text(RULE.replace("isFQDN(h)", "!isFQDN(h)"))  # new content: compiled again, new entry
    assert run_probe(cache, rule) == "1 True"
    assert len(entries(cache)) == 2


def test_no_cache_env_disables_the_cache(tmp_path):
    rule = tmp_path / "T100.rule"
    rule.write_text(RULE)
    cache = tmp_path / "cache"
    assert run_probe(cache, rule, POLICYLINT_NO_CACHE="1") == "1 True"
    assert run_probe(cache, rule, POLICYLINT_NO_CACHE="1") == "1 True"
    assert entries(cache) == []


def test_cached_rules_behave_like_fresh_ones(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POLICYLINT_NO_CACHE", raising=False)
    rule_file = tmp_path / "T100.rule"
    rule_file.write_text(RULE)
    doc = FakeDocument({"spec": {"hosts": ["a.example.com", "local"]}})
    fresh = compile_rule_files([rule_file]).rules[0]
    cached = compile_rule_files([rule_file]).rules[0]
    assert fresh.check is not cached.check
    for rule in (fresh, cached):
        assert (rule.id, rule.name, rule.severity, rule.kinds, rule.summary, rule.params, rule.source, rule.line,
                rule.uses_lookup) == ("T100", "test-rule", "warning", ("*",), "s", {}, str(rule_file), 1, False)
        assert [(h.message, h.path) for h in rule.check(doc, {}, Env())] == [("a.example.com", ("spec", "hosts", 0))]


def test_corrupt_or_unwritable_cache_is_ignored(tmp_path, monkeypatch):
    rule_file = tmp_path / "T100.rule"
    rule_file.write_text(RULE)
    cache = tmp_path / "cache"
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(cache))
    monkeypatch.delenv("POLICYLINT_NO_CACHE", raising=False)
    compile_rule_files([rule_file])
    [name] = entries(cache)
    (cache / "rules" / name).write_bytes(b"garbage")
    assert len(compile_rule_files([rule_file]).rules) == 1
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(blocker))
    assert len(compile_rule_files([rule_file]).rules) == 1


def test_cache_errors_are_not_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("POLICYLINT_NO_CACHE", raising=False)
    rule_file = tmp_path / "T100.rule"
    rule_file.write_text(rule_text("when: nope()\nmessage: 'm'"))
    for _ in range(2):
        with pytest.raises(RuleCompileError):
            compile_rule_files([rule_file])
    assert entries(tmp_path / "cache") == []


def test_cache_dir_resolution(monkeypatch, tmp_path):
    for name in ("POLICYLINT_CACHE_DIR", "POLICYLINT_NO_CACHE", "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    assert cache_dir() == tmp_path / ".cache" / "policylint"
    monkeypatch.setenv("XDG_CACHE_HOME", "/xdg")
    assert cache_dir() == Path("/xdg/policylint")
    monkeypatch.setenv("POLICYLINT_CACHE_DIR", "/explicit")
    assert cache_dir() == Path("/explicit")
    monkeypatch.setenv("POLICYLINT_NO_CACHE", "1")
    assert cache_dir() is None
    monkeypatch.setenv("POLICYLINT_NO_CACHE", "0")
    assert cache_dir() == Path("/explicit")
