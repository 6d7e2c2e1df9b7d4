"""Istio traffic capture: the sidecar injector's parsers for the capture annotations and Helm values, how
istio-iptables applies the ranges, and Istio's annotation catalogue (spec §3.8, CAP-001..010, GAP-001..005).

Every function is total: any input (None, numbers, maps) gives a value, never an exception.

IP range lists (`traffic.sidecar.istio.io/includeOutboundIPRanges`, `excludeOutboundIPRanges`,
`values.global.proxy.includeIPRanges` / `excludeIPRanges`) are parsed exactly as the injector does: `*` alone (where
allowed), the empty string, or `strings.Split(value, ",")` with every element a Go `netip.ParsePrefix` prefix: no
whitespace trimming, no empty elements, no bare addresses, no zones, no leading zeros, prefix length 0..32 / 0..128.
Host bits are accepted. Port lists (`includeInboundPorts`, `excludeInboundPorts`, `excludeOutboundPorts`) are
trimmed as a whole and per element; each element is an unsigned 16-bit decimal (0 accepted); an empty element fails.

Rule-callable builtins (registered with `@builtin` under these names):

    ipRangesProblem(v, allowStar)     why the injector rejects an IP range list, null when it accepts it
    ipRangesFix(v, allowStar)         the list the author most likely meant (trimmed, no empty elements, /32 or
                                      /128 added, leading zeros dropped, `*` alone), null when nothing sane exists
    ipRangesValuesProblem(v)          why `istioctl install` rejects a values.global.proxy include/excludeIPRanges
                                      value (operator rules: `*`, empty, or a list of prefixes), null when accepted
    ipRanges(v)                       the valid prefixes of a list, as written, in order ("*" and "" give [])
    ipRangesHostBits(v)               the valid prefixes that have host bits set (`10.0.0.1/24`)
    ipRangesCanonical(v)              v with every valid prefix replaced by its network (`10.0.0.0/24`)
    ipRangesRedundant(v)              [[inner, outer], ...]: prefixes equal to or inside an earlier/later one
    ipRangesDeduplicated(v)           v without the redundant prefixes (the first of two equal ones is kept)
    ipRangesFamilies(v)               the address families the list makes istio-iptables touch: [4], [6], [4, 6]
                                      ("*" gives [4, 6]; IPv4-mapped IPv6 counts as 6; "" gives [])
    ipRangesMapped(v)                 the IPv4-mapped IPv6 prefixes (`::ffff:10.0.0.0/104`)
    ipRangesUnmapped(v)               v with mapped prefixes of length >= 96 rewritten as IPv4, null when impossible
    ipRangesShadowed(include, exclude) include prefixes that the exclude list covers completely (exclude wins)
    ipRangesOutside(exclude, include) exclude prefixes that share no address with an explicit include list
    ipRangesUncaptured(include, exclude, cidrs)
                                      the CIDRs of `cidrs` that outbound capture does not fully cover, given the
                                      include value (null = default "*") and exclude value
    ipRangesPublic(v)                 the prefixes that reach public (globally routable) address space
    ipRangesMissPublic(include, families)
                                      true when the include value leaves public space of one of `families`
                                      ([4] or [4, 6]) uncaptured ("*" never does; "" always does)
    kubeInjectRangeFlags(line)        the removed `istioctl kube-inject --includeIPRanges/--excludeIPRanges` flags on a
                                      line: [{flag, value, column}] (value null when not a literal)
    portListProblem(v, allowStar)     why the injector rejects a port list, null when it accepts it
    portListFix(v, allowStar)         the list without empty elements and stray spaces, null when not fixable
    portValuesProblem(v)              why `istioctl install` rejects a values.global.proxy include/excludeInboundPorts
    parsePortAnnotation(v)            a single port (status.sidecar.istio.io/port) as the injector parses it, or null
    isUint32(v)                       Go strconv.ParseUint(v, 10, 32) succeeds (readiness.* annotations)
    isGoBool(v)                       Go strconv.ParseBool succeeds (1 t T TRUE true True 0 f F FALSE false False)
    interceptionModes()               ["REDIRECT", "TPROXY", "NONE"] (case-sensitive)
    istioAnnotation(name)             {name, kinds, status, deprecated, replacement} for an annotation Istio
                                      defines, null otherwise
    isIstioAnnotationName(name)       the analyzer treats the name as Istio's (domain ends in istio.io, or
                                      kubernetes.io/ingress.class)
    annotationMisplaced(name, kind)   a known annotation whose kinds do not include `kind` ("Any" fits all)
    unknownIstioAnnotation(name, closedPrefixes)
                                      null when the name is known or not checked; "" when it is unknown inside a
                                      fully known namespace; the known name it most likely means otherwise
    captureFacts(self)                {injected, keys}, once per document (memoised by identity): whether the pod
                                      gets a sidecar (hostNetwork, sidecar.istio.io/inject), and every key of the
                                      capture sources mapped to true, so a CAP rule can skip a document that
                                      carries none of the keys it reads with an inline lookup
"""
from __future__ import annotations

