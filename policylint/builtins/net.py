"""IP address and CIDR builtins, parsing like Go's `net/netip` (Istio is written in Go).

`ParseAddr`: IPv4 is exactly four decimal fields without leading zeros (`010.0.0.1` is invalid); IPv6 may carry
a zone (`fe80::1%eth0`). `ParsePrefix`: an address without zone, `/`, then a decimal length without sign or
leading zero (`/08`, `/+8` and dotted masks are invalid) within 0..32 or 0..128. Host bits are allowed
(`10.0.0.1/24` is a valid prefix; `cidrHasHostBits` tells). An IPv4-mapped IPv6 address (`::ffff:1.2.3.4`) is
IPv6, as in Go; only the private/public classification looks through the mapping.

Predicates (`is...`) return false for anything invalid; other functions return null when an argument is not a
valid address or prefix.
"""
from __future__ import annotations

import ipaddress
import re
from functools import lru_cache

from . import builtin
from .strings import split

_BITS = re.compile(r"(0|[1-9][0-9]{0,2})\Z")
_WIDTH = {4: 32, 6: 128}
_MAPPED = (0xFFFF << 32, 96)  # ::ffff:0:0/96


@lru_cache(maxsize=8192)
def parse_addr(s: str) -> tuple[int, int, str] | None:
    """(family, integer value, zone) of an address as Go's `netip.ParseAddr` accepts it, else None."""
    for ch in s:  # Go decides the family by the first '.', ':' or '%'
        if ch == ".":
            try:
                return 4, int(ipaddress.IPv4Address(s)), ""
            except ValueError:
                return None
        if ch == ":":
            address, percent, zone = s.partition("%")
            if percent and not zone:
                return None
            try:
                return 6, int(ipaddress.IPv6Address(address)), zone
            except ValueError:
                return None
        if ch == "%":
            return None
    return None


@lru_cache(maxsize=8192)
def parse_prefix(s: str) -> tuple[int, int, int] | None:
    """(family, address value with host bits as written, prefix length) like Go's `netip.ParsePrefix`."""
    slash = s.rfind("/")
    if slash < 0:
        return None
    addr = parse_addr(s[:slash])
    bits_text = s[slash + 1:]
    if addr is None or addr[2] or not _BITS.match(bits_text):
        return None
    bits = int(bits_text)
    if bits > _WIDTH[addr[0]]:
        return None
    return addr[0], addr[1], bits


def _network(s) -> tuple[int, int, int] | None:
    """(family, first address, last address) of a CIDR or of a single address (zones refused)."""
    if type(s) is not str:
        return None
    prefix = parse_prefix(s) if "/" in s else None
    if prefix is None:
        addr = parse_addr(s) if "/" not in s else None
        if addr is None or addr[2]:
            return None
        prefix = (addr[0], addr[1], _WIDTH[addr[0]])
    family, value, bits = prefix
    host = (1 << (_WIDTH[family] - bits)) - 1
    start = value & ~host
    return family, start, start | host


def format_addr(family: int, value: int) -> str:
    if family == 4:
        return str(ipaddress.IPv4Address(value))
    if value >> 32 == 0xFFFF:  # Go prints IPv4-mapped addresses as ::ffff:a.b.c.d
        return "::ffff:" + str(ipaddress.IPv4Address(value & 0xFFFFFFFF))
    return ipaddress.IPv6Address(value).compressed


@builtin("isIP", "an IPv4 or IPv6 address as Go's netip.ParseAddr accepts it (IPv6 zones allowed)")
def is_ip(s) -> bool:
    return type(s) is str and parse_addr(s) is not None


@builtin("isCIDR", "a prefix as Go's netip.ParsePrefix accepts it (host bits allowed, no zone, no /08)")
def is_cidr(s) -> bool:
    return type(s) is str and parse_prefix(s) is not None


@builtin("cidrCanonical", "the prefix with host bits cleared (`10.0.0.1/24` -> `10.0.0.0/24`)")
def cidr_canonical(s):
    prefix = parse_prefix(s) if type(s) is str else None
    if prefix is None:
        return None
    family, start, _ = _network(s)
    return f"{format_addr(family, start)}/{prefix[2]}"


@builtin("cidrHasHostBits", "whether a prefix has bits set past its length (`10.0.0.1/24`)")
def cidr_has_host_bits(s):
    prefix = parse_prefix(s) if type(s) is str else None
    if prefix is None:
        return None
    return prefix[1] != _network(s)[1]


