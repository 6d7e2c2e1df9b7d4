"""`policylint webhook manifests`: valid Kubernetes objects (offline schemas), clean under policylint itself,
registered for exactly the kinds the rules read, and matchConditions that never skip a rule's finding."""
from __future__ import annotations

import base64
import json
import subprocess
import sys

import jsonschema
import pytest
import cel
import kubernetes_validate
import yaml

from cert_manager_schemas import SCHEMAS
from webhook_harness import ROOT, make_certs
from policylint.api import Linter
from policylint.config import Config
from webhook.admission import admitted_kinds
from webhook.manifests import ManifestError, POD_TEMPLATES, match_conditions, render, resource_name

GATED = {*POD_TEMPLATES, "/ConfigMap"}

# kubernetes-validate ships the Kubernetes OpenAPI as JSON Schemas per release; strict rejects unknown fields.
KUBERNETES_VERSION = "1.30.0"


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Config())


@pytest.fixture(scope="module")
def rendered(linter) -> str:
    return render(linter=linter)


def documents(text: str) -> list[dict]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


def test_the_expected_objects(rendered):
    kinds = [(d["kind"], d["metadata"]["name"]) for d in documents(rendered)]
    assert kinds == [
        ("Namespace", "policylint-system"), ("ServiceAccount", "policylint-webhook"),
        ("ConfigMap", "policylint-webhook-config"), ("Deployment", "policylint-webhook"),
        ("PodDisruptionBudget", "policylint-webhook"), ("Service", "policylint-webhook"),
        ("Issuer", "policylint-webhook-selfsigned"), ("Certificate", "policylint-webhook-tls"),
        ("ValidatingWebhookConfiguration", "policylint"),
    ]


def test_kubernetes_schema_validation(rendered):
    for doc in documents(rendered):
        if doc["apiVersion"].startswith("cert-manager.io/"):
            jsonschema.Draft202012Validator({**SCHEMAS[doc["kind"]], "$defs": SCHEMAS["$defs"]}).validate(doc)
        else:
            kubernetes_validate.validate(doc, KUBERNETES_VERSION, strict=True)


def test_a_broken_manifest_would_be_caught():
    bad = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"replicas": "three", "selector": {}, "template": {}}}
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(bad, KUBERNETES_VERSION, strict=True)
    certificate = {"apiVersion": "cert-manager.io/v1", "kind": "Certificate",
                   "metadata": {"name": "x", "namespace": "y"}, "spec": {"secretName": "s"}}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator({**SCHEMAS["Certificate"], "$defs": SCHEMAS["$defs"]}).validate(certificate)


def test_policylint_passes_its_own_manifests(rendered, linter):
    report = linter.lint_text(rendered, "policylint-webhook.yaml")
    assert [f"{f.rule} {f.path}: {f.message}" for f in report.active() if f.severity.value != "info"] == []


def test_policylint_passes_the_dockerfile(linter):
    path = ROOT / "webhook" / "deploy" / "Dockerfile"
    report = linter.lint_paths([str(path)])
    assert [f"{f.rule}: {f.message}" for f in report.active() if f.severity.value != "info"] == []


def test_deployment_hardening(rendered):
    deployment = next(d for d in documents(rendered) if d["kind"] == "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    container = pod["containers"][0]
    assert deployment["spec"]["replicas"] == 3
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert container["securityContext"]["readOnlyRootFilesystem"] is True
    assert container["securityContext"]["allowPrivilegeEscalation"] is False
    assert {"readinessProbe", "livenessProbe", "resources"} <= set(container)
    assert set(container["resources"]) == {"requests", "limits"}
    assert {c["topologyKey"] for c in pod["topologySpreadConstraints"]} == {
        "topology.kubernetes.io/zone", "kubernetes.io/hostname"}


def test_webhook_configuration(rendered, linter):
    vwc = documents(rendered)[-1]
    hook = vwc["webhooks"][0]
    assert vwc["metadata"]["annotations"] == {"cert-manager.io/inject-ca-from": "policylint-system/policylint-webhook-tls"}
    assert hook["admissionReviewVersions"] == ["v1", "v1beta1"]
    assert (hook["sideEffects"], hook["failurePolicy"], hook["timeoutSeconds"]) == ("None", "Ignore", 3)
    assert hook["clientConfig"]["service"] == {"name": "policylint-webhook", "namespace": "policylint-system",
                                               "path": "/validate", "port": 443}
    assert hook["namespaceSelector"]["matchExpressions"] == [{
        "key": "kubernetes.io/metadata.name", "operator": "NotIn",
        "values": ["kube-node-lease", "kube-public", "kube-system", "policylint-system"]}]
    registered = {(g, r) for rule in hook["rules"] for g in rule["apiGroups"] for r in rule["resources"]}
    reported = {kind for rule in linter.rules for kind in rule.kinds}
    expected = {(k.rpartition("/")[0], resource_name(k.rpartition("/")[2])) for k in reported
                if k != "*" and not k.startswith("policylint.io/")}
    assert registered == expected
    index_only = set(linter.kinds()) - reported
    assert not {resource_name(k.rpartition("/")[2]) for k in index_only} & {r for _, r in registered}
    assert all(rule["operations"] == ["CREATE", "UPDATE"] for rule in hook["rules"])


def test_options(tmp_path, linter):
    certs = make_certs(tmp_path / "certs")
    config = tmp_path / "config.yaml"
    config.write_text("webhook:\n  exemptions:\n    namespaces: [kube-system, infra]\n")
    text = render(namespace="egress", config_path=str(config), image="registry.example/policylint:1", replicas=5,
                  failure_policy="Fail", timeout_seconds=5, certs=str(certs.directory), linter=linter)
    docs = documents(text)
    secret = next(d for d in docs if d["kind"] == "Secret")
    assert base64.b64decode(secret["data"]["tls.crt"]) == certs.cert.read_bytes()
    hook = docs[-1]["webhooks"][0]
    assert base64.b64decode(hook["clientConfig"]["caBundle"]) == certs.ca.read_bytes()
    assert (hook["failurePolicy"], hook["timeoutSeconds"]) == ("Fail", 5)
    assert hook["namespaceSelector"]["matchExpressions"][0]["values"] == ["egress", "infra", "kube-system"]
    assert not any(d["kind"] in ("Issuer", "Certificate") for d in docs)
    deployment = next(d for d in docs if d["kind"] == "Deployment")
    assert deployment["spec"]["replicas"] == 5
    assert deployment["spec"]["template"]["spec"]["containers"][0]["image"] == "registry.example/policylint:1"
    shipped = yaml.safe_load(next(d for d in docs if d["kind"] == "ConfigMap")["data"]["config.yaml"])
    assert shipped["webhook"]["exemptions"]["namespaces"] == ["kube-system", "infra"]


def test_time_budget_must_stay_below_the_timeout(tmp_path, linter):
    config = tmp_path / "config.yaml"
    config.write_text("webhook:\n  failure:\n    timeBudgetSeconds: 3\n")
    with pytest.raises(ManifestError, match="must be below the webhook timeout"):
        render(config_path=str(config), linter=linter)


def test_context_files_are_inlined(tmp_path, linter):
    (tmp_path / "ns.yaml").write_text("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: eu\n")
    config = tmp_path / "config.yaml"
    config.write_text("webhook:\n  context:\n    files: [ns.yaml]\n")
    docs = documents(render(config_path=str(config), linter=linter))
    shipped = yaml.safe_load(next(d for d in docs if d["kind"] == "ConfigMap")["data"]["config.yaml"])
    assert shipped["webhook"]["context"] == {"objects": [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "eu"}}]}


