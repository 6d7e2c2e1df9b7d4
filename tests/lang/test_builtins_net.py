"""net builtins: Go netip parsing (ParseAddr / ParsePrefix) and prefix arithmetic."""
from __future__ import annotations

import random

import pytest

from policylint.builtins import net


@pytest.mark.parametrize("s", [
    "1.2.3.4", "0.0.0.0", "255.255.255.255", "::", "::1", "2001:db8::1", "fe80::1%eth0", "fe80::1%eth0%x",
    "::ffff:1.2.3.4", "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "FE80::ABCD", "1::", "0001:2::3", "::1.2.3.4",
    "1:2:3:4:5:6:7::",
])
def test_is_ip_accepts(s):
    assert net.is_ip(s) is True


@pytest.mark.parametrize("s", [
    "010.0.0.1", "1.2.3.04", "1.2.3", "1.2.3.4.5", "256.0.0.1", "1.2.3.4%eth0", "fe80::1%", "", " 1.2.3.4",
    "1.2.3.4 ", "1.2.3.4\n", "1.2.3.4/32", ":::", "1::2::3", "12345::1", "::ffff:01.2.3.4", "%eth0", "abc",
    "1:2:3:4:5:6:7:8:9", "1:2:3:4:5:6:7:8::", "1.2.3.-4", "１.2.3.4", None, 1, ["1.2.3.4"],
])
def test_is_ip_rejects(s):
    assert net.is_ip(s) is False


@pytest.mark.parametrize("s", [
    "10.0.0.0/8", "10.0.0.1/24", "0.0.0.0/0", "::/0", "2001:db8::/32", "::ffff:1.2.3.4/128", "1.2.3.4/32",
    "10.0.0.0/0", "::ffff:1.2.3.4/96",
])
def test_is_cidr_accepts(s):
    assert net.is_cidr(s) is True


@pytest.mark.parametrize("s", [
    "10.0.0.0/08", "10.0.0.0/+8", "10.0.0.0/-1", "10.0.0.0/33", "::/129", "10.0.0.0/255.0.0.0", "fe80::1%eth0/64",
    "10.0.0.0/", "/8", "10.0.0.0", "010.0.0.0/8", "10.0.0.0/8/8", "10.0.0.0/ 8", "10.0.0.0/1000", "10.0.0.0/８",
    "10.0.0.0/00", "", None, 8,
])
def test_is_cidr_rejects(s):
    assert net.is_cidr(s) is False


@pytest.mark.parametrize("s, expected", [
    ("10.0.0.1/24", "10.0.0.0/24"), ("10.0.0.0/8", "10.0.0.0/8"), ("2001:db8::1/32", "2001:db8::/32"),
    ("::ffff:1.2.3.4/120", "::ffff:1.2.3.0/120"), ("::ffff:1.2.3.4/64", "::/64"), ("1.2.3.4/0", "0.0.0.0/0"),
    ("2001:0DB8:0000::1/128", "2001:db8::1/128"), ("1:0:0:1:0:0:0:1/128", "1:0:0:1::1/128"),
    ("1:0:0:2:0:0:3:4/128", "1::2:0:0:3:4/128"), ("1:0:2:3:4:5:6:7/128", "1:0:2:3:4:5:6:7/128"),
    ("10.0.0.1", None), ("10.0.0.0/08", None), (None, None),
])
def test_cidr_canonical(s, expected):
    assert net.cidr_canonical(s) == expected


@pytest.mark.parametrize("s, expected", [
    ("10.0.0.1/24", True), ("10.0.0.0/24", False), ("::1/127", True), ("1.2.3.4/32", False), ("0.0.0.0/0", False),
    ("10.0.0.0/08", None), ("10.0.0.1", None), (1, None),
])
def test_cidr_has_host_bits(s, expected):
    assert net.cidr_has_host_bits(s) is expected


@pytest.mark.parametrize("outer, inner, expected", [
    ("10.0.0.0/8", "10.1.2.3", True), ("10.0.0.0/8", "10.1.0.0/16", True), ("10.0.0.0/16", "10.0.0.0/8", False),
    ("10.0.0.0/8", "11.0.0.1", False), ("10.0.0.1/8", "10.200.0.0/16", True), ("10.0.0.0/8", "::ffff:10.0.0.1", False),
    ("::ffff:10.0.0.0/104", "::ffff:10.1.2.3", True), ("fe80::/10", "fe80::1%eth0", False),
    ("10.0.0.0/8", "10.0.0.0/8", True), ("0.0.0.0/0", "1.2.3.4", True), ("::/0", "1.2.3.4", False),
    ("10.0.0.0/8", "x", None), ("10.0.0.1", "10.0.0.1", None), ("10.0.0.0/8", None, None), (None, "1.2.3.4", None),
])
def test_cidr_contains(outer, inner, expected):
    assert net.cidr_contains(outer, inner) is expected


