"""schemaViolations: kind schemas, CRD conversion, violation maps, caching."""
from __future__ import annotations

import copy
import json
import os
import time
from pathlib import Path

import jsonschema_rs
import pytest
import yaml

from policylint.builtins import structure
from policylint.builtins.structure import (
    KINDS_DIR, SchemaStore, check_crd_files, crd_to_json_schema, did_you_mean, schema_violations,
)

ROOT = Path(__file__).resolve().parents[2]


def load(text: str):
    return yaml.safe_load(text)


def violations(text: str, crds=()):
    return schema_violations(load(text), list(crds))


def keyed(vs):
    return [(v["keyword"], tuple(v["path"])) for v in vs]


SE = """
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: api}
spec:
  hosts: [api.example.com]
  ports:
  - {number: 443, name: https, protocol: HTTPS}
  resolution: DNS
"""


# -- the shipped schemas ---------------------------------------------------------------------------------------

SCHEMA_FILES = sorted(KINDS_DIR.rglob("*.json"))


def test_schema_files_exist_for_every_in_scope_kind():
    names = {f"{p.parent.name}/{p.stem}" for p in SCHEMA_FILES}
    for kind in ("ServiceEntry", "Sidecar", "DestinationRule", "VirtualService", "Gateway", "WorkloadEntry"):
        assert f"networking.istio.io/{kind}" in names
    for kind in ("core/Service", "core/Pod", "core/Namespace", "core/ConfigMap", "apps/Deployment",
                 "batch/CronJob"):
        assert kind in names


