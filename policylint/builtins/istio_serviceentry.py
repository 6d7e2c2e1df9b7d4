"""What Istio's ServiceEntry validation knows that the generic builtins do not (spec §3.1-3.4, GAP-001/002/010/011).

- Hosts: Istio's wildcard-domain check (`agent.ValidateWildcardDomain`) with its exact reasons, partial wildcards.
- Addresses: Go `netip.ParseAddr` / `netip.ParsePrefix` semantics (stricter than Python's `ipaddress`: no leading
  zeros in IPv4 octets or prefix lengths, no netmask form, no zone in a prefix; host bits allowed), canonical
  networks, supernets (so an index can find containment with key lookups), loopback / link-local ranges.
- Endpoints: the address kinds Istio distinguishes (IP, unix socket, FQDN, wildcard).
- Visibility: the exportTo scopes of the IST0177 analyzer, and whether two scope sets overlap.
- Kubernetes Service hostnames a ServiceEntry host can collide with.

Every function is total: wrong types or malformed strings give None/False/[] and never raise.
"""
from __future__ import annotations

import functools
import ipaddress
import re
from typing import Any

from . import builtin
from .dns import _wildcard_parents
from .istio_protocols import DECLARABLE, INTERNAL, parse_protocol
from .strings import lower_ascii

# -- hosts ----------------------------------------------------------------------------------------------------

_DNS1123_LABEL = re.compile(r"[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?\Z")
_WILDCARD_LABEL = re.compile(r"(?:\*|(?:\*|\*-)?[A-Za-z0-9](?:[-A-Za-z0-9]*[A-Za-z0-9])?)\Z")
_GO_ATOI = re.compile(r"[+-]?[0-9]+\Z")


def _label_ok(label: str, pattern: re.Pattern) -> bool:
    return len(label) <= 63 and pattern.match(label) is not None


@builtin("serviceEntryHostProblem", "why Istio rejects a ServiceEntry host (wildcard-domain rules), or null when it is valid")
def service_entry_host_problem(host: Any) -> str | None:
    if not isinstance(host, str):
        return "a host must be a string"
    return _host_problem(host)


@functools.lru_cache(maxsize=4096)
def _host_problem(host: str) -> str | None:
    """serviceEntryHostProblem() of a string; cached: popular hosts come back in every team's entries."""
    if host == "":
        return "the host is empty"
    if len(host) > 255:
        return "longer than 255 characters"
    first, dot, rest = host.partition(".")
    if not _label_ok(first, _WILDCARD_LABEL):
        if "*" in first:
            return f"'*' is only allowed at the start of the first label, not in {first!r}"
        return f"label {first!r} is not a DNS label"
    if not dot:
        return None
    labels = rest.split(".")
    if _GO_ATOI.match(labels[-1]):
        if re.fullmatch(r"[0-9.]+", host):
            return "an IP address is not a hostname (put it in addresses)"
        return f"the top-level label {labels[-1]!r} is all digits"
    for i, label in enumerate(labels):
        if i == len(labels) - 1 and label == "":
            return None  # a trailing dot is allowed
        if "*" in label:
            return f"'*' is only allowed in the first label, not in {label!r}"
        if not _label_ok(label, _DNS1123_LABEL):
            return f"label {label!r} is not a DNS label"
    return None


@builtin("isPartialWildcardHost", "true for a host with '*' that is neither '*' nor '*.domain' (Istio warns: *x.com)")
def is_partial_wildcard_host(host: Any) -> bool:
    return isinstance(host, str) and "*" in host and host != "*" and not host.startswith("*.")


# -- addresses (Go netip semantics) ---------------------------------------------------------------------------

_IPV4 = re.compile(r"(?:0|[1-9][0-9]{0,2})(?:\.(?:0|[1-9][0-9]{0,2})){3}\Z")
_PREFIX_BITS = re.compile(r"(?:0|[1-9][0-9]{0,2})\Z")


def _go_addr(text: str, allow_zone: bool):
    """netip.ParseAddr: an ipaddress object, or None."""
    if not text:
        return None
    if "%" in text:
        addr, _, zone = text.partition("%")
        if not allow_zone or not zone or ":" not in addr:
            return None
        text = addr
    if ":" in text:
        try:
            return ipaddress.IPv6Address(text)
        except ValueError:
            return None
    if not _IPV4.match(text):
        return None
    try:
        return ipaddress.IPv4Address(text)
    except ValueError:
        return None


