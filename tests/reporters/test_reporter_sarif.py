from __future__ import annotations

import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest

import policylint
from policylint.model import Finding, LintReport, Resource, RuleInfo, Severity, Summary
from policylint.reporters import render
from policylint.reporters.sarif import artifact_location, full_description

# RFC 3986 URI-reference characters (the schema's "uri"/"uri-reference" formats are not checked by jsonschema
# without extra packages, so check them here).
URI_REFERENCE = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?#\[\]]|%[0-9A-Fa-f]{2})*\Z")


def sarif(report, rules, **kw) -> dict:
    return json.loads(render("sarif", report, rules, **kw))


def validate(log: dict, schema: dict) -> None:
    jsonschema.Draft4Validator.check_schema(schema)
    jsonschema.Draft4Validator(schema).validate(log)
    for result in log["runs"][0]["results"]:
        location = result["locations"][0]["physicalLocation"]["artifactLocation"]
        assert URI_REFERENCE.match(location["uri"]), location
        if "uriBaseId" in location:
            assert urlsplit(location["uri"]).scheme == ""


def walk_keys(value):
    if isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from walk_keys(item)
    elif isinstance(value, list):
        for item in value:
            yield from walk_keys(item)


def test_validates_against_the_official_schema(report, rules, sarif_schema):
    validate(sarif(report, rules), sarif_schema)


def test_schema_file_is_the_oasis_one(sarif_schema):
    assert sarif_schema["id"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                                  "sarif-schema-2.1.0.json")
    assert sarif_schema["title"] == "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"


def test_schema_catches_invalid_logs(report, rules, sarif_schema):
    log = sarif(report, rules)
    log["runs"][0]["results"][0]["level"] = "fatal"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft4Validator(sarif_schema).validate(log)


def test_clean_report(clean_report, rules, sarif_schema):
    log = sarif(clean_report, rules)
    validate(log, sarif_schema)
    assert log["runs"][0]["results"] == []
    assert log["runs"][0]["tool"]["driver"]["rules"] == []


def test_driver(report, rules):
    log = sarif(report, rules)
    assert log["$schema"] == ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                              "sarif-schema-2.1.0.json")
    assert log["version"] == "2.1.0"
    assert len(log["runs"]) == 1
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["name"] == "policylint"
    assert driver["version"] == policylint.__version__
    assert driver["informationUri"] == "https://github.com/policylint/policylint"
    # only rules with findings (suppressed ones included), sorted by id; SC501 has none
    assert [r["id"] for r in driver["rules"]] == ["PL001", "SE101", "SVC201", "XR601"]
    assert sarif(report, rules, tool_version="9.8.7")["runs"][0]["tool"]["driver"]["version"] == "9.8.7"


def test_rule_descriptor(report, rules):
    se101 = sarif(report, rules)["runs"][0]["tool"]["driver"]["rules"][1]
    assert se101 == {
        "id": "SE101",
        "name": "se-https-port-protocol",
        "shortDescription": {"text": "Port 443 declared HTTP"},
        "fullDescription": {"text": "Checks that a ServiceEntry port on 443 is declared TLS, not HTTP."},
        "help": {"text": rules["SE101"].doc.strip(), "markdown": rules["SE101"].doc.strip()},
        "defaultConfiguration": {"level": "error"},
        "properties": {"tags": ["serviceentry", "networking.istio.io/ServiceEntry"], "istio_code": "IST0118"},
    }


def test_rule_levels_and_tags(report, rules):
    by_id = {r["id"]: r for r in sarif(report, rules)["runs"][0]["tool"]["driver"]["rules"]}
    assert by_id["PL001"]["properties"] == {"tags": ["input"]}
    assert by_id["SVC201"]["defaultConfiguration"] == {"level": "warning"}
    assert by_id["SVC201"]["properties"] == {"tags": ["service", "Service"]}
    assert by_id["XR601"]["defaultConfiguration"] == {"level": "note"}
    assert by_id["XR601"]["properties"]["tags"] == ["cross-resource", "networking.istio.io/ServiceEntry"]


@pytest.mark.parametrize("doc,expected", [
    ("## What it does\nChecks that\nports match.\n\n## Why it matters\nx", "Checks that ports match."),
    ("## What it does\n\nChecks ports.\n\n## Why it matters\nx", "Checks ports."),
    ("Plain first paragraph\nwrapped.\n\nSecond.", "Plain first paragraph wrapped."),
    ("## Why it matters\nBecause.", "Because."),
    ("", "the summary"),
    ("## What it does\n\n## Why it matters\n", "the summary"),
])
def test_full_description(doc, expected):
    assert full_description(RuleInfo("SE1", "n", Severity.ERROR, "the summary", doc)) == expected


