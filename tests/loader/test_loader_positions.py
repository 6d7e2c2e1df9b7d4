"""Field positions: multi-document YAML, JSON, List items, embedded YAML, pickling."""
from __future__ import annotations

import datetime
import json
import pickle
from pathlib import Path

import pytest
import yaml

from policylint.loader import Document, load_file, load_text

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "loader"


def load(name: str):
    result = load_file(FIXTURES / name, display=name)
    return result


# --- multi-document YAML ------------------------------------------------------------------------------

def test_multi_document_file_gives_one_document_per_object():
    result = load("multi.yaml")
    assert result.problems == []
    assert result.skipped == 0
    first, second = result.documents
    assert (first.file, first.index, first.item, first.line) == ("multi.yaml", 0, None, 3)
    assert (first.api_version, first.kind, first.group, first.kind_key) == (
        "networking.istio.io/v1", "ServiceEntry", "networking.istio.io", "networking.istio.io/ServiceEntry")
    assert (first.namespace, first.name) == ("payments", "external-api")
    # empty and comment-only documents between `---` are not counted
    assert (second.index, second.line, second.kind_key, second.group, second.namespace) == (1, 21, "Service", "", None)


def test_data_is_what_pyyaml_safe_loader_builds():
    text = (FIXTURES / "multi.yaml").read_text()
    expected = [d for d in yaml.load_all(text, Loader=yaml.SafeLoader) if d is not None]
    assert [d.data for d in load("multi.yaml").documents] == expected


@pytest.mark.parametrize(("path", "position"), [
    ((), (3, 1)),
    (("apiVersion",), (3, 1)),
    (("metadata", "namespace"), (7, 3)),
    (("spec", "hosts", 0), (10, 5)),
    (("spec", "hosts", 1), (11, 5)),
    (("spec", "ports", 0), (13, 5)),
    (("spec", "ports", 0, "protocol"), (15, 5)),
    (("spec", "ports", 1), (16, 5)),
    (("spec", "ports", 1, "protocol"), (16, 30)),
    # missing paths: the longest existing prefix
    (("spec", "ports", 7), (12, 3)),
    (("spec", "nope", "x"), (8, 1)),
    (("spec", "hosts", 0, "deeper"), (10, 5)),
    (("spec", "ports", "0"), (12, 3)),
])
def test_positions_in_first_document(path, position):
    assert load("multi.yaml").documents[0].locate(path) == position


@pytest.mark.parametrize(("path", "position"), [
    ((), (21, 1)),
    (("spec", "ports", 0), (27, 7)),
    (("spec", "ports", 0, "port"), (28, 7)),
    (("spec", "selector", "app"), (29, 14)),
])
def test_positions_in_later_document(path, position):
    assert load("multi.yaml").documents[1].locate(path) == position


def test_crlf_line_endings_keep_lines_and_columns():
    document, = load("crlf.yaml").documents
    assert document.locate(("spec", "ports", 0, "port")) == (7, 5)
    assert document.data["metadata"]["name"] == "crlf"


@pytest.mark.parametrize("name", ["unicode.yaml", "utf16.yaml"])
def test_columns_count_characters_not_bytes(name):
    document, = load(name).documents
    assert document.name == "ünïcode"
    assert document.locate(("metadata", "annotations", "ключ")) == (5, 31)
    assert document.locate(("data", "ключ")) == (7, 3)


def test_merge_keys_unknown_tags_and_typed_scalars():
    result = load("merge-and-tags.yaml")
    assert result.problems == []  # a key that overrides a merged key is not a duplicate
    document, = result.documents
    assert document.data["data"] == {
        "base": {"a": "1", "b": "2"},
        "derived": {"a": "1", "b": "3", "c": "other"},
        "secret": b"hello",
        "when": datetime.date(2024, 1, 2),
    }
    assert document.locate(("data", "derived", "b")) == (12, 5)
    assert document.locate(("data", "derived", "a")) == (9, 16)  # where the merged key is written
    assert document.locate(("data", "derived", "c")) == (13, 5)
    assert document.locate(("metadata", "labels", "tier")) == (7, 5)