@pytest.mark.parametrize("path", SCHEMA_FILES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_schema_files_are_valid_json_schemas(path: Path):
    schema = json.loads(path.read_text(encoding="utf-8"))
    assert jsonschema_rs.meta.is_valid(schema)
    jsonschema_rs.validator_for(schema)
    assert "$ref" not in path.read_text(encoding="utf-8")  # allowed keys are read by walking the schema path


def test_valid_service_entry_has_no_violations():
    assert violations(SE) == []


@pytest.mark.parametrize("version", ["v1", "v1beta1", "v1alpha3"])
def test_every_istio_version_uses_the_schema(version: str):
    doc = load(SE)
    doc["apiVersion"] = f"networking.istio.io/{version}"
    doc["spec"]["ports"][0]["protocl"] = "HTTPS"
    assert keyed(schema_violations(doc)) == [("additionalProperties", ("spec", "ports", 0, "protocl"))]


def test_kinds_without_schema_and_odd_input_give_nothing():
    assert schema_violations({"apiVersion": "example.com/v1", "kind": "Thing", "spec": {"x": 1}}) == []
    for odd in (None, 3, "text", [], {}, {"apiVersion": 3, "kind": "ServiceEntry"}, {"kind": "Service"}):
        assert schema_violations(odd) == []


def test_extensions_group_uses_apps_schema():
    doc = {"apiVersion": "extensions/v1beta1", "kind": "Deployment", "metadata": {"name": "x"},
           "spec": {"template": {"metadata": {"annotations": {"sidecar.istio.io/inject": False}}}}}
    assert keyed(schema_violations(doc)) == [
        ("type", ("spec", "template", "metadata", "annotations", "sidecar.istio.io/inject"))]


# -- violation maps ----------------------------------------------------------------------------------------------

def test_unknown_fields_one_per_key_with_suggestion():
    vs = violations(SE.replace("resolution: DNS", "resolution: DNS\n  exportto: [.]\n  bogus: 1\nsepc: {}"))
    assert keyed(vs) == [
        ("additionalProperties", ("sepc",)),
        ("additionalProperties", ("spec", "bogus")),
        ("additionalProperties", ("spec", "exportto")),
    ]
    by_field = {v["field"]: v for v in vs}
    assert by_field["exportto"]["suggestion"] == "exportTo"
    assert by_field["exportto"]["message"] == 'unknown field "exportto" in spec: did you mean "exportTo"?'
    assert by_field["sepc"]["suggestion"] == "spec"
    assert by_field["bogus"]["suggestion"] is None
    assert "known fields: addresses, endpoints, exportTo" in by_field["bogus"]["message"]
    assert "hosts" in by_field["bogus"]["expected"]


def test_violation_map_shape():
    (v,) = violations(SE.replace("number: 443", 'number: "443"'))
    assert set(v) == {"path", "keyword", "message", "field", "expected", "fix", "suggestion", "coveredBy"}
    assert v["path"] == ["spec", "ports", 0, "number"]
    assert v["keyword"] == "type"
    assert v["field"] == "number"
    assert v["expected"] == ["integer"]
    assert v["fix"] == 443
    assert v["message"] == 'spec.ports[0].number must be an integer, not a string ("443")'


@pytest.mark.parametrize("word,allowed,expected", [
    ("protocl", ["name", "number", "protocol", "targetPort"], "protocol"),
    ("sni_hosts", ["destinationSubnets", "port", "sniHosts", "sourceLabels"], "sniHosts"),
    ("Protocol", ["protocol"], "protocol"),
    ("target-port", ["targetPort"], "targetPort"),
    ("zzz", ["protocol"], None),
])
def test_did_you_mean(word, allowed, expected):
    assert did_you_mean(word, allowed) == expected


def test_enum_hint_and_fix():
    (v,) = violations(SE.replace("resolution: DNS", "resolution: dns"))
    assert v["keyword"] == "enum" and v["fix"] == "DNS"
    assert "NONE, STATIC, DNS, DNS_ROUND_ROBIN, DYNAMIC_DNS" in v["message"]


def test_string_fixes_are_quoted_yaml():
    vs = violations("""
apiVersion: v1
kind: Pod
metadata:
  name: p
  annotations: {sidecar.istio.io/inject: false, traffic.sidecar.istio.io/excludeOutboundPorts: 5432}
""")
    assert sorted(v["fix"] or "-" for v in vs) == ['"5432"', "-"]  # no fix for booleans: `on`, `yes` lose their spelling
    assert all("quote the value as written" in v["message"] for v in vs)


def test_misspelt_required_field_is_reported_once():
    vs = violations("""
apiVersion: networking.istio.io/v1alpha3
kind: VirtualService
metadata: {name: x}
spec:
  hosts: [a.example.com]
  tls:
  - match:
    - {port: 443, sni_hosts: [a.example.com]}
    route:
    - destination: {host: a.example.com}
""")
    assert keyed(vs) == [("additionalProperties", ("spec", "tls", 0, "match", 0, "sni_hosts"))]


def test_oneof_points_at_the_later_field():
    vs = violations("""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: x}
spec:
  host: a
  trafficPolicy:
    loadBalancer:
      simple: ROUND_ROBIN
      consistentHash: {httpHeaderName: x}
""")
    (v,) = vs
    assert v["keyword"] == "oneOf"
    assert v["path"] == ["spec", "trafficPolicy", "loadBalancer", "consistentHash"]
    assert v["expected"] == ["simple", "consistentHash", "backendUtilization"]


def test_placeholders_are_not_type_errors():
    for value in ("$PORT", "${PORT}", "{{ .Values.port }}", "<PORT>"):
        doc = load(SE)
        doc["spec"]["ports"][0]["number"] = value
        assert schema_violations(doc) == [], value


def test_null_fields_are_pruned_like_the_api_server():
    doc = load(SE)
    doc["spec"]["exportTo"] = None
    doc["metadata"]["labels"] = None
    assert schema_violations(doc) == []
    doc = copy.deepcopy(doc)  # results are memoised per document object
    doc["spec"]["ports"][0]["name"] = None  # a required field that is null is missing
    assert keyed(schema_violations(doc)) == [("required", ("spec", "ports", 0))]


def test_yaml_only_values_do_not_crash():
    doc = load(SE + "  subjectAltNames: [2024-01-01]\n")
    doc["metadata"]["labels"] = {1: "x", True: "y"}
    doc["spec"]["endpoints"] = [{"address": b"\x00\x01"}]
    doc["spec"]["resolution"] = "STATIC"
    assert schema_violations(doc) == []


def test_covered_violations_are_marked():
    vs = violations("""
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata: {name: x}
spec:
  ports: [{number: 443, name: https}]
""")
    assert [(v["keyword"], v["coveredBy"]) for v in vs] == [("required", "SE101")]


def test_results_are_memoised_per_document():
    doc = load(SE.replace("DNS", "dns"))
    first = schema_violations(doc)
    assert schema_violations(doc) is first
    assert schema_violations(load(SE.replace("DNS", "dns"))) is not first


# -- core kinds ---------------------------------------------------------------------------------------------------

def test_service_checks():
    vs = violations("""
apiVersion: v1
kind: Service
metadata: {name: s}
spec:
  type: externalname
  selector: {app: 1}
  ports:
  - {name: http, port: 80, targetPort: http, protocl: TCP}
  - {name: https, targetPort: 8443, protocol: HTTPS}
""")
    assert keyed(vs) == [
        ("additionalProperties", ("spec", "ports", 0, "protocl")),
        ("required", ("spec", "ports", 1)),
        ("enum", ("spec", "ports", 1, "protocol")),
        ("type", ("spec", "selector", "app")),
        ("enum", ("spec", "type")),
    ]


def test_configmap_and_namespace_values_are_strings():
    assert keyed(violations("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: 1, b: 'x'}")) == [
        ("type", ("data", "a"))]
    assert keyed(violations("apiVersion: v1\nkind: Namespace\nmetadata: {name: n, labels: {istio-injection: on}}")) == [
        ("type", ("metadata", "labels", "istio-injection"))]


def test_cronjob_pod_template():
    vs = violations("""
apiVersion: batch/v1
kind: CronJob
metadata: {name: c}
spec:
  jobTemplate:
    spec:
      template:
        metadata:
          annotations: {sidecar.istio.io/inject: no}
""")
    assert keyed(vs) == [("type", ("spec", "jobTemplate", "spec", "template", "metadata", "annotations",
                                   "sidecar.istio.io/inject"))]


# -- CRD conversion -----------------------------------------------------------------------------------------------

def test_crd_conversion_keywords():
    schema = crd_to_json_schema({
        "type": "object",
        "properties": {
            "spec": {
                "type": "object",
                "properties": {
                    "port": {"x-kubernetes-int-or-string": True, "anyOf": [{"type": "integer"}, {"type": "string"}]},
                    "owner": {"type": "string", "nullable": True, "description": "x", "format": "email"},
                    "mode": {"type": "string", "enum": ["A", "B"], "nullable": True},
                    "free": {"type": "object", "x-kubernetes-preserve-unknown-fields": True},
                    "labels": {"type": "object", "additionalProperties": {"type": "string"}},
                    "ratio": {"type": "number", "minimum": 0, "exclusiveMinimum": True},
                    "embedded": {"type": "object", "x-kubernetes-embedded-resource": True,
                                 "x-kubernetes-preserve-unknown-fields": True},
                    "pick": {"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}},
                             "oneOf": [{"required": ["a"]}, {"required": ["b"]}],
                             "x-kubernetes-validations": [{"rule": "true"}]},
                },
            },
        },
    })
    spec = schema["properties"]["spec"]
    assert spec["additionalProperties"] is False
    props = spec["properties"]
    assert props["port"] == {"type": ["integer", "string"]}
    assert props["owner"] == {"type": ["string", "null"]}
    assert props["mode"] == {"type": ["string", "null"], "enum": ["A", "B", None]}
    assert "additionalProperties" not in props["free"]
    assert props["labels"]["additionalProperties"] == {"type": "string"}
    assert props["ratio"] == {"type": "number", "exclusiveMinimum": 0}
    assert set(props["embedded"]["properties"]) == {"apiVersion", "kind", "metadata"}
    assert props["pick"]["oneOf"] == [{"required": ["a"]}, {"required": ["b"]}]  # branches never closed
    assert props["pick"]["additionalProperties"] is False
    assert set(schema["properties"]) == {"apiVersion", "kind", "metadata", "spec"}
    assert schema["additionalProperties"] is False
    jsonschema_rs.validator_for(schema)


CRD = """
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.com}
spec:
  group: example.com
  names: {kind: Widget, plural: widgets}
  scope: Namespaced
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            required: [size]
            properties:
              size: {type: integer}
  - name: v1alpha1
    served: false
    storage: false
    schema:
      openAPIV3Schema: {type: object}
"""


def test_crd_kind_is_checked(tmp_path: Path):
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD)
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"},
           "spec": {"size": "big", "colour": "red"}}
    assert keyed(schema_violations(doc, [str(crd)])) == [
        ("additionalProperties", ("spec", "colour")), ("type", ("spec", "size"))]
    assert schema_violations(doc) == []  # no CRD, no schema