def _go_prefix(text: str):
    """netip.ParsePrefix: (address, bits), host bits kept; or None."""
    addr_text, _, bits_text = text.partition("/")
    addr = _go_addr(addr_text, allow_zone=False)
    if addr is None or not _PREFIX_BITS.match(bits_text):
        return None
    bits = int(bits_text)
    if bits > addr.max_prefixlen:
        return None
    return addr, bits


def _network(value: Any):
    """The ipaddress network an Istio address (IP or CIDR, Go-valid) stands for; None when invalid."""
    if not isinstance(value, str):
        return None
    return _parsed_network(value)


@functools.lru_cache(maxsize=4096)
def _parsed_network(value: str):
    """_network() of a string; cached: the same addresses come back in several indexes and rules, and the
    networks are immutable."""
    if value.count("/") == 1:
        parsed = _go_prefix(value)
        if parsed is None:
            return None
        addr, bits = parsed
        return ipaddress.ip_network(f"{addr}/{bits}", strict=False)
    addr = _go_addr(value, allow_zone=True)
    if addr is None:
        return None
    return ipaddress.ip_network(addr)


@builtin("serviceEntryAddressProblem", "why Istio rejects a ServiceEntry address (Go netip IP/CIDR parsing), or null when valid")
def service_entry_address_problem(value: Any) -> str | None:
    if not isinstance(value, str):
        return "an address must be a string"
    if value.count("/") == 1:
        addr_text, _, bits_text = value.partition("/")
        addr = _go_addr(addr_text, allow_zone=False)
        if addr is None:
            if "%" in addr_text:
                return "an IPv6 zone is not allowed in a CIDR"
            if re.fullmatch(r"[0-9.]+", addr_text) and _IPV4.match(addr_text) is None:
                return f"{addr_text!r} is not an IPv4 address (4 octets 0-255, no leading zeros)"
            return f"{addr_text!r} is not an IP address"
        if not _PREFIX_BITS.match(bits_text):
            if "." in bits_text:
                return "a prefix length must be a number, not a netmask"
            return f"prefix length {bits_text!r} is not a plain number (no sign, no leading zeros)"
        if int(bits_text) > addr.max_prefixlen:
            return f"prefix length /{bits_text} exceeds /{addr.max_prefixlen}"
        return None
    if _go_addr(value, allow_zone=True) is not None:
        return None
    if value.count("/") > 1:
        return "more than one '/'"
    if re.fullmatch(r"[0-9.]+", value):
        return "not an IPv4 address (4 octets 0-255, no leading zeros)"
    return "not an IP address or CIDR"


@builtin("addressNetwork", "the canonical network (a.b.c.d/n) an Istio IP or CIDR address stands for; null when invalid")
def address_network(value: Any) -> str | None:
    net = _network(value)
    return None if net is None else str(net)


@builtin("nonCanonicalCIDRFix", "the canonical network for a Go-valid CIDR with host bits set (10.0.0.1/24 -> 10.0.0.0/24); null otherwise")
def non_canonical_cidr_fix(value: Any) -> str | None:
    if not isinstance(value, str) or value.count("/") != 1:
        return None
    parsed = _go_prefix(value)
    if parsed is None:
        return None
    addr, bits = parsed
    net = ipaddress.ip_network(f"{addr}/{bits}", strict=False)
    return None if net.network_address == addr else str(net)


@builtin("addressSupernets", "every canonical network that contains an Istio IP/CIDR address, itself included, widest first; [] when invalid")
def address_supernets(value: Any) -> list[str]:
    net = _network(value)
    if net is None:
        return []
    # Integer arithmetic: ipaddress's supernet() builds objects and costs microseconds per prefix length.
    width, addr = net.max_prefixlen, int(net.network_address)
    text = _ipv4_text if net.version == 4 else _ipv6_text
    return [f"{text(addr & (((1 << bits) - 1) << (width - bits)))}/{bits}" for bits in range(0, net.prefixlen)] + [str(net)]


