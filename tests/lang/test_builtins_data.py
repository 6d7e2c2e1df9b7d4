"""data builtins, and the registry contract every builtin module must keep (total functions)."""
from __future__ import annotations

import pytest
from lang_helpers import FakeDocument

from policylint.builtins import REGISTRY, builtin, load
from policylint.builtins import data as data_builtins
from policylint.lang import Env

ODD_VALUES = [None, True, False, 0, -1, 1.5, float("nan"), "", "x", "*", "10.0.0.0/8", "::1", "a,b", " ",
              "%", "/", [], [None], ["a", 1], [[]], {}, {"a": None}, {"": []}]


class BrokenDocument:
    data: dict = {}

    def parse_embedded(self, path):
        raise RuntimeError("loader bug")


def test_parse_yaml_through_the_document():
    doc = FakeDocument({"a": "k: [1, 2]"})
    assert data_builtins.parse_yaml(doc, ("a",), "k: [1, 2]") == {"k": [1, 2]}
    assert doc.embedded_calls == [("a",)]


def test_parse_yaml_on_its_own():
    assert data_builtins.parse_yaml(FakeDocument({}), None, "k: v") == {"k": "v"}
    assert data_builtins.parse_yaml(FakeDocument({}), None, "k: [") is None
    assert data_builtins.parse_yaml(FakeDocument({}), None, 3) is None
    assert data_builtins.parse_yaml(BrokenDocument(), ("a",), "- 1") == [1]
    assert data_builtins.parse_yaml(object(), ("a",), "- 1") == [1]


def test_parse_yaml_reports_problems_as_null():
    class ProblemDocument:
        def parse_embedded(self, path):
            return {"partial": 1}, "a problem"

    assert data_builtins.parse_yaml(ProblemDocument(), ("a",), "x: [") is None


def test_lookup_and_document_hooks_that_fail():
    def bad_lookup(name, key):
        raise TypeError("unhashable")

    def bad_hook(data):
        raise RuntimeError("engine bug")

    env = Env({}, bad_lookup, bad_hook)
    assert data_builtins.lookup(env, "i", "k") == []
    assert data_builtins.lookup(env, 1, "k") == []
    assert data_builtins.file_of(env, {"a": 1}) is None
    assert data_builtins.line_of(env, {"a": 1}) is None


def test_registry_rejects_the_same_name_from_two_modules():
    with pytest.raises(ValueError, match="registered twice"):
        builtin("isCIDR", "dup")(lambda s: s)


def test_registry_records_signatures():
    registry = load()
    assert (registry["cidrContains"].params, registry["cidrContains"].min_args, registry["cidrContains"].max_args,
            registry["cidrContains"].context, registry["cidrContains"].module) == (("outer", "inner"), 2, 2, "", "net")
    assert registry["parseYaml"].signature == "parseYaml(text)"
    assert registry["lookup"].context == "env" and registry["lookup"].params == ("name", "key")


def _calls(item):
    """Odd argument tuples: each position swept through ODD_VALUES, the others held at each odd value too."""
    arity = item.max_args
    if arity == 0:
        yield ()
        return
    for fill in ODD_VALUES:
        for position in range(arity):
            for odd in ODD_VALUES:
                args = [fill] * arity
                args[position] = odd
                yield tuple(args)
    for count in range(item.min_args, arity):
        yield tuple(ODD_VALUES[8] for _ in range(count))


@pytest.mark.parametrize("name", sorted(load()))
def test_every_builtin_is_total(name):
    item = REGISTRY[name]
    for args in _calls(item):
        if item.context == "env":
            prefix = (Env({}, lambda n, k: []),)
        elif item.context == "document":
            prefix = (FakeDocument({"a": "x"}), None)
        else:
            prefix = ()
        try:
            item.fn(*prefix, *args)
        except Exception as exc:  # noqa: BLE001 - the point of the test
            pytest.fail(f"{name}{args!r} raised {type(exc).__name__}: {exc}")