def test_ipv6_in_flow_list_that_libyaml_rejects_is_read():
    result = load("ipv6-flow.yaml")
    assert result.problems == []
    document, = result.documents
    assert document.data["spec"]["addresses"] == ["1.2.3.4", "2001:db8::1"]
    assert document.locate(("spec", "addresses", 1)) == (7, 24)
    assert document.locate(("spec", "ports", 0, "protocol")) == (9, 32)


# --- JSON ---------------------------------------------------------------------------------------------

def test_json_values_follow_json_not_yaml():
    document, = load("service.json").documents
    assert document.data == json.loads((FIXTURES / "service.json").read_text())
    assert document.data["spec"]["ports"][1]["weight"] == 100.0


@pytest.mark.parametrize(("path", "position"), [
    ((), (1, 1)),
    (("metadata", "namespace"), (4, 31)),
    (("spec", "ports", 1), (8, 7)),
    (("spec", "ports", 1, "weight"), (8, 38)),
    (("spec", "type"), (10, 2)),  # after a tab
])
def test_json_positions(path, position):
    assert load("service.json").documents[0].locate(path) == position


def test_json_list_items():
    first, second = load("list.json").documents
    assert (first.index, first.item, first.line, first.kind, first.name) == (0, 0, 2, "Service", "a")
    assert (second.index, second.item, second.line, second.kind, second.name) == (0, 1, 3, "ConfigMap", "b")
    assert second.locate(()) == (3, 3)
    assert second.locate(("data", "k")) == (3, 81)


# --- List items ---------------------------------------------------------------------------------------

def test_list_items_become_documents_positioned_in_the_file():
    result = load("list.yaml")
    first, third, listed = result.documents
    assert (first.index, first.item, first.line, first.name) == (0, 0, 4, "first")
    assert first.locate(()) == (4, 3)
    assert first.locate(("spec", "hosts", 0)) == (9, 13)
    assert (third.index, third.item, third.line, third.name) == (0, 3, 14, "third")
    assert third.locate(()) == (14, 5)
    assert third.locate(("spec", "ports", 0, "port")) == (20, 9)
    assert (listed.index, listed.item, listed.line, listed.kind_key) == (
        1, 0, 25, "networking.istio.io/ServiceEntry")
    assert listed.locate(("metadata", "name")) == (27, 16)
    assert [(p.code, p.line, p.column) for p in result.problems] == [("PL004", 10, 3), ("PL003", 13, 3)]
    assert result.problems[0].message == (
        "item 1 of the List has no apiVersion, so it is not a Kubernetes object and no rule can check it")


# --- embedded YAML ------------------------------------------------------------------------------------

def mesh_configmap() -> Document:
    document, = load("mesh-configmap.yaml").documents
    return document


def test_embedded_block_scalar_positions():
    document = mesh_configmap()
    value, problem = document.parse_embedded(("data", "mesh"))
    assert problem is None
    assert value["outboundTrafficPolicy"] == {"mode": "REGISTRY_ONLY"}
    mesh = ("data", "mesh")
    assert document.locate(mesh) == (7, 3)
    assert document.locate(mesh + ("accessLogFile",)) == (8, 5)
    assert document.locate(mesh + ("outboundTrafficPolicy", "mode")) == (12, 7)
    assert document.locate(mesh + ("extensionProviders", 0)) == (14, 7)
    assert document.locate(mesh + ("extensionProviders", 0, "envoyOtelAls", "port")) == (15, 55)
    assert document.locate(mesh + ("outboundTrafficPolicy", "missing")) == (11, 5)


def test_embedded_results_are_cached_per_path():
    document = mesh_configmap()
    first = document.parse_embedded(("data", "mesh"))
    assert document.parse_embedded(("data", "mesh"))[0] is first[0]


def test_embedded_one_line_quoted_scalar_positions():
    document = mesh_configmap()
    value, problem = document.parse_embedded(("data", "meshNetworks"))
    assert (value, problem) == ({"networks": {"east": {"gateways": [1]}}}, None)
    assert document.locate(("data", "meshNetworks", "networks")) == (16, 18)
    assert document.locate(("data", "meshNetworks", "networks", "east", "gateways", 0)) == (16, 47)


