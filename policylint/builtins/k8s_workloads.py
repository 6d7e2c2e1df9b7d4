"""Where Kubernetes workloads keep their pod template, so rules can tell where pod-level settings belong.

A Pod is its own template (its `metadata` is the pod's). Deployment, StatefulSet, DaemonSet, ReplicaSet,
ReplicationController, Job and Argo Rollout keep it at `spec.template`; CronJob at `spec.jobTemplate.spec.template`;
a core PodTemplate at `template`. Rules iterate the templates with their paths using the rule language's list
literal of path expressions, which skips the ones a document does not have:

    let pod = kind == "Pod" ? self : spec.template
    for tpl in [pod, spec.jobTemplate.spec.template]

Every function is total: any input gives a value, never an exception.

Rule-callable builtins (registered with `@builtin` under these names):

    podAnnotationsPath(kind)    the rendered path where a workload of this kind keeps its pods' annotations
                                ("spec.template.metadata.annotations", ...); null for kinds without pods
    labelsMatch(selector, labels)
                                every key of the selector is in labels with a value that renders the same
                                (`string()`): a matchLabels selector, checked in one call
"""
from __future__ import annotations

from typing import Any

from . import builtin

# Kind -> path of the pod template (the object whose `metadata` and `spec` are the pod's); "" is the document.
POD_TEMPLATE_PATHS = {
    "Pod": "",
    "PodTemplate": "template",
    "Deployment": "spec.template",
    "StatefulSet": "spec.template",
    "DaemonSet": "spec.template",
    "ReplicaSet": "spec.template",
    "ReplicationController": "spec.template",
    "Job": "spec.template",
    "Rollout": "spec.template",
    "CronJob": "spec.jobTemplate.spec.template",
}


@builtin("podAnnotationsPath", "where a workload kind keeps its pods' annotations (\"spec.template.metadata.annotations\"); null for kinds without pods")
def pod_annotations_path(kind: Any) -> str | None:
    if not isinstance(kind, str) or kind not in POD_TEMPLATE_PATHS:
        return None
    template = POD_TEMPLATE_PATHS[kind]
    return f"{template}.metadata.annotations" if template else "metadata.annotations"


@builtin("labelsMatch", "true when labels has every key of the selector with a value that renders the same (string()): a matchLabels selector")
def labels_match(selector: Any, labels: Any) -> bool:
    """Exactly `selector.all(k, k in labels && string(labels[k]) == string(selector[k]))`, in one call: the rules
    that match workload selectors against every pod of a namespace spent most of their time in that macro."""
    if type(selector) is dict and type(labels) is dict:
        for key, want in selector.items():
            if type(key) is bool:  # the language tells a true key from 1: leave it to the general case
                return _labels_match(selector, labels)
            if key not in labels:
                return False
            have = labels[key]
            if type(have) is str and type(want) is str:
                if have != want:
                    return False
            elif _fmt(have) != _fmt(want):
                return False
        return True
    return _labels_match(selector, labels)


def _labels_match(selector: Any, labels: Any) -> bool:
    from policylint.lang.runtime import contains, fmt, index, iterate

    return all(contains(labels, k) and fmt(index(labels, k)) == fmt(index(selector, k)) for k in iterate(selector))


_runtime_fmt = None


def _fmt(value: Any) -> str:
    """The language's rendering (`string()`); policylint.lang.runtime is imported on first use (the language
    imports this package)."""
    global _runtime_fmt
    if _runtime_fmt is None:
        from policylint.lang.runtime import fmt

        _runtime_fmt = fmt
    return _runtime_fmt(value)
