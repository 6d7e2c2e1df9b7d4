from __future__ import annotations

from policylint.model import Finding, LintReport, Resource, Severity, Summary
from policylint.reporters import render
from policylint.reporters.github import escape_data, escape_property

SUMMARY = "2 errors, 1 warning, 0 info in 3 files (12 documents, 2 skipped, 1 suppressed, 1 parse error)"


def test_annotations(report, rules):
    assert render("github", report, rules) == (
        "::error file=manifests/broken.yaml,line=4,col=9,title=PL001 yaml-syntax::"
        "mapping values are not allowed here\n"
        "::error file=manifests/egress.yaml,line=12,col=7,title=SE101 se-https-port-protocol::"
        "port 443 is declared HTTP: TLS on 443 would be sent as plaintext HTTP (ServiceEntry payments/stripe-api)"
        "%0Afix: TLS\n"
        "::warning file=manifests/egress.yaml,line=30,col=9,title=SVC201 svc-port-name::"
        "port name \"web\" has no protocol prefix (Service legacy)\n"
        + SUMMARY + "\n"
    )


def test_show_suppressed_adds_notices(report, rules):
    lines = render("github", report, rules, show_suppressed=True, color=True).splitlines()
    assert lines[3] == (
        "::notice file=manifests/egress.yaml,line=40,col=3,title=XR601 xr-duplicate-host (suppressed)::"
        "host api.stripe.com is also declared by payments/b (ServiceEntry payments/stripe-api)"
        "%0Asuppressed: migration in progress")
    assert lines[4] == SUMMARY and len(lines) == 5


def test_info_is_notice_and_positions_are_optional(rules):
    findings = (
        Finding("PL002", "unreadable", Severity.ERROR, "cannot read", "./dir\\a.yaml", 0, 0),
        Finding("XR601", "xr-duplicate-host", Severity.INFO, "dup", "a.yaml", 7, 0),
    )
    out = render("github", LintReport(findings, Summary(files=1, parse_errors=1)), rules)
    assert out.splitlines()[:2] == [
        "::error file=dir/a.yaml,title=PL002 unreadable::cannot read",
        "::notice file=a.yaml,line=7,title=XR601 xr-duplicate-host::dup",
    ]


def test_escaping():
    assert escape_data("100% a\r\nb:c,d") == "100%25 a%0D%0Ab:c,d"
    assert escape_property("100% a\r\nb:c,d") == "100%25 a%0D%0Ab%3Ac%2Cd"
    assert escape_data("%0A") == "%250A"
    assert escape_data("bell\x07 esc\x1b[31m tab\t") == "bell\\x07 esc\\x1b[31m tab\\t"


def test_escaping_in_annotations(rules):
    finding = Finding("SVC201", "svc-port-name", Severity.WARNING, "50% of\nports: a,b\r\n::error::fake",
                      "dir,x/a:b%.yaml", 2, 3, Resource("v1", "Service", "ns", "a,b"), fix="x\ny")
    line = render("github", LintReport((finding,), Summary(files=1, documents=1)), rules).splitlines()[0]
    assert line == (
        "::warning file=dir%2Cx/a%3Ab%25.yaml,line=2,col=3,title=SVC201 svc-port-name::"
        "50%25 of%0Aports: a,b%0D%0A::error::fake (Service ns/a,b)%0Afix: x%0Ay")


def test_clean(clean_report, rules):
    assert render("github", clean_report, rules) == "No problems found in 4 files (12 documents).\n"
