"""Evaluation of every expression construct, including null-safety and type mismatches."""
from __future__ import annotations

import datetime

import pytest

from policylint.builtins import REGISTRY, builtin
from policylint.lang import Env

DATA = {
    "kind": "ServiceEntry",
    "metadata": {"name": "ext", "labels": {"app": "a"}, "annotations": {"x.io/y": "v"}},
    "spec": {
        "hosts": ["a.example.com", "B.example.com"],
        "ports": [{"number": 443, "protocol": "HTTP", "name": "https"}, {"number": 80, "protocol": "TCP"}],
        "flag": True,
        "zero": 0,
        "ratio": 0.5,
        "empty": "",
        "nothing": None,
    },
}


def test_literals_and_collections(lang):
    assert lang.value("1") == 1
    assert lang.value("2.5") == 2.5
    assert lang.value("'a'") == "a"
    assert lang.value("null") is None
    assert lang.value("[1, [2, 'x'], {'k': null}]") == [1, [2, "x"], {"k": None}]
    assert lang.value("{'a': spec.flag, 'b': [kind]}", DATA) == {"a": True, "b": ["ServiceEntry"]}
    assert lang.value("{kind: 1, spec.hosts: 2}", DATA) == {"ServiceEntry": 1}  # a list key is left out


def test_document_access(lang):
    assert lang.value("kind", DATA) == "ServiceEntry"
    assert lang.value("self.kind", DATA) == "ServiceEntry"
    assert lang.value("self", {"a": 1}) == {"a": 1}
    assert lang.value("spec.ports[1].number", DATA) == 80
    assert lang.value("spec.ports[-1].protocol", DATA) == "TCP"
    assert lang.value("spec.ports[-2].number", DATA) == 443
    assert lang.value('metadata.annotations["x.io/y"]', DATA) == "v"
    assert lang.value('metadata["labels"].app', DATA) == "a"
    assert lang.value("spec.hosts[size(spec.hosts) - 1]", DATA) == "B.example.com"


@pytest.mark.parametrize("expr", [
    "missing.field", "spec.missing.deeper", "spec.hosts.name", "kind.length", "spec.ports[2]",
    "spec.ports[-3]", "spec.ports['x']", "metadata[0]", "spec.hosts[1.0]", "spec.hosts[true]",
    "spec.nothing.x", "spec.hosts[null]", "kind[0].x",
])
def test_access_is_null_safe(lang, expr):
    assert lang.value(expr, DATA) is None


def test_has(lang):
    assert lang.value("has(spec.nothing)", DATA) is True  # present even though null
    assert lang.value("has(spec.missing)", DATA) is False
    assert lang.value("has(kind)", DATA) is True
    assert lang.value("has(status)", DATA) is False
    assert lang.value("has(kind.x)", DATA) is False
    assert lang.value("has(spec.ports[1])", DATA) is True
    assert lang.value("has(spec.ports[2])", DATA) is False
    assert lang.value("has(metadata.annotations['x.io/y'])", DATA) is True


@pytest.mark.parametrize("expr, expected", [
    ("!null", True), ("!0", True), ("!''", True), ("![]", True), ("!{}", True), ("!false", True),
    ("!0.0", True), ("!1", False), ("!'a'", False), ("![0]", False), ("!{'a': 1}", False), ("!-1", False),
])
def test_truthiness(lang, expr, expected):
    assert lang.value(expr) is expected


def test_boolean_operators_return_booleans(lang):
    assert lang.value("1 && 'a'") is True
    assert lang.value("1 && ''") is False
    assert lang.value("0 || null") is False
    assert lang.value("0 || [1]") is True
    assert lang.value("spec.flag && size(spec.hosts) == 2", DATA) is True


@pytest.fixture
def counter():
    calls = []

    @builtin("testCount", "test only: records its argument and returns it")
    def test_count(x):
        calls.append(x)
        return x

    yield calls
    del REGISTRY["testCount"]


def test_short_circuit(lang, counter):
    assert lang.value("false && testCount(1)") is False
    assert lang.value("true || testCount(2)") is True
    assert lang.value("testCount(0) && testCount(3)") is False
    assert lang.value("testCount(4) || testCount(5)") is True
    assert lang.value("true ? testCount(6) : testCount(7)") == 6
    assert lang.value("[].exists(x, testCount(8))") is False
    assert lang.value("[1, 2, 3].exists(x, testCount(x) == 2)") is True
    assert lang.value("[1, 2, 3].all(x, testCount(x * 10) < 20)") is False
    assert counter == [0, 4, 6, 1, 2, 10, 20]


