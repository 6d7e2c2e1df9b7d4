"""dns builtins: Kubernetes name formats, Istio host validation and wildcard matching."""
from __future__ import annotations

import pytest

from policylint.builtins import dns


@pytest.mark.parametrize("s, expected", [
    ("a", True), ("a-b", True), ("0", True), ("a" * 63, True), ("A", False), ("-a", False), ("a-", False),
    ("a" * 64, False), ("a.b", False), ("", False), ("a_b", False), ("a\n", False), (None, False),
])
def test_dns1123_label(s, expected):
    assert dns.is_dns1123_label(s) is expected


@pytest.mark.parametrize("s, expected", [
    ("a.b.c", True), ("a", True), ("a-1.b", True), ("A.b", False), ("a..b", False), (".a", False), ("a.", False),
    ("a." * 126 + "ab", False), ("a.-b", False), ("", False), (3, False),
])
def test_dns1123_subdomain(s, expected):
    assert dns.is_dns1123_subdomain(s) is expected


@pytest.mark.parametrize("s, expected", [
    ("a.b", True), ("A.example.com", True), ("example.com.", True), ("x-1.y", True), ("a", False), ("a.", False),
    ("1.2.3.4", False), ("a..b", False), (".a.b", False), ("a.b..", False), ("*.a.com", False), ("a_b.com", False),
    ("", False), ("a.123", False), (None, False),
])
def test_is_fqdn(s, expected):
    assert dns.is_fqdn(s) is expected


@pytest.mark.parametrize("s, expected", [
    ("*", True), ("*.a.com", True), ("*a.com", True), ("a.*.com", False), ("", False), (None, False),
])
def test_is_wildcard_host(s, expected):
    assert dns.is_wildcard_host(s) is expected


@pytest.mark.parametrize("host, expected", [
    ("a.b.example.com", ["*.b.example.com", "*.example.com", "*.com"]), ("*.b.example.com", ["*.example.com", "*.com"]),
    ("example.com.", ["*.com"]), ("com", []), ("*", []), ("*.com", []), ("", None), (1, None),
])
def test_wildcard_parents(host, expected):
    assert dns.wildcard_parents(host) == expected


@pytest.mark.parametrize("pattern, host, expected", [
    ("*.example.com", "a.example.com", True), ("*.example.com", "a.b.example.com", True),
    ("*.example.com", "example.com", False), ("*.example.com", "*.b.example.com", True),
    ("*.b.example.com", "*.example.com", False), ("*", "anything", True), ("*", "*.x", True),
    ("a.example.com", "a.example.com", True), ("a.example.com", "*.example.com", False),
    ("*example.com", "fooexample.com", True), ("*.example.com", "A.EXAMPLE.COM", False), (None, "a", False),
    ("a", None, False),
])
def test_host_matches(pattern, host, expected):
    assert dns.host_matches(pattern, host) is expected


@pytest.mark.parametrize("s", [
    "example.com", "*.example.com", "*", "*foo.example.com", "*-foo.example.com", "Example.COM", "istio.io.",
    "1.2.3.4.", "a", "a.99999999999999999999", "a.0x10", "*.com", "a" * 63 + ".com", "x.", "*.",
    "a." + "b" * 63 + "." + "c" * 63 + "." + "d" * 63 + "." + "e" * 61,
])
def test_istio_host_valid(s):
    assert dns.is_istio_host(s) is True


@pytest.mark.parametrize("s", [
    "", "a." * 127 + "ab", "1.2.3.4", "a.123", "a.+1", "a.-1", "a.*.com", "**.com", "a..com", "-a.com", "a-.com",
    "a_b.com", ".com", "a" * 64 + ".com", "a.b.c..", "*.-a.com", "a.b\n", None, 5,
])
def test_istio_host_invalid(s):
    assert dns.is_istio_host(s) is False
