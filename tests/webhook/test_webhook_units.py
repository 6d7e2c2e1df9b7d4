"""Pure parts of the webhook: config validation, envelope parsing, the decision rules, message limits."""
from __future__ import annotations

import json

import orjson

import pytest

from policylint.model import Finding, Severity
from webhook.config import WebhookConfigError, settings_from_section
from webhook.decision import judge, needs_old_object, never_deny, ratchet
from webhook.messages import denial_message, limit_warnings
from webhook.review import BadReview, encode_response, parse_review

from webhook_reviews import review, service_entry


def finding(rule="SE101", severity=Severity.ERROR, message="host *.x is a wildcard", path="spec.hosts[0]",
            suppressed=False, reason=None) -> Finding:
    return Finding(rule, "name", severity, message, "admission", 0, 0, path=path, suppressed=suppressed,
                   suppression_reason=reason)


# -- config ------------------------------------------------------------------------------------------------

def test_defaults():
    s = settings_from_section(None, environ={})
    assert (s.failure_mode, s.time_budget_seconds, s.max_body_bytes) == ("open", 1.0, 3 * 1024 * 1024)
    assert s.exempt_namespaces == {"kube-system", "kube-public", "kube-node-lease", "policylint-system"}
    assert s.action_for("X001", Severity.ERROR) == "deny"
    assert s.action_for("X001", Severity.WARNING) == "warn"
    assert s.action_for("X001", Severity.INFO) == "audit"
    assert not s.honours_ignore_annotation("default")


def test_own_namespace_from_downward_api_is_exempt():
    assert "policy" in settings_from_section({}, environ={"POD_NAMESPACE": "policy"}).exempt_namespaces


@pytest.mark.parametrize(("section", "message"), [
    ({"failure": {"mode": "sideways"}}, "config: webhook.failure.mode: 'sideways' is not one of ['open', 'closed']"),
    ({"enforcement": {"rules": {"SE101": "block"}}}, "config: webhook.enforcement.rules.SE101: 'block' is not one of ['deny', 'warn', 'audit']"),
    ({"failure": {"timeBudgetSeconds": 0}}, "config: webhook.failure.timeBudgetSeconds: 0 is less than or equal to the minimum of 0"),
    ({"maxBodyBytes": "big"}, "config: webhook.maxBodyBytes: 'big' is not of type 'integer'"),
    ({"exemptions": {"namespaces": ["Not_A_Namespace"]}}, "config: webhook.exemptions.namespaces.0: 'Not_A_Namespace' does not match '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$'"),
    ({"colour": "blue"}, "config: webhook: Additional properties are not allowed ('colour' was unexpected)"),
])
def test_bad_values_name_the_key(section, message):
    with pytest.raises(WebhookConfigError) as info:
        settings_from_section(section, environ={})
    assert str(info.value) == message


def test_ignore_annotation_scoped_to_namespaces():
    s = settings_from_section({"exemptions": {"ignoreAnnotation": {"allowed": True, "namespaces": ["legacy"]}}})
    assert s.honours_ignore_annotation("legacy") and not s.honours_ignore_annotation("shop")
    everywhere = settings_from_section({"exemptions": {"ignoreAnnotation": {"allowed": True}}})
    assert everywhere.honours_ignore_annotation("shop")


# -- envelope ----------------------------------------------------------------------------------------------

def test_parse_review_reads_the_envelope():
    body = json.dumps(review(service_entry(), dry_run=True, uid="abc")).encode()
    request = parse_review(body)
    assert (request.uid, request.kind_key, request.operation, request.namespace, request.name) == (
        "abc", "networking.istio.io/ServiceEntry", "CREATE", "shop", "payments-api")
    assert request.dry_run and request.user == "alice@example.com" and request.review_version == "admission.k8s.io/v1"


@pytest.mark.parametrize(("body", "reason"), [
    (b"{", "json"),
    (b"[]", "not-review"),
    (b'{"kind": "Pod"}', "not-review"),
    (b'{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v2"}', "not-review"),
    (b'{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1"}', "no-request"),
    (b'{"kind": "AdmissionReview", "apiVersion": "admission.k8s.io/v1", "request": {"uid": ""}}', "no-uid"),
])
def test_parse_review_rejects(body, reason):
    with pytest.raises(BadReview) as info:
        parse_review(body)
    assert info.value.reason == reason