@pytest.mark.parametrize("expr, expected", [
    ("1 == 1.0", True), ("1 == true", False), ("0 == false", False), ("true == 1", False),
    ("spec.zero == 0", True), ("spec.zero == false", False), ("spec.flag == 1", False), ("spec.flag != 1", True),
    ("spec.zero != 0", False), ("spec.flag == true", True), ("null == null", True), ("spec.nothing == null", True),
    ("spec.missing == null", True), ("kind != null", True), ("'a' == 'a'", True), ("'1' == 1", False),
    ("[1, 'a'] == [1, 'a']", True), ("[1, true] == [1, 1]", False), ("[1] == [1, 2]", False),
    ("{'a': [1]} == {'a': [1.0]}", True), ("{'a': 1} == {'b': 1}", False), ("spec.hosts == ['a.example.com',"
                                                                            " 'B.example.com']", True),
    ("spec.ports[0] == {'number': 443, 'protocol': 'HTTP', 'name': 'https'}", True),
    ("[] != {}", True), ("spec.ratio == 0.5", True), ("2 == spec.ports", False),
])
def test_equality(lang, expr, expected):
    assert lang.value(expr, DATA) is expected


TYPED = {"s": "x", "i": 3, "f": 0.5, "b": True, "n": None, "l": [1], "m": {"k": 1},
         "t": datetime.date(2026, 11, 21), "y": b"raw"}
TYPE_NAMES = ("string", "int", "float", "bool", "null", "list", "map", "timestamp", "bytes")


@pytest.mark.parametrize("field", [*TYPED, "missing"])
def test_type_comparisons_agree_with_type(lang, field):
    """`type(x) == "map"` is compiled to a type test (exprgen): it must give what comparing type()'s name gives."""
    name = lang.value(f"type({field})", TYPED)
    for candidate in TYPE_NAMES:
        assert lang.value(f"type({field}) == '{candidate}'", TYPED) is (name == candidate), candidate
        assert lang.value(f"'{candidate}' != type({field})", TYPED) is (name != candidate), candidate


@pytest.mark.parametrize("expr, expected", [
    ("1 < 2", True), ("2.5 >= 2", True), ("'a' < 'b'", True), ("'b' <= 'a'", False),
    ("1 < '2'", False), ("'2' > 1", False), ("null < 1", False), ("1 > null", False), ("null >= null", False),
    ("true > false", False), ("spec.flag > 0", False), ("[1] < [2]", False), ("spec.zero < 1", True),
    ("spec.missing <= 0", False), ("0 >= spec.missing", False), ("spec.ports[0].number > 400", True),
    ("kind < spec.ratio", False), ("spec.ratio < kind", False), ("spec.ratio < 1", True),
])
def test_ordering(lang, expr, expected):
    assert lang.value(expr, DATA) is expected


@pytest.mark.parametrize("expr, expected", [
    ("'a.example.com' in spec.hosts", True), ("'c' in spec.hosts", False), ("443 in [80, 443]", True),
    ("443.0 in [80, 443]", True), ("true in [1]", False), ("1 in [true]", False), ("null in [null]", True),
    ("[1] in [[1], 2]", True), ("{'a': 1} in [{'a': 1}]", True), ("'HTTP' in ['HTTP', 'TCP']", True),
    ("spec.ports in ['HTTP']", False), ("1 in ['1']", False), ("'app' in metadata.labels", True),
    ("'x' in metadata.labels", False), ("spec.hosts in metadata.labels", False), ("'ex' in kind", False),
    ("'Entry' in kind", True), ("1 in kind", False), ("1 in null", False), ("'a' in 'abc'", True),
    ("spec.ports[0].number in [443]", True), ("spec.flag in [1, 2]", False), ("spec.flag in [true]", True),
    ("true in {'a': 1}", False), ("1 in {1: 'x'}", True),
])
def test_membership(lang, expr, expected):
    assert lang.value(expr, DATA) is expected


@pytest.mark.parametrize("expr, expected", [
    ("1 + 2", 3), ("1 + 2.5", 3.5), ("'a' + 'b'", "ab"), ("[1] + [2]", [1, 2]), ("'a' + 1", None),
    ("1 + 'a'", None), ("[1] + 'a'", None), ("null + 1", None), ("spec.flag + 1", None), ("1 + spec.flag", None),
    ("7 - 10", -3), ("2 * 3.5", 7.0), ("'a' * 2", None), ("7 / 2", 3), ("-7 / 2", -3), ("7 / -2", -3),
    ("7.0 / 2", 3.5), ("1 / 0", None), ("1.0 / 0", None), ("7 % 3", 1), ("-7 % 3", -1), ("7 % -3", 1),
    ("7 % 0", None), ("7.5 % 2", None), ("-spec.zero", 0), ("-kind", None), ("-(1 + 2)", -3),
    ("spec.ports[0].number - 1", 442), ("spec.missing + 1", None), ("size(kind) + 1", 13),
    ("1.5 + 10000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
     "0000000000000000000000000", None),
])
def test_arithmetic(lang, expr, expected):
    value = lang.value(expr, DATA)
    assert value == expected and type(value) is type(expected)