def test_cli_renders(tmp_path):
    out = subprocess.run([sys.executable, "-m", "webhook", "manifests", "--namespace", "egress", "-o", "m.yaml"],
                         cwd=tmp_path, capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin",
                                                                            "POLICYLINT_CACHE_DIR": str(tmp_path / "c")})
    assert out.returncode == 0, out.stderr
    assert documents((tmp_path / "m.yaml").read_text())[0]["metadata"]["name"] == "egress"
    bad = subprocess.run([sys.executable, "-m", "webhook", "manifests", "--timeout-seconds", "31"], cwd=tmp_path,
                         capture_output=True, text=True, env={"PYTHONPATH": str(ROOT), "PATH": "/usr/bin:/bin"})
    assert (bad.returncode, bad.stderr.strip()) == (
        2, "policylint webhook manifests: --timeout-seconds must be between 1 and 30")


def test_resource_names_follow_the_apiserver():
    assert [resource_name(k) for k in ("ServiceEntry", "Service", "Ingress", "Deployment", "Sidecar")] == [
        "serviceentries", "services", "ingresses", "deployments", "sidecars"]


# -- matchConditions ---------------------------------------------------------------------------------------

def _condition(linter):
    conditions = match_conditions(admitted_kinds(linter))
    assert conditions, "the built-in rules read gated kinds, so the webhook must have a matchCondition"
    return conditions[0]["expression"]


def _request(doc: dict) -> dict:
    group, _, version = doc["apiVersion"].rpartition("/")
    return {"kind": {"group": group, "version": version, "kind": doc["kind"]}, "operation": "CREATE"}


def test_match_condition_never_skips_a_finding(linter):
    """Every fixture document of a gated kind that some rule reports on passes the condition."""
    expression = _condition(linter)
    checked = 0
    for fixture in sorted((ROOT / "fixtures" / "rules").glob("*/fail.yaml")):
        report = linter.lint_paths([str(fixture)])
        # Structure findings (SCH8xx) cannot arise in admission for these built-in kinds: the apiserver has
        # decoded and validated the object against its own schema before it calls a validating webhook.
        flagged = {(f.resource.kind, f.resource.name) for f in report.active()
                   if f.resource and not f.rule.startswith("SCH")}
        for doc in yaml.safe_load_all(fixture.read_text()):
            if not isinstance(doc, dict) or "kind" not in doc or "apiVersion" not in doc:
                continue
            key = f"{doc['apiVersion'].rpartition('/')[0]}/{doc['kind']}"
            if key not in GATED or (doc["kind"], (doc.get("metadata") or {}).get("name")) not in flagged:
                continue
            assert cel.evaluate(expression, {"request": _request(doc), "object": doc}) is True, fixture
            checked += 1
    assert checked > 0


def test_match_condition_skips_workloads_without_istio_metadata(linter):
    expression = _condition(linter)
    plain = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
             "spec": {"template": {"metadata": {"labels": {"app": "x"}}, "spec": {"containers": []}}}}
    bare = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"}, "spec": {}}
    istio = json.loads(json.dumps(plain))
    istio["spec"]["template"]["metadata"]["annotations"] = {"traffic.sidecar.istio.io/excludeOutboundPorts": "5432"}
    service = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"}}
    assert [cel.evaluate(expression, {"request": _request(o), "object": o}) for o in (plain, bare, istio, service)] == [
        False, False, True, True]