def test_encode_response_only_sets_what_is_given():
    body = json.loads(encode_response("admission.k8s.io/v1beta1", "u", True))
    assert body == {"apiVersion": "admission.k8s.io/v1beta1", "kind": "AdmissionReview",
                    "response": {"uid": "u", "allowed": True}}


# -- decisions ---------------------------------------------------------------------------------------------

def test_severity_actions_and_rule_override():
    s = settings_from_section({"enforcement": {"rules": {"SE102": "audit"}}})
    d = judge([finding(), finding("SE102"), finding("SE103", Severity.WARNING), finding("SE104", Severity.INFO)], s, "shop")
    assert [(j.finding.rule, j.action) for j in d.judged] == [
        ("SE101", "deny"), ("SE102", "audit"), ("SE103", "warn"), ("SE104", "audit")]
    assert not d.allowed and d.label == "deny"


def test_annotation_suppression_only_where_allowed():
    suppressed = finding(suppressed=True, reason="annotation: legacy host")
    assert not judge([suppressed], settings_from_section({}), "shop").allowed
    allowed = settings_from_section({"exemptions": {"ignoreAnnotation": {"allowed": True}}})
    d = judge([suppressed], allowed, "shop")
    assert d.allowed and d.suppressed == (suppressed,)


def test_ratchet_matches_by_message_or_path():
    s = settings_from_section({})
    moved = finding(path="spec.hosts[1]")  # same message, a host was inserted before it
    changed = finding(message="host *.y is a wildcard")  # same field, new value
    new = finding(message="host *.z is a wildcard", path="spec.hosts[2]")
    d = judge([moved, changed, new], s, "shop")
    assert needs_old_object(d, s, "UPDATE") and not needs_old_object(d, s, "CREATE")
    after = ratchet(d, [finding()])
    assert [(j.action, j.relaxed_by) for j in after.judged] == [
        ("warn", "pre-existing"), ("warn", "pre-existing"), ("deny", None)]


def test_warn_mode_never_denies():
    d = never_deny(judge([finding()], settings_from_section({}), "shop"))
    assert d.allowed and d.label == "warn"
    assert d.warnings[0].warning_text() == (
        "SE101 spec.hosts[0]: host *.x is a wildcard (not denied: policylint enforcement is in warn mode)")


# -- messages ----------------------------------------------------------------------------------------------

def test_denial_message_lists_and_caps():
    findings = [finding(message=f"problem {i}", path=f"spec.hosts[{i}]") for i in range(4)]
    assert denial_message(findings, 2) == (
        "4 policylint violations:\n"
        "- SE101 spec.hosts[0]: problem 0\n"
        "- SE101 spec.hosts[1]: problem 1\n"
        "- and 2 more (run `policylint lint` on the manifest to see all)")
    assert denial_message(findings[:1], 10) == "1 policylint violation:\n- SE101 spec.hosts[0]: problem 0"


def test_warnings_within_apiserver_limits():
    texts = [f"W{i:03d} spec: " + "x" * 300 + "\nnext line" for i in range(40)]
    out = limit_warnings(texts, max_count=100, max_length=256)
    assert all(len(w) <= 256 and w.isprintable() for w in out)
    assert sum(len(w) for w in out) <= 4096
    assert out[-1] == f"{40 - (len(out) - 1)} more policylint warnings not shown"
    assert limit_warnings(["a", "b", "c"], max_count=2, max_length=256) == [
        "a", "b", "1 more policylint warnings not shown"]


# -- time budget -------------------------------------------------------------------------------------------

def test_inline_evaluation_is_interrupted_at_the_budget():
    import asyncio
    import time

    from webhook.evaluator import BudgetExceeded, Evaluator

    evaluator = Evaluator(0.1)

    async def main():
        assert evaluator.prepare() == "inline"
        assert await evaluator.run(lambda x: x + 1, 1) == 2
        started = time.monotonic()
        with pytest.raises(BudgetExceeded):
            await evaluator.run(lambda: [time.sleep(0.01) for _ in range(100)])
        return time.monotonic() - started

    try:
        assert asyncio.run(main()) < 0.3
    finally:
        evaluator.close()