def test_crd_version_not_served(tmp_path: Path):
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD)
    for version in ("v1alpha1", "v2"):
        doc = {"apiVersion": f"example.com/{version}", "kind": "Widget", "metadata": {"name": "w"}}
        (v,) = schema_violations(doc, [str(crd)])
        assert v["keyword"] == "apiVersion" and v["path"] == ["apiVersion"]
        assert v["expected"] == ["example.com/v1"]


def test_crd_takes_precedence_over_builtin_schema(tmp_path: Path):
    # An "older Istio" ServiceEntry CRD that knows no `location`: pinning it reports the field.
    crd = tmp_path / "istio.yaml"
    crd.write_text("""
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: serviceentries.networking.istio.io}
spec:
  group: networking.istio.io
  names: {kind: ServiceEntry, plural: serviceentries}
  scope: Namespaced
  versions:
  - name: v1beta1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            properties:
              hosts: {type: array, items: {type: string}}
              resolution: {type: string}
""")
    doc = load(SE.replace("networking.istio.io/v1", "networking.istio.io/v1beta1") + "  location: MESH_EXTERNAL\n")
    assert keyed(schema_violations(doc, [str(crd)])) == [
        ("additionalProperties", ("spec", "location")), ("additionalProperties", ("spec", "ports"))]
    assert schema_violations(doc) == []
    v1 = load(SE)
    assert keyed(schema_violations(v1, [str(crd)])) == [("apiVersion", ("apiVersion",))]


