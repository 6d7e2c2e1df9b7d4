"""Hand-built LintReports shared by the reporter tests."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from policylint.model import Finding, LintReport, Resource, RuleInfo, Severity, Summary

SCHEMAS = Path(__file__).resolve().parents[2] / "policylint" / "schemas"

SE = Resource("networking.istio.io/v1beta1", "ServiceEntry", "payments", "stripe-api")
SVC = Resource("v1", "Service", None, "legacy")

SE101_DOC = """## What it does
Checks that a ServiceEntry port on 443 is declared TLS,
not HTTP.

## Why it matters
Istio would originate plaintext.

## Example
```yaml
ports: [{number: 443, protocol: HTTP}]
```

## How to fix
Declare `protocol: TLS`.
"""

RULES = {
    "PL001": RuleInfo("PL001", "yaml-syntax", Severity.ERROR, "The file is not valid YAML",
                      "## What it does\nReports YAML that cannot be parsed.\n"),
    "SE101": RuleInfo("SE101", "se-https-port-protocol", Severity.ERROR, "Port 443 declared HTTP", SE101_DOC,
                      "IST0118", ("networking.istio.io/ServiceEntry",), "rules/serviceentry/SE101.rule"),
    "SVC201": RuleInfo("SVC201", "svc-port-name", Severity.WARNING, "Service port names need a protocol prefix",
                       "## What it does\n\nChecks port names.\n", None, ("Service",)),
    "XR601": RuleInfo("XR601", "xr-duplicate-host", Severity.INFO, "Two ServiceEntries claim the same host",
                      "Host conflicts between ServiceEntries.\n\nMore text.", None,
                      ("networking.istio.io/ServiceEntry",)),
    "SC501": RuleInfo("SC501", "sc-unused", Severity.WARNING, "Never reported in these tests", "doc"),
}


def _findings() -> tuple[Finding, ...]:
    return (
        Finding("PL001", "yaml-syntax", Severity.ERROR, "mapping values are not allowed here",
                "manifests/broken.yaml", 4, 9),
        Finding("SE101", "se-https-port-protocol", Severity.ERROR,
                "port 443 is declared HTTP: TLS on 443 would be sent as plaintext HTTP",
                "manifests/egress.yaml", 12, 7, SE, "spec.ports[0].protocol", "IST0118", "TLS"),
        Finding("SVC201", "svc-port-name", Severity.WARNING, "port name \"web\" has no protocol prefix",
                "manifests/egress.yaml", 30, 9, SVC, "spec.ports[0].name"),
        Finding("XR601", "xr-duplicate-host", Severity.INFO, "host api.stripe.com is also declared by payments/b",
                "manifests/egress.yaml", 40, 3, SE, "spec.hosts[0]", suppressed=True,
                suppression_reason="migration in progress"),
    )


@pytest.fixture
def report() -> LintReport:
    """2 errors (one a parse error), 1 warning, 1 suppressed info, in 3 files."""
    return LintReport(_findings(), Summary(files=3, documents=12, skipped=2, parse_errors=1))


@pytest.fixture
def clean_report() -> LintReport:
    return LintReport((), Summary(files=4, documents=12))


@pytest.fixture
def rules() -> dict[str, RuleInfo]:
    return dict(RULES)


@pytest.fixture(scope="session")
def output_schema() -> dict:
    return json.loads((SCHEMAS / "output.schema.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def sarif_schema() -> dict:
    return json.loads((SCHEMAS / "sarif-2.1.0.json").read_text(encoding="utf-8"))
