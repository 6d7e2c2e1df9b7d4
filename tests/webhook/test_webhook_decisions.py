"""Every decision path over HTTPS against a real webhook process, with exact response bodies."""
from __future__ import annotations

import json

import pytest

from webhook_reviews import deployment, review, service, service_entry, updated

V1 = "admission.k8s.io/v1"
WILDCARD = "WHK101 spec.hosts[0]: host *.payments.example is a wildcard"


def allowed(uid: str, version: str = V1, warnings: list[str] | None = None) -> dict:
    response = {"uid": uid, "allowed": True}
    if warnings:
        response["warnings"] = warnings
    return {"apiVersion": version, "kind": "AdmissionReview", "response": response}


def denied(uid: str, lines: list[str], warnings: list[str] | None = None, version: str = V1) -> dict:
    noun = "violation" if len(lines) == 1 else "violations"
    message = "\n".join([f"{len(lines)} policylint {noun}:", *(f"- {line}" for line in lines)])
    response = {"uid": uid, "allowed": False, "status": {"code": 403, "message": message}}
    if warnings:
        response["warnings"] = warnings
    return {"apiVersion": version, "kind": "AdmissionReview", "response": response}


def post(server, body: dict) -> dict:
    response = server.validate(body)
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    return response.json()


# -- allow, deny, warn, audit --------------------------------------------------------------------------------

def test_clean_object_is_allowed(webhook):
    body = review(service_entry())
    assert post(webhook, body) == allowed(body["request"]["uid"])


def test_error_finding_denies_with_rule_path_and_message(webhook):
    body = review(service_entry(hosts=["*.payments.example"]))
    assert post(webhook, body) == denied(body["request"]["uid"], [WILDCARD])


def test_denial_carries_warnings_too(webhook):
    body = review(service_entry(hosts=["*.payments.example", "*.shop.example"], resolution="NONE"))
    assert post(webhook, body) == denied(
        body["request"]["uid"],
        [WILDCARD, "WHK101 spec.hosts[1]: host *.shop.example is a wildcard"],
        ["WHK104 spec.resolution: resolution NONE sends traffic to the original destination"],
    )


def test_warning_finding_allows_with_a_warning(webhook):
    ports = [{"name": "http", "port": 80, "targetPort": 8080}, {"port": 8080, "targetPort": 8080}]
    body = review(service(ports=ports))
    assert post(webhook, body) == allowed(body["request"]["uid"], warnings=["WHK102 spec.ports[1]: port 8080 has no name"])


def test_info_finding_is_audited_only(webhook):
    obj = deployment(annotations={"traffic.sidecar.istio.io/excludeOutboundIPRanges": "169.254.169.254/32"})
    body = review(obj)
    uid = body["request"]["uid"]
    assert post(webhook, body) == allowed(uid)
    line = webhook.decision_log(uid)
    assert (line["decision"], line["rules"]) == ("allow", {"audit": ["WHK103"]})
    assert webhook.metric("policylint_webhook_findings_total", rule="WHK103", action="audit") >= 1


# -- UPDATE ratchet ------------------------------------------------------------------------------------------

def test_update_keeping_a_pre_existing_violation_warns(webhook):
    old = service_entry(hosts=["*.payments.example"])
    new = updated(old, resolution="STATIC", endpoints=[{"address": "203.0.113.7"}])
    body = review(new, operation="UPDATE", old=old)
    assert post(webhook, body) == allowed(
        body["request"]["uid"], warnings=[WILDCARD + " (pre-existing violation: allowed on update)"])


def test_update_adding_a_violation_denies_only_the_new_one(webhook):
    old = service_entry(hosts=["*.payments.example"])
    new = updated(old, hosts=["api.payments.example", "*.payments.example", "*.new.example"])
    body = review(new, operation="UPDATE", old=old)
    assert post(webhook, body) == denied(
        body["request"]["uid"],
        ["WHK101 spec.hosts[2]: host *.new.example is a wildcard"],
        ["WHK101 spec.hosts[1]: host *.payments.example is a wildcard (pre-existing violation: allowed on update)"],
    )


def test_create_has_no_ratchet(webhook):
    old = service_entry(hosts=["*.payments.example"])
    body = review(old, operation="CREATE", old=old)  # oldObject is ignored on CREATE
    assert post(webhook, body) == denied(body["request"]["uid"], [WILDCARD])


