"""AdmissionReviews as a kube-apiserver sends them: envelope, userInfo, options, and objects with the fields the
apiserver fills in (uid, creationTimestamp, managedFields, resourceVersion)."""
from __future__ import annotations

import copy
import itertools
from typing import Any

_uids = itertools.count(1)

RESOURCES = {
    ("networking.istio.io", "ServiceEntry"): "serviceentries",
    ("", "Service"): "services",
    ("apps", "Deployment"): "deployments",
    ("", "ConfigMap"): "configmaps",
    ("", "Namespace"): "namespaces",
}
OPTIONS = {"CREATE": "CreateOptions", "UPDATE": "UpdateOptions", "DELETE": "DeleteOptions"}


def next_uid() -> str:
    return f"0f2c{next(_uids):04d}-7a1b-4c3d-9e8f-12345678abcd"


def _metadata(name: str, namespace: str | None, **extra: Any) -> dict:
    meta: dict[str, Any] = {
        "name": name,
        "uid": "3c9e1f1a-5d2b-4b8e-a6a1-0b7d5e2f9c41",
        "creationTimestamp": "2026-11-21T08:00:00Z",
        "managedFields": [
            {
                "manager": "kubectl-client-side-apply",
                "operation": "Update",
                "apiVersion": "v1",
                "time": "2026-11-21T08:00:00Z",
                "fieldsType": "FieldsV1",
                "fieldsV1": {"f:metadata": {"f:annotations": {".": {}}}, "f:spec": {}},
            }
        ],
    }
    if namespace is not None:
        meta["namespace"] = namespace
    meta.update(extra)
    return meta


def service_entry(name: str = "payments-api", namespace: str = "shop", hosts=("api.payments.example",),
                  resolution: str = "DNS", annotations: dict | None = None, labels: dict | None = None) -> dict:
    meta = _metadata(name, namespace, labels=labels or {"app": name})
    if annotations:
        meta["annotations"] = annotations
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": meta,
        "spec": {
            "hosts": list(hosts),
            "location": "MESH_EXTERNAL",
            "ports": [
                {"number": 443, "name": "https", "protocol": "TLS"},
                {"number": 80, "name": "http", "protocol": "HTTP"},
            ],
            "resolution": resolution,
            "exportTo": ["."],
        },
    }


def service(name: str = "checkout", namespace: str = "shop", ports=None) -> dict:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": _metadata(name, namespace, labels={"app": name}),
        "spec": {
            "type": "ClusterIP",
            "selector": {"app": name},
            "ports": ports if ports is not None else [
                {"name": "http", "port": 80, "targetPort": 8080, "protocol": "TCP"},
                {"name": "grpc", "port": 9090, "targetPort": 9090, "protocol": "TCP"},
            ],
            "clusterIP": "10.96.12.34",
            "clusterIPs": ["10.96.12.34"],
            "ipFamilies": ["IPv4"],
            "ipFamilyPolicy": "SingleStack",
            "sessionAffinity": "None",
            "internalTrafficPolicy": "Cluster",
        },
    }


def deployment(name: str = "checkout", namespace: str = "shop", annotations: dict | None = None) -> dict:
    template_annotations = {"sidecar.istio.io/inject": "true"}
    template_annotations.update(annotations or {})
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": _metadata(name, namespace, labels={"app": name}, generation=1),
        "spec": {
            "replicas": 2,
            "selector": {"matchLabels": {"app": name}},
            "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
            "template": {
                "metadata": {"labels": {"app": name}, "annotations": template_annotations},
                "spec": {
                    "containers": [
                        {
                            "name": name,
                            "image": f"registry.example/{name}:1.4.2",
                            "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}},
                            "imagePullPolicy": "IfNotPresent",
                        }
                    ],
                    "restartPolicy": "Always",
                    "terminationGracePeriodSeconds": 30,
                    "dnsPolicy": "ClusterFirst",
                },
            },
        },
    }


def review(obj: dict | None, *, operation: str = "CREATE", old: dict | None = None, version: str = "v1",
           uid: str | None = None, dry_run: bool = False, subresource: str | None = None,
           namespace: str | None = None, user: str = "alice@example.com", kind: dict | None = None) -> dict:
    """An AdmissionReview request for `obj` (or for `old` on DELETE)."""
    subject = obj if obj is not None else old
    api_version = subject["apiVersion"]
    group, _, kind_version = api_version.rpartition("/")
    kind_name = subject["kind"]
    gvk = kind or {"group": group, "version": kind_version, "kind": kind_name}
    resource = {"group": gvk["group"], "version": gvk["version"],
                "resource": RESOURCES.get((gvk["group"], gvk["kind"]), gvk["kind"].lower() + "s")}
    meta = subject.get("metadata", {})
    request: dict[str, Any] = {
        "uid": uid or next_uid(),
        "kind": gvk,
        "resource": resource,
        "requestKind": gvk,
        "requestResource": resource,
        "name": meta.get("name", ""),
        "namespace": namespace if namespace is not None else meta.get("namespace", ""),
        "operation": operation,
        "userInfo": {"username": user, "uid": "u-1001", "groups": ["developers", "system:authenticated"]},
        "object": obj,
        "oldObject": old,
        "dryRun": dry_run,
        "options": {"apiVersion": "meta.k8s.io/v1", "kind": OPTIONS.get(operation, "CreateOptions"),
                    "fieldManager": "kubectl-client-side-apply", "fieldValidation": "Strict"},
    }
    if subresource:
        request["subResource"] = subresource
        request["requestSubResource"] = subresource
    return {"apiVersion": f"admission.k8s.io/{version}", "kind": "AdmissionReview", "request": request}


def updated(obj: dict, **changes: Any) -> dict:
    """A copy of `obj` as the apiserver sends it on UPDATE (resourceVersion bumped), with spec changes."""
    new = copy.deepcopy(obj)
    new["metadata"]["resourceVersion"] = "1002"
    for key, value in changes.items():
        new["spec"][key] = value
    return new
