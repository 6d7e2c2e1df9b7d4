"""The policylint rule language: `.rule` files compiled to Python functions.

    ruleset = compile_rule_files([Path("rules/serviceentry/SE130.rule")])
    for rule in ruleset.rules:
        hits = rule.check(doc, rule.params, Env(config={}, lookup=store.lookup))

Importing this package is cheap: lark is imported only when a rule file has to be parsed (cache miss).
The language itself is described in docs/rule-language.md.
"""
from .compiler import CompiledIndex, CompiledRule, RuleSet, compile_rule_files, generated_source
from .errors import CompileError, RuleCompileError
from .runtime import Env, Hit

__all__ = [
    "CompiledIndex", "CompiledRule", "CompileError", "Env", "Hit", "RuleCompileError", "RuleSet",
    "compile_rule_files", "generated_source",
]