import ipaddress
import re
from typing import Any

from . import builtin
from .net import parse_addr, parse_prefix
from .strings import lower_ascii as _lower_ascii

# ---------------------------------------------------------------------------------------------------------------
# Go netip.ParsePrefix (parsing itself lives in the net module)

def _parse_prefix(text: Any) -> tuple[int, int, int] | None:
    """(family, address, bits) as Go netip.ParsePrefix accepts it (the net module's parser), or None."""
    return parse_prefix(text) if isinstance(text, str) else None


def _is_addr(text: str) -> bool:
    """An address without zone, as Go netip.ParseAddr accepts it."""
    addr = parse_addr(text)
    return addr is not None and not addr[2]


def _prefix_problem(text: str) -> str:
    """Why Go netip.ParsePrefix rejects `text` (which it does)."""
    if text == "":
        return "empty element"
    if text != text.strip():
        return f'"{text}" has surrounding whitespace'
    if text == "*":
        return '"*" must be the whole value'
    cut = text.rfind("/")
    if cut < 0:
        if not _is_addr(text):
            return f'"{text}" is not a CIDR'
        return f'"{text}" has no prefix length (write {text}/{"128" if ":" in text else "32"})'
    addr_text, bits_text = text[:cut], text[cut + 1:]
    if "%" in addr_text:
        return f'"{text}": zones are not allowed in a prefix'
    is6 = ":" in addr_text
    if not _is_addr(addr_text):
        return f'"{text}": "{addr_text}" is not an IP address'
    if not bits_text.isascii() or not bits_text.isdigit():
        return f'"{text}": bad prefix length "{bits_text}"'
    if len(bits_text) > 1 and bits_text[0] == "0":
        return f'"{text}": prefix length "{bits_text}" has a leading zero'
    return f'"{text}": prefix length {bits_text} is out of range (0..{128 if is6 else 32})'


def _size(family: int) -> int:
    return 32 if family == 4 else 128


def _network(prefix: tuple[int, int, int]) -> tuple[int, int, int]:
    family, addr, bits = prefix
    width = _size(family)
    mask = ((1 << bits) - 1) << (width - bits) if bits else 0
    return family, addr & mask, bits


def _span(prefix: tuple[int, int, int]) -> tuple[int, int, int]:
    """(family, first, last) address of the prefix's network."""
    family, addr, bits = _network(prefix)
    return family, addr, addr + (1 << (_size(family) - bits)) - 1


def _format(family: int, addr: int, bits: int) -> str:
    if family == 4:
        return f"{ipaddress.IPv4Address(addr)}/{bits}"
    return f"{ipaddress.IPv6Address(addr).compressed}/{bits}"


def _is_mapped(prefix: tuple[int, int, int]) -> bool:
    family, addr, bits = prefix
    return family == 6 and addr >> 32 == 0xFFFF


def _elements(value: Any) -> list[str] | None:
    """The injector's split: [] for "", the raw comma-separated elements otherwise; None for non-strings."""
    if not isinstance(value, str):
        return None
    if value == "":
        return []
    return value.split(",")


# The same few range lists come back in every rule of every pod: parsed lists and verdicts are kept per string
# (bounded; a full cache is simply emptied). Cached lists are tuples: callers only iterate them.
_CACHE_LIMIT = 4096
_valid_cache: dict[str, tuple] = {}
_problem_cache: dict[tuple[str, bool], str | None] = {}


_result_cache: dict[tuple, Any] = {}


def _cached(fn, *args):
    """fn(*args), remembered when every argument is a string or null (a list result is copied out)."""
    for arg in args:
        if arg is not None and type(arg) is not str:
            return fn(*args)
    key = (fn, args)
    try:
        result = _result_cache[key]
    except KeyError:
        result = fn(*args)
        if len(_result_cache) >= _CACHE_LIMIT:
            _result_cache.clear()
        _result_cache[key] = result
    return list(result) if type(result) is list else result


def _valid(value: Any) -> tuple[tuple[str, tuple[int, int, int]], ...]:
    """(text, prefix) for every element that parses; "*" gives ()."""
    if type(value) is not str:
        return _parse_valid(value)
    found = _valid_cache.get(value)
    if found is None:
        found = _parse_valid(value)
        if len(_valid_cache) >= _CACHE_LIMIT:
            _valid_cache.clear()
        _valid_cache[value] = found
    return found


def _parse_valid(value: Any) -> tuple[tuple[str, tuple[int, int, int]], ...]:
    elements = _elements(value)
    if not elements or value == "*":
        return ()
    found = []
    for element in elements:
        prefix = _parse_prefix(element)
        if prefix is not None:
            found.append((element, prefix))
    return tuple(found)


