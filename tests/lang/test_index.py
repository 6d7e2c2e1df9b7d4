"""Index blocks and lookup(): entries per document, key normalisation, cross-resource rules."""
from __future__ import annotations

from lang_helpers import DOC, FakeDocument

from policylint.lang import Env

INDEX = '''index se_by_host {
  kinds: ["networking.istio.io/ServiceEntry"]
  for h in spec.hosts
  let name = metadata.name
  key: h.lowerAscii()
  value: {"name": name, "ns": metadata.namespace}
}

index se_docs {
  kinds: ["networking.istio.io/ServiceEntry"]
  key: [metadata.namespace, spec.hosts]
}
'''

RULE = '''rule XR601 duplicate-host {
  severity: error
  kinds: ["networking.istio.io/ServiceEntry"]
  summary: "Two ServiceEntries declare the same host"
  for h in spec.hosts
  let others = lookup("se_by_host", h.lowerAscii()).filter(o, o.name != metadata.name)
  when: size(others) > 0
  message: "host {h} is also declared by {others.map(o, o.ns + '/' + o.name).join(', ')}"
''' + DOC + "\n}\n"

A = {"metadata": {"name": "a", "namespace": "ns1"}, "spec": {"hosts": ["X.com", "y.com"]}}
B = {"metadata": {"name": "b", "namespace": "ns2"}, "spec": {"hosts": ["x.com"]}}


class Store:
    def __init__(self):
        self.tables = {}

    def add(self, index, doc, env):
        for key, value in index.entries(doc, env):
            self.tables.setdefault(index.name, {}).setdefault(key, []).append(value)

    def lookup(self, name, key):
        return self.tables.get(name, {}).get(key, [])


def test_entries(lang):
    ruleset = lang.compile(INDEX)
    by_host, docs = ruleset.indexes
    assert (by_host.name, by_host.kinds, docs.name) == ("se_by_host", ("networking.istio.io/ServiceEntry",), "se_docs")
    assert by_host.entries(FakeDocument(A), Env()) == [("x.com", {"name": "a", "ns": "ns1"}),
                                                       ("y.com", {"name": "a", "ns": "ns1"})]
    # list keys become tuples (compared element-wise); the default value is the document's data itself
    doc = FakeDocument(A)
    [(key, value)] = docs.entries(doc, Env())
    assert key == ("ns1", ("X.com", "y.com")) and value is doc.data
    assert by_host.entries(FakeDocument({"spec": {"hosts": "nope"}}), Env()) == []
    assert by_host.entries(FakeDocument(["not", "a", "map"]), Env()) == []


def test_map_keys_are_not_stored(lang):
    ruleset = lang.compile('index m {\n  kinds: ["*"]\n  key: spec\n}\n')
    assert ruleset.indexes[0].entries(FakeDocument({"spec": {"a": 1}}), Env()) == []
    assert ruleset.indexes[0].entries(FakeDocument({}), Env()) == [(None, {})]


def test_lookup_rule_across_files(lang):
    ruleset = lang.compile(RULE, INDEX)  # the index may be declared in any file
    rule = ruleset.rules[0]
    assert rule.uses_lookup is True
    store = Store()
    docs = [FakeDocument(A), FakeDocument(B)]
    for doc in docs:
        for index in ruleset.indexes:
            store.add(index, doc, Env())
    env = Env({}, store.lookup)
    assert [(h.message, h.path) for h in rule.check(docs[0], {}, env)] == [
        ("host X.com is also declared by ns2/b", ("spec", "hosts", 0))]
    assert [h.message for h in rule.check(docs[1], {}, env)] == ["host x.com is also declared by ns1/a"]


def test_lookup_with_list_key_and_odd_keys(lang):
    calls = []

    def lookup(name, key):
        calls.append((name, key))
        return ["found"]

    assert lang.value('lookup("probe", [metadata.namespace, ["a"]])', A, env=Env({}, lookup)) == ["found"]
    assert calls == [("probe", ("ns1", ("a",)))]
    assert lang.value('lookup("probe", {"a": 1})', A, env=Env({}, lookup)) == []
    assert lang.value('lookup("probe", [1, {"a": 1}])', A, env=Env({}, lookup)) == []
    assert lang.value('lookup("probe", 1)', A, env=Env({}, lambda n, k: ("t",))) == ["t"]
    assert lang.value('lookup("probe", 1)', A) == []
    calls.clear()  # string keys, literal or not, go to the store as they are (no conversion to make)
    assert lang.value('lookup("probe", metadata.namespace)', A, env=Env({}, lookup)) == ["found"]
    assert lang.value('lookup("probe", "all")', A, env=Env({}, lookup)) == ["found"]
    assert calls == [("probe", "ns1"), ("probe", "all")]


def test_rules_without_lookup(lang):
    assert lang.rule("when: true\nmessage: 'm'").uses_lookup is False


def test_file_of_and_line_of_through_document_of(lang):
    other = FakeDocument({"kind": "Other"}, file="other.yaml", line=7)
    env = Env({}, lambda name, key: [other.data])
    env.document_of = lambda data: other if data is other.data else None
    assert lang.value('lookup("probe", 1).map(d, [fileOf(d), lineOf(d)])', env=env) == [["other.yaml", 7]]
    assert lang.value("[fileOf(self), lineOf(self), fileOf(1)]", {"a": 1}, env=env) == [None, None, None]
    assert lang.value("fileOf(self)", {"a": 1}) is None  # no hook: unknown