def test_results(report, rules):
    results = sarif(report, rules)["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["PL001", "SE101", "SVC201", "XR601"]
    assert [r["ruleIndex"] for r in results] == [0, 1, 2, 3]
    assert [r["level"] for r in results] == ["error", "error", "warning", "note"]
    se101 = results[1]
    fingerprint = se101["partialFingerprints"]["policylint/v1"]
    assert re.fullmatch(r"[0-9a-f]{32}:1", fingerprint)
    assert se101 == {
        "ruleId": "SE101",
        "ruleIndex": 1,
        "level": "error",
        "message": {"text": "port 443 is declared HTTP: TLS on 443 would be sent as plaintext HTTP\nfix: TLS"},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": "manifests/egress.yaml", "uriBaseId": "%SRCROOT%"},
                "region": {"startLine": 12, "startColumn": 7},
            },
            "logicalLocations": [{"name": "stripe-api", "fullyQualifiedName": "ServiceEntry/payments/stripe-api",
                                  "kind": "object"}],
        }],
        "partialFingerprints": {"policylint/v1": fingerprint},
        "properties": {"path": "spec.ports[0].protocol", "istio_code": "IST0118", "fix": "TLS"},
    }
    assert "properties" not in results[0] and "logicalLocations" not in results[0]["locations"][0]
    assert results[2]["locations"][0]["logicalLocations"][0]["fullyQualifiedName"] == "Service/legacy"


def test_suppressed_result(report, rules):
    results = sarif(report, rules)["runs"][0]["results"]
    assert results[3]["suppressions"] == [{"kind": "inSource", "justification": "migration in progress"}]
    assert all("suppressions" not in r for r in results[:3])
    no_reason = LintReport((Finding("SVC201", "n", Severity.WARNING, "m", "a.yaml", 1, 1, suppressed=True),),
                           Summary(files=1, documents=1))
    assert sarif(no_reason, rules)["runs"][0]["results"][0]["suppressions"] == [{"kind": "inSource"}]


def test_region_omitted_for_unknown_positions(rules, sarif_schema):
    findings = (Finding("PL002", "unreadable", Severity.ERROR, "cannot read", "a.yaml", 0, 0),
                Finding("SVC201", "n", Severity.WARNING, "m", "a.yaml", 5, 0))
    log = sarif(LintReport(findings, Summary(files=1)), rules)
    validate(log, sarif_schema)
    locations = [r["locations"][0]["physicalLocation"] for r in log["runs"][0]["results"]]
    assert "region" not in locations[0]
    assert locations[1]["region"] == {"startLine": 5}


@pytest.mark.parametrize("file,expected", [
    ("manifests/a.yaml", {"uri": "manifests/a.yaml", "uriBaseId": "%SRCROOT%"}),
    ("./manifests/a b.yaml", {"uri": "manifests/a%20b.yaml", "uriBaseId": "%SRCROOT%"}),
    (".//x.yaml", {"uri": "x.yaml", "uriBaseId": "%SRCROOT%"}),
    ("../up/x.yaml", {"uri": "../up/x.yaml", "uriBaseId": "%SRCROOT%"}),
    ("dir\\win.yaml", {"uri": "dir/win.yaml", "uriBaseId": "%SRCROOT%"}),
    ("a:b#c%.yaml", {"uri": "a%3Ab%23c%25.yaml", "uriBaseId": "%SRCROOT%"}),
    ("<stdin>", {"uri": "%3Cstdin%3E", "uriBaseId": "%SRCROOT%"}),
    ("k8s/\u00e9gress.yaml", {"uri": "k8s/%C3%A9gress.yaml", "uriBaseId": "%SRCROOT%"}),
    ("/abs/x y.yaml", {"uri": "file:///abs/x%20y.yaml"}),
    ("C:\\repo\\x.yaml", {"uri": "file:///C:/repo/x.yaml"}),
])
def test_artifact_location(file, expected):
    assert artifact_location(file) == expected
    assert URI_REFERENCE.match(expected["uri"])


def test_awkward_file_names_validate(rules, sarif_schema):
    files = ["./a b.yaml", "<stdin>", "/abs/x.yaml", "C:\\x.yaml", "a:b.yaml", "\u00e9.yaml"]
    findings = tuple(Finding("SVC201", "n", Severity.WARNING, "m\x1b", f, 1, 1) for f in files)
    validate(sarif(LintReport(findings, Summary(files=len(files))), rules), sarif_schema)


def fp(finding: Finding, rules) -> str:
    log = sarif(LintReport((finding,), Summary(files=1, documents=1)), rules)
    return log["runs"][0]["results"][0]["partialFingerprints"]["policylint/v1"]