@builtin("cidrContains", "whether prefix `outer` contains `inner` (a prefix or an address); families never mix")
def cidr_contains(outer, inner):
    if type(outer) is not str or parse_prefix(outer) is None:
        return None
    if type(inner) is str and "/" not in inner:
        addr = parse_addr(inner)
        if addr is not None and addr[2]:
            return False  # Go: an address with a zone is in no prefix
    a, b = _network(outer), _network(inner)
    if b is None:
        return None
    return a[0] == b[0] and a[1] <= b[1] and b[2] <= a[2]


@builtin("cidrOverlaps", "whether two prefixes (or addresses) share any address")
def cidr_overlaps(a, b):
    x, y = _network(a), _network(b)
    if x is None or y is None:
        return None
    return x[0] == y[0] and x[1] <= y[2] and y[1] <= x[2]


@builtin("cidrOverlapsAny", "whether the prefix overlaps any valid entry of the list (invalid entries ignored)")
def cidr_overlaps_any(s, items):
    x = _network(s)
    if x is None or type(items) is not list:
        return None
    for item in items:
        y = _network(item)
        if y is not None and x[0] == y[0] and x[1] <= y[2] and y[1] <= x[2]:
            return True
    return False


@builtin("cidrsOverlapping", "pairs `[a, b]` of list entries that overlap or repeat (a before b), in list order")
def cidrs_overlapping(items):
    """Prefixes are nested or disjoint, so after sorting by start (larger first) the entries still open on a
    stack are exactly those containing the current one: O(n log n) plus the pairs found."""
    if type(items) is not list:
        return None
    entries = []
    for position, item in enumerate(items):
        network = _network(item)
        if network is not None:
            family, start, end = network
            entries.append((family, start, start - end, position, end))
    entries.sort()
    pairs: list[tuple[int, int]] = []
    stack: list[tuple] = []
    for entry in entries:
        family, start, _, position, end = entry
        while stack and (stack[-1][0] != family or stack[-1][4] < start):
            stack.pop()
        pairs.extend((min(open_[3], position), max(open_[3], position)) for open_ in stack)
        stack.append(entry)
    return [[items[i], items[j]] for i, j in sorted(pairs)]


@builtin("ipFamily", "4 or 6 for an address or prefix (IPv4-mapped IPv6 is 6); null if invalid")
def ip_family(s):
    if type(s) is not str:
        return None
    parsed = parse_prefix(s) if "/" in s else parse_addr(s)
    return parsed[0] if parsed is not None else None


# Ranges used by isPrivateIP: RFC 1918, CGNAT (RFC 6598), loopback, link-local; IPv6 ULA, loopback, link-local.
_PRIVATE = {
    4: ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16"),
    6: ("fc00::/7", "::1/128", "fe80::/10"),
}
# isPublicCIDR also treats as non-public: "this network", multicast, reserved/broadcast, IPv6 unspecified and
# multicast.
_NOT_PUBLIC = {
    4: (*_PRIVATE[4], "0.0.0.0/8", "224.0.0.0/4", "240.0.0.0/4"),
    6: (*_PRIVATE[6], "::/128", "ff00::/8"),
}


def _merged(table: dict) -> dict:
    out = {}
    for family, cidrs in table.items():
        spans = sorted(_network(c)[1:] for c in cidrs)
        merged: list[list[int]] = []
        for start, end in spans:
            if merged and start <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        out[family] = merged
    return out


_PRIVATE_SPANS = _merged(_PRIVATE)
_NOT_PUBLIC_SPANS = _merged(_NOT_PUBLIC)


def _unmapped(s):
    """(family, start, end) with IPv4-mapped IPv6 ranges seen as IPv4; zones are dropped for addresses."""
    if type(s) is str and "/" not in s and "%" in s:
        s = s.partition("%")[0]
    network = _network(s)
    if network is None:
        return None
    family, start, end = network
    if family == 6 and start >> 32 == 0xFFFF and end >> 32 == 0xFFFF:
        return 4, start & 0xFFFFFFFF, end & 0xFFFFFFFF
    return network


def _covered(network, spans: dict) -> bool:
    """Whether the range lies inside the union of `spans` (merged, so it must lie inside one of them)."""
    family, start, end = network
    return any(low <= start and end <= high for low, high in spans[family])


@builtin("isPrivateIP", "address (or whole prefix) in RFC 1918, CGNAT 100.64/10, loopback, link-local or fc00::/7")
def is_private_ip(s) -> bool:
    network = _unmapped(s)
    return network is not None and _covered(network, _PRIVATE_SPANS)


@builtin("isPublicCIDR", "valid prefix or address with at least one public address (not only private/special)")
def is_public_cidr(s) -> bool:
    network = _unmapped(s)
    return network is not None and not _covered(network, _NOT_PUBLIC_SPANS)


@builtin("splitList", "Go strings.Split: no trimming, empty elements kept (`\"a,,b\"` -> `[a, \"\", b]`)")
def split_list(s, sep):
    return split(s, sep)
