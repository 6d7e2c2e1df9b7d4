"""Input that cannot be read: every PL0xx problem with its code, position and message, and the documents
that survive next to it."""
from __future__ import annotations

import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from policylint.loader import PROBLEM_CODES, Source, load_file, load_text
from policylint.loader import reading

ROOT = Path(__file__).resolve().parents[2]
BAD = ROOT / "fixtures" / "loader" / "bad"
FIXTURES = ROOT / "fixtures" / "loader"


def load(name: str, **options):
    return load_file(BAD / name, display=name, **options)


def codes(result) -> list[tuple[str, int, int]]:
    return [(p.code, p.line, p.column) for p in result.problems]


def names(result) -> list[tuple[int, str]]:
    return [(d.index, d.name) for d in result.documents]


# --- PL001 --------------------------------------------------------------------------------------------

def test_syntax_error_keeps_documents_before_and_after_it():
    result = load("syntax-error-middle.yaml")
    assert names(result) == [(0, "one"), (1, "two"), (3, "four")]
    assert codes(result) == [("PL001", 17, 4), ("PL001", 30, 1)]
    assert result.problems[0].message == (
        "did not find expected key (while parsing a block mapping that starts on line 14, column 3); "
        "check the indentation of this line")
    assert result.problems[1].message == (
        "did not find expected ',' or ']' (while parsing a flow sequence that starts on line 29, column 10); "
        "a bracket is not closed")
    assert {p.file for p in result.problems} == {"syntax-error-middle.yaml"}
    assert {p.severity for p in result.problems} == {"error"}


def test_unclosed_quote_is_reported_where_the_parser_stopped():
    result = load("unclosed-quote.yaml")
    assert result.documents == []
    assert codes(result) == [("PL001", 6, 1)]
    assert result.problems[0].message == (
        "found unexpected end of stream (while scanning a quoted scalar that starts on line 4, column 9); "
        "a quote or bracket is not closed")


# --- PL002 --------------------------------------------------------------------------------------------

def test_helm_templates_are_reported_once_per_document_and_skipped():
    result = load("template.yaml")
    assert codes(result) == [("PL002", 1, 1), ("PL002", 6, 9), ("PL002", 17, 9), ("PL002", 35, 1)]
    assert result.problems[0].message == (
        "looks like a Helm/Go template ({{ ... }}); render it first: `helm template ... | policylint lint -`")
    # template text inside quoted strings and block scalars is data: that ConfigMap is kept
    assert names(result) == [(3, "data-not-template")]
    assert result.documents[0].data["data"]["template"].startswith("{{- if .Values.x }}")


def test_template_in_a_key_is_a_template_even_when_quoted():
    result = load_text('apiVersion: v1\nkind: ConfigMap\ndata:\n  "{{ .Values.key }}": value\n')
    assert codes(result) == [("PL002", 4, 4)]


def test_helm_values_may_hold_template_text():
    result = load_text("image: {{ .Values.image }}\n", "values.yaml")
    assert codes(result) == [("PL001", 1, 9)]  # not valid YAML, but not reported as a template
    assert result.problems[0].message == (
        "found unhashable key (while constructing a mapping that starts on line 1, column 8); "
        "a key is a list or a mapping")
    result = load_text("host: api.{{ .Values.domain }}\n", "values.yaml")
    assert result.problems == []
    assert result.documents[0].data == {"host": "api.{{ .Values.domain }}"}


# --- PL003 / PL004 ------------------------------------------------------------------------------------

def test_documents_that_are_not_mappings():
    result = load("not-mapping.yaml")
    assert codes(result) == [("PL003", 1, 1), ("PL003", 3, 1), ("PL003", 6, 1)]
    assert [p.message.split(",")[0] for p in result.problems] == [
        "the document is a string", "the document is a list", "the document is a number (42)"]
    assert names(result) == [(3, "fine")]


def test_json_patch_array_is_not_a_mapping():
    result = load_file(FIXTURES / "patch.json", display="patch.json")
    assert codes(result) == [("PL003", 1, 1)]
    assert result.documents == []


def test_documents_without_apiversion_or_kind():
    result = load("missing-kind.yaml")
    assert codes(result) == [("PL004", 1, 1), ("PL004", 5, 1), ("PL004", 9, 1), ("PL004", 12, 1)]
    assert [p.message for p in result.problems] == [
        "the document has no kind, so it is not a Kubernetes object and no rule can check it",
        "the document has no apiVersion, so it is not a Kubernetes object and no rule can check it",
        "the document has no apiVersion and no kind, so it is not a Kubernetes object and no rule can check it",
        "the kind of the document is a number (42), not a string, so it is not a Kubernetes object and no rule "
        "can check it",
    ]
    assert names(result) == [(4, "fine")]


