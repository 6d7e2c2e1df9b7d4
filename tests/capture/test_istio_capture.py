"""The istio_capture builtins: the sidecar injector's and the installer's parsers, and istio-iptables semantics."""
from __future__ import annotations

import pytest
import yaml

from policylint.builtins import istio_capture as cap
from policylint.builtins import k8s_workloads


@pytest.mark.parametrize("value, allow_star, accepted", [
    ("*", True, True),
    ("*", False, False),
    ("", True, True),
    ("", False, True),
    ("10.0.0.0/8,172.16.0.0/12", True, True),
    ("10.0.0.1/24", True, True),                 # host bits are accepted
    ("2001:db8::/32,::ffff:10.0.0.0/104", True, True),
    ("10.0.0.0/8, 172.16.0.0/12", True, False),  # no trimming
    ("10.0.0.0/8,", True, False),                # empty element
    ("10.0.0.0/8,,10.1.0.0/16", True, False),
    ("10.0.0.1", True, False),                   # bare address
    ("*,10.0.0.0/8", True, False),
    ("10.0.0.0/33", True, False),
    ("10.0.0.0/08", True, False),                # leading zero in the length
    ("010.0.0.0/8", True, False),                # leading zero in the address
    ("fe80::1%eth0/64", True, False),            # zone
    ("bad", True, False),
])
def test_ip_ranges_problem_follows_the_injector(value, allow_star, accepted):
    assert (cap.ip_ranges_problem(value, allow_star) is None) is accepted


def test_ip_ranges_fix():
    assert cap.ip_ranges_fix("10.0.0.0/8, 172.16.0.0/12,", True) == "10.0.0.0/8,172.16.0.0/12"
    assert cap.ip_ranges_fix("10.0.0.1", True) == "10.0.0.1/32"
    assert cap.ip_ranges_fix("*,10.0.0.0/8", True) == "*"
    assert cap.ip_ranges_fix("*", False) is None
    assert cap.ip_ranges_fix("bad", True) is None
    assert cap.ip_ranges_fix("10.0.0.0/8", True) is None  # nothing to fix


def test_values_problem_accepts_star_for_exclude_but_not_mixed():
    assert cap.ip_ranges_values_problem("*") is None
    assert cap.ip_ranges_values_problem("") is None
    assert cap.ip_ranges_values_problem("*,1.1.0.0/16") is not None
    assert "bad" in cap.ip_ranges_values_problem("1.1.0.0/16,bad")


def test_range_arithmetic():
    assert cap.ip_ranges_host_bits("127.0.0.1/24,10.96.0.0/12") == ["127.0.0.1/24"]
    assert cap.ip_ranges_canonical("127.0.0.1/24,10.96.0.0/12") == "127.0.0.0/24,10.96.0.0/12"
    assert cap.ip_ranges_redundant("10.96.0.2/24,10.96.0.3/24") == [["10.96.0.3/24", "10.96.0.2/24"]]
    assert cap.ip_ranges_deduplicated("10.0.0.0/8,10.96.0.0/12,192.168.0.0/16") == "10.0.0.0/8,192.168.0.0/16"
    assert cap.ip_ranges_families("10.0.0.0/8,::ffff:10.0.0.0/104") == [4, 6]
    assert cap.ip_ranges_families("*") == [4, 6]
    assert cap.ip_ranges_families("") == []
    assert cap.ip_ranges_unmapped("::ffff:169.254.169.254/128") == "169.254.169.254/32"
    assert cap.ip_ranges_unmapped("::ffff:0:0/95") is None
    assert cap.ip_ranges_shadowed("10.0.0.0/8,192.168.0.0/16", "10.0.0.0/9,10.128.0.0/9") == ["10.0.0.0/8"]
    assert cap.ip_ranges_outside("169.254.169.254/32,10.1.0.0/16", "10.0.0.0/8") == ["169.254.169.254/32"]
    assert cap.ip_ranges_outside("1.1.1.1/32", "*") == []


