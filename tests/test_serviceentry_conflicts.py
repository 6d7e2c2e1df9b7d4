"""The cross-resource ServiceEntry builtins against straightforward reference versions (their first, slower
implementations): same results, same order, on random index buckets and addresses."""
from __future__ import annotations

import ipaddress
import random

from policylint.builtins.istio_serviceentry import (
    _host_set, _label, _network, _render, address_supernets, conflict_protocol_key, host_and_wildcard_parents,
    hosts_wildcard_parents, scopes_overlap, service_entry_conflicts, service_entry_port_conflicts,
    service_entry_port_protocols, service_entry_scopes,
)
from policylint.lang.runtime import NO_KEY, index_key


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


# -- XR601/XR602: serviceEntryPortConflicts over xr_se_by_host against the former xr_se_by_host_port index --------

_NAN = float("nan")


def _port_doc(rng: random.Random) -> dict:
    pick = rng.choice
    hosts = [pick(["a.com", "b.com", "a.com", "*.com", 5, 5.0, True, None, ["a.com"], {"x": 1}, ""])
             for _ in range(rng.randint(0, 3))]
    if rng.random() < 0.05:
        hosts = {h: 1 for h in hosts if isinstance(h, str)}
    ports = []
    for _ in range(rng.randint(0, 4)):
        if rng.random() < 0.05:
            ports.append(pick(["x", 5, None]))
            continue
        port = {}
        if rng.random() < 0.95:
            port["number"] = pick([80, 443, 80, 443, 80.0, True, 1, "80", None, -1, [80], [80, [1]], [{"a": 1}],
                                   {"a": 1}, _NAN, float("nan")])
        if rng.random() < 0.9:
            port["protocol"] = pick(["HTTP", "http", "TCP", "TLS", "HTTPS", "", None, "odd", 5, ["x"]])
        ports.append(port)
    if rng.random() < 0.05:
        ports = {pick(["a", "b", 1]): port for port in ports}
    return {"ns": pick(["a", "b", None, ""]), "name": pick(["x", "y", "z"]), "hosts": hosts, "ports": ports,
            "exportTo": pick([None, ["."], ["*"], ["~"], ["a"], ["b", "."], [], "x"])}


def _items(value):
    if isinstance(value, list):
        return value
    if isinstance(value, dict):
        return list(value)
    return []


def test_port_conflicts_match_the_former_host_port_index():
    """The findings of XR601 before xr_se_by_host carried the ports: a (host, port number) index of protocols and
    serviceEntryConflicts per port, with index and lookup key semantics (lists as tuples, maps never keys)."""
    rng = random.Random(601)
    for _ in range(3000):
        docs = [_port_doc(rng) for _ in range(rng.randint(1, 30))]
        by_host_port: dict = {}
        by_host: dict = {}
        for doc in docs:
            scopes = service_entry_scopes(doc["exportTo"], doc["ns"])
            entry = {"ns": doc["ns"], "name": doc["name"], "scopes": scopes,
                     "protocols": service_entry_port_protocols(doc["ports"])}
            for host in _items(doc["hosts"]):
                if (key := index_key(host)) is not NO_KEY:
                    by_host.setdefault(key, []).append(entry)
                for port in _items(doc["ports"]):
                    number = port.get("number") if isinstance(port, dict) else None
                    protocol = port.get("protocol") if isinstance(port, dict) else None
                    key = index_key([host, number])
                    if key is not NO_KEY:
                        by_host_port.setdefault(key, []).append({
                            "ns": doc["ns"], "name": doc["name"], "scopes": scopes,
                            "protocol": conflict_protocol_key(protocol),
                            "shown": "unset" if protocol is None or protocol == "" else protocol})
        for doc in docs:
            me = {"ns": doc["ns"], "name": doc["name"], "scopes": service_entry_scopes(doc["exportTo"], doc["ns"])}
            expected = []
            ports = doc["ports"]
            for index, port in (enumerate(ports) if isinstance(ports, list) else ((k, k) for k in _items(ports))):
                number = port.get("number") if isinstance(port, dict) else None
                protocol = port.get("protocol") if isinstance(port, dict) else None
                buckets = [by_host_port.get(key, []) if (key := index_key([h, number])) is not NO_KEY else []
                           for h in _items(doc["hosts"])]
                others = service_entry_conflicts(buckets, {**me, "protocol": conflict_protocol_key(protocol)},
                                                 "protocol")
                if others:
                    expected.append({"index": index, "port": port, "others": others})
            buckets = [by_host.get(key, []) if (key := index_key(h)) is not NO_KEY else [] for h in _items(doc["hosts"])]
            assert service_entry_port_conflicts(buckets, doc["ports"], me) == expected, (docs, doc)


def test_wildcard_parent_helpers():
    assert hosts_wildcard_parents(["a.b.c", "x.b.c", 5, "", "*.c"]) == ["*.b.c", "*.c"]
    assert hosts_wildcard_parents({"a.b": 1}) == ["*.b"]
    assert hosts_wildcard_parents("a.b") == []
    assert host_and_wildcard_parents("A.b.C") == ["a.b.c", "*.b.c", "*.c"]
    assert host_and_wildcard_parents("*.B") == ["*.b"]
    assert host_and_wildcard_parents("") is None
    assert host_and_wildcard_parents(5) is None


def test_conflict_protocol_key_matches_the_reference():
    from policylint.builtins.istio_protocols import parse_protocol

    def reference(value):
        if value is None or value == "":
            return "TCP"
        proto = parse_protocol(value)
        if proto is None:
            return str(value).upper()
        return "TLS" if proto == "HTTPS" else proto

    values = ["", "http", "HTTP", "Https", "tls", "hbone", "x", "grpc-web", "GRPC-Web", "mongo", "ß", "İ", "ǅ",
              None, 5, 1.0, [], ["x"], True, "http2", "HTTP_PROXY", "udp", "Tcp "]
    for value in values:
        assert conflict_protocol_key(value) == reference(value), value