def test_crd_reloaded_when_file_changes(tmp_path: Path):
    store = SchemaStore()
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD)
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {"size": 1, "colour": "red"}}
    assert len(structure._violations(doc, (str(crd),), store)) == 1
    crd.write_text(CRD.replace("size: {type: integer}", "size: {type: integer}\n              colour: {type: string}"))
    os.utime(crd, ns=(time.time_ns(), time.time_ns() + 10_000_000))
    assert structure._violations(doc, (str(crd),), store) == []


def test_crd_list_and_v1beta1_forms(tmp_path: Path):
    crd = tmp_path / "list.yaml"
    crd.write_text("""
apiVersion: v1
kind: List
items:
- apiVersion: apiextensions.k8s.io/v1beta1
  kind: CustomResourceDefinition
  metadata: {name: gadgets.example.com}
  spec:
    group: example.com
    version: v1beta1
    names: {kind: Gadget, plural: gadgets}
    validation:
      openAPIV3Schema:
        properties:
          spec:
            properties:
              size: {type: integer}
""")
    doc = {"apiVersion": "example.com/v1beta1", "kind": "Gadget", "spec": {"size": "x"}}
    assert keyed(schema_violations(doc, [str(crd)])) == [("type", ("spec", "size"))]


def test_broken_crd_files_are_reported_and_skipped(tmp_path: Path):
    missing = tmp_path / "missing.yaml"
    empty = tmp_path / "empty.yaml"
    empty.write_text("apiVersion: v1\nkind: ConfigMap\n")
    bad = tmp_path / "bad.yaml"
    bad.write_text("a: [")
    problems = check_crd_files([str(missing), str(empty), str(bad)])
    assert len(problems) == 3
    assert "cannot read CRD file" in problems[0]
    assert "no CustomResourceDefinition" in problems[1]
    assert "not a YAML file" in problems[2]
    # the checks go on with the built-in schemas
    assert keyed(violations(SE.replace("DNS", "dns"), [str(missing), str(bad)])) == [("enum", ("spec", "resolution"))]


# -- the rule-language builtin ------------------------------------------------------------------------------------

def test_builtin_is_registered_with_env_context(tmp_path: Path):
    from policylint.builtins import load
    from policylint.lang import Env

    entry = load()["schemaViolations"]
    assert entry.context == "env" and entry.min_args == entry.max_args == 1
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD)
    doc = {"apiVersion": "example.com/v1", "kind": "Widget", "spec": {}}
    assert keyed(entry.fn(Env(config={"crds": [str(crd)]}), doc)) == [("required", ("spec",))]
    assert entry.fn(Env(config={}), doc) == []
    assert entry.fn(Env(config={"crds": "not-a-list"}), None) == []


