"""The cross-resource ServiceEntry builtins against straightforward reference versions (their first, slower
implementations): same results, same order, on random index buckets and addresses."""
from __future__ import annotations

import ipaddress
import random

from policylint.builtins.istio_serviceentry import (
    _host_set, _label, _network, _render, address_supernets, scopes_overlap, service_entry_conflicts,
)


def _flatten(value, out):
    if isinstance(value, list):
        for item in value:
            _flatten(item, out)
    elif isinstance(value, dict):
        out.append(value)
    return out


def reference_conflicts(entries, me, field):
    if not isinstance(me, dict) or not isinstance(field, str):
        return []
    found = []
    for entry in _flatten(entries, []):
        if entry.get("ns") == me.get("ns") and entry.get("name") == me.get("name"):
            continue
        if not scopes_overlap(entry.get("scopes"), me.get("scopes")):
            continue
        if field == "ports":
            mine, theirs = me.get("ports"), entry.get("ports")
            if not isinstance(mine, list) or not isinstance(theirs, list):
                continue
            shared = [p for p in mine if p in theirs and isinstance(p, int)]
            if not shared or _host_set(entry.get("hosts")) == _host_set(me.get("hosts")):
                continue
            shown = f"{entry.get('shown')}, port {shared[0]}"
        else:
            if entry.get(field) is None or entry.get(field) == me.get(field):
                continue
            shown = entry.get("shown", entry.get(field))
        text = f"{_label(entry)} ({_render(shown)})"
        if text not in found:
            found.append(text)
    return found


def reference_supernets(value):
    net = _network(value)
    if net is None:
        return []
    return [str(net.supernet(new_prefix=bits)) for bits in range(0, net.prefixlen)] + [str(net)]


def _entry(rng: random.Random) -> dict:
    pick = rng.choice
    entry = {
        "ns": pick(["a", "b", "c", "", None, 3]),
        "name": pick(["x", "y", "z", None]),
        "scopes": pick([["*"], ["a"], ["b"], ["a", "b"], ["c", "*"], [], None, "a", [1, 1.0]]),
        "protocol": pick(["HTTP", "TCP", "TLS", None, ""]),
        "resolution": pick(["DNS", "NONE", "STATIC", None]),
        "addresses": pick([None, ["10.0.0.0/8"], ["10.0.0.0/8", "1.2.3.4/32"], []]),
        "ports": pick([[80], [80, 443], [443, "443"], [], None, [True], 80]),
        "hosts": pick([["a.com"], ["A.com", "b.com"], ["b.com"], [], None, [1]]),
    }
    if rng.random() < 0.5:
        entry["shown"] = pick(["shown", None, ["x", None], 7])
    if rng.random() < 0.1:
        del entry[pick(list(entry))]
    return entry


def _nested(rng: random.Random, depth: int = 0):
    items = []
    for _ in range(rng.randint(0, 6)):
        roll = rng.random()
        if roll < 0.7 or depth > 2:
            items.append(_entry(rng) if roll < 0.95 else rng.choice([None, "x", 3]))
        else:
            items.append(_nested(rng, depth + 1))
    return items


def test_service_entry_conflicts_match_the_reference():
    rng = random.Random(20251121)
    for _ in range(20000):
        entries = _nested(rng) if rng.random() < 0.95 else rng.choice([None, {"ns": "a"}, "x"])
        if rng.random() < 0.3 and isinstance(entries, list) and entries:
            entries.append(entries[0])  # the same bucket twice (a host listed twice)
        me = _entry(rng) if rng.random() < 0.97 else rng.choice([None, [], "me"])
        field = rng.choice(["protocol", "resolution", "addresses", "ports", "location", None])
        assert service_entry_conflicts(entries, me, field) == reference_conflicts(entries, me, field), (entries, me, field)


def test_address_supernets_match_ipaddress():
    rng = random.Random(7)
    values = ["10.0.0.1", "10.0.0.0/8", "0.0.0.0/0", "255.255.255.255", "::", "::/0", "::ffff:1.2.3.4",
              "2001:db8::1/64", "fe80::1%eth0", "1.2.3.4/33", "x", None, 3, "::ffff:0:0/96", "64:ff9b::/96"]
    for _ in range(300):
        values.append(f"{ipaddress.IPv4Address(rng.getrandbits(32))}/{rng.randint(0, 32)}")
        values.append(f"{ipaddress.IPv6Address(rng.getrandbits(128))}/{rng.randint(0, 128)}")
        values.append(str(ipaddress.IPv6Address((0xFFFF << 32) | rng.getrandbits(32))))
    for value in values:
        assert address_supernets(value) == reference_supernets(value), value


def test_shared_buckets_match_the_reference():
    """Index buckets are shared list objects that serviceEntryConflicts summarises once per field: queries on
    the same buckets, with buckets growing in between (as while an index is built), give the reference answers."""
    rng = random.Random(11)
    pick = rng.choice
    pool = []
    for _ in range(40):
        bucket = [_entry(rng) for _ in range(rng.randint(0, 8))]
        if rng.random() < 0.5:  # the usual bucket: every entry agrees on the compared fields
            for entry in bucket:
                entry.update(protocol="TCP", resolution="DNS", location="MESH_EXTERNAL")
        pool.append(bucket)
    for _ in range(20000):
        roll = rng.random()
        if roll < 0.4:
            entries = pick(pool)
        elif roll < 0.8:
            entries = [pick(pool) for _ in range(rng.randint(0, 3))]
        else:
            entries = [[pick(pool) for _ in range(rng.randint(0, 2))] for _ in range(rng.randint(0, 2))]
        if rng.random() < 0.05:
            pick(pool).append(_entry(rng) if rng.random() < 0.9 else pick([None, "x", ["y"]]))
        me = _entry(rng)
        if rng.random() < 0.5:
            me.update(protocol="TCP", resolution="DNS", location="MESH_EXTERNAL")
        field = rng.choice(["protocol", "resolution", "location", "addresses", "ports"])
        assert service_entry_conflicts(entries, me, field) == reference_conflicts(entries, me, field), (entries, me, field)