# ---------------------------------------------------------------------------------------------------------------
# Address-set arithmetic on (family, first, last) intervals

def _merge(spans: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    merged: list[tuple[int, int, int]] = []
    for family, first, last in sorted(spans):
        if merged and merged[-1][0] == family and first <= merged[-1][2] + 1:
            if last > merged[-1][2]:
                merged[-1] = (family, merged[-1][1], last)
        else:
            merged.append((family, first, last))
    return merged


def _subtract(spans: list[tuple[int, int, int]], holes: list[tuple[int, int, int]]) -> list[tuple[int, int, int]]:
    result = []
    holes = _merge(holes)
    for family, first, last in _merge(spans):
        pieces = [(first, last)]
        for h_family, h_first, h_last in holes:
            if h_family != family:
                continue
            next_pieces = []
            for p_first, p_last in pieces:
                if h_last < p_first or h_first > p_last:
                    next_pieces.append((p_first, p_last))
                    continue
                if p_first < h_first:
                    next_pieces.append((p_first, h_first - 1))
                if h_last < p_last:
                    next_pieces.append((h_last + 1, p_last))
            pieces = next_pieces
        result.extend((family, a, b) for a, b in pieces)
    return result


def _covers(cover: list[tuple[int, int, int]], span: tuple[int, int, int]) -> bool:
    return not _subtract([span], cover)


_EVERYTHING = [(4, 0, (1 << 32) - 1), (6, 0, (1 << 128) - 1)]


def _spans_of(value: Any, star_means_all: bool = True) -> list[tuple[int, int, int]]:
    if value == "*":
        return list(_EVERYTHING) if star_means_all else []
    return [_span(prefix) for _, prefix in _valid(value)]


# Address space that is not globally routable: private, shared, loopback, link-local, documentation, multicast,
# reserved (IANA special-purpose registries). Traffic to these never leaves for the public internet.
_NON_PUBLIC = [
    _span(p) for p in (_parse_prefix(t) for t in (
        "0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16", "172.16.0.0/12",
        "192.0.0.0/24", "192.0.2.0/24", "192.88.99.0/24", "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24",
        "203.0.113.0/24", "224.0.0.0/4", "240.0.0.0/4",
        "::/128", "::1/128", "::ffff:0:0/96", "64:ff9b:1::/48", "100::/64", "2001:db8::/32", "fc00::/7",
        "fe80::/10", "ff00::/8",
    )) if p is not None
]


# ---------------------------------------------------------------------------------------------------------------
# IP range lists

@builtin("ipRangesProblem", "why the sidecar injector rejects an IP range list (allowStar: \"*\" alone is accepted), null when it accepts it")
def ip_ranges_problem(value: Any, allow_star: Any) -> str | None:
    """The injector's ValidateIncludeIPRanges (allowStar) / ValidateExcludeIPRanges; None when accepted."""
    if type(value) is not str:
        return _ip_ranges_problem(value, allow_star)
    key = (value, allow_star is True)
    try:
        return _problem_cache[key]
    except KeyError:
        pass
    problem = _ip_ranges_problem(value, allow_star)
    if len(_problem_cache) >= _CACHE_LIMIT:
        _problem_cache.clear()
    _problem_cache[key] = problem
    return problem


def _ip_ranges_problem(value: Any, allow_star: Any) -> str | None:
    elements = _elements(value)
    if elements is None:
        return None if value is None else "the value is not a string"
    if value == "*":
        return None if allow_star is True else '"*" is not accepted here'
    for element in elements:
        if _parse_prefix(element) is None:
            if element == "*":
                return '"*" cannot be combined with CIDRs' if allow_star is True else '"*" is not accepted here'
            return _prefix_problem(element)
    return None


def _fix_element(element: str) -> str | None:
    text = element.strip()
    if not text:
        return ""
    if _parse_prefix(text) is not None:
        return text
    cut = text.rfind("/")
    addr_text, bits_text = (text, None) if cut < 0 else (text[:cut], text[cut + 1:])
    if "%" in addr_text:
        addr_text = addr_text.split("%", 1)[0]
    is6 = ":" in addr_text
    if not _is_addr(addr_text):
        return None
    if bits_text is None:
        bits_text = "128" if is6 else "32"
    elif bits_text.isascii() and bits_text.isdigit():
        bits_text = str(int(bits_text))
    candidate = f"{addr_text}/{bits_text}"
    return candidate if _parse_prefix(candidate) is not None else None


@builtin("ipRangesFix", "the IP range list the author most likely meant (trimmed, no empty elements, /32 added), null when none")
def ip_ranges_fix(value: Any, allow_star: Any) -> str | None:
    """A corrected IP range list, or None when the value is fine or no sane correction exists."""
    if ip_ranges_problem(value, allow_star) is None or not isinstance(value, str):
        return None
    elements = [e.strip() for e in value.split(",")]
    if "*" in elements:
        return "*" if allow_star is True else None
    fixed = []
    for element in elements:
        repaired = _fix_element(element)
        if repaired is None:
            return None
        if repaired:
            fixed.append(repaired)
    result = ",".join(fixed)
    return result if ip_ranges_problem(result, allow_star) is None else None


@builtin("ipRangesValuesProblem", "why istioctl install rejects a global.proxy.includeIPRanges/excludeIPRanges value, null when accepted")
def ip_ranges_values_problem(value: Any) -> str | None:
    """istioctl install's check of values.global.proxy.includeIPRanges / excludeIPRanges: "*", "", or prefixes."""
    if value is None or value == "*" or value == "":
        return None
    if not isinstance(value, str):
        return "the value is not a string"
    problems = [_prefix_problem(e) if e != "*" else '"*" cannot be combined with CIDRs'
                for e in value.split(",") if _parse_prefix(e) is None]
    return "; ".join(problems) if problems else None


@builtin("ipRanges", "the valid prefixes of an IP range list as written, in order (\"*\" and \"\" give [])")
def ip_ranges(value: Any) -> list[str]:
    return [text for text, _ in _valid(value)]


@builtin("ipRangesHostBits", "the prefixes of an IP range list that have host bits set")
def ip_ranges_host_bits(value: Any) -> list[str]:
    return _cached(_ip_ranges_host_bits, value)


def _ip_ranges_host_bits(value: Any) -> list[str]:
    return [text for text, prefix in _valid(value) if _network(prefix) != prefix]


@builtin("ipRangesCanonical", "the IP range list with every prefix replaced by its network address")
def ip_ranges_canonical(value: Any) -> str | None:
    elements = _elements(value)
    if elements is None:
        return None
    if value == "*":
        return value
    out = []
    for element in elements:
        prefix = _parse_prefix(element)
        out.append(_format(*_network(prefix)) if prefix is not None and _network(prefix) != prefix else element)
    return ",".join(out)


def _redundant_pairs(value: Any) -> list[tuple[int, str, str]]:
    valid = _valid(value)
    spans = [_span(prefix) for _, prefix in valid]
    pairs = []
    for i, (text, _) in enumerate(valid):
        fam, first, last = spans[i]
        for j, (other_text, _) in enumerate(valid):
            if i == j:
                continue
            o_fam, o_first, o_last = spans[j]
            if fam != o_fam or not (o_first <= first and last <= o_last):
                continue
            if (first, last) == (o_first, o_last) and j > i:
                continue  # equal prefixes: the later one is the redundant one
            pairs.append((i, text, other_text))
            break
    return pairs


@builtin("ipRangesRedundant", "[[inner, outer], ...]: prefixes of a list equal to or inside another one")
def ip_ranges_redundant(value: Any) -> list[list[str]]:
    return _cached(_ip_ranges_redundant, value)


def _ip_ranges_redundant(value: Any) -> list[list[str]]:
    return [[inner, outer] for _, inner, outer in _redundant_pairs(value)]


@builtin("ipRangesDeduplicated", "the IP range list without its redundant prefixes, null when none")
def ip_ranges_deduplicated(value: Any) -> str | None:
    pairs = _redundant_pairs(value)
    if not pairs:
        return None
    drop = {i for i, _, _ in pairs}
    return ",".join(text for i, (text, _) in enumerate(_valid(value)) if i not in drop)


@builtin("ipRangesFamilies", "the address families istio-iptables gets rules for: [4], [6] or [4, 6] (\"*\" is both)")
def ip_ranges_families(value: Any) -> list[int]:
    return _cached(_ip_ranges_families, value)


def _ip_ranges_families(value: Any) -> list[int]:
    if value == "*":
        return [4, 6]
    return sorted({prefix[0] for _, prefix in _valid(value)})


@builtin("ipRangesMapped", "the IPv4-mapped IPv6 prefixes (::ffff:a.b.c.d/n) of an IP range list")
def ip_ranges_mapped(value: Any) -> list[str]:
    return _cached(_ip_ranges_mapped, value)


def _ip_ranges_mapped(value: Any) -> list[str]:
    return [text for text, prefix in _valid(value) if _is_mapped(prefix)]


@builtin("ipRangesUnmapped", "the IP range list with IPv4-mapped IPv6 prefixes written as IPv4, null when impossible")
def ip_ranges_unmapped(value: Any) -> str | None:
    elements = _elements(value)
    if not elements:
        return None
    out = []
    for element in elements:
        prefix = _parse_prefix(element)
        if prefix is not None and _is_mapped(prefix):
            if prefix[2] < 96:
                return None
            out.append(_format(4, prefix[1] & 0xFFFFFFFF, prefix[2] - 96))
        else:
            out.append(element)
    return ",".join(out)


@builtin("ipRangesShadowed", "the include prefixes that the exclude list covers completely")
def ip_ranges_shadowed(include: Any, exclude: Any) -> list[str]:
    return _cached(_ip_ranges_shadowed, include, exclude)


def _ip_ranges_shadowed(include: Any, exclude: Any) -> list[str]:
    holes = _spans_of(exclude, star_means_all=False)
    if not holes:
        return []
    return [text for text, prefix in _valid(include) if _covers(holes, _span(prefix))]


@builtin("ipRangesOutside", "the exclude prefixes that share no address with an explicit include list (\"*\" or null include gives [])")
def ip_ranges_outside(exclude: Any, include: Any) -> list[str]:
    return _cached(_ip_ranges_outside, exclude, include)


def _ip_ranges_outside(exclude: Any, include: Any) -> list[str]:
    if not isinstance(include, str) or include == "*":
        return []
    captured = _merge(_spans_of(include))
    return [text for text, prefix in _valid(exclude) if _covers(_subtract([_span(prefix)], captured), _span(prefix))]


@builtin("ipRangesUncaptured", "the CIDRs outbound capture does not fully cover, from include (null = \"*\"), exclude and a CIDR list")
def ip_ranges_uncaptured(include: Any, exclude: Any, cidrs: Any) -> list[str]:
    if not isinstance(cidrs, list):
        return []
    captured = _subtract(_spans_of("*" if include is None else include), _spans_of(exclude, star_means_all=False))
    missed = []
    for cidr in cidrs:
        prefix = _parse_prefix(cidr)
        if prefix is not None and not _covers(captured, _span(prefix)):
            missed.append(cidr)
    return missed


@builtin("ipRangesPublic", "the prefixes of an IP range list that reach public address space (\"*\" gives [\"*\"])")
def ip_ranges_public(value: Any) -> list[str]:
    return _cached(_ip_ranges_public, value)


def _ip_ranges_public(value: Any) -> list[str]:
    if value == "*":
        return ["*"]
    return [text for text, prefix in _valid(value) if _subtract([_span(prefix)], _NON_PUBLIC)]


@builtin("ipRangesMissPublic", "true when an include value leaves public space of the given families ([4] or [4, 6]) uncaptured")
def ip_ranges_miss_public(include: Any, families: Any) -> bool:
    if not isinstance(include, str) or include == "*":
        return False
    wanted = {f for f in families if f in (4, 6)} if isinstance(families, list) else {4}
    public = [s for s in _subtract(_EVERYTHING, _NON_PUBLIC) if s[0] in wanted]
    return bool(_subtract(public, _spans_of(include)))


_INJECT_FLAG = re.compile(r"(?:^|(?<=[\s;&|(]))--(includeIPRanges|excludeIPRanges)(?=[=\s]|$)")


@builtin("kubeInjectRangeFlags", "the removed istioctl kube-inject --includeIPRanges/--excludeIPRanges flags on a line: [{flag, value, column}]; value null when not literal")
def kube_inject_range_flags(line: Any) -> list[dict]:
    """Each `--includeIPRanges` / `--excludeIPRanges` on a shell line, in `--flag=V` or `--flag V` form, with its
    literal value (quotes removed) or None when the value is missing or built at run time ($VAR, $(...), `...`)."""
    if not isinstance(line, str):
        return []
    found = []
    for match in _INJECT_FLAG.finditer(line):
        rest = line[match.end():]
        value: str | None = None
        if rest.startswith("="):
            rest = rest[1:]
        else:
            rest = rest.lstrip(" \t")
        if rest[:1] in ("'", '"'):
            close = rest.find(rest[0], 1)
            value = rest[1:close] if close > 0 else None
        else:
            token = re.match(r"[^\s;&|)]*", rest).group(0)
            value = token if token and token != "\\" and not token.startswith("-") else None
        if value is not None and any(c in value for c in "$`"):
            value = None
        found.append({"flag": match.group(1), "value": value, "column": match.start(1) - 1})
    return found


# ---------------------------------------------------------------------------------------------------------------
# Port lists

def _go_parse_uint(text: str, bits: int) -> int | None:
    if not text or not text.isascii() or not text.isdigit():
        return None
    number = int(text)
    return number if number < (1 << bits) else None


@builtin("portListProblem", "why the sidecar injector rejects a port list (allowStar: \"*\" alone is accepted), null when accepted")
def port_list_problem(value: Any, allow_star: Any) -> str | None:
    """The injector's validatePortList (parsePorts); includeInboundPorts also takes "*" (untrimmed) as a whole."""
    if value is None:
        return None
    if not isinstance(value, str):
        return "the value is not a string"
    if allow_star is True and value == "*":
        return None
    text = value.strip()
    if not text:
        return None
    for element in text.split(","):
        trimmed = element.strip()
        if trimmed == "":
            return "empty element"
        if _go_parse_uint(trimmed, 16) is None:
            if trimmed == "*":
                return '"*" is not accepted here' if allow_star is not True else '"*" must be the whole value'
            return f'"{trimmed}" is not a port number (0..65535)'
    return None


@builtin("portListFix", "the port list without empty elements and stray spaces, null when not fixable")
def port_list_fix(value: Any, allow_star: Any) -> str | None:
    if port_list_problem(value, allow_star) is None or not isinstance(value, str):
        return None
    elements = [e.strip() for e in value.split(",")]
    if allow_star is True and "*" in elements:
        return "*"
    kept = [e for e in elements if e]
    if not kept or any(_go_parse_uint(e, 16) is None for e in kept):
        return None
    return ",".join(kept)


@builtin("portValuesProblem", "why istioctl install rejects a global.proxy include/excludeInboundPorts value, null when accepted")
def port_values_problem(value: Any) -> str | None:
    """istioctl install's check of values.global.proxy.includeInboundPorts / excludeInboundPorts: per trimmed
    element "*", empty, or a decimal port 0..65535."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        return "the value is not a string"
    problems = []
    for element in str(value).split(","):
        trimmed = element.strip()
        if trimmed in ("", "*"):
            continue
        number = trimmed[1:] if trimmed[:1] in "+-" else trimmed
        if not number.isascii() or not number.isdigit():
            problems.append(f'"{trimmed}" is not a port number')
        elif trimmed.startswith("-") or int(number) > 65535:
            problems.append(f'"{trimmed}" is out of range (0..65535)')
    return "; ".join(problems) if problems else None


@builtin("parsePortAnnotation", "a port annotation value parsed as the injector does (trimmed, 0..65535), null when invalid")
def parse_port_annotation(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    return _go_parse_uint(value.strip(), 16)


@builtin("isUint32", "true when Go strconv.ParseUint(v, 10, 32) accepts the string")
def is_uint32(value: Any) -> bool:
    return isinstance(value, str) and _go_parse_uint(value, 32) is not None


_GO_BOOLS = frozenset({"1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"})


@builtin("isGoBool", "true when Go strconv.ParseBool accepts the string")
def is_go_bool(value: Any) -> bool:
    return isinstance(value, str) and value in _GO_BOOLS


INTERCEPTION_MODES = ("REDIRECT", "TPROXY", "NONE")


@builtin("interceptionModes", "the sidecar.istio.io/interceptionMode values the injector accepts (case-sensitive)")
def interception_modes() -> list[str]:
    return list(INTERCEPTION_MODES)


# ---------------------------------------------------------------------------------------------------------------
# Istio's annotation catalogue (istio/api annotation/annotations.yaml): name -> (kinds, status, deprecated,
# replacement). Only names are listed whose definition is certain; unknown-name checks stay inside CLOSED_PREFIXES.

_POD = ("Pod",)
_SVC = ("Service",)
_ANY = ("Any",)
_A, _B, _S = "Alpha", "Beta", "Stable"

ANNOTATIONS: dict[str, tuple[tuple[str, ...], str, bool, str | None]] = {
    "alpha.istio.io/canonical-serviceaccounts": (_SVC, _A, True, None),
    "alpha.istio.io/identity": (_POD, _A, True, None),
    "alpha.istio.io/kubernetes-serviceaccounts": (_SVC, _A, True, None),
    "galley.istio.io/analyze-suppress": (_ANY, _A, False, None),
    "inject.istio.io/templates": (_POD, _A, False, None),
    "install.operator.istio.io/chart-owner": (_ANY, _A, False, None),
    "install.operator.istio.io/owner-generation": (_ANY, _A, False, None),
    "install.operator.istio.io/version": (_ANY, _A, False, None),
    "istio.io/dry-run": (("AuthorizationPolicy",), _A, False, None),
    "kubernetes.io/ingress.class": (("Ingress",), _S, False, None),
    "networking.istio.io/exportTo": (_SVC, _A, False, None),
    "prometheus.istio.io/merge-metrics": (_POD, _A, False, None),
    "proxy.istio.io/config": (_POD, _B, False, None),
    "readiness.status.sidecar.istio.io/applicationPorts": (_POD, _A, False, None),
    "readiness.status.sidecar.istio.io/failureThreshold": (_POD, _A, False, None),
    "readiness.status.sidecar.istio.io/initialDelaySeconds": (_POD, _A, False, None),
    "readiness.status.sidecar.istio.io/periodSeconds": (_POD, _A, False, None),
    "sidecar.istio.io/agentLogLevel": (_POD, _A, False, None),
    "sidecar.istio.io/bootstrapOverride": (_POD, _A, False, None),
    "sidecar.istio.io/componentLogLevel": (_POD, _A, False, None),
    "sidecar.istio.io/controlPlaneAuthPolicy": (_POD, _A, True, None),
    "sidecar.istio.io/discoveryAddress": (_POD, _A, True, "proxy.istio.io/config"),
    "sidecar.istio.io/enableCoreDump": (_POD, _A, False, None),
    "sidecar.istio.io/extraStatTags": (_POD, _A, False, None),
    "sidecar.istio.io/inject": (_POD, _B, False, None),
    "sidecar.istio.io/interceptionMode": (_POD, _A, False, None),
    "sidecar.istio.io/logLevel": (_POD, _A, False, None),
    "sidecar.istio.io/proxyCPU": (_POD, _A, False, None),
    "sidecar.istio.io/proxyCPULimit": (_POD, _A, False, None),
    "sidecar.istio.io/proxyImage": (_POD, _A, False, None),
    "sidecar.istio.io/proxyMemory": (_POD, _A, False, None),
    "sidecar.istio.io/proxyMemoryLimit": (_POD, _A, False, None),
    "sidecar.istio.io/rewriteAppHTTPProbers": (_POD, _A, False, None),
    "sidecar.istio.io/statsInclusionPrefixes": (_POD, _A, True, "proxy.istio.io/config"),
    "sidecar.istio.io/statsInclusionRegexps": (_POD, _A, True, "proxy.istio.io/config"),
    "sidecar.istio.io/statsInclusionSuffixes": (_POD, _A, True, "proxy.istio.io/config"),
    "sidecar.istio.io/status": (_POD, _A, False, None),
    "sidecar.istio.io/userVolume": (_POD, _A, False, None),
    "sidecar.istio.io/userVolumeMount": (_POD, _A, False, None),
    "status.sidecar.istio.io/port": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/excludeInboundPorts": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/excludeInterfaces": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/excludeOutboundIPRanges": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/excludeOutboundPorts": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/includeInboundPorts": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/includeOutboundIPRanges": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/includeOutboundPorts": (_POD, _A, False, None),
    "traffic.sidecar.istio.io/kubevirtInterfaces": (_POD, _A, True, "istio.io/reroute-virtual-interfaces"),
    "istio.io/reroute-virtual-interfaces": (_POD, _A, False, None),
}

# Namespaces whose every member is listed above: an unlisted name there is certainly unknown to Istio.
CLOSED_PREFIXES = ("traffic.sidecar.istio.io/", "status.sidecar.istio.io/", "readiness.status.sidecar.istio.io/")

_BY_LOWER = {name.lower(): name for name in ANNOTATIONS}
# The capture annotations by their part after "/", lower-cased: a known local name under another istio.io
# namespace (sidecar.istio.io/excludeOutboundIPRanges) is a misspelt prefix.
_CAPTURE_BY_LOCAL = {name.split("/", 1)[1].lower(): name for name in ANNOTATIONS
                     if name.startswith(("traffic.sidecar.istio.io/", "status.sidecar.istio.io/",
                                         "readiness.status.sidecar.istio.io/"))}
_CAPTURE_BY_LOCAL["interceptionmode"] = "sidecar.istio.io/interceptionMode"


# istioAnnotation()'s answers, built once: rules read them and never change them.
_ANNOTATION_INFO = {
    name: {"name": name, "kinds": list(kinds), "status": status, "deprecated": deprecated, "replacement": replacement}
    for name, (kinds, status, deprecated, replacement) in ANNOTATIONS.items()
}


@builtin("istioAnnotation", "{name, kinds, status, deprecated, replacement} of an annotation Istio defines, null otherwise")
def istio_annotation(name: Any) -> dict | None:
    if not isinstance(name, str) or name not in ANNOTATIONS:
        return None
    return _ANNOTATION_INFO[name]


@builtin("isIstioAnnotationName", "true when istioctl analyze treats the annotation name as Istio's")
def is_istio_annotation_name(name: Any) -> bool:
    if not isinstance(name, str):
        return False
    if name == "kubernetes.io/ingress.class":
        return True
    domain, slash, _ = name.partition("/")
    return bool(slash) and domain.endswith("istio.io")


@builtin("annotationMisplaced", "true when a known Istio annotation does not apply to the given kind")
def annotation_misplaced(name: Any, kind: Any) -> bool:
    if not isinstance(name, str) or name not in ANNOTATIONS or not isinstance(kind, str):
        return False
    kinds = ANNOTATIONS[name][0]
    return "Any" not in kinds and kind not in kinds


@builtin("unknownIstioAnnotation", "null when an annotation name is known or unchecked; else the name it likely means, or \"\"")
def unknown_istio_annotation(name: Any, closed_prefixes: Any) -> str | None:
    if not isinstance(name, str) or name in ANNOTATIONS or not is_istio_annotation_name(name):
        return None
    known = _BY_LOWER.get(name.lower())
    if known:
        return known  # wrong case: annotation keys are case-sensitive
    domain, _, local = name.partition("/")
    if domain.endswith("istio.io") and local.lower() in _CAPTURE_BY_LOCAL:
        return _CAPTURE_BY_LOCAL[local.lower()]
    extra = closed_prefixes if isinstance(closed_prefixes, (list, tuple)) else ()
    prefixes = CLOSED_PREFIXES + tuple(p if p.endswith("/") else p + "/" for p in extra if isinstance(p, str) and p)
    if name.startswith(prefixes):
        return ""
    return None


# ---------------------------------------------------------------------------------------------------------------
# Per-document capture facts, shared by the CAP rules

_INJECT_YES = frozenset(("y", "yes", "true", "on"))
_FACTS_MEMO_SIZE = 4
# (data, facts), newest first: the CAP rules of one document share one computation. An entry holds a reference
# to its document data, so its id is never reused while it is remembered; documents are never mutated while
# rules run (builtins must not mutate their arguments).
_facts_memo: list[tuple[Any, dict]] = []


@builtin(
    "captureFacts",
    "{injected, keys} of a document, worked out once per document: whether its pod gets a sidecar, and a map"
    " from every key of its capture sources (pod template annotations, the values' global.proxy) to true",
    context="document",
)
def capture_facts(doc: Any, path: Any, obj: Any) -> dict:
    memo = _facts_memo
    entry = memo[0] if memo else None  # the newest: the CAP rules ask about a document in a row
    if entry is not None and entry[0] is obj:
        return entry[1]
    for entry in memo:
        if entry[0] is obj:
            return entry[1]
    facts = _capture_facts(doc, obj)
    memo.insert(0, (obj, facts))  # list operations are atomic under the GIL; a lost entry costs a rerun
    if len(memo) > _FACTS_MEMO_SIZE:
        del memo[_FACTS_MEMO_SIZE:]
    return facts


def _capture_facts(doc: Any, obj: Any) -> dict:
    """What every CAP rule's preamble works out, written in Python with the rule language's semantics:

        let pod = kind == "Pod" ? self : (kind == "PodTemplate" ? template : spec.template)
        let podData = default(pod, spec.jobTemplate.spec.template)
        let injectOpt = default(podData.metadata.labels["sidecar.istio.io/inject"],
                                podData.metadata.annotations["sidecar.istio.io/inject"])
        let injected = podData.spec.hostNetwork != true && !(type(injectOpt) == "string" && injectOpt != ""
                       && !(injectOpt.lowerAscii() in ["y", "yes", "true", "on"]))
        sources: [pod.metadata.annotations, spec.jobTemplate.spec.template.metadata.annotations, global.proxy,
                  spec.values.global.proxy, parseYaml(data.values).global.proxy]
    """
    if type(obj) is not dict:
        return {"injected": True, "keys": {}}
    kind = obj.get("kind")
    spec = obj.get("spec")
    if type(spec) is not dict:
        spec = None
    if kind == "Pod":
        pod = obj
    elif kind == "PodTemplate":
        pod = obj.get("template")
    else:
        pod = spec.get("template") if spec is not None else None
    job_pod = None
    if spec is not None:
        job = spec.get("jobTemplate")
        if type(job) is dict:
            job = job.get("spec")
            if type(job) is dict:
                job_pod = job.get("template")
    pod_data = job_pod if pod is None else pod

    injected = True
    if type(pod_data) is dict:
        meta = pod_data.get("metadata")
        inject = None
        if type(meta) is dict:
            labels = meta.get("labels")
            if type(labels) is dict:
                inject = labels.get("sidecar.istio.io/inject")
            if inject is None:
                pod_annotations = meta.get("annotations")
                if type(pod_annotations) is dict:
                    inject = pod_annotations.get("sidecar.istio.io/inject")
        if type(inject) is str and inject != "" and _lower_ascii(inject) not in _INJECT_YES:
            injected = False
        else:
            pod_spec = pod_data.get("spec")
            injected = type(pod_spec) is not dict or pod_spec.get("hostNetwork") is not True

    sources = []
    for template in (pod, job_pod):
        if type(template) is dict:
            meta = template.get("metadata")
            if type(meta) is dict:
                annotations = meta.get("annotations")
                if type(annotations) is dict:
                    sources.append(annotations)
    values = obj.get("global")
    if type(values) is dict:
        sources.append(values.get("proxy"))
    if spec is not None:
        values = spec.get("values")
        if type(values) is dict:
            values = values.get("global")
            if type(values) is dict:
                sources.append(values.get("proxy"))
    values = obj.get("data")
    if type(values) is dict:
        values = values.get("values")
        if type(values) is str:
            from .data import parse_yaml

            values = parse_yaml(doc, ("data", "values") if getattr(doc, "data", None) is obj else None, values)
            if type(values) is dict:
                values = values.get("global")
                if type(values) is dict:
                    sources.append(values.get("proxy"))
    keys: dict = {}
    for source in sources:
        if type(source) is dict:
            keys.update(dict.fromkeys(source, True))
    return {"injected": injected, "keys": keys}