def test_conditional(lang):
    assert lang.value("spec.flag ? 'yes' : 'no'", DATA) == "yes"
    assert lang.value("spec.zero ? 'yes' : 'no'", DATA) == "no"
    assert lang.value("spec.missing ? 1 : spec.hosts.map(h, h.lowerAscii())", DATA) == [
        "a.example.com", "b.example.com"]


@pytest.mark.parametrize("expr, expected", [
    ("'abc'.startsWith('ab')", True), ("'abc'.startsWith(kind)", False), ("1.startsWith('1')", False),
    ("'abc'.endsWith('bc')", True), ("null.endsWith('')", False), ("'abc'.endsWith(1)", False),
    ("'abc'.contains('b')", True), ("'abc'.contains(1)", False), ("[1, 2].contains(2)", True),
    ("{'k': 1}.contains('k')", True), ("null.contains('a')", False), ("'abc'.contains(kind)", False),
    ("'a1'.matches('[0-9]')", True), ("'a1'.matches('^[0-9]')", False), ("1.matches('1')", False),
    ("'a1'.matches(kind)", False),("'a'.matches(spec.hosts[0] + '(')", False),
    ("'AbÇ'.lowerAscii()", "abÇ"), ("'aBç'.upperAscii()", "ABç"), ("1.lowerAscii()", None),
    ("'  a b '.trim()", "a b"), ("[].trim()", None),
    ("'a,,b'.split(',')", ["a", "", "b"]), ("'ab'.split('')", ["a", "b"]), ("''.split(',')", [""]),
    ("1.split(',')", None), ("'a'.split(1)", None),
    ("'aXbX'.replace('X', '-')", "a-b-"), ("'a'.replace(1, 'b')", None),
    ("'héllo'.size()", 5), ("[1, 2].size()", 2), ("{}.size()", 0), ("null.size()", 0), ("1.size()", None),
    ("'abcb'.indexOf('b')", 1), ("'abc'.indexOf('z')", -1), ("1.indexOf('z')", None),
    ("'abcb'.lastIndexOf('b')", 3), ("'abcdef'.substring(2)", "cdef"), ("'abcdef'.substring(1, 3)", "bc"),
    ("'abc'.substring(4)", None), ("'abc'.substring(2, 1)", None), ("'abc'.substring('1')", None),
    ("['a', 1, null, [true]].join(', ')", "a, 1, null, [true]"), ("['a', 'b'].join()", "ab"),
    ("'ab'.join(',')", None), ("{'a': 1, 'b': 2}.keys()", ["a", "b"]), ("{'a': 1, 'b': 2}.values()", [1, 2]),
    ("[1].keys()", None), ("null.values()", None),
])
def test_methods(lang, expr, expected):
    value = lang.value(expr, DATA)
    assert value == expected and type(value) is type(expected)


@pytest.mark.parametrize("expr, expected", [
    ("[1, 2, 3].all(x, x > 0)", True), ("[1, -2].all(x, x > 0)", False), ("[].all(x, false)", True),
    ("null.all(x, false)", True), ("'abc'.all(x, false)", True), ("[1, 2].exists(x, x == 2)", True),
    ("null.exists(x, true)", False), ("[1, 2, 2].exists_one(x, x == 2)", False),
    ("[1, 2, 3].exists_one(x, x == 2)", True), ("[].exists_one(x, true)", False),
    ("[1, 2, 3, 4].filter(x, x % 2 == 0)", [2, 4]), ("{'a': 1, 'b': 2}.filter(k, k != 'a')", ["b"]),
    ("null.filter(x, true)", []), ("[1, 2].map(x, x * 10)", [10, 20]), ("[1, 2, 3].map(x, x > 1, x * 10)", [20, 30]),
    ("{'a': 1}.map(k, k + '!')", ["a!"]), ("spec.ports.map(p, p.number)", [443, 80]),
    ("spec.ports.filter(p, p.protocol == 'TCP').map(p, p.number)", [80]),
    ("spec.hosts.exists(h, h.lowerAscii().startsWith('b'))", True),
    ("[[1, 2], [3]].map(x, x.map(y, y + 1))", [[2, 3], [4]]),
    ("[1, 2].map(x, [3, 4].filter(x, x > 3))", [[4], [4]]),  # the inner x shadows the outer one
    ("spec.ports.all(p, has(p.name))", False),
])
def test_macros(lang, expr, expected):
    assert lang.value(expr, DATA) == expected