def test_fingerprints_ignore_position_and_message_but_not_identity(rules):
    res = Resource("v1", "Service", "ns", "a")
    base = Finding("SVC201", "n", Severity.WARNING, "m", "a.yaml", 3, 4, res, "spec.ports[0].name")
    same = [
        Finding("SVC201", "n", Severity.WARNING, "other text", "./a.yaml", 30, 1, res, "spec.ports[0].name"),
        Finding("SVC201", "n", Severity.ERROR, "m", "a.yaml", 3, 4, res, "spec.ports[0].name",
                suppressed=True),
    ]
    different = [
        Finding("SVC202", "n", Severity.WARNING, "m", "a.yaml", 3, 4, res, "spec.ports[0].name"),
        Finding("SVC201", "n", Severity.WARNING, "m", "b.yaml", 3, 4, res, "spec.ports[0].name"),
        Finding("SVC201", "n", Severity.WARNING, "m", "a.yaml", 3, 4, Resource("v1", "Service", "ns", "b"),
                "spec.ports[0].name"),
        Finding("SVC201", "n", Severity.WARNING, "m", "a.yaml", 3, 4, res, "spec.ports[1].name"),
        Finding("SVC201", "n", Severity.WARNING, "m", "a.yaml", 3, 4, None, "spec.ports[0].name"),
    ]
    assert all(fp(f, rules) == fp(base, rules) for f in same)
    assert len({fp(f, rules) for f in [base, *different]}) == 1 + len(different)


def test_duplicate_identities_get_occurrence_numbers(rules):
    findings = (Finding("PL001", "yaml-syntax", Severity.ERROR, "one", "a.yaml", 1, 1),
                Finding("PL001", "yaml-syntax", Severity.ERROR, "two", "a.yaml", 9, 1),
                Finding("PL001", "yaml-syntax", Severity.ERROR, "three", "b.yaml", 9, 1))
    results = sarif(LintReport(findings, Summary(files=2)), rules)["runs"][0]["results"]
    prints = [r["partialFingerprints"]["policylint/v1"] for r in results]
    assert prints[0].endswith(":1") and prints[1].endswith(":2") and prints[2].endswith(":1")
    assert prints[0].split(":")[0] == prints[1].split(":")[0] != prints[2].split(":")[0]


def test_unknown_rule_is_described_from_the_finding(rules, sarif_schema):
    finding = Finding("ZZ999", "custom-rule", Severity.INFO, "m", "a.yaml", 1, 1, istio_code="IST0001")
    log = sarif(LintReport((finding,), Summary(files=1, documents=1)), rules)
    validate(log, sarif_schema)
    assert log["runs"][0]["tool"]["driver"]["rules"] == [{
        "id": "ZZ999", "name": "custom-rule",
        "shortDescription": {"text": "custom-rule"}, "fullDescription": {"text": "custom-rule"},
        "help": {"text": "custom-rule", "markdown": "custom-rule"},
        "defaultConfiguration": {"level": "note"},
        "properties": {"tags": [], "istio_code": "IST0001"},
    }]


def test_deterministic_without_timestamps_or_machine_paths(report, rules):
    first = render("sarif", report, rules)
    assert first == render("sarif", report, rules)
    assert first.isascii() and first.endswith("}\n")
    keys = set(walk_keys(json.loads(first)))
    assert not {k for k in keys if "Time" in k or k in {"invocations", "originalUriBaseIds"}}


def test_github_code_scanning_essentials(report, rules):
    """The properties GitHub code scanning requires or uses to show and track alerts."""
    run = sarif(report, rules)["runs"][0]
    for rule in run["tool"]["driver"]["rules"]:
        assert rule["id"] and rule["shortDescription"]["text"] and rule["fullDescription"]["text"]
        assert rule["help"]["text"] and len(rule["properties"]["tags"]) <= 10
    for result in run["results"]:
        assert result["message"]["text"]
        assert result["ruleId"] == run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"]
        assert len(result["locations"]) == 1
        assert result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        assert result["partialFingerprints"]
        # upload-sarif computes primaryLocationLineHash itself and warns when a tool sends a different one
        assert "primaryLocationLineHash" not in result["partialFingerprints"]


def test_tags_are_capped_and_deduplicated(rules):
    kinds = tuple(f"example.io/Kind{i}" for i in range(15)) + ("example.io/Kind0",)
    rules = {**rules, "DR901": RuleInfo("DR901", "dr", Severity.ERROR, "s", "d", None, kinds)}
    finding = Finding("DR901", "dr", Severity.ERROR, "m", "a.yaml", 1, 1)
    tags = sarif(LintReport((finding,), Summary(files=1)), rules)["runs"][0]["tool"]["driver"]["rules"][0][
        "properties"]["tags"]
    assert tags == ["destinationrule", *kinds[:9]]