def test_uncaptured_cluster_cidrs():
    cidrs = ["10.96.0.0/12", "10.244.0.0/16"]
    assert cap.ip_ranges_uncaptured("10.244.0.0/16", None, cidrs) == ["10.96.0.0/12"]
    assert cap.ip_ranges_uncaptured(None, "10.244.0.0/17", cidrs) == ["10.244.0.0/16"]  # null include is "*"
    assert cap.ip_ranges_uncaptured("*", "169.254.169.254/32", cidrs) == []
    assert cap.ip_ranges_uncaptured("", None, cidrs) == cidrs


def test_public_space():
    assert cap.ip_ranges_public("10.0.0.0/8,169.254.169.254/32,52.216.0.0/15") == ["52.216.0.0/15"]
    assert cap.ip_ranges_miss_public("10.0.0.0/8", [4])
    assert not cap.ip_ranges_miss_public("0.0.0.0/0", [4])
    assert cap.ip_ranges_miss_public("0.0.0.0/0", [4, 6])
    assert not cap.ip_ranges_miss_public("*", [4, 6])


@pytest.mark.parametrize("value, allow_star, accepted", [
    ("1,2,3", False, True),
    (" 15020, 9090 ", False, True),              # trimmed, as the injector does
    ("0", False, True),                          # 0 is accepted
    ("", False, True),
    ("*", True, True),
    ("*", False, False),
    ("*,8080", True, False),
    ("1,,2", False, False),
    ("65536", False, False),
    ("bad", False, False),
    ("+80", False, False),
])
def test_port_list_problem_follows_the_injector(value, allow_star, accepted):
    assert (cap.port_list_problem(value, allow_star) is None) is accepted


def test_scalar_validators():
    assert cap.is_uint32("10") and not cap.is_uint32("10s") and not cap.is_uint32("-1") and not cap.is_uint32(" 1")
    assert cap.is_go_bool("True") and cap.is_go_bool("0") and not cap.is_go_bool("yes")
    assert cap.parse_port_annotation(" 15020 ") == 15020 and cap.parse_port_annotation("x") is None


def test_kube_inject_flags():
    line = 'kubectl apply -f <(istioctl kube-inject -f a.yaml --includeIPRanges "10.0.0.0/8, 1.2.3.4/32")'
    assert cap.kube_inject_range_flags(line) == [
        {"flag": "includeIPRanges", "value": "10.0.0.0/8, 1.2.3.4/32", "column": line.index("--") + 1}]
    assert cap.kube_inject_range_flags("x --excludeIPRanges=$CIDR")[0]["value"] is None
    assert cap.kube_inject_range_flags("istioctl install --set values.global.proxy.includeIPRanges=1") == []


def test_annotation_catalogue():
    assert cap.annotation_misplaced("traffic.sidecar.istio.io/includeOutboundIPRanges", "Deployment")
    assert not cap.annotation_misplaced("traffic.sidecar.istio.io/includeOutboundIPRanges", "Pod")
    assert not cap.annotation_misplaced("galley.istio.io/analyze-suppress", "Namespace")
    assert not cap.annotation_misplaced("made.up.istio.io/x", "Deployment")
    assert cap.unknown_istio_annotation("sidecar.istio.io/excludeOutboundIPRanges", []) == \
        "traffic.sidecar.istio.io/excludeOutboundIPRanges"
    assert cap.unknown_istio_annotation("traffic.sidecar.istio.io/includeOutboundIpRanges", []) == \
        "traffic.sidecar.istio.io/includeOutboundIPRanges"
    assert cap.unknown_istio_annotation("traffic.sidecar.istio.io/bogus", []) == ""
    assert cap.unknown_istio_annotation("networking.istio.io/exportThree", []) is None
    assert cap.unknown_istio_annotation("networking.istio.io/exportThree", ["networking.istio.io"]) == ""
    assert cap.istio_annotation("traffic.sidecar.istio.io/kubevirtInterfaces")["deprecated"] is True