@pytest.mark.parametrize("expr, expected", [
    ("size(kind)", 12), ("size(spec.hosts)", 2), ("size(metadata)", 3), ("size(null)", 0), ("size(1)", None),
    ("string(spec.hosts)", "[a.example.com, B.example.com]"), ("string(null)", "null"), ("string(1.5)", "1.5"),
    ("string(spec.ports[1])", "{number: 80, protocol: TCP}"), ("string(true)", "true"),
    ("int('12')", 12), ("int('-3')", -3), ("int('+3')", 3), ("int(' 1')", None), ("int('1_0')", None),
    ("int('x')", None), ("int(2.9)", 2), ("int(-2.9)", -2), ("int(true)", None), ("int(null)", None),
    ("int('99999999999999999999')", None), ("type(kind)", "string"), ("type(1)", "int"), ("type(1.0)", "float"),
    ("type(true)", "bool"), ("type(null)", "null"), ("type([])", "list"), ("type({})", "map"),
    ("default(spec.missing, 'd')", "d"), ("default(spec.zero, 'd')", 0), ("default(null, null)", None),
])
def test_functions(lang, expr, expected):
    value = lang.value(expr, DATA)
    assert value == expected and type(value) is type(expected)


def test_config(lang):
    env = Env({"cluster": {"serviceCIDRs": ["10.96.0.0/12"]}}, None)
    assert lang.value("config.cluster.serviceCIDRs[0]", env=env) == "10.96.0.0/12"
    assert lang.value("config.missing.deeper", env=env) is None
    assert lang.value("config", env=Env(None, None)) == {}


def test_params_defaults_and_overrides(lang):
    body = """
        param ports = [443]
        param label = "p"
        for port in spec.ports
        when: port.number in params.ports
        message: "{params['label']} {port.number}"
    """
    rule = lang.rule(body)
    assert rule.params == {"ports": [443], "label": "p"}
    assert [h.message for h in lang.hits(body, DATA)] == ["p 443"]
    assert [h.message for h in lang.hits(body, DATA, {"ports": [80, 443], "label": "q"})] == ["q 443", "q 80"]
    # a params mapping without an entry falls back to the default
    from lang_helpers import FakeDocument
    assert [h.message for h in rule.check(FakeDocument(DATA), {}, Env())] == ["p 443"]


def test_message_rendering_and_fix(lang):
    hits = lang.hits("""
        when: true
        message: "{kind} {spec.hosts} {spec.ports[1]} {spec.nothing} {spec.flag} {spec.ratio} {1e300 * 1e300} {{x}}"
        fix: spec.hosts
    """, DATA)
    assert hits[0].message == ("ServiceEntry [a.example.com, B.example.com] {number: 80, protocol: TCP} null true "
                               "0.5 .inf {x}")
    assert hits[0].fix == "[a.example.com, B.example.com]"
    assert lang.hits('when: true\nmessage: "m"\nfix: spec.missing', DATA)[0].fix is None
    assert lang.hits('when: true\nmessage: "m"\nfix: 443', DATA)[0].fix == "443"


def test_lets_are_local_and_lazy(lang, counter):
    hits = lang.hits("""
        let a = testCount(1)
        for h in spec.hosts
        let b = testCount(h)
        when: h.startsWith('a') && b != null
        message: "{a} {b} {b}"
    """, DATA)
    assert [h.message for h in hits] == ["1 a.example.com a.example.com"]
    # `a` (followed by a for) runs once up front; `b` only where `when` needs it, once per iteration
    assert counter == [1, "a.example.com"]


def test_no_when_match_gives_no_hits(lang):
    assert lang.hits("for p in spec.missing\nwhen: true\nmessage: 'x'", DATA) == []
    assert lang.hits("for p in kind\nwhen: true\nmessage: 'x'", DATA) == []
    assert lang.hits("when: spec.missing.x\nmessage: 'x'", DATA) == []


def test_document_that_is_not_a_mapping(lang):
    from lang_helpers import FakeDocument
    rule = lang.rule("when: true\nmessage: 'x'")
    assert rule.check(FakeDocument(["a"]), {}, Env()) == []
