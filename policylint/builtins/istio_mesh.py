"""What Istio's webhook and analyzers check for Sidecar egress listeners, outbound traffic policy, destination
hosts and locality load-balancing settings (spec §3.6, §3.7, §3.9, §3.10, SE-REF-001), in small total functions.

Every function is total: any input (None, numbers, maps) gives a value, never an exception. Functions named
`...Error` return Istio's reason as a short string, or None when Istio accepts the value.

Rule-callable builtins:

    sidecarEgressHostError(host)        why the webhook rejects a Sidecar egress host (`ns/dnsName`), or null
    sidecarEgressHostDuplicate(hosts, i, namespace)
                                        why hosts[i] duplicates an earlier host of the same listener (Istio's
                                        webhook warning), or null; `.` stands for `namespace`
    sidecarBindError(bind, number, captureMode)
                                        why an egress listener's bind/port/captureMode combination is rejected
    sidecarDuplicateListener(egress, i) why egress[i] repeats an earlier listener's port (IP-bound listeners) or
                                        unix bind (port 0 listeners), or null
    egressProxyError(egressProxy)       why the webhook rejects an outboundTrafficPolicy.egressProxy destination
                                        (host not an FQDN, port missing or out of range), or null
    meshHostFqdn(host, namespace, domain)
                                        Istio's registry key for a destination host: a short name (no dot) becomes
                                        name.namespace.svc.<domain>; a wildcard or dotted host is kept as written
    exportScopes(exportTo, namespace)   the namespaces an exportTo list (or a comma-separated
                                        networking.istio.io/exportTo annotation) makes a config visible in:
                                        ["*"] when empty or containing `*`; `.` becomes the own namespace
    clusterServiceHost(host, namespace, domain)
                                        [name, namespace] when the host names a Kubernetes Service the way Istio
                                        resolves it (short name, or name.ns.svc.<domain>), else null
    localityError(locality)             why a locality in localityLbSetting `distribute` is rejected, or null
    localityWeightsError(to)            why a distribute `to` map is rejected (weights 1..100, total 100), or null
    localityOverlap(localities, loc)    the earlier entry of the list that loc overlaps with, or null
    meshConfigDocument(self)            the document itself when it is a --mesh-config document
                                        (policylint.io/MeshConfig), else null; keeps the document's paths
    isMeshConfigMap(name)               the ConfigMap name is `istio` or `istio-<revision>`, where istiod reads
                                        the mesh config (`data.mesh`)
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from . import builtin

_LABEL = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?\Z")
_WILDCARD_LABEL = re.compile(r"(?:\*|(?:\*|\*-)?[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)\Z")
_ALL_DIGITS = re.compile(r"[+-]?[0-9]+\Z")
_IPV4 = re.compile(r"(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\.(0|[1-9][0-9]{0,2})\Z")
_UNIX = "unix://"


def _is_label(value: str) -> bool:
    return len(value) <= 63 and _LABEL.match(value) is not None


def _dns1123_labels_error(domain: str) -> str | None:
    parts = domain.split(".")
    if _ALL_DIGITS.match(parts[-1]):
        return f"top level domain {parts[-1]!r} cannot be all-numeric"
    for i, label in enumerate(parts):
        if i == len(parts) - 1 and label == "":
            return None
        if not _is_label(label):
            return f"label {label!r} is not a valid DNS label"
    return None


def _wildcard_domain_error(domain: str) -> str | None:
    """Istio's ValidateWildcardDomain: an FQDN whose first label may be `*`, `*x` or `*-x`."""
    if len(domain) > 255:
        return "domain name too long (max 255)"
    if not domain:
        return "empty domain name"
    first, dot, rest = domain.partition(".")
    if len(first) > 63 or not _WILDCARD_LABEL.match(first):
        return f"label {first!r} is not a valid DNS label"
    if dot:
        return _dns1123_labels_error(rest)
    return None


@builtin("sidecarEgressHostError", "why Istio rejects a Sidecar egress host (`namespace/dnsName`), or null when valid")
def sidecar_egress_host_error(host: Any) -> str | None:
    if not isinstance(host, str):
        return "host must be a string of the form namespace/dnsName"
    ns, slash, dns = host.partition("/")
    if not slash:
        return "host must be of the form namespace/dnsName"
    if not ns or not dns:
        return "namespace and dnsName cannot be empty"
    if ns not in ("*", ".", "~"):
        name = ns[1:] if ns.startswith("~") else ns
        if not _is_label(name):
            return f"invalid namespace {ns!r} (want *, ., ~, a namespace name or ~name)"
    if dns != "*" and "." not in dns:
        return f"short name {dns!r} is not allowed: the dnsName must be * or contain a dot"
    reason = _wildcard_domain_error(dns)
    if reason:
        return f"invalid dnsName {dns!r}: {reason}"
    if "*" in dns and dns != "*" and not dns.startswith("*."):
        return f"partial wildcard {dns!r} is not allowed in a Sidecar"
    return None