def _ipv4_text(addr: int) -> str:
    return f"{addr >> 24}.{addr >> 16 & 255}.{addr >> 8 & 255}.{addr & 255}"


def _ipv6_text(addr: int) -> str:
    return str(ipaddress.IPv6Address(addr))


@builtin("addressInNetworks", "the first of the CIDRs/IPs in the list that overlaps the address, or null (invalid entries ignored)")
def address_in_networks(value: Any, networks: Any) -> str | None:
    net = _network(value)
    if net is None or not isinstance(networks, list):
        return None
    for candidate in networks:
        other = _network(candidate) if isinstance(candidate, str) else None
        if other is not None and other.version == net.version and net.overlaps(other):
            return candidate
    return None


# -- endpoints ------------------------------------------------------------------------------------------------

@builtin("endpointAddressKind", "\"ip\", \"unix\", \"wildcard\", \"fqdn\" or \"invalid\": how Istio reads a ServiceEntry endpoint address")
def endpoint_address_kind(value: Any) -> str:
    if not isinstance(value, str) or value == "":
        return "invalid"
    if value.startswith("unix://"):
        return "unix"
    if _go_addr(value, allow_zone=True) is not None:
        return "ip"
    if "*" in value:
        return "wildcard"
    if "/" in value or ":" in value:
        return "invalid"
    problem = service_entry_host_problem(value)
    return "fqdn" if problem is None else "invalid"


@builtin("unixSocketProblem", "why Istio rejects a unix:// endpoint address (empty, a directory, relative), or null when valid")
def unix_socket_problem(value: Any) -> str | None:
    if not isinstance(value, str) or not value.startswith("unix://"):
        return "not a unix:// address"
    path = value[len("unix://"):]
    if path == "":
        return "the socket path is empty"
    if path.startswith("@"):
        return None  # abstract socket
    if path.endswith("/"):
        return "the socket path may not be a directory"
    if not path.startswith("/"):
        return "the socket path must be absolute or an abstract socket (@name)"
    return None


_LABEL_NAME = re.compile(r"(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]\Z")
_LABEL_VALUE = re.compile(r"(?:(?:[A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?\Z")


@builtin("endpointLabelProblem", "why Istio rejects an endpoint label (Kubernetes key syntax, value characters), or null when valid")
def endpoint_label_problem(key: Any, value: Any) -> str | None:
    if not isinstance(key, str):
        return "the label key must be a string"
    prefix, slash, name = key.rpartition("/")
    if slash:
        if not prefix or len(prefix) > 253 or not all(_label_ok(part, _DNS1123_LABEL) for part in prefix.split(".")):
            return f"the key prefix {prefix!r} is not a DNS subdomain"
    if not name or len(name) > 63 or not _LABEL_NAME.match(name):
        return f"the key {key!r} is not a label name (at most 63 letters, digits, '-', '_', '.', alphanumeric at both ends)"
    if not isinstance(value, str):
        return f"the value of {key} must be a string (quote it)"
    if not _LABEL_VALUE.match(value):
        return f"the value {value!r} is not a label value (letters, digits, '-', '_', '.', alphanumeric at both ends)"
    return None


# -- visibility -----------------------------------------------------------------------------------------------

@builtin("serviceEntryScopes", "IST0177 visibility scopes of an exportTo list in a namespace: [\"*\"] when public, '.' as the namespace, '~' as none")
def service_entry_scopes(export_to: Any, namespace: Any) -> list[str]:
    if not isinstance(export_to, list) or not export_to:
        return ["*"]
    if len(export_to) == 1:  # the usual exportTo: one namespace, "." or "*"
        entry = export_to[0]
        if not isinstance(entry, str) or entry == "~":
            return []
        if entry == ".":
            return [namespace if isinstance(namespace, str) and namespace else "default"]
        return [entry]
    names = [e for e in export_to if isinstance(e, str)]
    if "*" in names:
        return ["*"]
    scopes: list[str] = []
    for entry in names:
        if entry == "~":
            continue  # visible to no namespace (Istio compares "~" literally; we do not)
        scope = (namespace if isinstance(namespace, str) and namespace else "default") if entry == "." else entry
        if scope not in scopes:
            scopes.append(scope)
    return scopes


