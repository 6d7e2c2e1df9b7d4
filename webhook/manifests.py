"""`policylint webhook manifests`: the in-cluster deployment, from webhook/deploy/*.yaml.tmpl.

The templates hold everything static; what depends on the rules or the config is computed here: the
ValidatingWebhookConfiguration's rules (the kinds some compiled rule reads), its namespaceSelector (the exempt
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

from .config import DEFAULT_NAMESPACE, settings_from_section

DEPLOY_DIR = Path(__file__).parent / "deploy"
DEFAULT_TIMEOUT_SECONDS = 3
MAX_TIMEOUT_SECONDS = 30  # the apiserver's limit for timeoutSeconds
SECRET_NAME = "policylint-webhook-tls"
TEMPLATES = ("namespace", "serviceaccount", "configmap", "deployment", "poddisruptionbudget", "service")
# Kinds some rule reads that are not resources one can admit.
NOT_ADMITTED = ("*", "policylint.io/TextFile")

# Pod-bearing kinds and where their pod metadata is. Rules read workloads only for Istio's traffic and sidecar
# annotations and labels (`*.istio.io/...`), so workloads without any are skipped by a matchCondition;
# tests/webhook/test_manifests.py holds every rule fixture of these kinds to that.
POD_METADATA = {
    "/Pod": "object.metadata",
    "apps/Deployment": "object.spec.template.metadata",
    "apps/StatefulSet": "object.spec.template.metadata",
    "apps/DaemonSet": "object.spec.template.metadata",
    "apps/ReplicaSet": "object.spec.template.metadata",
    "batch/Job": "object.spec.template.metadata",
    "batch/CronJob": "object.spec.jobTemplate.spec.template.metadata",
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
    _ship_config(documents, data, section, settings.context_objects, config.base_dir)
    webhook_config = _template("validatingwebhookconfiguration", values)[0]
    hook = webhook_config["webhooks"][0]
    hook["namespaceSelector"]["matchExpressions"][0]["values"] = sorted(settings.exempt_namespaces)
    hook["rules"] = admission_rules(linter.kinds())
    if not hook["rules"]:
        raise ManifestError("no rule reads a kind the apiserver admits: nothing to register the webhook for")
    conditions = match_conditions(linter.kinds())
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
        if key in NOT_ADMITTED:
            continue
        group, _, kind = key.rpartition("/")
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
    """CEL conditions the apiserver checks before calling us: pod-bearing objects without Istio metadata are
    skipped. Every field access is guarded with has(): an evaluation error would fall to the failurePolicy."""
    present = {k if "/" in k else f"/{k}" for k in kinds}
    gated = [(key, path) for key, path in POD_METADATA.items() if key in present]
    if not gated:
        return []
    is_gated = " || ".join(_is_kind(key) for key, _ in gated)
    has_istio = " || ".join(f"({_is_kind(key)} && {_has_istio_metadata(path)})" for key, path in gated)
    return [{"name": "workloads-with-istio-metadata", "expression": f"!({is_gated}) || {has_istio}"}]


def _is_kind(key: str) -> str:
    group, _, kind = key.rpartition("/")
    return f'(request.kind.group == "{group}" && request.kind.kind == "{kind}")'


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


def _ship_config(documents: list[dict], data: dict, section: dict, context_objects: tuple, base_dir: Path) -> None:
    """Put the config into the ConfigMap, inlining what refers to local files (the pod cannot read them)."""
    for key in ("rule_dirs", "crds"):
        if data.get(key):
            raise ManifestError(
                f"config key {key!r} names local files the webhook pod cannot read: build them into the image"
            )
    if section.get("context", {}).get("files"):
        section = {**section, "context": {"objects": list(context_objects)}}
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