def test_embedded_positions_fall_back_to_the_scalar_when_they_cannot_be_mapped():
    document = mesh_configmap()
    assert document.parse_embedded(("data", "folded")) == ({"a": 1, "b": 2}, None)
    assert document.locate(("data", "folded", "b")) == (17, 11)  # the `>` indicator
    assert document.parse_embedded(("data", "escaped")) == ({"a": "x"}, None)
    assert document.locate(("data", "escaped", "a")) == (21, 12)  # the opening quote


def test_embedded_syntax_error_is_a_problem_on_the_outer_line():
    document = mesh_configmap()
    value, problem = document.parse_embedded(("data", "broken"))
    assert value is None
    assert (problem.code, problem.file, problem.line, problem.column) == ("PL001", "mesh-configmap.yaml", 25, 6)
    assert problem.message.startswith("in the YAML held by data.broken: ")
    assert "line 23, column 5" in problem.message
    assert document.locate(("data", "broken", "outboundTrafficPolicy")) == (22, 3)


def test_embedded_duplicate_key_is_reported_and_last_value_kept():
    document = mesh_configmap()
    value, problem = document.parse_embedded(("data", "duplicated"))
    assert value == {"mode": "B"}
    assert (problem.code, problem.line, problem.column) == ("PL005", 28, 5)
    assert problem.message == ("in the YAML held by data.duplicated: duplicate key 'mode' (first defined on "
                               "line 27); the last value wins")


def test_embedded_missing_or_non_string_path():
    document = mesh_configmap()
    assert document.parse_embedded(("data", "nope")) == (None, None)
    assert document.parse_embedded(("metadata",)) == (None, None)


def test_yaml_embedded_in_embedded_yaml():
    text = (
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata: {name: nested}\n"
        "data:\n"
        "  outer: |\n"
        "    inner: |\n"
        "      key: value\n"
        "      list: [a, b]\n"
    )
    document, = load_text(text, "nested.yaml").documents
    assert document.parse_embedded(("data", "outer"))[1] is None
    assert document.parse_embedded(("data", "outer", "inner")) == ({"key": "value", "list": ["a", "b"]}, None)
    assert document.locate(("data", "outer", "inner", "list", 1)) == (8, 17)


# --- pickling -----------------------------------------------------------------------------------------

PICKLED_PATHS = [
    (), ("spec", "ports", 1, "protocol"), ("spec", "hosts", 1), ("spec", "ports", 9),
]


def test_pickle_round_trip_keeps_positions():
    for document in load("multi.yaml").documents + load("list.yaml").documents:
        copy = pickle.loads(pickle.dumps(document))
        assert copy.data == document.data
        for attribute in ("file", "index", "item", "line", "api_version", "kind", "group", "namespace", "name",
                          "kind_key", "suppressions"):
            assert getattr(copy, attribute) == getattr(document, attribute)
        for path in PICKLED_PATHS:
            assert copy.locate(path) == document.locate(path)


def test_pickle_round_trip_keeps_embedded_positions_and_can_embed_later():
    document = mesh_configmap()
    document.parse_embedded(("data", "mesh"))
    copy = pickle.loads(pickle.dumps(document))
    assert copy.locate(("data", "mesh", "extensionProviders", 0, "envoyOtelAls", "port")) == (15, 55)
    assert copy.parse_embedded(("data", "meshNetworks"))[1] is None
    assert copy.locate(("data", "meshNetworks", "networks", "east", "gateways", 0)) == (16, 47)


def test_pickle_keeps_positions_of_shared_aliased_containers():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: &l {a: b}\n  annotations: *l\n"
    document, = load_text(text, "alias.yaml").documents
    copy = pickle.loads(pickle.dumps(document))
    assert copy.data["metadata"]["labels"] is copy.data["metadata"]["annotations"]
    assert copy.locate(("metadata", "annotations", "a")) == (4, 15)
    assert copy.locate(("metadata", "annotations")) == (5, 3)


def test_embedded_positions_in_a_document_only_the_pure_python_parser_reads():
    text = ("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata:\n  ips: [2001:db8::1]\n"
            "  mesh: |\n    a: [1, 2]\n")
    document, = load_text(text).documents
    assert document.parse_embedded(("data", "mesh")) == ({"a": [1, 2]}, None)
    assert document.locate(("data", "mesh", "a", 1)) == (7, 12)