@builtin("scopesOverlap", "true when two serviceEntryScopes lists can see a common namespace ('*' overlaps any non-empty list)")
def scopes_overlap(a: Any, b: Any) -> bool:
    if not isinstance(a, list) or not isinstance(b, list) or not a or not b:
        return False
    if "*" in a or "*" in b:
        return True
    return any(x in b for x in a)


# -- Kubernetes Service hostnames ------------------------------------------------------------------------------

@builtin("serviceHostFQDN", "the Kubernetes Service FQDN (name.ns.svc.DOMAIN) a host names from namespace ns: name, name.ns, name.ns.svc or the FQDN itself; null otherwise")
def service_host_fqdn(host: Any, namespace: Any, domain: Any = None) -> str | None:
    if not isinstance(host, str) or not host or "*" in host:
        return None
    domain = domain if isinstance(domain, str) and domain else "cluster.local"
    namespace = namespace if isinstance(namespace, str) and namespace else "default"
    return _service_host_fqdn(host, namespace, domain)


@functools.lru_cache(maxsize=4096)
def _service_host_fqdn(host: str, namespace: str, domain: str) -> str | None:
    """serviceHostFQDN() of strings; cached: every entry's hosts are asked again in each run."""
    name = host.lower().rstrip(".")
    suffix = ".svc." + domain.lower().strip(".")
    if name.endswith(suffix):
        parts = name[: -len(suffix)].split(".")
        return name if len(parts) == 2 and all(parts) else None
    parts = name.split(".")
    if not all(parts):
        return None
    if len(parts) == 1:
        return f"{name}.{namespace}{suffix}"
    if len(parts) == 2 or (len(parts) == 3 and parts[2] == "svc"):
        return f"{parts[0]}.{parts[1]}{suffix}"
    return None


# -- versions -------------------------------------------------------------------------------------------------

_VERSION = re.compile(r"([0-9]+)\.([0-9]+)")


@builtin("dynamicDNSSupported", "false when an Istio version (mesh.istioVersion) predates DYNAMIC_DNS (1.31); true when newer or unknown")
def dynamic_dns_supported(version: Any) -> bool:
    if not isinstance(version, str):
        return True
    match = _VERSION.match(version)
    if match is None:
        return True
    return (int(match.group(1)), int(match.group(2))) >= (1, 31)


# -- lists of ports and addresses -----------------------------------------------------------------------------

@builtin("coveringAddress", "for addresses[i], an earlier address with the same network or any other address containing it; null when none")
def covering_address(addresses: Any, i: Any) -> str | None:
    if not isinstance(addresses, list) or not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(addresses):
        return None
    mine = _network(addresses[i])
    if mine is None:
        return None
    for j, other in enumerate(addresses):
        if j == i:
            continue
        net = _network(other)
        if net is None or net.version != mine.version:
            continue
        if net == mine:
            if j < i:
                return other
        elif mine.subnet_of(net):
            return other
    return None


@builtin("earlierPortWith", "the first port before ports[i] whose field has the same value (a repeated name or number); null when none")
def earlier_port_with(ports: Any, i: Any, field: Any) -> Any:
    if not isinstance(ports, list) or not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(ports):
        return None
    mine = ports[i]
    if not isinstance(mine, dict) or field not in mine or mine[field] is None:
        return None
    value = mine[field]
    for other in ports[:i]:
        if isinstance(other, dict) and type(other.get(field)) is type(value) and other.get(field) == value:
            return other
    return None


@builtin("exportToDuplicate", "the earlier exportTo entry that exportTo[i] repeats ('.' counts as the namespace when known); null when none")
def export_to_duplicate(export_to: Any, i: Any, namespace: Any = None) -> str | None:
    if not isinstance(export_to, list) or not isinstance(i, int) or isinstance(i, bool) or not 0 <= i < len(export_to):
        return None
    ns = namespace if isinstance(namespace, str) and namespace else None

    def key(entry):
        return ns if entry == "." and ns is not None else entry

    mine = key(export_to[i])
    if not isinstance(mine, str):
        return None
    for other in export_to[:i]:
        if isinstance(other, str) and key(other) == mine:
            return other
    return None


# -- cross-resource conflicts ---------------------------------------------------------------------------------

