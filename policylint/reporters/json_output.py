"""The public JSON report (`version` 1): every finding, suppressed ones flagged, and the summary counts.

The shape is specified by `policylint/schemas/output.schema.json` and documented in `docs/output-formats.md`.
"""
from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from ..model import Finding, LintReport, Resource, RuleInfo
from ._common import counts

VERSION = 1


def resource_dict(resource: Resource | None) -> dict[str, Any] | None:
    if resource is None:
        return None
    return {
        "apiVersion": resource.api_version,
        "kind": resource.kind,
        "namespace": resource.namespace,
        "name": resource.name,
    }


def finding_dict(finding: Finding) -> dict[str, Any]:
    return {
        "rule": finding.rule,
        "name": finding.name,
        "severity": finding.severity.value,
        "message": finding.message,
        "file": finding.file,
        "line": finding.line,
        "column": finding.column,
        "resource": resource_dict(finding.resource),
        "path": finding.path,
        "istio_code": finding.istio_code,
        "fix": finding.fix,
        "suppressed": finding.suppressed,
        "suppression_reason": finding.suppression_reason,
    }


def to_dict(report: LintReport) -> dict[str, Any]:
    return {
        "version": VERSION,
        "findings": [finding_dict(f) for f in report.findings],
        "summary": counts(report),
    }


def render(report: LintReport, rules: Mapping[str, RuleInfo], *, color: bool = False,
           show_suppressed: bool = False, tool_version: str = "") -> str:
    # ASCII only: the bytes are valid whatever the encoding of the stream they are written to.
    return json.dumps(to_dict(report), indent=2, ensure_ascii=True) + "\n"
