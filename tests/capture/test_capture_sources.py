"""Capture and Service rules on the inputs a single fixture file cannot show: IstioOperator values, CI files,
Makefiles, and documents of odd shape (the rules must stay silent, never crash)."""
from __future__ import annotations

from pathlib import Path

import pytest

from policylint.api import Linter

ROOT = Path(__file__).resolve().parents[2]
DIRS = [ROOT / "rules" / "service", ROOT / "rules" / "capture"]


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(builtin_rules=False, rule_dirs=DIRS)


def findings(linter: Linter, path: Path) -> list[tuple[str, int, int]]:
    return sorted((f.rule, f.line, f.column) for f in linter.lint_paths([str(path)]).active())


def test_istio_operator_values(linter, tmp_path):
    path = tmp_path / "operator.yaml"
    path.write_text(
        "apiVersion: install.istio.io/v1alpha1\n"
        "kind: IstioOperator\n"
        "metadata: {name: cp, namespace: istio-system}\n"
        "spec:\n"
        "  values:\n"
        "    global:\n"
        "      proxy:\n"
        "        includeIPRanges: \"10.0.0.1/8, 172.16.0.0/12\"\n"
        "        excludeIPRanges: \"*\"\n"
        "        excludeInboundPorts: \"metrics\"\n"
    )
    assert findings(linter, path) == [("CAP310", 8, 9), ("CAP310", 9, 9), ("CAP311", 10, 9)]


def test_github_workflow_and_makefile(linter, tmp_path):
    workflow = tmp_path / ".github" / "workflows" / "deploy.yaml"
    workflow.parent.mkdir(parents=True)
    workflow.write_text(
        "on: push\n"
        "jobs:\n"
        "  deploy:\n"
        "    runs-on: ubuntu-latest\n"
        "    steps:\n"
        "      - run: istioctl kube-inject -f app.yaml --includeIPRanges=10.0.0.0/8 | kubectl apply -f -\n"
    )
    assert findings(linter, workflow) == [("CAP312", 6, 47)]
    makefile = tmp_path / "Makefile"
    makefile.write_text(
        "deploy:\n"
        "\t# old: istioctl kube-inject --includeIPRanges=$(CIDR)\n"
        "\t$(ISTIOCTL) kube-inject -f app.yaml --excludeIPRanges $(EXCLUDED) > out.yaml\n"
    )
    assert findings(linter, makefile) == [("CAP312", 3, 38)]


def test_helm_values_in_a_values_file(linter, tmp_path):
    path = tmp_path / "values-prod.yaml"
    path.write_text("global:\n  proxy:\n    includeIPRanges: \"\"\n    includeInboundPorts: \"\"\n")
    assert findings(linter, path) == [("CAP317", 3, 5), ("CAP323", 4, 5)]


ODD = """\
apiVersion: apps/v1
kind: Deployment
metadata: {name: a, annotations: null}
spec: {template: null}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: b}
spec: [1, 2]
---
apiVersion: v1
kind: Pod
metadata:
  name: c
  annotations:
    traffic.sidecar.istio.io/includeOutboundIPRanges: 10
    traffic.sidecar.istio.io/excludeInboundPorts: [1, 2]
spec: {}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: d}
spec: {jobTemplate: {spec: {template: {metadata: {annotations: []}}}}}
---
apiVersion: v1
kind: Service
metadata: {name: e, labels: [x]}
spec: {type: ExternalName, externalName: 42, ports: {a: b}}
---
apiVersion: v1
kind: Service
metadata: {name: f}
spec: {ports: [null, 7, {name: 5, port: "x", appProtocol: []}]}
---
apiVersion: install.istio.io/v1alpha1
kind: IstioOperator
metadata: {name: g}
spec: {values: {global: {proxy: "none"}}}
"""


def test_odd_shapes_do_not_crash(linter, tmp_path):
    path = tmp_path / "odd.yaml"
    path.write_text(ODD)
    report = linter.lint_paths([str(path)])
    rules = {f.rule for f in report.active()}
    # Non-string annotation values: the injector parses strings only; Kubernetes rejects the object anyway.
    assert rules <= {"CAP301", "CAP303", "SVC201", "SVC208"}


def test_rendered_injector_configmap(linter, tmp_path):
    path = tmp_path / "istio.yaml"
    path.write_text(
        "apiVersion: v1\n"
        "kind: ConfigMap\n"
        "metadata: {name: istio-sidecar-injector, namespace: istio-system}\n"
        "data:\n"
        "  values: |-\n"
        "    {\"global\": {\"proxy\": {\"includeIPRanges\": \"10.0.0.1/8\", \"excludeIPRanges\": \"*\","
        " \"includeInboundPorts\": \"\"}}}\n"
    )
    assert findings(linter, path) == [("CAP310", 6, 60), ("CAP313", 6, 27), ("CAP323", 6, 84)]
