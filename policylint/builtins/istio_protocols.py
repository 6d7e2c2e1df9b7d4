"""Istio's port protocols: the names Istio knows, how it parses them, their families, and how it derives a
Kubernetes Service port's protocol from the port name / appProtocol (spec §3.3 SE-PORT-005 and §3.5).

Every function is total: any input (None, numbers, maps) gives a value, never an exception. Protocol results are
Istio's canonical spellings: "TCP", "UDP", "GRPC", "GRPC-Web", "HTTP", "HTTP_PROXY", "HTTP2", "HTTPS", "TLS",
"Mongo", "Redis", "MySQL" (and "HBONE", internal). `None` (null in rules) means "unsupported": Istio will sniff.

Rule-callable builtins (registered with `@builtin` under these names):

    parseProtocol(s)            canonical protocol for a case-insensitive protocol string, null when unknown/empty
    isIstioProtocol(s)          s is a protocol a user may declare (case-insensitive; HBONE is internal -> false)
    protocolFamily(s)           "http" | "tls" | "tcp" | "udp" | null: the family Istio treats s as belonging to
    isHTTPProtocol(s)           HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web            (Istio's IsHTTP)
    isTLSProtocol(s)            HTTPS, TLS                                         (Istio's IsTLS)
    isTCPProtocol(s)            TCP, HTTPS, TLS, Mongo, Redis, MySQL               (Istio's IsTCP)
    portNameProtocol(name)      protocol a port *name* (or appProtocol) implies: `grpc-web*`, else the text before
                                the first "-" parsed case-insensitively; null when it implies none
    portProtocol(name, appProtocol, port, proto)
                                the protocol Istio gives a Kubernetes Service port (pkg/config/kube ConvertProtocol):
                                proto "UDP" -> UDP; appProtocol (when set) replaces the name, with the Kubernetes
                                values kubernetes.io/h2c -> HTTP2, kubernetes.io/ws -> HTTP, kubernetes.io/wss ->
                                HTTPS; then portNameProtocol; an unknown result on a well-known port (25, 53, 3306,
                                27017) -> TCP; otherwise null (sniffed)
    isWellKnownTCPPort(port)    25, 53, 3306, 27017: the ports Istio treats as TCP when the name says nothing
    istioProtocols()            the declarable protocols, canonical spelling, in Istio's order
"""
from __future__ import annotations

from typing import Any

from . import builtin

# Istio's protocol.Instance values a user may declare, canonical spelling, in Istio's order.
DECLARABLE = ("TCP", "UDP", "GRPC", "GRPC-Web", "HTTP", "HTTP_PROXY", "HTTP2", "HTTPS", "TLS", "Mongo", "Redis",
              "MySQL")
# Internal protocols: protocol.Parse knows "hbone", but validation rejects it in user config. (DoubleHBONE never
# parses at all: its case label does not match the lower-cased input, a quirk noted in the spec.)
INTERNAL = ("HBONE",)

_BY_LOWER = {p.lower(): p for p in (*DECLARABLE, *INTERNAL)}

HTTP_FAMILY = frozenset({"HTTP", "HTTP2", "HTTP_PROXY", "GRPC", "GRPC-Web"})
TLS_FAMILY = frozenset({"HTTPS", "TLS"})
TCP_FAMILY = frozenset({"TCP", "HTTPS", "TLS", "Mongo", "Redis", "MySQL"})
_OPAQUE_TCP = frozenset({"TCP", "Mongo", "Redis", "MySQL"})

WELL_KNOWN_TCP_PORTS = frozenset({25, 53, 3306, 27017})

# The lower-cased spellings that parse to a protocol of each set, and the family of each: the predicates below
# are one lower() and one lookup (rules call them for every port).
_DECLARABLE_LOWER = frozenset(k for k, p in _BY_LOWER.items() if p in DECLARABLE)
_HTTP_LOWER = frozenset(k for k, p in _BY_LOWER.items() if p in HTTP_FAMILY)
_TLS_LOWER = frozenset(k for k, p in _BY_LOWER.items() if p in TLS_FAMILY)
_TCP_LOWER = frozenset(k for k, p in _BY_LOWER.items() if p in TCP_FAMILY)

