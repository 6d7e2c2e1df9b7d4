"""`policylint webhook manifests`: the in-cluster deployment, from webhook/deploy/*.yaml.tmpl.

The templates hold everything static; what depends on the rules or the config is computed here: the
ValidatingWebhookConfiguration's rules (the kinds some compiled rule reports on), its namespaceSelector (the exempt
namespaces), its matchConditions, and the certificate wiring (cert-manager, or a Secret and caBundle from
`policylint webhook certs`).
"""
from __future__ import annotations

import base64
import string
from collections import defaultdict
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .admission import admitted_kinds
from .config import DEFAULT_NAMESPACE, Settings, settings_from_section
from .context import ConfigContextProvider

DEPLOY_DIR = Path(__file__).parent / "deploy"
DEFAULT_TIMEOUT_SECONDS = 3
MAX_TIMEOUT_SECONDS = 30  # the apiserver's limit for timeoutSeconds
SECRET_NAME = "policylint-webhook-tls"
TEMPLATES = ("namespace", "serviceaccount", "configmap", "deployment", "poddisruptionbudget", "service")
# Kinds some rule reads that are not resources one can admit.
NOT_ADMITTED_GROUPS = ("policylint.io",)  # TextFile, HelmValues, MeshConfig: file formats, not resources

# Kinds the apiserver admits often but the rules read only in part, and the CEL gate that says whether an
# object has anything those rules read. Rules read workloads only for Istio's annotations and labels
# (`*.istio.io/...`) on the object or its pod template, and ConfigMaps only when they are a mesh config
# (`istio`, `istio-<revision>`) or carry Istio annotations. The structure rules (SCH8xx) read every field, but the
# apiserver has already validated a built-in kind's structure before it calls a validating webhook.
# tests/webhook/test_webhook_manifests.py holds every rule fixture of these kinds to its gate.
_TEMPLATE = "object.spec.template.metadata"
POD_TEMPLATES = {
    "/Pod": None,
    "/ReplicationController": _TEMPLATE,
    "apps/Deployment": _TEMPLATE,
    "apps/StatefulSet": _TEMPLATE,
    "apps/DaemonSet": _TEMPLATE,
    "apps/ReplicaSet": _TEMPLATE,
    "extensions/Deployment": _TEMPLATE,
    "extensions/DaemonSet": _TEMPLATE,
    "extensions/ReplicaSet": _TEMPLATE,
    "batch/Job": _TEMPLATE,
    "batch/CronJob": "object.spec.jobTemplate.spec.template.metadata",
    "argoproj.io/Rollout": _TEMPLATE,
}
ISTIO_KEY = "istio.io"


class ManifestError(Exception):
    pass


def render(
    *,
    namespace: str | None = None,
    config_path: str | None = None,
    image: str | None = None,
    replicas: int = 3,
    failure_policy: str = "Ignore",
    timeout_seconds: int | None = None,
    certs: str = "cert-manager",
    linter: Any = None,
) -> str:
    """The manifests as one multi-document YAML text."""
    from policylint import __version__
    from policylint.config import Config, load_config

    config = load_config(config_path, discover=False) if config_path else Config()
    data = dict(config.data)
    section = dict(data.get("webhook") or {})
    namespace = namespace or section.get("namespace") or DEFAULT_NAMESPACE
    section["namespace"] = namespace
    settings = settings_from_section(section, base_dir=config.base_dir)
    timeout = DEFAULT_TIMEOUT_SECONDS if timeout_seconds is None else timeout_seconds
    if not 1 <= timeout <= MAX_TIMEOUT_SECONDS:
        raise ManifestError(f"--timeout-seconds must be between 1 and {MAX_TIMEOUT_SECONDS}")
    if settings.time_budget_seconds >= timeout:
        raise ManifestError(
            f"webhook.failure.timeBudgetSeconds ({settings.time_budget_seconds:g}) must be below the webhook "
            f"timeout ({timeout}s), or the apiserver gives up before the failure mode answers"
        )
    if replicas < 1:
        raise ManifestError("--replicas must be at least 1")
    if linter is None:
        from policylint.api import Linter

        linter = Linter(config)

    values = {
        "namespace": namespace,
        "image": image or f"policylint/policylint:{__version__}",
        "replicas": replicas,
        "failure_policy": failure_policy,
        "timeout_seconds": timeout,
    }
    documents = [doc for name in TEMPLATES for doc in _template(name, values)]
    _ship_config(documents, data, section, settings)
    webhook_config = _template("validatingwebhookconfiguration", values)[0]
    hook = webhook_config["webhooks"][0]
    hook["namespaceSelector"]["matchExpressions"][0]["values"] = sorted(settings.exempt_namespaces)
    kinds = admitted_kinds(linter)
    hook["rules"] = admission_rules(kinds)
    if not hook["rules"]:
        raise ManifestError("no rule reads a kind the apiserver admits: nothing to register the webhook for")
    conditions = match_conditions(kinds)
    if conditions:
        hook["matchConditions"] = conditions
    if certs == "cert-manager":
        documents.extend(_template("cert-manager", values))
        webhook_config["metadata"]["annotations"] = {"cert-manager.io/inject-ca-from": f"{namespace}/{SECRET_NAME}"}
    else:
        secret, ca_bundle = _certificate_secret(Path(certs), namespace)
        documents.append(secret)
        hook["clientConfig"]["caBundle"] = ca_bundle
    documents.append(webhook_config)
    header = f"# policylint {__version__} admission webhook: rendered by `policylint webhook manifests`.\n"
    return header + "".join("---\n" + _dump(doc) for doc in documents)