# -- fast exits ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("namespace", ["kube-system", "kube-public", "kube-node-lease", "policylint-system"])
def test_exempt_namespaces_are_allowed(webhook, namespace):
    body = review(service_entry(namespace=namespace, hosts=["*.payments.example"]))
    uid = body["request"]["uid"]
    assert post(webhook, body) == allowed(uid)
    line = webhook.decision_log(uid)
    assert (line["decision"], line["reason"]) == ("exempt", f"namespace {namespace}")


def test_ignore_annotation_is_not_honoured_by_default(webhook):
    obj = service_entry(hosts=["*.payments.example"], annotations={"policylint.io/ignore": "WHK101: legacy"})
    body = review(obj)
    assert post(webhook, body) == denied(body["request"]["uid"], [WILDCARD])


def test_dry_run_is_evaluated_and_counted_apart(webhook):
    body = review(service_entry(hosts=["*.payments.example"]), dry_run=True)
    uid = body["request"]["uid"]
    assert post(webhook, body) == denied(uid, [WILDCARD])
    assert webhook.decision_log(uid)["dry_run"] is True
    assert webhook.metric("policylint_webhook_requests_total", decision="deny", dry_run="true") >= 1


@pytest.mark.parametrize("operation", ["DELETE", "CONNECT"])
def test_delete_and_connect_are_allowed_at_once(webhook, operation):
    old = service_entry(hosts=["*.payments.example"])
    body = review(None, operation=operation, old=old)
    uid = body["request"]["uid"]
    assert post(webhook, body) == allowed(uid)
    line = webhook.decision_log(uid)
    assert (line["decision"], line["reason"]) == ("skip", f"operation {operation}")


def test_status_subresource_is_allowed(webhook):
    obj = service_entry(hosts=["*.payments.example"])
    body = review(obj, operation="UPDATE", old=obj, subresource="status")
    uid = body["request"]["uid"]
    assert post(webhook, body) == allowed(uid)
    assert webhook.decision_log(uid)["reason"] == "subresource status"


def test_unknown_kind_is_allowed(webhook):
    widget = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w", "namespace": "shop"},
              "spec": {"hosts": ["*.payments.example"]}}
    body = review(widget)
    uid = body["request"]["uid"]
    assert post(webhook, body) == allowed(uid)
    assert webhook.decision_log(uid)["reason"] == "kind not checked"
    assert webhook.metric("policylint_webhook_requests_total", decision="skip", kind="other") >= 1


# -- versions --------------------------------------------------------------------------------------------------

def test_v1beta1_is_answered_in_v1beta1(webhook):
    body = review(service_entry(hosts=["*.payments.example"]), version="v1beta1")
    assert post(webhook, body) == denied(body["request"]["uid"], [WILDCARD], version="admission.k8s.io/v1beta1")
    clean = review(service_entry(), version="v1beta1")
    assert post(webhook, clean) == allowed(clean["request"]["uid"], version="admission.k8s.io/v1beta1")


# -- context for cross-resource rules -----------------------------------------------------------------------

def test_other_service_entries_come_from_config(webhook):
    body = review(service_entry(hosts=["api.partner.example"]))
    assert post(webhook, body) == denied(
        body["request"]["uid"], ["WHK105 spec.hosts[0]: host api.partner.example is already declared by ServiceEntry partners/partner-api"])


def test_the_object_under_review_replaces_its_stored_copy(webhook):
    obj = service_entry(name="partner-api", namespace="partners", hosts=["api.partner.example"])
    body = review(updated(obj, resolution="DNS"), operation="UPDATE", old=obj)
    assert post(webhook, body) == allowed(body["request"]["uid"])


def test_namespace_labels_come_from_a_context_file(webhook):
    obj = service_entry(namespace="locked")
    del obj["metadata"]["namespace"]  # the request's namespace is used when the object has none
    body = review(obj, namespace="locked")
    assert post(webhook, body) == denied(
        body["request"]["uid"], ["WHK106 metadata.namespace: namespace locked does not allow ServiceEntries"])


# -- permissive settings ------------------------------------------------------------------------------------

def test_warn_mode_never_denies(permissive):
    body = review(service_entry(hosts=["*.payments.example"]))
    assert post(permissive, body) == allowed(
        body["request"]["uid"], warnings=[WILDCARD + " (not denied: policylint enforcement is in warn mode)"])