def test_pod_annotations_path():
    assert k8s_workloads.pod_annotations_path("Pod") == "metadata.annotations"
    assert k8s_workloads.pod_annotations_path("CronJob") == "spec.jobTemplate.spec.template.metadata.annotations"
    assert k8s_workloads.pod_annotations_path("Deployment") == "spec.template.metadata.annotations"
    assert k8s_workloads.pod_annotations_path("Service") is None


JUNK = [None, 0, -1, 3.5, True, "", " ", "*", ",", "a/b", "::", "1.2.3.4/", [], ["10.0.0.0/8"], {}, {"a": 1}]


def test_builtins_are_total():
    from policylint import builtins
    mine = [b for b in builtins.load().values() if b.module in ("istio_capture", "k8s_workloads")]
    assert mine
    for item in mine:
        for first in JUNK:
            for second in JUNK:
                prefix = (_Doc(first), None) if item.context == "document" else ()
                item.fn(*prefix, *([first, second, first][: item.max_args]))


class _Doc:
    """The part of a loaded Document that document builtins read."""

    def __init__(self, data) -> None:
        self.data = data

    def parse_embedded(self, path):
        node = self.data
        for seg in path:
            node = node[seg]
        return yaml.safe_load(node), None


# The preamble every CAP rule spelled out before captureFacts() did it once per document.
PREAMBLE = """
index probe {
  kinds: ["*"]
  let held = kind == "PodTemplate" ? template : spec.template
  let pod = kind == "Pod" ? self : held
  let podData = default(pod, spec.jobTemplate.spec.template)
  let injectOpt = default(podData.metadata.labels["sidecar.istio.io/inject"], podData.metadata.annotations["sidecar.istio.io/inject"])
  let injected = podData.spec.hostNetwork != true && !(type(injectOpt) == "string" && injectOpt != "" && !(injectOpt.lowerAscii() in ["y", "yes", "true", "on"]))
  key: 0
  value: {"injected": injected, "sources": [pod.metadata.annotations, spec.jobTemplate.spec.template.metadata.annotations, global.proxy, spec.values.global.proxy, parseYaml(data.values).global.proxy]}
}
"""


def _pods():
    annotations = [None, "text", [], {}, {"traffic.sidecar.istio.io/includeOutboundIPRanges": "10.0.0.0/8"},
                   {"sidecar.istio.io/inject": "false", "includeIPRanges": ""}]
    labels = [None, {}, *({"sidecar.istio.io/inject": v} for v in ("true", "False", "", "YES", "on", "no", 1, None, "İ"))]
    for ann in annotations:
        for lab in labels:
            for spec in (None, {}, {"hostNetwork": True}, {"hostNetwork": "true"}, {"hostNetwork": 1}, "x"):
                meta = {} if ann is None and lab is None else {"annotations": ann, "labels": lab}
                yield {"metadata": meta, "spec": spec}
    yield None
    yield "pod"
    yield {"metadata": "m"}


def _documents():
    for pod in _pods():
        yield {"kind": "Pod", **pod} if isinstance(pod, dict) else {"kind": "Pod", "metadata": pod}
        yield {"kind": "PodTemplate", "template": pod}
        yield {"kind": "Deployment", "spec": {"template": pod}}
        yield {"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": pod}}}}
        yield {"kind": "Job", "spec": {"template": pod, "jobTemplate": {"spec": {"template": pod}}}}
    for values in ("global:\n  proxy:\n    includeIPRanges: '*'\n", "global: {proxy: 3}", ": [", "", 7):
        yield {"kind": "ConfigMap", "data": {"values": values}}
    yield {"kind": "IstioOperator", "spec": {"values": {"global": {"proxy": {"excludeIPRanges": ""}}}}}
    yield {"kind": "HelmValues", "global": {"proxy": {"includeInboundPorts": "", "excludeIPRanges": "1.2.3.4/32"}}}
    yield {"kind": "Deployment", "spec": "s", "global": {"proxy": "p"}}
    yield {}