def admission_rules(kinds: Iterable[str]) -> list[dict]:
    """One rule per API group: CREATE and UPDATE of the resources whose kinds some rule reads."""
    by_group: dict[str, set[str]] = defaultdict(set)
    for key in kinds:
        group, _, kind = key.rpartition("/")
        if kind == "*" or group in NOT_ADMITTED_GROUPS:
            continue
        by_group[group].add(resource_name(kind))
    return [
        {
            "apiGroups": [group],
            "apiVersions": ["*"],
            "operations": ["CREATE", "UPDATE"],
            "resources": sorted(resources),
            "scope": "*",
        }
        for group, resources in sorted(by_group.items())
    ]


def resource_name(kind: str) -> str:
    """The resource (plural, lower case) of a kind, as the apiserver guesses it (meta.UnsafeGuessKindToResource)."""
    lower = kind.lower()
    if lower.endswith("s"):
        return lower + "es"
    if lower.endswith("y"):
        return lower[:-1] + "ies"
    return lower + "s"


def match_conditions(kinds: Iterable[str]) -> list[dict]:
    """CEL conditions the apiserver checks before calling us, so objects no rule reads never cost a call.

    Every field access is guarded with has(): an evaluation error would fall to the failurePolicy.
    """
    present = {k if "/" in k else f"/{k}" for k in kinds}
    gates = {key: _workload_gate(template) for key, template in POD_TEMPLATES.items() if key in present}
    if "/ConfigMap" in present:
        gates["/ConfigMap"] = _config_map_gate()
    if not gates:
        return []
    gated = " || ".join(_is_kind(key) for key in gates)
    passes = " || ".join(f"({_is_kind(key)} && {gate})" for key, gate in gates.items())
    return [{"name": "skip-objects-no-rule-reads", "expression": f"!({gated}) || {passes}"}]


def _is_kind(key: str) -> str:
    group, _, kind = key.rpartition("/")
    return f'(request.kind.group == "{group}" && request.kind.kind == "{kind}")'


def _workload_gate(template: str | None) -> str:
    gates = [_has_istio_metadata("object.metadata")]
    if template:
        gates.append(_has_istio_metadata(template))
    return "(" + " || ".join(gates) + ")"


def _config_map_gate() -> str:
    name = "object.metadata.name"
    mesh_config = f'(has(object.metadata) && has({name}) && ({name} == "istio" || {name}.startsWith("istio-")))'
    return f"({mesh_config} || {_has_istio_metadata('object.metadata')})"


def _has_istio_metadata(path: str) -> str:
    parts = path.split(".")
    guards = [f"has({'.'.join(parts[: i + 1])})" for i in range(1, len(parts))]
    maps = [
        f'(has({path}.{field}) && {path}.{field}.exists(k, k.contains("{ISTIO_KEY}")))'
        for field in ("annotations", "labels")
    ]
    return "(" + " && ".join(guards) + " && (" + " || ".join(maps) + "))"


def _template(name: str, values: Mapping[str, Any]) -> list[dict]:
    text = (DEPLOY_DIR / f"{name}.yaml.tmpl").read_text(encoding="utf-8")
    rendered = string.Template(text).substitute({k: str(v) for k, v in values.items()})
    return [doc for doc in yaml.safe_load_all(rendered) if doc is not None]


def _ship_config(documents: list[dict], data: dict, section: dict, settings: Settings) -> None:
    """Put the config into the ConfigMap, inlining what refers to local files (the pod cannot read them)."""
    for key in ("rule_dirs", "crds"):
        if data.get(key):
            raise ManifestError(
                f"config key {key!r} names local files the webhook pod cannot read: build them into the image"
            )
    if settings.context_files:
        objects = ConfigContextProvider(settings.context_objects, settings.context_files).objects
        section = {**section, "context": {"objects": [dict(obj) for obj in objects]}}
    shipped = {**data, "webhook": section} if section else data
    config_map = next(doc for doc in documents if doc["kind"] == "ConfigMap")
    config_map["data"]["config.yaml"] = yaml.safe_dump(shipped, sort_keys=False) if shipped else "{}\n"


def _certificate_secret(directory: Path, namespace: str) -> tuple[dict, str]:
    try:
        ca, cert, key = (directory / name for name in ("ca.crt", "tls.crt", "tls.key"))
        ca_pem, cert_pem, key_pem = ca.read_bytes(), cert.read_bytes(), key.read_bytes()
    except OSError as exc:
        raise ManifestError(
            f"--certs {directory}: cannot read {exc.filename} (expected `cert-manager` or a directory written by "
            "`policylint webhook certs`)"
        ) from None
    b64 = lambda data: base64.b64encode(data).decode()  # noqa: E731
    secret = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {
            "name": SECRET_NAME,
            "namespace": namespace,
            "labels": {"app.kubernetes.io/name": "policylint-webhook", "app.kubernetes.io/part-of": "policylint"},
        },
        "type": "kubernetes.io/tls",
        "data": {"tls.crt": b64(cert_pem), "tls.key": b64(key_pem), "ca.crt": b64(ca_pem)},
    }
    return secret, b64(ca_pem)


def _dump(document: dict) -> str:
    return yaml.safe_dump(document, sort_keys=False, default_flow_style=False, width=120)