@builtin("conflictProtocolKey", "the protocol as IST0177 should compare it: canonical, unset counted as TCP, HTTPS as TLS (same sidecar behaviour)")
def conflict_protocol_key(value: Any) -> str:
    if type(value) is str and value:  # the usual case: one lower() and one lookup
        return _CONFLICT_KEY_BY_LOWER.get(value.lower()) or value.upper()
    if value is None or value == "":
        return "TCP"
    proto = parse_protocol(value)
    if proto is None:
        return str(value).upper()
    return "TLS" if proto == "HTTPS" else proto


# conflictProtocolKey of every spelling parse_protocol knows, by its lower-cased form.
_CONFLICT_KEY_BY_LOWER = {name.lower(): "TLS" if name == "HTTPS" else name for name in (*DECLARABLE, *INTERNAL)}


def _flatten(value: Any, out: list) -> list:
    """The maps of a nested list, in order (index lookups of several keys give lists of lists)."""
    if isinstance(value, list):
        for item in value:
            if isinstance(item, dict):
                out.append(item)
            elif isinstance(item, list):
                _flatten(item, out)
    elif isinstance(value, dict):
        out.append(value)
    return out


def _label(entry: dict) -> str:
    ns, name = entry.get("ns"), entry.get("name")
    return f"{ns}/{name}" if isinstance(ns, str) and ns else str(name)


@builtin("serviceEntryConflicts", "the ServiceEntries among index values (nested lists) that see a namespace `me` sees and differ from `me` in field: [\"ns/name (shown)\", ...]")
def service_entry_conflicts(entries: Any, me: Any, field: Any) -> list[str]:
    """`me` and every entry are maps {ns, name, scopes, <field>, shown?, hosts?, ports?}.

    field "ports" is special: an entry conflicts when it shares a port number with `me` and serves other hosts
    (overlapping addresses); for any other field an entry conflicts when its value is set (not null) and differs
    from `me`'s.
    """
    if not isinstance(me, dict) or not isinstance(field, str):
        return []
    # The tests of an entry are independent filters: the cheap value comparison runs first, so the usual
    # bucket, where every entry agrees with `me`, is one dict lookup per entry.
    my_scopes = me.get("scopes")
    if not isinstance(my_scopes, list) or not my_scopes:
        return []  # `me` sees no namespace: no scope overlaps it (scopesOverlap)
    ports = field == "ports"
    mine = me.get(field)
    if ports and not isinstance(mine, list):
        return []
    candidates = _flatten(entries, []) if ports else _differing(entries, field, mine, [])
    if not candidates:
        return []
    my_ns, my_name = me.get("ns"), me.get("name")
    visible = None
    found: list[str] = []
    for entry in candidates:
        if ports:
            theirs = entry.get("ports")
            if not isinstance(theirs, list):
                continue
            shared = [p for p in mine if p in theirs and isinstance(p, int)]
            if not shared:
                continue
        else:
            value = entry.get(field)
            if value is None or value == mine:
                continue
        if entry.get("ns") == my_ns and entry.get("name") == my_name:
            continue
        if visible is None:
            visible = _Visibility(my_scopes)
        if not visible.sees(entry.get("scopes")):
            continue
        if ports:
            if _host_set(entry.get("hosts")) == _host_set(me.get("hosts")):
                continue
            shown = f"{entry.get('shown')}, port {shared[0]}"
        else:
            shown = entry.get("shown", value)
        text = f"{_label(entry)} ({_render(shown)})"
        if text not in found:
            found.append(text)
    return found


@builtin("hostsWildcardParents", "the wildcard hosts covering the string hosts of a list (or the keys of a map), each once, in order: `[a.b.c, x.b.c]` -> `[*.b.c, *.c]`")
def hosts_wildcard_parents(hosts: Any) -> list[str]:
    """wildcardParents() of every host, without repeats: looking up a repeated parent again finds nothing new."""
    if type(hosts) is not list and type(hosts) is not dict:
        return []
    out: list[str] = []
    for host in hosts:
        if type(host) is str and host:
            for parent in _wildcard_parents(host):
                if parent not in out:
                    out.append(parent)
    return out