_APP_PROTOCOL_STANDARD = {
    "kubernetes.io/h2c": "HTTP2",
    "kubernetes.io/ws": "HTTP",
    "kubernetes.io/wss": "HTTPS",
}
_GRPC_WEB = "grpc-web"


@builtin("parseProtocol", "Istio's canonical protocol name for a case-insensitive protocol string; null when unknown or empty")
def parse_protocol(value: Any) -> str | None:
    """Istio's protocol.Parse: case-insensitive, exact name; None for anything else (unsupported)."""
    if not isinstance(value, str):
        return None
    return _BY_LOWER.get(value.lower())


@builtin("isIstioProtocol", "true when the string names a protocol a user may declare in Istio (case-insensitive; not HBONE)")
def is_istio_protocol(value: Any) -> bool:
    """A protocol a ServiceEntry/Sidecar port may declare (SE-PORT-005); an empty string is *not* one."""
    return isinstance(value, str) and value.lower() in _DECLARABLE_LOWER


@builtin("protocolFamily", "\"http\", \"tls\", \"tcp\" (opaque TCP) or \"udp\": the family of an Istio protocol; null when unknown")
def protocol_family(value: Any) -> str | None:
    """"http", "tls", "tcp" (opaque TCP: TCP, Mongo, Redis, MySQL), "udp", or None for unknown/empty."""
    if not isinstance(value, str):
        return None
    return _FAMILY_BY_LOWER.get(value.lower())


def _family(proto: str) -> str | None:
    if proto in HTTP_FAMILY:
        return "http"
    if proto in TLS_FAMILY:
        return "tls"
    if proto in _OPAQUE_TCP:
        return "tcp"
    if proto == "UDP":
        return "udp"
    return None


_FAMILY_BY_LOWER = {k: _family(p) for k, p in _BY_LOWER.items() if _family(p) is not None}


@builtin("isHTTPProtocol", "true for HTTP, HTTP2, HTTP_PROXY, GRPC, GRPC-Web (any case): Istio's HTTP family")
def is_http_protocol(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in _HTTP_LOWER


@builtin("isTLSProtocol", "true for HTTPS and TLS (any case): Istio's TLS family")
def is_tls_protocol(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in _TLS_LOWER


@builtin("isTCPProtocol", "true for Istio's TCP family: TCP, HTTPS, TLS, Mongo, Redis, MySQL (any case)")
def is_tcp_protocol(value: Any) -> bool:
    return isinstance(value, str) and value.lower() in _TCP_LOWER


@builtin("portNameProtocol", "the protocol a port name or appProtocol implies by Istio's naming convention; null when none")
def port_name_protocol(name: Any) -> str | None:
    """The protocol a port name (or appProtocol value) implies by Istio's naming convention."""
    if not isinstance(name, str):
        return None
    if name[: len(_GRPC_WEB)].lower() == _GRPC_WEB:
        return "GRPC-Web"
    return _BY_LOWER.get(name.split("-", 1)[0].lower())  # parse_protocol()


def _port_number(port: Any) -> int | None:
    if isinstance(port, bool):
        return None
    if isinstance(port, int):
        return port
    if isinstance(port, str) and port.isdigit():
        return int(port)
    return None


@builtin("isWellKnownTCPPort", "true for 25, 53, 3306, 27017: ports Istio treats as TCP when the name implies no protocol")
def is_well_known_tcp_port(port: Any) -> bool:
    return _port_number(port) in WELL_KNOWN_TCP_PORTS


@builtin("portProtocol", "the protocol Istio gives a Kubernetes Service port from (name, appProtocol, port, protocol); null means sniffed")
def port_protocol(name: Any, appProtocol: Any = None, port: Any = None, proto: Any = None) -> str | None:
    """Istio's ConvertProtocol for a Kubernetes Service port; None means unsupported (protocol sniffing)."""
    if isinstance(proto, str) and proto.upper() == "UDP":
        return "UDP"
    label = name
    if isinstance(appProtocol, str):
        standard = _APP_PROTOCOL_STANDARD.get(appProtocol)
        if standard:
            return standard
        label = appProtocol
    found = port_name_protocol(label)
    if found is None and is_well_known_tcp_port(port):
        return "TCP"
    return found


@builtin("istioProtocols", "the protocols a user may declare, in Istio's canonical spelling and order")
def istio_protocols() -> list[str]:
    return list(DECLARABLE)
