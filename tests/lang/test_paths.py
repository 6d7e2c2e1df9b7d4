"""Variables remember where their value came from: `at`, the default `at`, path-aware builtins, `column`."""
from __future__ import annotations

from lang_helpers import FakeDocument

from policylint.lang import Env
from policylint.lang.runtime import fix_path

SE = {
    "metadata": {"name": "ext", "annotations": {"cfg.io/x": "a:\n  b: [1, 2]\n"}},
    "spec": {
        "hosts": ["a.com", "b.com"],
        "ports": [{"number": 80, "protocol": "HTTP"}, {"number": 443, "protocol": "HTTP"}],
        "labels": {"app": "x", "tier": "web"},
    },
}
POD_LIKE = {"spec": {"template": {"name": "t"}, "jobTemplate": {"spec": {"template": {"name": "j"}}}}}


def paths(lang, body, data=SE, **kw):
    return [h.path for h in lang.hits(body, data, **kw)]


def test_for_over_list_points_at_elements(lang):
    assert paths(lang, "for port in spec.ports\nwhen: true\nmessage: 'm'") == [
        ("spec", "ports", 0), ("spec", "ports", 1)]
    assert paths(lang, "for port in spec.ports\nwhen: port.number == 443\nmessage: 'm'\nat: port.protocol") == [
        ("spec", "ports", 1, "protocol")]


def test_for_over_map_points_at_members(lang):
    assert paths(lang, "for k, v in spec.labels\nwhen: v == 'web'\nmessage: '{k}'") == [("spec", "labels", "tier")]
    assert paths(lang, "for k in spec.labels\nwhen: k == 'app'\nmessage: 'm'\nat: k") == [("spec", "labels", "app")]
    assert paths(lang, "for i, h in spec.hosts\nwhen: i == 1\nmessage: 'm'\nat: h") == [("spec", "hosts", 1)]


def test_nested_loops_and_default_at_is_innermost(lang):
    data = {"spec": {"egress": [{"hosts": ["a", "b"]}, {"hosts": ["c"]}]}}
    assert paths(lang, "for e in spec.egress\nfor h in e.hosts\nwhen: h != 'a'\nmessage: 'm'", data) == [
        ("spec", "egress", 0, "hosts", 1), ("spec", "egress", 1, "hosts", 0)]


def test_let_of_a_path_expression(lang):
    assert paths(lang, "let p = spec.ports[1]\nwhen: true\nmessage: 'm'\nat: p.number") == [
        ("spec", "ports", 1, "number")]
    assert paths(lang, "for port in spec.ports\nlet proto = port.protocol\nwhen: port.number == 80\n"
                       "message: 'm'\nat: proto") == [("spec", "ports", 0, "protocol")]


def test_let_of_a_conditional_of_paths(lang):
    body = ("let tpl = has(spec.jobTemplate) ? spec.jobTemplate.spec.template : spec.template\n"
            "when: true\nmessage: '{tpl.name}'\nat: tpl.name")
    hits = lang.hits(body, POD_LIKE)
    assert [(h.message, h.path) for h in hits] == [("j", ("spec", "jobTemplate", "spec", "template", "name"))]
    hits = lang.hits(body, {"spec": {"template": {"name": "t"}}})
    assert [(h.message, h.path) for h in hits] == [("t", ("spec", "template", "name"))]


def test_let_of_a_nested_conditional_of_paths(lang):
    body = ("let tpl = has(spec.jobTemplate) ? spec.jobTemplate.spec.template : "
            "has(spec.template) ? spec.template : self\nwhen: true\nmessage: '{tpl.name}'\nat: tpl.name")
    assert [(h.message, h.path) for h in lang.hits(body, POD_LIKE)] == [
        ("j", ("spec", "jobTemplate", "spec", "template", "name"))]
    assert [(h.message, h.path) for h in lang.hits(body, {"spec": {"template": {"name": "t"}}})] == [
        ("t", ("spec", "template", "name"))]
    assert [(h.message, h.path) for h in lang.hits(body, {"name": "pod"})] == [("pod", ("name",))]


def test_for_over_a_list_literal_of_paths_skips_nulls(lang):
    body = "for tpl in [spec.template, spec.jobTemplate.spec.template]\nwhen: true\nmessage: '{tpl.name}'\nat: tpl.name"
    assert [(h.message, h.path) for h in lang.hits(body, POD_LIKE)] == [
        ("t", ("spec", "template", "name")), ("j", ("spec", "jobTemplate", "spec", "template", "name"))]
    assert [(h.message, h.path) for h in lang.hits(body, {"spec": {"template": {"name": "t"}}})] == [
        ("t", ("spec", "template", "name"))]


def test_let_of_a_list_literal_of_paths(lang):
    body = ("let tpls = [spec.template, spec.jobTemplate.spec.template]\nfor tpl in tpls\nwhen: true\n"
            "message: '{size(tpls)}'\nat: tpl")
    assert [(h.message, h.path) for h in lang.hits(body, POD_LIKE)] == [
        ("2", ("spec", "template")), ("2", ("spec", "jobTemplate", "spec", "template"))]