@builtin("hostAndWildcardParents", "a host lower-cased (ASCII) then the wildcard hosts covering it, the keys a host-keyed lookup tries: `A.b.c` -> `[a.b.c, *.b.c, *.c]`; null when not a non-empty string")
def host_and_wildcard_parents(host: Any) -> list[str] | None:
    """`[h.lowerAscii()] + wildcardParents(h.lowerAscii())` for a string host (null for "", as that expression)."""
    if type(host) is not str or not host:
        return None
    return list(_host_and_parents(host))


@functools.lru_cache(maxsize=4096)
def _host_and_parents(host: str) -> tuple:
    """Cached per host: every ServiceEntry rule that looks for a TLS-originating DestinationRule asks again."""
    lower = lower_ascii(host)
    return (lower, *_wildcard_parents(lower))


@builtin("serviceEntryPortProtocols", "each port of a ServiceEntry as [number, conflictProtocolKey(protocol), protocol as shown ('unset' when empty)], for serviceEntryPortConflicts; a number that cannot be an index key is left out")
def service_entry_port_protocols(ports: Any) -> list[list]:
    """The ports in the order `for port in spec.ports` visits them: the elements of a list, the keys of a map
    (a key has no number and no protocol). The number is kept as an index stores a key (lists as tuples)."""
    if type(ports) is list:
        items = ports
    elif type(ports) is dict:
        items = list(ports)
    else:
        return []
    out = []
    for port in items:
        number, protocol = _number_and_protocol(port)
        if number is _NO_KEY:
            continue  # an index never stores such a key
        shown = "unset" if protocol is None or protocol == "" else protocol
        out.append([number, conflict_protocol_key(protocol), shown])
    return out


def _number_and_protocol(port: Any) -> tuple:
    """A port's number as an index key (`_NO_KEY` when it cannot be one) and its protocol."""
    if type(port) is not dict:
        return None, None
    number = port.get("number")
    if type(number) in (list, dict):
        number = _as_index_key(number)
    return number, port.get("protocol")


@builtin("serviceEntryPortConflicts", "per port of `ports` (in order) that xr_se_by_host values among `entries` (nested lists), visible to a namespace `me` sees, declare with another protocol: [{index, port, others: [\"ns/name (shown)\", ...]}]")
def service_entry_port_conflicts(entries: Any, ports: Any, me: Any) -> list[dict]:
    """`me` is {ns, name, scopes}; an entry is a map {ns, name, scopes, protocols}, its `protocols` from
    serviceEntryPortProtocols. For each port, in the order `for port in ports` visits them (`index` is the list
    index or the map key, `port` the element or the key): the ports of the entries with the same number (equal
    as index keys) and another conflictProtocolKey, in order (entries, then their ports), without repeats,
    rendered as serviceEntryConflicts(..., "protocol") renders them. Ports without such an entry are left out.

    Every entry is tested for `me` and visibility once, whatever the number of ports; a large index bucket is
    skipped for a port where all its entries agree (see _port_protocols)."""
    if not isinstance(me, dict):
        return []
    my_scopes = me.get("scopes")
    if not isinstance(my_scopes, list) or not my_scopes:
        return []  # `me` sees no namespace: no scope overlaps it (scopesOverlap)
    if type(ports) is not list and type(ports) is not dict:
        return []
    # Entries with ports other than `me` (usually none: a host is declared by one entry), then those `me` sees.
    groups = _port_groups(entries, me.get("ns"), me.get("name"), [])
    if not groups:
        return []
    visible = _Visibility(my_scopes)
    candidates = []
    for bucket, members in groups:
        members = [m for m in map(_port_member, members) if m is not None and visible.sees(m[0].get("scopes"))]
        if members:
            candidates.append((bucket, members))
    if not candidates:
        return []
    items = enumerate(ports) if type(ports) is list else ((key, key) for key in ports)
    out = []
    for index, port in items:
        number, protocol = _number_and_protocol(port)
        if number is _NO_KEY:
            continue  # lookup() of such a key finds nothing
        mine = conflict_protocol_key(protocol)
        found: list[str] = []
        for bucket, members in candidates:
            if bucket is not None:
                summary = _port_protocols(bucket)
                if summary is not None:
                    try:
                        values = summary.get(number)
                    except TypeError:  # not an index key: cannot happen after _as_index_key
                        values = _SCAN
                    if values is None or (len(values) == 1 and mine in values):
                        continue  # no entry of the bucket has the port, or all of them agree with `me`
            for entry, protocols in members:
                for theirs, value, shown in protocols:
                    if (theirs is number or theirs == number) and value is not None and value != mine:
                        text = f"{_label(entry)} ({_render(shown)})"
                        if text not in found:
                            found.append(text)
        if found:
            out.append({"index": index, "port": port, "others": found})
    return out