@builtin("sidecarEgressHostDuplicate", "why hosts[i] repeats or is covered by an earlier host of the same egress listener, or null")
def sidecar_egress_host_duplicate(hosts: Any, i: Any, namespace: Any = None) -> str | None:
    if not isinstance(hosts, list) or isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(hosts):
        return None
    own = namespace if isinstance(namespace, str) and namespace else "."
    seen: dict[str, dict[str, str]] = {}
    for j, host in enumerate(hosts[: i + 1]):
        if not isinstance(host, str) or "/" not in host:
            continue
        ns, _, svc = host.partition("/")
        if ns == ".":
            ns = own
        names = seen.setdefault(ns, {})
        reason = None
        if svc != "*":
            if svc in names:
                reason = f"{host} is listed twice (first as {names[svc]})"
            elif "*" in names:
                reason = f"{host} is already selected by {names['*']}"
        elif names:
            reason = f"{host} makes the earlier {next(iter(names.values()))} redundant"
        if j == i:
            if reason is None and host == "*/*" and any(k != "*" for k in seen):
                others = [h for h in hosts if isinstance(h, str) and "/" in h and h.partition("/")[0] != "*"]
                reason = f"*/* selects every namespace, so {others[0]} is redundant" if others else None
            if reason is None and ns != "*" and "*" in seen.get("*", {}) and host != "*/*":
                reason = f"{host} is already selected by */*"
            return reason
        names.setdefault(svc, host)
    return None


@builtin("sidecarDuplicateListener", "why Sidecar egress[i] repeats an earlier listener's port number (or unix bind for port 0), or null")
def sidecar_duplicate_listener(egress: Any, i: Any) -> str | None:
    if not isinstance(egress, list) or isinstance(i, bool) or not isinstance(i, int) or not 0 <= i < len(egress):
        return None
    key = _listener_key(egress[i])
    if key is None:
        return None
    for j in range(i):
        if _listener_key(egress[j]) == key:
            what = f"port {key[1]}" if key[0] == "port" else f"unix bind {key[1]}"
            return f"{what} is already used by egress listener {j}"
    return None


def _listener_key(listener: Any) -> tuple | None:
    if not isinstance(listener, dict) or not isinstance(listener.get("port"), dict):
        return None
    number = listener["port"].get("number")
    number = 0 if number is None else number
    if isinstance(number, bool) or not isinstance(number, int):
        return None
    if number == 0:
        bind = listener.get("bind")
        return ("bind", bind if isinstance(bind, str) else "")
    return ("port", number)


@builtin("egressProxyError", "why Istio rejects a Sidecar outboundTrafficPolicy.egressProxy (host not an FQDN, port missing), or null")
def egress_proxy_error(proxy: Any) -> str | None:
    if not isinstance(proxy, dict):
        return "egressProxy must be a destination {host, port}"
    host = proxy.get("host")
    if not isinstance(host, str) or not host:
        return "egressProxy host is required"
    if len(host) > 255:
        return f"egressProxy host {host!r} is too long (max 255)"
    reason = _dns1123_labels_error(host)
    if reason:
        return f"egressProxy host {host!r} is not a domain name: {reason}"
    port = proxy.get("port")
    if not isinstance(port, dict):
        return "egressProxy port is required"
    number = port.get("number")
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 65535:
        return f"egressProxy port number {'(missing)' if number is None else number} must be in the range 1..65535"
    return None


def is_ip_address(value: Any) -> bool:
    if not isinstance(value, str) or not value:
        return False
    match = _IPV4.match(value)
    if match:
        return all(int(g) <= 255 for g in match.groups())
    if ":" not in value:
        return False
    try:
        ipaddress.IPv6Address(value)
    except ValueError:
        return False
    return True


def _unix_path_error(path: str) -> str | None:
    if not path:
        return "unix address must not be empty"
    if path.startswith("@"):
        return None
    if not path.startswith("/") or path.endswith("/"):
        return f"{path} is not an absolute path to a file"
    return None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    return None


@builtin("sidecarBindError", "why Istio rejects a Sidecar egress listener's bind for its port number and captureMode, or null")
def sidecar_bind_error(bind: Any, number: Any, capture_mode: Any = None) -> str | None:
    bind = bind if isinstance(bind, str) else ""
    num = _int(number)
    if num is None:
        num = 0 if number is None else None
    if num is None:
        return None  # a non-integer port number is the port rule's business
    if num == 0:
        if not bind.startswith(_UNIX):
            return "port 0 needs a unix:// bind address (a Unix domain socket listener)"
        reason = _unix_path_error(bind[len(_UNIX):])
        if reason:
            return reason
        if capture_mode not in (None, "", "DEFAULT", "NONE"):
            return f"captureMode {capture_mode} is not allowed on a unix domain socket listener (DEFAULT or NONE)"
        return None
    if bind.startswith(_UNIX):
        return f"a unix:// bind needs port number 0, not {num}"
    if bind and not is_ip_address(bind):
        return f"bind {bind!r} is not an IP address"
    return None