def test_ignore_annotation_honoured_only_where_allowed(permissive):
    annotations = {"policylint.io/ignore": "WHK101: legacy wildcard, tracked in JIRA-12"}
    legacy = review(service_entry(namespace="legacy", hosts=["*.payments.example"], annotations=annotations))
    uid = legacy["request"]["uid"]
    assert post(permissive, legacy) == allowed(uid)
    assert permissive.decision_log(uid)["decision"] == "allow"
    elsewhere = review(service_entry(namespace="shop", hosts=["*.payments.example"], annotations=annotations))
    assert post(permissive, elsewhere)["response"]["warnings"] == [
        WILDCARD + " (not denied: policylint enforcement is in warn mode)"]


def test_rule_action_override(permissive):
    obj = deployment(annotations={"traffic.sidecar.istio.io/excludeOutboundIPRanges": "169.254.169.254/32"})
    body = review(obj)
    assert post(permissive, body) == allowed(body["request"]["uid"], warnings=[
        'WHK103 spec.template.metadata.annotations["traffic.sidecar.istio.io/excludeOutboundIPRanges"]: '
        "outbound capture excludes 169.254.169.254/32"])


def test_configured_exempt_namespaces_replace_the_defaults(permissive):
    exempt = review(service_entry(namespace="tenant-exempt", hosts=["*.payments.example"]))
    assert post(permissive, exempt) == allowed(exempt["request"]["uid"])
    system = review(service_entry(namespace="kube-system", hosts=["*.payments.example"]))
    assert post(permissive, system)["response"]["warnings"]


# -- observability -------------------------------------------------------------------------------------------

def test_decision_log_line(webhook):
    body = review(service_entry(hosts=["*.payments.example"], resolution="NONE"), user="bob@example.com")
    uid = body["request"]["uid"]
    post(webhook, body)
    line = webhook.decision_log(uid)
    assert line.pop("latency_ms") > 0
    line.pop("time")
    assert line == {
        "level": "info", "logger": "policylint.webhook", "msg": "admission decision", "uid": uid,
        "kind": "networking.istio.io/v1/ServiceEntry", "namespace": "shop", "name": "payments-api",
        "operation": "CREATE", "user": "bob@example.com", "dry_run": False, "decision": "deny",
        "rules": {"deny": ["WHK101"], "warn": ["WHK104"]},
    }


def test_log_never_holds_object_content(webhook):
    secret = "sk_live_51HxYzSECRETvalue"
    obj = service_entry(hosts=["*.payments.example"], annotations={"token": secret})
    obj["spec"]["hosts"].append(f"*.{secret.lower()}.example")
    body = review(obj)
    post(webhook, body)
    webhook.decision_log(body["request"]["uid"])
    text = webhook.log_path.read_text()
    assert secret not in text and secret.lower() not in text and "is a wildcard" not in text


def test_metrics(webhook):
    body = review(service_entry(hosts=["*.payments.example"]))
    post(webhook, body)
    assert webhook.metric("policylint_webhook_requests_total", decision="deny",
                          kind="networking.istio.io/ServiceEntry", operation="CREATE", dry_run="false") >= 1
    assert webhook.metric("policylint_webhook_findings_total", rule="WHK101", action="deny") >= 1
    assert webhook.metric("policylint_webhook_request_duration_seconds_count") >= 1
    assert webhook.metric("policylint_webhook_rules") >= 6
    assert webhook.metric("policylint_webhook_certificate_expiry_timestamp_seconds") > 1.7e9


def test_health_and_readiness(webhook):
    client = webhook.client()
    assert (client.get("/healthz").status_code, client.get("/healthz").json()) == (200, {"status": "ok"})
    assert (client.get("/readyz").status_code, client.get("/readyz").json()) == (200, {"status": "ready"})


def test_plain_http_is_refused(webhook):
    import httpx

    with pytest.raises(httpx.HTTPError):
        httpx.post(f"http://127.0.0.1:{webhook.port}/validate", content=json.dumps(review(service_entry())),
                   headers={"content-type": "application/json"}, timeout=5)


def test_same_content_is_linted_once(webhook):
    obj = service_entry(name="cached", hosts=["*.cached.example"])
    first = review(obj)
    before = webhook.metric("policylint_webhook_lint_cache_total", result="hit")
    again = review(updated(obj))  # a new resourceVersion: same content for the rules
    line = "WHK101 spec.hosts[0]: host *.cached.example is a wildcard"
    assert post(webhook, first) == denied(first["request"]["uid"], [line])
    assert post(webhook, again) == denied(again["request"]["uid"], [line])
    assert webhook.metric("policylint_webhook_lint_cache_total", result="hit") == before + 1
