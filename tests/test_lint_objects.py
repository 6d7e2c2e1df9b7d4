"""`Linter.lint_objects`: decoded objects (the webhook's path), with context objects and prepared contexts.

Its indexes are built lazily; every rule fixture must give the same findings through it as through files.
"""
from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
import yaml

from policylint.api import Linter
from policylint.engine import ActiveRule, Engine
from policylint.model import Severity
from policylint.objects import ObjectDocument

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "rules"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter()


def service_entry(name: str, protocol: str, namespace: str = "default") -> dict:
    return {
        "apiVersion": "networking.istio.io/v1", "kind": "ServiceEntry",
        "metadata": {"name": name, "namespace": namespace},
        "spec": {"hosts": ["api.example.com"], "resolution": "DNS", "location": "MESH_EXTERNAL",
                 "ports": [{"number": 8443, "name": f"{protocol.lower()}-api", "protocol": protocol}]},
    }


def conflicts(report) -> list[tuple]:
    return [(f.rule, f.resource.name, f.path) for f in report.findings if f.rule.startswith("XR")]


def test_context_objects_feed_cross_resource_rules_without_being_reported(linter):
    report = linter.lint_objects([service_entry("new", "TLS")], context_objects=[service_entry("old", "HTTP")])
    assert conflicts(report) == [("XR601", "new", "spec.ports[0].protocol")]
    assert next(f.message for f in report.findings if f.rule == "XR601") == (
        "port 8443 of [api.example.com] is declared TLS, but default/old (HTTP) declares the same host and port"
        " with another protocol: sidecars that see both entries get only one of them")
    assert (report.summary.documents, report.summary.files) == (1, 0)


def test_a_prepared_context_gives_the_same_findings_as_context_objects(linter):
    context = [service_entry("old", "HTTP"), service_entry("other", "HTTP", namespace="team")]
    prepared = linter.prepare_context(context)
    obj = service_entry("new", "TLS")
    assert linter.lint_objects([obj], context=prepared) == linter.lint_objects([obj], context_objects=context)
    # prepared once, used again: nothing of the first call stays behind
    assert conflicts(linter.lint_objects([obj], context=prepared)) == [("XR601", "new", "spec.ports[0].protocol")]
    assert conflicts(linter.lint_objects([service_entry("new", "HTTP")], context=prepared)) == []


def test_the_stored_copy_of_the_reviewed_object_is_hidden(linter):
    # On UPDATE the context (the cluster) still holds the old version of the object under review.
    prepared = linter.prepare_context([service_entry("api", "HTTP"), service_entry("peer", "HTTP")])
    assert conflicts(linter.lint_objects([service_entry("api", "TLS")], context=prepared)) == [
        ("XR601", "api", "spec.ports[0].protocol")]  # with peer, not with its old self
    alone = linter.prepare_context([service_entry("api", "HTTP")])
    assert conflicts(linter.lint_objects([service_entry("api", "TLS")], context=alone)) == []
    assert conflicts(linter.lint_objects([service_entry("api", "TLS")],
                                         context_objects=[service_entry("api", "HTTP")])) == []


def test_objects_linted_together_see_each_other(linter):
    report = linter.lint_objects([service_entry("a", "HTTP"), service_entry("b", "TLS")])
    assert conflicts(report) == [("XR601", "a", "spec.ports[0].protocol"), ("XR601", "b", "spec.ports[0].protocol")]


class LookupRule:
    id, name, severity, istio_code, kinds, uses_lookup = "TST901", "looks-up", Severity.ERROR, None, ("Service",), True

    def check(self, doc, params, env):
        env.lookup("boom", doc.name)
        return []


class ExplodingIndex:
    name, kinds = "boom", ("Service",)

    def entries(self, doc, env):
        raise KeyError("x")


def test_an_index_that_raises_when_looked_up_becomes_pl012():
    ruleset = SimpleNamespace(rules=[LookupRule()], indexes=[ExplodingIndex()])
    engine = Engine(ruleset, [ActiveRule(LookupRule(), Severity.ERROR, {})], {})
    doc = ObjectDocument({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "a"}}, "admission")
    findings, skipped = engine.lint_documents([doc])
    assert (skipped, [(f.rule, f.resource.name) for f in findings]) == (0, [("PL012", "a")])
    assert findings[0].message.startswith("index boom failed on this document (KeyError: 'x')")


def _fixture_files() -> list[Path]:
    return sorted(p for p in FIXTURES.glob("*/*") if p.suffix in (".yaml", ".yml", ".json"))


def _objects(path: Path) -> list[dict] | None:
    """The file's Kubernetes objects, or None when it is not plain objects (text, Helm values, broken YAML)."""
    try:
        documents = [d for d in yaml.safe_load_all(path.read_text()) if d is not None]
    except yaml.YAMLError:
        return None
    objects = []
    for document in documents:
        if not isinstance(document, dict) or "apiVersion" not in document or "kind" not in document:
            return None
        if str(document["kind"]).endswith("List") and isinstance(document.get("items"), list):
            objects.extend(document["items"])
        else:
            objects.append(document)
    return objects


def test_every_fixture_gives_the_same_findings_as_objects_and_as_a_file(linter):
    compared = 0
    for path in _fixture_files():
        objects = _objects(path)
        if not objects or path.parent.name.startswith(("PL", "OTP")):  # OTP reads embedded mesh config
            continue
        from_file = linter.lint_text(path.read_text(), path.name)
        if any(f.rule.startswith("PL") for f in from_file.findings):
            continue
        from_objects = linter.lint_objects(objects)
        key = lambda f: (f.rule, f.message, f.path, f.resource)  # noqa: E731 - positions differ by design
        assert sorted(map(key, from_objects.findings), key=repr) == sorted(map(key, from_file.findings), key=repr), path
        compared += 1
    assert compared > 250  # most fixtures are plain objects; a silent skip of them all would be a defect