@builtin("meshHostFqdn", "Istio's registry name for a destination host: a short name becomes name.namespace.svc.<domain>, others stay")
def mesh_host_fqdn(host: Any, namespace: Any, domain: Any = "cluster.local") -> str | None:
    if not isinstance(host, str) or not host:
        return None
    if "." in host or host.startswith("*"):
        return host
    ns = namespace if isinstance(namespace, str) and namespace else "default"
    dom = domain if isinstance(domain, str) and domain else "cluster.local"
    return f"{host}.{ns}.svc.{dom}"


@builtin("exportScopes", "the namespaces an exportTo list makes a config visible in: [\"*\"] for empty or `*`, `.` -> own namespace")
def export_scopes(export_to: Any, namespace: Any) -> list[str]:
    own = namespace if isinstance(namespace, str) and namespace else "default"
    if isinstance(export_to, str):
        export_to = export_to.split(",")
    if not isinstance(export_to, list):
        return ["*"]
    entries = [e.strip() for e in export_to if isinstance(e, str) and e.strip()]
    if not entries or "*" in entries:
        return ["*"]
    out: list[str] = []
    for entry in entries:
        scope = own if entry == "." else entry
        if scope not in out:
            out.append(scope)
    return out


@builtin("clusterServiceHost", "[name, namespace] when a host names a Kubernetes Service (short name or name.ns.svc.<domain>), else null")
def cluster_service_host(host: Any, namespace: Any, domain: Any = "cluster.local") -> list | None:
    if not isinstance(host, str) or not host or "*" in host:
        return None
    dom = domain if isinstance(domain, str) and domain else "cluster.local"
    if "." not in host:
        ns = namespace if isinstance(namespace, str) and namespace else "default"
        return [host, ns]
    suffix = f".svc.{dom}"
    if host.endswith(suffix):
        parts = host[: -len(suffix)].split(".")
        if len(parts) == 2 and all(parts):
            return parts
    return None


def _locality_parts(locality: str) -> list[str] | None:
    parts = locality.split("/", 2)
    return None if any(p == "" for p in parts) else parts


@builtin("localityError", "why Istio rejects a locality string in localityLbSetting.distribute (wildcards, empty parts), or null")
def locality_error(locality: Any) -> str | None:
    if not isinstance(locality, str):
        return "locality must be a string region[/zone[/subzone]]"
    stars = locality.count("*")
    if stars and (stars > 1 or not locality.endswith("*")):
        return f"locality {locality!r} may hold one '*' only, at the end"
    if _locality_parts(locality) is None:
        return f"locality {locality!r} has an empty region, zone or subzone"
    return None


@builtin("localityWeightsError", "why Istio rejects a localityLbSetting.distribute `to` map (weights 1..100 summing to 100), or null")
def locality_weights_error(to: Any) -> str | None:
    if not isinstance(to, dict) or not to:
        return "distribute needs a `to` map of locality: weight"
    total = 0
    for locality, weight in to.items():
        if isinstance(weight, bool) or not isinstance(weight, int) or not 1 <= weight <= 100:
            return f"weight {weight} for {locality} is outside 1..100"
        total += weight
    if total != 100:
        return f"weights add up to {total}, not 100"
    return None


@builtin("localityOverlap", "the earlier entry of the list that `locality` (at its first position) overlaps, as Istio's validateLocalities sees it, or null")
def locality_overlap(localities: Any, locality: Any) -> str | None:
    if not isinstance(localities, list) or not isinstance(locality, str) or locality_error(locality):
        return None
    try:
        position = localities.index(locality)
    except ValueError:
        return None
    mine = _locality_parts(locality) or []
    for prior in localities[:position]:
        if not isinstance(prior, str) or locality_error(prior):
            continue
        parts = _locality_parts(prior) or []
        if _covers(parts, mine) or _covers(mine, parts):
            return prior
    return None


def _covers(a: list[str], b: list[str]) -> bool:
    """Locality `a` (a prefix, `*` as last part = any) covers or equals locality `b`."""
    if not a:
        return True
    for k, part in enumerate(a):
        if part == "*":
            return True
        if k >= len(b):
            return False
        if part != b[k]:
            return False
    return len(a) <= len(b)


_MESH_CONFIGMAP = re.compile(r"istio(-[a-z0-9][-a-z0-9.]*)?\Z")


@builtin("isMeshConfigMap", "true when a ConfigMap name is `istio` or `istio-<revision>` (where istiod reads the mesh config)")
def is_mesh_configmap(name: Any) -> bool:
    return isinstance(name, str) and _MESH_CONFIGMAP.match(name) is not None


@builtin("meshConfigDocument", "the document's data when it is a --mesh-config document (kind policylint.io/MeshConfig), else null", context="document")
def mesh_config_document(doc: Any, path: Any, value: Any) -> Any:
    if getattr(doc, "kind_key", None) != "policylint.io/MeshConfig" or path not in ((), None):
        return None
    return value if isinstance(value, dict) else None
