"""Fused rule functions (policylint/lang/fusion.py) give exactly the findings of the rules run one by one."""
from __future__ import annotations

import dataclasses
import os
import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from policylint.api import Linter
from policylint.builtins import load
from policylint.lang import compile_rule_files
from policylint.lang.fusion import generate_fused
from policylint.lang.hoist import hoist_field_reads

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures" / "rules"
RULES = ROOT / "rules"

DEPLOYMENT = {
    "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
    "spec": {"template": {
        "metadata": {"annotations": {
            "traffic.sidecar.istio.io/includeOutboundIPRanges": "10.0.0.0/8, 172.16.0.0/12",
            "traffic.sidecar.istio.io/excludeOutboundPorts": "15020,abc",
        }},
        "spec": {"containers": [{"name": "web", "image": "web:1"}]},
    }},
}


@pytest.fixture(scope="module")
def linters() -> tuple[Linter, Linter]:
    return Linter(), Linter(fuse=False)


def test_every_fixture_gives_the_same_findings_fused_and_one_by_one(linters):
    fused, separate = linters
    paths = sorted(p for p in FIXTURES.glob("*/*") if p.is_file())
    with_findings = 0
    for path in paths:
        text = path.read_text(encoding="utf-8", errors="replace")
        expected = separate.lint_text(text, path.name).findings
        assert fused.lint_text(text, path.name).findings == expected, path
        with_findings += bool(expected)
    assert len(paths) > 300 and with_findings > 150  # a fixture folder that vanished must not pass silently


def test_every_kind_with_several_rules_has_fused_functions(linters):
    engine = linters[0].engine
    counted = 0
    for kind in sorted(engine.kinds):
        plan = engine.plan(kind)
        if plan is None:
            continue
        assert (plan.local_fused is not None) == (len(plan.local) > 1), kind
        assert (plan.cross_fused is not None) == (len(plan.cross) > 1), kind
        counted += len(plan.local) > 1
    assert counted > 10
    assert linters[1].engine.plan("apps/Deployment").local_fused is None


def test_rules_that_start_alike_share_one_condition():
    ruleset = compile_rule_files(sorted(RULES.glob("capture/CAP31[34].rule")), use_cache=False)
    source = generate_fused([pickle.loads(rule.decl) for rule in ruleset.rules], load())
    # both rules test captureFacts(self).injected after the same key test: one call, one `if`, two hits
    assert source.count("_builtin('captureFacts')") == 1
    assert source.count("_K0(doc, (), data)") == 1
    # `let pod = kind == "Pod" ? ...` comes first and is shared; its fields are read once, at the top level
    assert source.count("data.get('kind')") == 1 and source.count(".get('jobTemplate')") == 1
    assert source.count("out.append((0, _Hit(") == 1 and source.count("out.append((1, _Hit(") == 1


def test_a_rule_that_raises_inside_a_fused_function_is_reported_alone(monkeypatch):
    registry = load()

    def broken(*args):
        raise ValueError("broken on purpose")

    monkeypatch.setitem(registry, "portListProblem", dataclasses.replace(registry["portListProblem"], fn=broken))
    fused, separate = Linter(use_cache=False), Linter(use_cache=False, fuse=False)
    assert fused.engine.plan("apps/Deployment").local_fused is not None
    report = fused.lint_objects([DEPLOYMENT])
    assert report == separate.lint_objects([DEPLOYMENT])
    rules = [(f.rule, f.message.split(" ")[0] if f.rule == "PL012" else f.path) for f in report.findings]
    assert ("CAP301", 'spec.template.metadata.annotations["traffic.sidecar.istio.io/includeOutboundIPRanges"]') \
        in rules
    assert ("PL012", "CAP303") in rules  # the rule that called the broken builtin, by name
    assert all(rule != "CAP303" for rule, _ in rules)


FUSED_PROBE = """
import sys
from policylint.api import Linter
linter = Linter()
linter.plan_all_kinds()
plans = [linter.engine.plan(kind) for kind in sorted(linter.kinds() - {"*"})]
print(sum(p is not None and p.local_fused is not None for p in plans), 'lark' in sys.modules)
"""


def test_fused_functions_are_cached_so_a_warm_start_never_imports_lark(tmp_path):
    env = {key: value for key, value in os.environ.items() if key != "POLICYLINT_NO_CACHE"}
    env.update(POLICYLINT_CACHE_DIR=str(tmp_path / "cache"), PYTHONPATH=str(ROOT))

    def probe() -> tuple[int, str]:
        result = subprocess.run([sys.executable, "-c", FUSED_PROBE], env=env, capture_output=True, text=True,
                                check=True, cwd=ROOT)
        fused, lark = result.stdout.split()
        return int(fused), lark

    cold = probe()
    files = len(list((tmp_path / "cache" / "rules").iterdir()))
    assert cold[0] > 10 and cold[1] == "True"
    assert probe() == (cold[0], "False")
    assert len(list((tmp_path / "cache" / "rules").iterdir())) == files  # nothing new: every fused entry was hit


HOIST_INPUT = '''\
def fused(doc, P, env):
    data = doc.data
    out = []
    _t1 = data.get('kind')
    if _t1 == 'Pod':
        v_pod = data
    else:
        v_pod = _t1
    if _t1 == 'Job':
        _t2 = data.get('spec')
        _t3 = _t2.get('template') if type(_t2) is dict else None
        out.append(_t3)
    if P:
        _t4 = data.get('spec')
        _t5 = _t4.get('template') if type(_t4) is dict else None
        _t6 = v_pod.get('metadata') if type(v_pod) is dict else None
        for v_x in _t5:
            _t7 = v_x.get('name') if type(v_x) is dict else None
            out.append((_t6, _t7))
    _t8 = True
    if P:
        _t8 = env.get('a') if type(env) is dict else None
    return out
'''

HOIST_OUTPUT = '''\
def fused(doc, P, env):
    data = doc.data
    out = []
    _t1 = data.get('kind')
    if _t1 == 'Pod':
        v_pod = data
    else:
        v_pod = _t1
    _t2 = data.get('spec')
    _t3 = _t2.get('template') if type(_t2) is dict else None
    if _t1 == 'Job':
        out.append(_t3)
    _t6 = v_pod.get('metadata') if type(v_pod) is dict else None
    if P:
        for v_x in _t3:
            _t7 = v_x.get('name') if type(v_x) is dict else None
            out.append((_t6, _t7))
    _t8 = True
    if P:
        _t8 = env.get('a') if type(env) is dict else None
    return out
'''


def test_field_reads_move_to_the_top_level_once():
    # spec.template is read once for both blocks; a read over a loop variable or into a variable assigned twice
    # stays where it is; v_pod, given a value in both branches of one `if`, is as good as a single assignment.
    assert hoist_field_reads(HOIST_INPUT, "fused") == HOIST_OUTPUT


def test_rules_that_cannot_be_fused_run_one_by_one(monkeypatch):
    import policylint.lang.fusion as fusion

    def failing(*args, **kwargs):
        raise fusion.FusionError("a compiler bug")

    monkeypatch.setattr(fusion, "generate_fused", failing)
    linter = Linter(use_cache=False)
    plan = linter.engine.plan("apps/Deployment")
    assert plan.local_fused is None and len(plan.local) > 1
    assert linter.lint_objects([DEPLOYMENT]) == Linter(use_cache=False, fuse=False).lint_objects([DEPLOYMENT])
    assert any(f.rule == "CAP301" for f in linter.lint_objects([DEPLOYMENT]).findings)
