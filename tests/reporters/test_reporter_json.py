from __future__ import annotations

import copy
import json

import jsonschema
import pytest

from policylint.model import Finding, LintReport, Resource, Severity, Summary
from policylint.reporters import render

EXPECTED = """\
{
  "version": 1,
  "findings": [
    {
      "rule": "SE101",
      "name": "se-https-port-protocol",
      "severity": "error",
      "message": "port 443 is declared HTTP",
      "file": "manifests/egress.yaml",
      "line": 12,
      "column": 7,
      "resource": {
        "apiVersion": "networking.istio.io/v1beta1",
        "kind": "ServiceEntry",
        "namespace": "payments",
        "name": "stripe-api"
      },
      "path": "spec.ports[0].protocol",
      "istio_code": "IST0118",
      "fix": "TLS",
      "suppressed": false,
      "suppression_reason": null
    },
    {
      "rule": "XR601",
      "name": "xr-duplicate-host",
      "severity": "info",
      "message": "host \\"api.stripe.com\\" \\u00e9\\u2192",
      "file": "<stdin>",
      "line": 0,
      "column": 0,
      "resource": null,
      "path": null,
      "istio_code": null,
      "fix": null,
      "suppressed": true,
      "suppression_reason": "migration"
    }
  ],
  "summary": {
    "files": 1,
    "documents": 3,
    "findings": 1,
    "errors": 1,
    "warnings": 0,
    "infos": 0,
    "suppressed": 1,
    "parse_errors": 0,
    "skipped": 1
  }
}
"""


def small_report() -> LintReport:
    return LintReport((
        Finding("SE101", "se-https-port-protocol", Severity.ERROR, "port 443 is declared HTTP",
                "manifests/egress.yaml", 12, 7,
                Resource("networking.istio.io/v1beta1", "ServiceEntry", "payments", "stripe-api"),
                "spec.ports[0].protocol", "IST0118", "TLS"),
        Finding("XR601", "xr-duplicate-host", Severity.INFO, 'host "api.stripe.com" \u00e9\u2192', "<stdin>", 0, 0,
                suppressed=True, suppression_reason="migration"),
    ), Summary(files=1, documents=3, skipped=1))


def validator(schema):
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER)


def test_exact_output(rules):
    assert render("json", small_report(), rules) == EXPECTED


@pytest.mark.parametrize("show_suppressed", [False, True])
def test_suppressed_findings_are_always_listed(report, rules, show_suppressed):
    data = json.loads(render("json", report, rules, show_suppressed=show_suppressed, color=True))
    assert [f["rule"] for f in data["findings"]] == ["PL001", "SE101", "SVC201", "XR601"]
    assert [f["suppressed"] for f in data["findings"]] == [False, False, False, True]
    assert data["findings"][3]["suppression_reason"] == "migration in progress"
    assert data["summary"] == {"files": 3, "documents": 12, "findings": 3, "errors": 2, "warnings": 1,
                               "infos": 0, "suppressed": 1, "parse_errors": 1, "skipped": 2}


def test_key_order(report, rules):
    data = json.loads(render("json", report, rules))
    assert list(data) == ["version", "findings", "summary"]
    assert list(data["findings"][1]) == ["rule", "name", "severity", "message", "file", "line", "column",
                                         "resource", "path", "istio_code", "fix", "suppressed",
                                         "suppression_reason"]
    assert list(data["findings"][1]["resource"]) == ["apiVersion", "kind", "namespace", "name"]
    assert list(data["summary"]) == ["files", "documents", "findings", "errors", "warnings", "infos",
                                     "suppressed", "parse_errors", "skipped"]


def test_output_is_ascii_and_deterministic(report, rules):
    first = render("json", report, rules)
    assert first == render("json", report, rules)
    assert first.isascii() and first.endswith("}\n")


@pytest.mark.parametrize("build", [
    lambda r: r,
    lambda r: LintReport((), Summary()),
    lambda r: small_report(),
    lambda r: LintReport((Finding("SVC201", "n", Severity.WARNING, "m", "f", 1, 1,
                                  Resource(None, None, None, None)),), Summary(files=1, documents=1)),
])
def test_validates_against_output_schema(report, rules, output_schema, build):
    data = json.loads(render("json", build(report), rules))
    validator(output_schema).validate(data)


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(extra=1),
    lambda d: d["findings"][0].update(extra=1),
    lambda d: d["findings"][0]["resource"].update(extra=1),
    lambda d: d["summary"].update(extra=1),
    lambda d: d["findings"][0].pop("fix"),
    lambda d: d["findings"][0].update(severity="fatal"),
    lambda d: d["findings"][0].update(line=-1),
    lambda d: d.update(version=2),
    lambda d: d["summary"].pop("skipped"),
])
def test_schema_is_strict(rules, output_schema, mutate):
    data = json.loads(render("json", small_report(), rules))
    broken = copy.deepcopy(data)
    mutate(broken)
    with pytest.raises(jsonschema.ValidationError):
        validator(output_schema).validate(broken)