@pytest.mark.parametrize("a, b, expected", [
    ("10.0.0.0/8", "10.1.0.0/16", True), ("10.1.0.0/16", "10.0.0.0/8", True), ("10.0.0.0/16", "10.1.0.0/16", False),
    ("10.0.0.1", "10.0.0.0/31", True), ("1.2.3.4", "1.2.3.4", True), ("10.0.0.0/8", "::/0", False),
    ("x", "10.0.0.0/8", None), ("10.0.0.0/08", "10.0.0.0/8", None), ("fe80::1%eth0", "fe80::/10", None),
])
def test_cidr_overlaps(a, b, expected):
    assert net.cidr_overlaps(a, b) is expected


def test_cidr_overlaps_any():
    assert net.cidr_overlaps_any("10.1.0.0/16", ["192.168.0.0/16", "bad", None, "10.0.0.0/8"]) is True
    assert net.cidr_overlaps_any("10.1.0.0/16", ["192.168.0.0/16", "10.2.0.0/16"]) is False
    assert net.cidr_overlaps_any("10.0.0.0/8", []) is False
    assert net.cidr_overlaps_any("bad", ["10.0.0.0/8"]) is None
    assert net.cidr_overlaps_any("10.0.0.0/8", "10.0.0.0/8") is None


def test_cidrs_overlapping():
    items = ["10.0.0.0/8", "192.168.0.0/16", "10.1.0.0/16", "bad", "10.1.2.3", "192.168.0.0/16", "::/0",
             "2001:db8::/32", 7]
    assert net.cidrs_overlapping(items) == [
        ["10.0.0.0/8", "10.1.0.0/16"], ["10.0.0.0/8", "10.1.2.3"], ["192.168.0.0/16", "192.168.0.0/16"],
        ["10.1.0.0/16", "10.1.2.3"], ["::/0", "2001:db8::/32"],
    ]
    assert net.cidrs_overlapping(["10.1.0.0/16", "10.0.0.0/8"]) == [["10.1.0.0/16", "10.0.0.0/8"]]
    assert net.cidrs_overlapping(["10.0.0.1/24", "10.0.0.200"]) == [["10.0.0.1/24", "10.0.0.200"]]
    assert net.cidrs_overlapping(["1.2.3.4/32", "::ffff:1.2.3.4"]) == []
    assert net.cidrs_overlapping([]) == []
    assert net.cidrs_overlapping("10.0.0.0/8") is None


def test_cidrs_overlapping_matches_pairwise_check():
    rng = random.Random(7)
    items = [f"10.{rng.randrange(4)}.{rng.randrange(4)}.0/{rng.choice([8, 16, 24, 30])}" for _ in range(60)]
    items += [f"10.{rng.randrange(4)}.{rng.randrange(4)}.{rng.randrange(4)}" for _ in range(20)]
    brute = [[items[i], items[j]] for i in range(len(items)) for j in range(i + 1, len(items))
             if net.cidr_overlaps(items[i], items[j])]
    assert net.cidrs_overlapping(items) == brute


@pytest.mark.parametrize("s, expected", [
    ("1.2.3.4", 4), ("::1", 6), ("::ffff:1.2.3.4", 6), ("10.0.0.0/8", 4), ("fe80::1%eth0", 6), ("::/0", 6),
    ("x", None), ("010.0.0.1", None), ("10.0.0.0/08", None), (5, None),
])
def test_ip_family(s, expected):
    assert net.ip_family(s) == expected


@pytest.mark.parametrize("s", [
    "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "100.64.0.1", "127.0.0.1", "169.254.1.1", "fc00::1",
    "fd12::1", "::1", "fe80::1%eth0", "::ffff:10.0.0.1", "10.0.0.0/8", "10.1.0.0/16", "fd00::/8",
    "::ffff:192.168.0.0/112",
])
def test_is_private_ip(s):
    assert net.is_private_ip(s) is True


@pytest.mark.parametrize("s", [
    "172.32.0.1", "8.8.8.8", "100.128.0.1", "0.0.0.0/0", "10.0.0.0/7", "2001:db8::1", "::ffff:8.8.8.8", "x",
    "172.16.0.0/11", None, "10.0.0.0/08",
])
def test_is_not_private_ip(s):
    assert net.is_private_ip(s) is False


@pytest.mark.parametrize("s, expected", [
    ("8.8.8.8", True), ("8.8.8.0/24", True), ("0.0.0.0/0", True), ("10.0.0.0/7", True), ("2001:db8::/32", True),
    ("::/0", True), ("::ffff:8.8.8.8", True), ("10.0.0.0/8", False), ("127.0.0.1", False), ("224.0.0.1", False),
    ("240.0.0.0/4", False), ("255.255.255.255", False), ("0.0.0.0", False), ("ff02::1", False), ("::", False),
    ("fe80::/10", False), ("::ffff:10.0.0.0/104", False), ("x", False), ("1.2.3.4/33", False), (None, False),
])
def test_is_public_cidr(s, expected):
    assert net.is_public_cidr(s) is expected


@pytest.mark.parametrize("s, sep, expected", [
    ("a,,b", ",", ["a", "", "b"]), (" a , b", ",", [" a ", " b"]), ("", ",", [""]), ("ab", "", ["a", "b"]),
    ("a, b", ", ", ["a", "b"]), (1, ",", None), ("a", None, None),
])
def test_split_list(s, sep, expected):
    assert net.split_list(s, sep) == expected