def test_thread_evaluation_off_the_main_thread():
    import asyncio
    import threading
    import time

    from webhook.evaluator import BudgetExceeded, Evaluator

    evaluator = Evaluator(0.1)
    results = {}

    async def main():
        results["mode"] = evaluator.prepare()
        results["value"] = await evaluator.run(lambda: 42)
        try:
            await evaluator.run(time.sleep, 0.5)
        except BudgetExceeded:
            results["stuck"] = evaluator.stuck_seconds()

    thread = threading.Thread(target=lambda: asyncio.run(main()))
    thread.start()
    thread.join()
    evaluator.close()
    assert results["mode"] == "threads" and results["value"] == 42 and 0 < results["stuck"] < 0.5


# -- lint cache --------------------------------------------------------------------------------------------

def test_cache_key_ignores_what_the_apiserver_rewrites():
    from webhook.cache import LintCache, digest

    obj = service_entry()
    rewritten = {**obj, "metadata": {**obj["metadata"], "resourceVersion": "99", "managedFields": [],
                                     "uid": "0f2c0050-7a1b-4c3d-9e8f-000000000002", "generation": 3,
                                     "creationTimestamp": "2026-11-21T10:00:00Z"}}
    changed = {**obj, "spec": {**obj["spec"], "resolution": "NONE"}}
    renamed = {**obj, "metadata": {**obj["metadata"], "name": "other"}}
    assert digest(obj) == digest(rewritten) != digest(changed)
    assert digest(renamed) not in (digest(obj), digest(changed))
    cache, calls = LintCache(2), []
    lint = lambda: calls.append(1) or ("finding",)  # noqa: E731
    assert cache.findings(obj, 0, lint) == cache.findings(rewritten, 0, lint) == ("finding",)
    cache.findings(obj, 1, lint)  # a new context version is a new key
    cache.findings(changed, 1, lint)  # evicts the oldest
    cache.findings(obj, 0, lint)
    assert (len(calls), cache.hits, cache.misses) == (4, 1, 4)
    assert LintCache(0).findings(obj, 0, lint) == ("finding",) and len(calls) == 5
    assert LintCache(8).findings(obj, None, lint) == ("finding",) and len(calls) == 6


def test_large_objects_are_keyed_by_a_digest_and_small_ones_by_their_exact_content():
    from webhook.cache import KEY_BYTES, VOLATILE_METADATA, digest

    small = service_entry()
    large = service_entry(annotations={"note": "x" * KEY_BYTES})
    assert len(digest(large)) == 16 and digest(large) != digest(service_entry(annotations={"note": "y" * KEY_BYTES}))
    content = {k: v for k, v in small["metadata"].items() if k not in VOLATILE_METADATA}
    assert "uid" in small["metadata"] and orjson.loads(digest(small)) == {**small, "metadata": content}


# -- what the linter is given ------------------------------------------------------------------------------

class RecordingLinter:
    def __init__(self):
        self.seen = []
        self.prepared = []

    def kinds(self):
        return frozenset({"Namespace", "networking.istio.io/ServiceEntry"})

    def prepare_context(self, objects):
        self.prepared.append(list(objects))
        return f"prepared-{len(self.prepared)}"

    def lint_objects(self, objects, *, context=None, source=""):
        from policylint.model import LintReport

        self.seen.append((objects[0], context, source))
        return LintReport(())


def test_namespace_filled_in_for_namespaced_objects_only_and_the_context_indexed_once():
    from webhook.admission import AdmissionController
    from webhook.context import ConfigContextProvider
    from webhook.evaluator import Evaluator
    from webhook.review import parse_review

    linter = RecordingLinter()
    stored = service_entry(name="payments-api")  # a stored copy of the object under review: the linter hides it
    other = service_entry(name="other")
    controller = AdmissionController(linter, settings_from_section({}), ConfigContextProvider([stored, other]),
                                     Evaluator(1.0))
    se = service_entry()
    del se["metadata"]["namespace"]
    controller.decide(parse_review(json.dumps(review(se, namespace="shop")).encode()))
    namespace = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}}
    controller.decide(parse_review(json.dumps(review(namespace, namespace="team-a")).encode()))
    (first, context, source), (second, context_again, _) = linter.seen
    assert first["metadata"]["namespace"] == "shop" and "namespace" not in se["metadata"]  # a copy, not mutated
    assert linter.prepared == [[stored, other]]  # once for the provider's version, not per review
    assert context == context_again == "prepared-1" and source == "admission"
    assert "namespace" not in second["metadata"]
