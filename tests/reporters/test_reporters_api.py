from __future__ import annotations

import json

import pytest

import policylint
from policylint import reporters
from policylint.reporters import FORMATS, render


def test_formats():
    assert FORMATS == ("text", "json", "sarif", "github")


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_format_renders_and_is_deterministic(fmt, report, rules, clean_report):
    for value in (report, clean_report):
        out = render(fmt, value, rules)
        assert out and out.endswith("\n")
        assert out == render(fmt, value, rules)


@pytest.mark.parametrize("fmt", FORMATS)
def test_rules_may_be_given_as_an_iterable(fmt, report, rules):
    assert render(fmt, report, list(rules.values())) == render(fmt, report, rules)


@pytest.mark.parametrize("fmt", ["json", "sarif", "github"])
def test_color_only_affects_text(fmt, report, rules):
    assert render(fmt, report, rules, color=True) == render(fmt, report, rules)


@pytest.mark.parametrize("fmt", ["json", "sarif"])
def test_show_suppressed_does_not_affect_machine_formats(fmt, report, rules):
    assert render(fmt, report, rules, show_suppressed=True) == render(fmt, report, rules)


def test_default_tool_version(report, rules):
    log = json.loads(render("sarif", report, rules))
    assert log["runs"][0]["tool"]["driver"]["version"] == policylint.__version__


def test_unknown_format(report, rules):
    with pytest.raises(ValueError, match="unknown output format 'xml': expected one of text, json, sarif, github"):
        render("xml", report, rules)


def test_public_names():
    assert reporters.__all__ == ["FORMATS", "render"]