class _Visibility:
    """The scope test of serviceEntryConflicts (scopesOverlap with `me`'s scopes, a non-empty list), for one
    `me`; its set is made on the first entry tested."""

    __slots__ = ("scopes", "star", "set")

    def __init__(self, scopes: list) -> None:
        self.scopes = scopes
        self.star = None

    def sees(self, scopes: Any) -> bool:
        if not isinstance(scopes, list) or not scopes:
            return False
        if self.star is None:
            self.star = "*" in self.scopes
            try:
                self.set = frozenset(self.scopes)  # membership by hash: the same answers as `in` on the list
            except TypeError:  # an unhashable scope (not from serviceEntryScopes): compare one by one
                self.set = None
        if self.star or "*" in scopes:
            return True
        if self.set is not None:
            try:
                return not self.set.isdisjoint(scopes)
            except TypeError:
                pass
        return any(x in self.scopes for x in scopes)


# A bucket with more entries than this is summarised once (_port_protocols) so that ports where all its entries
# agree skip it; a smaller one is scanned (the summary would cost more).
_SUMMARY_MIN = 8


def _port_groups(value: Any, my_ns: Any, my_name: Any, out: list) -> list:
    """The maps of nested lists in order (as _flatten), grouped by the list that holds them, as (bucket or None,
    entries): `bucket` is the list when it is an index bucket worth a summary. `me` and entries without ports are
    left out."""
    if not isinstance(value, list):
        if isinstance(value, dict) and value.get("protocols") and (
                value.get("ns") != my_ns or value.get("name") != my_name):
            out.append((None, [value]))
        return out
    members = None
    for item in value:
        if type(item) is dict or (type(item) is not list and isinstance(item, dict)):
            if item.get("protocols") and (item.get("ns") != my_ns or item.get("name") != my_name):
                if members is None:
                    members = [item]
                else:
                    members.append(item)
        elif item and isinstance(item, list):
            if members:
                out.append((value if len(value) > _SUMMARY_MIN and type(value[0]) is dict else None, members))
                members = None
            _port_groups(item, my_ns, my_name, out)
    if members:
        out.append((value if len(value) > _SUMMARY_MIN and type(value[0]) is dict else None, members))
    return out


def _port_member(entry: dict):
    """(entry, its well-formed [number, protocol, shown] triples), or None when it has none."""
    protocols = entry.get("protocols")
    if not isinstance(protocols, list):
        return None
    triples = [p for p in protocols if type(p) is list and len(p) == 3]
    return (entry, triples) if triples else None


# id(bucket) -> (bucket, its length, {number: set of its non-null protocols} or None when the bucket holds
# anything else than maps with well-formed hashable ports). As _bucket_memo: an index bucket is one list shared
# by every lookup of its key; holding it keeps its id from being reused, the length catches a bucket that grew.
# The numbers are dict keys as they are index keys (`is`, then `==`).
_ports_memo: dict[int, tuple[list, int, dict | None]] = {}


def _port_protocols(bucket: list) -> dict | None:
    hit = _ports_memo.get(id(bucket))
    if hit is not None and hit[0] is bucket and hit[1] == len(bucket):
        return hit[2]
    summary: dict | None = {}
    try:
        for entry in bucket:
            protocols = entry.get("protocols") if type(entry) is dict else None
            if type(protocols) is not list:
                if type(entry) is not dict:
                    summary = None
                    break
                continue
            for triple in protocols:
                if type(triple) is list and len(triple) == 3 and triple[1] is not None:
                    values = summary.get(triple[0])
                    if values is None:
                        summary[triple[0]] = {triple[1]}
                    else:
                        values.add(triple[1])
    except TypeError:  # an unhashable number or protocol: scan the bucket
        summary = None
    if len(_ports_memo) >= _BUCKET_MEMO_LIMIT:
        _ports_memo.clear()
    _ports_memo[id(bucket)] = (bucket, len(bucket), summary)
    return summary