def test_at_conditional_and_path_list(lang):
    body = "for port in spec.ports\nwhen: true\nmessage: 'm'\nat: port.number == 80 ? port.number : port.protocol"
    assert paths(lang, body) == [("spec", "ports", 0, "number"), ("spec", "ports", 1, "protocol")]
    assert paths(lang, "when: true\nmessage: 'm'\nat: path(['spec', 'ports', -1, 'number', true, 'x'])") == [
        ("spec", "ports", 1, "number")]
    assert paths(lang, "when: true\nmessage: 'm'\nat: path(kind)") == [()]


def test_fix_path_returns_a_concrete_path_as_it_is():
    data = {"spec": {"ports": [{"number": 80}, {"number": 443}]}}
    concrete = ("spec", "ports", 7, "protocol")  # strings and indices >= 0, even past the end: nothing to fix
    assert fix_path(data, concrete) is concrete
    assert fix_path(data, ("spec", "ports", -1, "number")) == ("spec", "ports", 1, "number")
    assert fix_path(data, ("spec", "ports", -3, "number")) == ("spec", "ports")
    assert fix_path(data, ("spec", True, "x")) == ("spec",)
    assert fix_path(data, ("spec", None)) == ("spec",)


def test_negative_and_computed_subscripts(lang):
    assert paths(lang, "when: true\nmessage: 'm'\nat: spec.ports[-1].protocol") == [("spec", "ports", 1, "protocol")]
    assert paths(lang, "when: true\nmessage: 'm'\nat: spec.ports[-5].protocol") == [("spec", "ports")]
    assert paths(lang, "when: true\nmessage: 'm'\nat: spec.ports[size(spec.hosts) - 1]") == [("spec", "ports", 1)]
    assert paths(lang, "when: true\nmessage: 'm'\nat: spec.ports[spec.missing].x") == [("spec", "ports")]
    assert paths(lang, "when: true\nmessage: 'm'\nat: metadata.annotations['cfg.io/x']") == [
        ("metadata", "annotations", "cfg.io/x")]


def test_text_file_lines_and_column(lang):
    data = {"path": "install.sh", "lines": ["echo hi", "istioctl kube-inject --includeIPRanges=1.2.3.4/8"]}
    hits = lang.hits("""
        for i, line in lines
        when: line.contains("--includeIPRanges")
        message: "line {i + 1}"
        at: lines[i]
        column: line.indexOf("--includeIPRanges") + 1
    """, data, kinds='["policylint.io/TextFile"]')
    assert [(h.message, h.path, h.column) for h in hits] == [("line 2", ("lines", 1), 22)]
    assert [h.column for h in lang.hits("when: true\nmessage: 'm'\ncolumn: 0", {})] == [None]
    assert [h.column for h in lang.hits("when: true\nmessage: 'm'\ncolumn: 'x'", {})] == [None]


def test_unknown_paths_fall_back_to_the_nearest_known(lang):
    # elements of a computed list: the path of the list they were computed from
    assert paths(lang, "for h in spec.hosts.map(x, x + '.')\nwhen: true\nmessage: 'm'\nat: h.deeper") == [
        ("spec", "hosts"), ("spec", "hosts")]
    # values from elsewhere (a lookup, a literal): the document start
    assert paths(lang, "for x in [1, 2]\nwhen: x == 2\nmessage: 'm'") == [()]
    assert paths(lang, "let n = size(spec.hosts)\nwhen: true\nmessage: 'm'\nat: n") == [()]


def test_for_over_filter_keeps_exact_paths(lang):
    body = "for p in spec.ports.filter(q, q.number > 100)\nwhen: true\nmessage: '{p.number}'\nat: p.protocol"
    assert [(h.message, h.path) for h in lang.hits(body, SE)] == [("443", ("spec", "ports", 1, "protocol"))]


def test_path_aware_builtin_gets_the_argument_path(lang):
    rule = lang.rule("""
        let cfg = parseYaml(metadata.annotations["cfg.io/x"])
        for v in cfg.a.b
        when: v == 2
        message: "{v}"
    """)
    doc = FakeDocument(SE)
    hits = rule.check(doc, {}, Env())
    assert [(h.message, h.path) for h in hits] == [("2", ("metadata", "annotations", "cfg.io/x", "a", "b", 1))]
    assert doc.embedded_calls == [("metadata", "annotations", "cfg.io/x")]
    # a computed string has no path: parsed on its own
    doc = FakeDocument(SE)
    rule = lang.rule("let cfg = parseYaml('k: ' + metadata.name)\nwhen: cfg.k == 'ext'\nmessage: 'm'\nat: cfg.k")
    assert [h.path for h in rule.check(doc, {}, Env())] == [()]
    assert doc.embedded_calls == []


def test_macro_variable_paths_reach_path_aware_builtins(lang):
    data = {"data": {"a": "x: 1", "b": "x: 2"}}
    rule = lang.rule("when: data.exists(k, parseYaml(data[k]).x == 2)\nmessage: 'm'")
    doc = FakeDocument(data)
    assert len(rule.check(doc, {}, Env())) == 1
    assert doc.embedded_calls == [("data", "a"), ("data", "b")]


def test_macro_variable_remembers_its_element_path(lang):
    rule = lang.rule("when: spec.docs.exists(s, parseYaml(s).x == 2)\nmessage: 'm'")
    doc = FakeDocument({"spec": {"docs": ["x: 1", "x: 2"]}})
    assert len(rule.check(doc, {}, Env())) == 1
    assert doc.embedded_calls == [("spec", "docs", 0), ("spec", "docs", 1)]