# --- PL005 --------------------------------------------------------------------------------------------

def test_duplicate_keys_are_reported_at_the_repeated_key_and_last_value_wins():
    result = load("duplicate-keys.yaml")
    assert codes(result) == [("PL005", 10, 3), ("PL005", 13, 5)]
    assert result.problems[0].message == (
        "duplicate key 'ports' (first defined on line 7); the last value wins in PyYAML but kubectl rejects it")
    assert result.problems[1].message == (
        "duplicate key 'name' (first defined on line 12); the last value wins in PyYAML but kubectl rejects it")
    document, = result.documents
    assert document.data["spec"]["ports"] == [{"number": 80, "name": "http-2"}]
    assert document.locate(("spec", "ports")) == (10, 3)
    assert document.locate(("spec", "ports", 0, "name")) == (13, 5)
    assert document.locate(("spec", "hosts")) == (6, 3)


# --- PL006 / PL007 ------------------------------------------------------------------------------------

def test_binary_file():
    result = load("binary.yaml")
    assert result.documents == []
    assert codes(result) == [("PL006", 3, 1)]
    assert result.problems[0].message == "this is a binary file (it contains NUL bytes), not a text manifest"


def test_non_utf8_file():
    result = load("latin1.yaml")
    assert codes(result) == [("PL006", 4, 11)]
    assert result.problems[0].message == (
        "the file is not UTF-8: byte 0xfc cannot be decoded here; save the file as UTF-8")


def test_missing_file_and_directory_are_unreadable(tmp_path):
    result = load_file(tmp_path / "nope.yaml", display="nope.yaml")
    assert codes(result) == [("PL006", 1, 1)]
    assert result.problems[0].message == "cannot read the file: No such file or directory"
    result = load_file(tmp_path, display="dir.yaml")
    assert result.problems[0].message == "cannot read the file: it is a directory"


def test_file_over_the_size_limit_is_not_read(tmp_path, monkeypatch):
    big = tmp_path / "big.yaml"
    with open(big, "wb") as handle:
        handle.truncate(6 * 1024 * 1024)  # sparse: costs no disk

    def refuse(*args, **kwargs):
        raise AssertionError("the file was opened")

    monkeypatch.setattr(reading, "open", refuse, raising=False)
    result = load_file(big, display="big.yaml")
    assert codes(result) == [("PL007", 1, 1)]
    assert result.problems[0].message == (
        "the file is 6.0 MB, over the 5.0 MB limit, and was not read; lint the files it is generated from, "
        "exclude it, or raise the limit")


def test_size_limit_is_configurable_and_applies_to_stdin():
    result = load("duplicate-keys.yaml", max_bytes=100)
    assert codes(result) == [("PL007", 1, 1)]
    assert result.problems[0].message.startswith("the file is 204 bytes, over the 100 bytes limit")
    result = Source("<stdin>", None, b"a: 1\n" * 30).load(max_bytes=100)
    assert codes(result) == [("PL007", 1, 1)]


# --- PL008 --------------------------------------------------------------------------------------------

def test_billion_laughs_document_is_dropped_and_the_others_kept():
    result = load("billion-laughs.yaml")
    assert codes(result) == [("PL008", 6, 1)]
    assert result.problems[0].message == (
        "aliases (*name) expand this document's 16 nodes to more than 1,111,111; it looks like a "
        "'billion laughs' attack and the document is skipped")
    assert names(result) == [(0, "before"), (2, "after")]


def test_alias_that_contains_itself():
    result = load_text("apiVersion: v1\nkind: ConfigMap\ndata: &d {self: *d}\n---\napiVersion: v1\nkind: A\n")
    assert codes(result) == [("PL008", 3, 7)]
    assert [d.kind for d in result.documents] == ["A"]


def test_moderate_aliasing_is_fine():
    text = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  labels: &l {a: b}\n  annotations: *l\n"
    result = load_text(text)
    assert result.problems == []


# --- PL009 --------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "position", "kept"), [
    ("deep-flow.yaml", (11, 260), [(0, "before"), (2, "after")]),
    ("deep-block.yaml", (266, 257), [(0, "before"), (2, "after")]),
    ("deep-compact.yaml", (1, 513), [(1, "after")]),
])
def test_deep_nesting_is_stopped_at_the_limit(name, position, kept):
    result = load(name)
    assert codes(result) == [("PL009", *position)]
    assert result.problems[0].message == (
        "mappings and lists nest more than 256 levels deep here; the document is skipped")
    assert names(result) == kept


def test_nesting_just_below_the_limit_is_read():
    text = "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: " + "[" * 254 + "]" * 254 + "\n"
    result = load_text(text)
    assert result.problems == []
    assert result.documents[0].locate(("data", "x") + (0,) * 253) == (4, 6 + 253)