def _as_index_key(value: Any) -> Any:
    """runtime.index_key of a list or map: the key as lookup() and index blocks store it, or _NO_KEY."""
    from policylint.lang import runtime  # not at import time: the runtime imports the builtins

    key = runtime.index_key(value)
    return _NO_KEY if key is runtime.NO_KEY else key


_NO_KEY = object()
_SCAN = (None, None)  # a summary answer that never skips


def _differing(value: Any, field: str, mine: Any, out: list) -> list:
    """_flatten(), leaving out the entries that agree with `mine` on `field` (or leave it unset), and every index
    bucket whose entries all do without looking at them: those can never conflict, and most buckets are like
    that."""
    if isinstance(value, list):
        if len(value) > _SUMMARY_MIN and type(value[0]) is dict:  # a small bucket costs less to scan
            values = _bucket_values(value, field)
            if values is not None and (not values or (type(mine) is str and len(values) == 1 and mine in values)):
                return out
        for item in value:
            if isinstance(item, dict):
                theirs = item.get(field)
                if theirs is not None and theirs != mine:  # an entry that agrees is no candidate either
                    out.append(item)
            elif isinstance(item, list):
                _differing(item, field, mine, out)
    elif isinstance(value, dict):
        out.append(value)
    return out


# (id(bucket), field) -> (bucket, its length, the set of its string values or None). An index bucket is one
# list object shared by every lookup of its key, so its values are collected once per field; holding the list
# keeps its id from being reused, and the length catches a bucket that grew since.
_bucket_memo: dict[tuple[int, str], tuple[list, int, frozenset | None]] = {}
_BUCKET_MEMO_LIMIT = 8192


def _bucket_values(bucket: list, field: str) -> frozenset | None:
    """The distinct non-null values of `field` in a list of maps when they are all strings; None when the list
    holds anything else (then it is scanned entry by entry)."""
    key = (id(bucket), field)
    hit = _bucket_memo.get(key)
    if hit is not None and hit[0] is bucket and hit[1] == len(bucket):
        return hit[2]
    values: set | None = set()
    for entry in bucket:
        if type(entry) is not dict:
            values = None
            break
        value = entry.get(field)
        if value is None:
            continue
        if type(value) is not str:
            values = None
            break
        values.add(value)
    summary = frozenset(values) if values is not None else None
    if len(_bucket_memo) >= _BUCKET_MEMO_LIMIT:
        _bucket_memo.clear()
    _bucket_memo[key] = (bucket, len(bucket), summary)
    return summary


def _host_set(hosts: Any) -> frozenset:
    if not isinstance(hosts, list):
        return frozenset()
    return frozenset(h.lower() for h in hosts if isinstance(h, str))


def _render(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    if value is None:
        return "unset"
    return str(value)


@builtin("addressSet", "the canonical networks of an addresses list, sorted and without duplicates (invalid strings kept as written, non-strings dropped)")
def address_set(addresses: Any) -> list[str]:
    if not isinstance(addresses, list):
        return []
    out = set()
    for entry in addresses:
        if isinstance(entry, str):
            net = _network(entry)
            out.add(str(net) if net is not None else entry)
    return sorted(out)


_PLACEHOLDER = re.compile(r"\$(?:\{[A-Za-z_][A-Za-z0-9_]*\}|[A-Za-z_][A-Za-z0-9_]*)")


@builtin("isShellPlaceholder", "true for a value holding an unrendered $VAR or ${VAR} placeholder (an envsubst template, not a real value)")
def is_shell_placeholder(value: Any) -> bool:
    return isinstance(value, str) and _PLACEHOLDER.search(value) is not None


_LOCAL = [ipaddress.ip_network(n) for n in ("127.0.0.0/8", "169.254.0.0/16", "::1/128", "fe80::/10")]


@builtin("isLoopbackOrLinkLocal", "true when an IP/CIDR lies inside loopback (127/8, ::1) or link-local (169.254/16, fe80::/10) space")
def is_loopback_or_link_local(value: Any) -> bool:
    net = _network(value)
    return net is not None and any(net.version == p.version and net.subnet_of(p) for p in _LOCAL)