def test_misindented_fields_say_where_they_belong():
    vs = violations("""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: x}
labels: {app: x}
spec:
  host: a
  tls: {mode: SIMPLE}
  route: []
""")
    messages = {v["field"]: v["message"] for v in vs}
    assert messages["tls"] == 'unknown field "tls" in spec: it belongs under spec.trafficPolicy (wrong indentation?)'
    assert messages["labels"].endswith("it belongs under metadata (wrong indentation?)")
    assert "belongs" not in messages["route"]


# -- through the Linter (config `crds:` / --crd reach the builtin as config.crds) ---------------------------------

def _structure_linter(**kwargs):
    from policylint.api import Linter

    return Linter(builtin_rules=False, rule_dirs=[ROOT / "rules" / "structure"], **kwargs)


def test_linter_reports_at_the_offending_key(tmp_path: Path):
    manifest = tmp_path / "se.yaml"
    text = SE.replace("protocol: HTTPS", "protocl: HTTPS").replace("number: 443", 'number: "443"')
    manifest.write_text(text)
    report = _structure_linter().lint_paths([str(manifest)])
    got = sorted((f.rule, f.line, f.column, f.path, f.fix) for f in report.active())
    lines = text.splitlines()
    line = next(n for n, t in enumerate(lines, 1) if "protocl" in t)
    assert got == [
        ("SCH801", line, lines[line - 1].index("protocl") + 1, "spec.ports[0].protocl", None),
        ("SCH802", line, lines[line - 1].index("number") + 1, "spec.ports[0].number", "443"),
    ]


def test_linter_passes_crd_files_to_the_builtin(tmp_path: Path):
    crd = tmp_path / "crd.yaml"
    crd.write_text(CRD)
    manifest = tmp_path / "w.yaml"
    manifest.write_text("apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec: {size: big}\n")
    assert [f.rule for f in _structure_linter().lint_paths([str(manifest)]).active()] == []
    report = _structure_linter(crds=[str(crd)]).lint_paths([str(manifest)])
    assert [(f.rule, f.line, f.column) for f in report.active()] == [("SCH802", 4, 8)]


def test_coverage_patterns_match_map_keys_and_indices():
    vs = violations("""
apiVersion: networking.istio.io/v1
kind: DestinationRule
metadata: {name: x}
spec:
  host: a
  exportTo: [1]
  subsets:
  - name: v1
    trafficPolicy:
      portLevelSettings:
      - port: {number: 80}
        loadBalancer:
          localityLbSetting:
            distribute:
            - {from: a/*, to: {b/*: -1}}
""")
    assert [(v["keyword"], v["coveredBy"]) for v in vs] == [("type", None), ("minimum", "DR912")]


def test_coverage_only_for_istio_kinds():
    doc = {"apiVersion": "example.com/v1", "kind": "ServiceEntry", "spec": {}}
    assert structure.covered_by("ServiceEntry", {"path": ["spec"], "keyword": "required", "field": "hosts"}) == "SE101"
    assert schema_violations(doc) == []  # no schema for a ServiceEntry of another group


def test_fallback_to_jsonschema_gives_the_same_violations(monkeypatch):
    """Without jsonschema-rs the checks run on `jsonschema` (slower) and report exactly the same."""
    fixtures = sorted((ROOT / "fixtures" / "rules").glob("SCH80[1-6]/*.yaml"))
    docs = [d for f in fixtures for d in yaml.safe_load_all(f.read_text()) if isinstance(d, dict)]
    fast = [structure._violations(copy.deepcopy(d), (), SchemaStore()) for d in docs]
    monkeypatch.setattr(structure, "jsonschema_rs", None)
    store = SchemaStore()
    assert isinstance(store.builtin("networking.istio.io", "ServiceEntry", "v1").validator,
                      structure._FallbackValidator)
    slow = [structure._violations(copy.deepcopy(d), (), store) for d in docs]
    assert sum(map(len, fast)) > 40
    assert slow == fast