_DEEP_SCRIPT = """
import sys
from policylint.loader import load_text
n = 100_000
cases = {
    "flow.yaml": "a: " + "[" * n + "]" * n + "\\n",
    "unclosed.yaml": "{a: " * n,
    "compact.yaml": "- " * n + "x\\n",
    "deep.json": "[" * n + "]" * n,
    "object.json": '{"a":' * n + "1" + "}" * n,
}
for name, text in cases.items():
    result = load_text(text, name)
    print(name, [(p.code, p.line, p.column) for p in result.problems], len(result.documents))
"""


def test_hundred_thousand_levels_do_not_crash_the_interpreter():
    # a subprocess, so that a segfault in the C parser fails this test instead of killing pytest
    done = subprocess.run([sys.executable, "-c", _DEEP_SCRIPT], cwd=ROOT, capture_output=True, text=True,
                          timeout=120, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "flow.yaml [('PL009', 1, 259)] 0",
        "unclosed.yaml [('PL009', 1, 1025)] 0",
        "compact.yaml [('PL009', 1, 513)] 0",
        "deep.json [('PL009', 1, 257)] 0",
        "object.json [('PL009', 1, 1281)] 0",
    ]


# --- PL010 / PL011 ------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["empty.yaml", "comments-only.yaml", "separators-only.yaml"])
def test_file_without_documents_is_a_warning(name):
    result = load(name)
    assert result.documents == []
    assert codes(result) == [("PL010", 1, 1)]
    assert result.problems[0].severity == "warning"
    assert result.problems[0].message == "the file holds no YAML document (it is empty or only comments)"


def test_duplicate_keys_in_json():
    result = load_text('{"apiVersion": "v1",\n "kind": "Pod",\n "kind": "Service"}', "dup.json")
    assert codes(result) == [("PL005", 3, 2)]
    assert result.documents[0].kind == "Service"


def test_problems_pickle():
    problem = load("binary.yaml").problems[0]
    assert pickle.loads(pickle.dumps(problem)) == problem


def test_invalid_json():
    result = load_file(FIXTURES / "invalid.json", display="invalid.json")
    assert codes(result) == [("PL011", 4, 1)]
    assert result.problems[0].message == "invalid JSON: Expecting property name enclosed in double quotes"
    assert load_text("", "empty.json").problems[0].code == "PL010"


# --- nothing escapes ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "expected"), [
    ("\tapiVersion: v1\n", [("PL001", 1, 1)]),
    ("? [a, b]\n: c\n", [("PL001", 1, 3)]),
    ("apiVersion: v1\nkind: !!int abc\n", [("PL001", 1, 1)]),
    ("a: *undefined\n", [("PL001", 1, 4)]),
    ("%YAML 1.1\n---\napiVersion: v1\nkind: A\n", []),
    ("apiVersion: v1\nkind: A\n---\n%YAML 1.1\n---\napiVersion: v1\nkind: B\n", []),
    ("--- |\n  just text\n", [("PL003", 1, 5)]),
    ("apiVersion: v1\nkind: A\n...\napiVersion: v1\nkind: B\n", [("PL001", 4, 1)]),  # YAML 1.1 needs `---`
    ("\x85\u2028key: v\n", [("PL004", 3, 1)]),  # NEL and LS are line breaks in YAML 1.1
    ("apiVersion: v1\nkind: A\nmetadata: {name: {{x}}}\n", [("PL002", 3, 18)]),
    ("{{", [("PL002", 1, 1)]),
    ("# {{ only in a comment }}\na: b: c\n", [("PL001", 2, 5)]),
    ("[[[[", [("PL001", 2, 1)]),
    ("\x07bell: 1\n", [("PL001", 1, 1)]),
])
def test_odd_input_becomes_problems_not_exceptions(text, expected):
    result = load_text(text, "odd.yaml")
    assert codes(result) == expected


def test_problem_codes_are_documented():
    assert {code: entry[0] for code, entry in PROBLEM_CODES.items()} == {
        "PL001": "yaml-syntax-error",
        "PL002": "unrendered-template",
        "PL003": "document-not-a-mapping",
        "PL004": "missing-apiversion-or-kind",
        "PL005": "duplicate-key",
        "PL006": "unreadable-file",
        "PL007": "file-too-large",
        "PL008": "alias-expansion-limit",
        "PL009": "nesting-too-deep",
        "PL010": "empty-file",
        "PL011": "invalid-json",
        "PL012": "rule-failed",
    }
    for code, (name, summary, doc) in PROBLEM_CODES.items():
        headings = [line for line in doc.splitlines() if line.startswith("## ")]
        assert headings == ["## What it does", "## Why it matters", "## Example", "## How to fix"], code
        assert summary and not summary.endswith(".")