def test_capture_facts_match_the_rule_preamble(tmp_path):
    from policylint.lang import Env, compile_rule_files

    rule_file = tmp_path / "probe.rule"
    rule_file.write_text(PREAMBLE, encoding="utf-8")
    probe = compile_rule_files([rule_file], use_cache=False).indexes[0]
    count = 0
    for data in _documents():
        count += 1
        [(_, expected)] = probe.entries(_Doc(data), Env({}, None))
        facts = cap.capture_facts(_Doc(data), (), data)
        assert facts["injected"] is expected["injected"], data
        keys = {k for source in expected["sources"] if isinstance(source, dict) for k in source}
        assert set(facts["keys"]) == keys and all(v is True for v in facts["keys"].values()), data
    assert count > 300


def test_capture_facts_once_per_document():
    data = {"kind": "Pod", "metadata": {"annotations": {"a": "1"}}}
    first = cap.capture_facts(_Doc(data), (), data)
    assert cap.capture_facts(_Doc(data), (), data) is first
    twin = {"kind": "Pod", "metadata": {"annotations": {"a": "1"}}}
    assert cap.capture_facts(_Doc(twin), (), twin) is not first
    assert cap.capture_facts(_Doc(twin), (), twin) == first
    assert cap.capture_facts(None, None, "x") == {"injected": True, "keys": {}}


def test_labels_match_is_the_selector_macro(tmp_path):
    from policylint.lang import Env, compile_rule_files

    rule_file = tmp_path / "probe.rule"
    rule_file.write_text(
        'index probe {\n  kinds: ["*"]\n  key: 0\n'
        '  value: [sel.all(k, k in labels && string(labels[k]) == string(sel[k])), labelsMatch(sel, labels)]\n}\n',
        encoding="utf-8")
    probe = compile_rule_files([rule_file], use_cache=False).indexes[0]
    values = ["web", "", "1", 1, 1.0, True, None, ["web"], {"a": "b"}]
    maps = [{}, {"app": "web"}, {"app": "web", "tier": "1"}, {"app": 1}, {"tier": 1}, {"app": None}, {1: "x"},
            {True: "x"}, {"app": ["web"]}, {"app": {"a": "b"}}]
    maps += [{"app": v, "tier": w} for v in values for w in values[:4]]
    odd = [None, "app", 3, ["app"], ["app", "tier"], [0]]
    count = 0
    for sel in maps + odd:
        for labels in maps + odd:
            [(_, (expected, got))] = probe.entries(_Doc({"sel": sel, "labels": labels}), Env({}, None))
            assert got is expected, (sel, labels)
            count += expected
    assert count > 100


def test_cached_range_builtins_give_fresh_equal_answers():
    values = [None, "", "*", "10.0.0.1/24,10.0.0.0/8", "10.0.0.0/8,10.0.0.0/8", "::ffff:10.0.0.0/104,8.8.8.0/24",
              "1.2.3.4", 3, ["10.0.0.0/8"]]
    single = [(cap.ip_ranges_host_bits, cap._ip_ranges_host_bits), (cap.ip_ranges_redundant, cap._ip_ranges_redundant),
              (cap.ip_ranges_families, cap._ip_ranges_families), (cap.ip_ranges_mapped, cap._ip_ranges_mapped),
              (cap.ip_ranges_public, cap._ip_ranges_public)]
    pairs = [(cap.ip_ranges_shadowed, cap._ip_ranges_shadowed), (cap.ip_ranges_outside, cap._ip_ranges_outside)]
    for value in values:
        for cached, plain in single:
            first = cached(value)
            assert first == plain(value) == cached(value)
            if isinstance(first, list):
                first.append("changed")
                assert cached(value) == plain(value)
        for other in values:
            for cached, plain in pairs:
                assert cached(value, other) == plain(value, other) == cached(value, other)
