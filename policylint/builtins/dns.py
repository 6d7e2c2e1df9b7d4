"""DNS name builtins: Kubernetes name formats, Istio host names and Istio's wildcard host matching.

Regular expressions are anchored with `\\Z` (Go's `$` does not match before a trailing newline; Python's does).
"""
from __future__ import annotations

import re
from functools import lru_cache

from . import builtin

_LABEL = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?\Z")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\Z")
# Istio's labels are RFC 1123 labels of either case; the first label of a host may be `*`, `*x` or `*-x`.
_ISTIO_LABEL = re.compile(r"[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?\Z")
_ISTIO_WILDCARD_LABEL = re.compile(r"(\*|(\*|\*-)?[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?)\Z")
_GO_ATOI = re.compile(r"[+-]?[0-9]+\Z")


@builtin("isDNS1123Label", "Kubernetes DNS-1123 label: lower-case alphanumerics and '-', at most 63 characters")
def is_dns1123_label(s) -> bool:
    return type(s) is str and len(s) <= 63 and _LABEL.match(s) is not None


@builtin("isDNS1123Subdomain", "Kubernetes DNS-1123 subdomain: dot-separated labels, at most 253 characters")
def is_dns1123_subdomain(s) -> bool:
    return type(s) is str and len(s) <= 253 and _SUBDOMAIN.match(s) is not None


@builtin("isFQDN", "at least two RFC 1123 labels (any case, trailing dot allowed), last one not all digits")
def is_fqdn(s) -> bool:
    if type(s) is not str or not 0 < len(s) <= 253:
        return False
    labels = (s[:-1] if s.endswith(".") else s).split(".")
    return (len(labels) >= 2 and not labels[-1].isdigit()
            and all(len(label) <= 63 and _ISTIO_LABEL.match(label) for label in labels))


@builtin("isWildcardHost", "a host starting with `*` (`*`, `*.example.com`)")
def is_wildcard_host(s) -> bool:
    return type(s) is str and s.startswith("*")


@builtin("wildcardParents", "the wildcard hosts covering a host: `a.b.c` -> `[*.b.c, *.c]` (the host itself excluded)")
def wildcard_parents(host):
    if type(host) is not str or not host:
        return None
    return list(_wildcard_parents(host))


@lru_cache(maxsize=4096)
def _wildcard_parents(host: str) -> tuple:
    """Cached per host: the same hosts come back in every rule and index that walks wildcard parents."""
    labels = (host[:-1] if host.endswith(".") else host).split(".")
    out = ["*." + ".".join(labels[i:]) for i in range(1, len(labels))]
    return tuple(h for h in out if h != host)


def _subset(host: str, pattern: str) -> bool:
    """Istio `host.Name.SubsetOf`: every name matched by `host` is matched by `pattern`."""
    if pattern.startswith("*"):
        if host.startswith("*"):
            return host[1:].endswith(pattern[1:])
        return host.endswith(pattern[1:])
    return not host.startswith("*") and host == pattern


@builtin("hostMatches", "Istio wildcard match: `pattern` covers `host` (`*.example.com` covers `a.b.example.com`)")
def host_matches(pattern, host) -> bool:
    return type(pattern) is str and type(host) is str and _subset(host, pattern)


def _go_atoi_ok(s: str) -> bool:
    """Go `strconv.Atoi` succeeds: optional sign, decimal digits, within int64."""
    return _GO_ATOI.match(s) is not None and -(2**63) <= int(s) < 2**63


@builtin("isIstioHost", "Istio's ValidateWildcardDomain: 1..255 chars, wildcard only in the first label, TLD not numeric")
def is_istio_host(s) -> bool:
    if type(s) is not str or not 0 < len(s) <= 255:
        return False
    first, dot, rest = s.partition(".")
    if len(first) > 63 or not _ISTIO_WILDCARD_LABEL.match(first):
        return False
    if not dot:
        return True
    labels = rest.split(".")
    if _go_atoi_ok(labels[-1]):
        return False
    for i, label in enumerate(labels):
        if i == len(labels) - 1 and label == "":  # a trailing dot: `istio.io.`
            return True
        if len(label) > 63 or not _ISTIO_LABEL.match(label):
            return False
    return True
