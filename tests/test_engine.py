"""Engine behaviour that no rule file can provoke: a rule or index that raises."""
from __future__ import annotations

from types import SimpleNamespace

from policylint.api import Linter
from policylint.engine import ActiveRule, Engine
from policylint.loader import load_text
from policylint.model import Severity

MANIFEST = """\
apiVersion: v1
kind: Service
metadata: {name: a, namespace: ns}
spec: {ports: [{port: 80}]}
---
apiVersion: v1
kind: Service
metadata: {name: b, namespace: ns}
spec: {ports: [{port: 81}]}
"""


class Exploding:
    id, name, severity, istio_code, kinds, uses_lookup = "TST900", "explodes", Severity.ERROR, None, ("Service",), False

    def check(self, doc, params, env):
        if doc.name == "a":
            raise ZeroDivisionError("division by zero")
        return []


def test_a_rule_that_raises_becomes_pl012_and_the_run_goes_on():
    base = Linter(builtin_rules=False)
    ruleset = SimpleNamespace(rules=[Exploding()], indexes=[])
    engine = Engine(ruleset, [ActiveRule(Exploding(), Severity.ERROR, {})], {})
    loaded = load_text(MANIFEST, "m.yaml")
    outcome = engine.process_file(loaded.documents, loaded.problems)
    findings = engine.finish([outcome])
    assert [(f.rule, f.line, f.column, f.resource.name) for f in findings] == [("PL012", 1, 1, "a")]
    assert findings[0].message == ("TST900 failed on this document (ZeroDivisionError: division by zero); "
                                   "it is a bug in the rule, not in the manifest")
    assert base.rule("PL012").name == "rule-failed"


class ExplodingIndex:
    name, kinds = "boom", ("Service",)

    def entries(self, doc, env):
        raise KeyError("x")


def test_an_index_that_raises_becomes_pl012():
    ruleset = SimpleNamespace(rules=[], indexes=[ExplodingIndex()])
    engine = Engine(ruleset, [], {})
    loaded = load_text(MANIFEST, "m.yaml")
    findings = engine.finish([engine.process_file(loaded.documents, loaded.problems)])
    assert [(f.rule, f.line) for f in findings] == [("PL012", 1), ("PL012", 6)]
    assert findings[0].message.startswith("index boom failed on this document (KeyError: 'x')")
