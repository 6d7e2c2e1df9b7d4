from __future__ import annotations

from policylint.model import Finding, LintReport, Resource, Severity, Summary
from policylint.reporters import render

EXPECTED = """\
manifests/broken.yaml
manifests/broken.yaml:4:9: error PL001 mapping values are not allowed here

manifests/egress.yaml
manifests/egress.yaml:12:7: error SE101 port 443 is declared HTTP: TLS on 443 would be sent as plaintext HTTP \
(ServiceEntry payments/stripe-api)
  fix: TLS
manifests/egress.yaml:30:9: warning SVC201 port name "web" has no protocol prefix (Service legacy)

2 errors, 1 warning, 0 info in 3 files (12 documents, 2 skipped, 1 suppressed, 1 parse error)
"""


def test_plain(report, rules):
    assert render("text", report, rules) == EXPECTED


def test_show_suppressed(report, rules):
    out = render("text", report, rules, show_suppressed=True)
    suppressed = ("manifests/egress.yaml:40:3: info XR601 host api.stripe.com is also declared by payments/b "
                  "(ServiceEntry payments/stripe-api) [suppressed: migration in progress]\n")
    assert out == EXPECTED.replace("\n\n2 errors", "\n" + suppressed + "\n2 errors")


def test_color(report, rules):
    out = render("text", report, rules, color=True)
    assert out == (
        "\x1b[1m\x1b[4mmanifests/broken.yaml\x1b[0m\n"
        "manifests/broken.yaml:4:9: \x1b[31merror\x1b[0m \x1b[1mPL001\x1b[0m mapping values are not allowed here\n"
        "\n"
        "\x1b[1m\x1b[4mmanifests/egress.yaml\x1b[0m\n"
        "manifests/egress.yaml:12:7: \x1b[31merror\x1b[0m \x1b[1mSE101\x1b[0m port 443 is declared HTTP: TLS on 443 "
        "would be sent as plaintext HTTP (ServiceEntry payments/stripe-api)\n"
        "  fix: TLS\n"
        "manifests/egress.yaml:30:9: \x1b[33mwarning\x1b[0m \x1b[1mSVC201\x1b[0m port name \"web\" has no protocol "
        "prefix (Service legacy)\n"
        "\n"
        "\x1b[1m\x1b[31m2 errors, 1 warning, 0 info in 3 files (12 documents, 2 skipped, 1 suppressed, "
        "1 parse error)\x1b[0m\n"
    )


def test_color_suppressed_marker_is_dim_and_info_cyan(report, rules):
    out = render("text", report, rules, color=True, show_suppressed=True)
    assert ("\x1b[36minfo\x1b[0m \x1b[1mXR601\x1b[0m host api.stripe.com is also declared by payments/b "
            "(ServiceEntry payments/stripe-api) \x1b[2m[suppressed: migration in progress]\x1b[0m\n") in out


def test_no_color_means_no_escape_sequences(report, rules):
    assert "\x1b" not in render("text", report, rules, show_suppressed=True)


def test_clean(clean_report, rules):
    assert render("text", clean_report, rules) == "No problems found in 4 files (12 documents).\n"
    assert render("text", clean_report, rules, color=True) == (
        "\x1b[32mNo problems found in 4 files (12 documents).\x1b[0m\n")


def test_clean_with_only_suppressed_findings(report, rules):
    only_suppressed = LintReport(report.suppressed(), Summary(files=1, documents=1, skipped=1))
    assert render("text", only_suppressed, rules) == (
        "No problems found in 1 file (1 document, 1 skipped, 1 suppressed).\n")
    shown = render("text", only_suppressed, rules, show_suppressed=True)
    assert shown.startswith("manifests/egress.yaml\nmanifests/egress.yaml:40:3: info XR601 ")
    assert shown.endswith("[suppressed: migration in progress]\n\n"
                          "No problems found in 1 file (1 document, 1 skipped, 1 suppressed).\n")


def test_summary_wording_for_singular_and_warning_colour(rules):
    finding = Finding("SVC201", "svc-port-name", Severity.WARNING, "m", "a.yaml", 1, 1)
    report = LintReport((finding,), Summary(files=1, documents=1))
    assert render("text", report, rules).splitlines()[-1] == (
        "0 errors, 1 warning, 0 info in 1 file (1 document, 0 skipped, 0 suppressed, 0 parse errors)")
    assert render("text", report, rules, color=True).splitlines()[-1].startswith("\x1b[1m\x1b[33m0 errors")


def test_unknown_positions_and_no_resource(rules):
    findings = (
        Finding("PL002", "unreadable", Severity.ERROR, "cannot read file", "a.yaml", 0, 0),
        Finding("SVC201", "svc-port-name", Severity.WARNING, "m", "a.yaml", 3, 0),
    )
    out = render("text", LintReport(findings, Summary(files=1, parse_errors=1)), rules)
    assert out.splitlines()[:3] == [
        "a.yaml",
        "a.yaml: error PL002 cannot read file",
        "a.yaml:3: warning SVC201 m",
    ]


def test_suppressed_without_reason(rules):
    finding = Finding("SVC201", "svc-port-name", Severity.WARNING, "m", "a.yaml", 1, 2, suppressed=True)
    out = render("text", LintReport((finding,), Summary(files=1, documents=1)), rules, show_suppressed=True)
    assert out.splitlines()[1] == "a.yaml:1:2: warning SVC201 m [suppressed]"


def test_control_characters_from_manifests_are_escaped(rules):
    evil = Resource("v1", "Service", "ns\x1b[2J", "x\ny")
    finding = Finding("SVC201", "svc-port-name", Severity.WARNING, "name \x1b]0;pwned\x07 bad\r\n", "a\tb.yaml",
                      1, 1, evil, fix="a\nb")
    out = render("text", LintReport((finding,), Summary(files=1, documents=1)), rules, color=True)
    body = out.replace("\x1b[0m", "").replace("\x1b[1m", "").replace("\x1b[4m", "").replace("\x1b[33m", "")
    assert "\x1b" not in body and "\x07" not in body and "\r" not in body
    assert body.splitlines()[:3] == [
        "a\\tb.yaml",
        "a\\tb.yaml:1:1: warning SVC201 name \\x1b]0;pwned\\x07 bad\\r\\n (Service ns\\x1b[2J/x\\ny)",
        "  fix: a\\nb",
    ]


def test_findings_of_one_file_stay_in_one_group_in_given_order(rules):
    findings = (
        Finding("SVC201", "svc-port-name", Severity.WARNING, "first", "b.yaml", 1, 1),
        Finding("SVC201", "svc-port-name", Severity.WARNING, "second", "a.yaml", 1, 1),
        Finding("SVC201", "svc-port-name", Severity.WARNING, "third", "b.yaml", 2, 1),
    )
    lines = render("text", LintReport(findings, Summary(files=2, documents=2)), rules).splitlines()
    assert lines[:6] == ["b.yaml", "b.yaml:1:1: warning SVC201 first", "b.yaml:2:1: warning SVC201 third", "",
                         "a.yaml", "a.yaml:1:1: warning SVC201 second"]
