"""SARIF 2.1.0 log for GitHub code scanning and other SARIF consumers.

One run; `tool.driver.rules` lists the rules that have findings (sorted by id). Every finding becomes a result,
suppressed ones with an `inSource` suppression. No timestamps and no paths beyond the ones the user named: the
same input always gives the same bytes. Validated against the OASIS schema in
`policylint/schemas/sarif-2.1.0.json`.
"""
from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..model import Finding, LintReport, RuleInfo, Severity
from ._common import resource_fqn, rule_for

SCHEMA_URI = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
INFORMATION_URI = "https://github.com/policylint/policylint"
SRCROOT = "%SRCROOT%"
FINGERPRINT_KEY = "policylint/v1"
MAX_TAGS = 10  # GitHub code scanning shows at most 10 tags of a rule

LEVEL = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "note"}

# Rule id prefix -> area tag (docs/design.md, "Rule ids").
AREA_TAGS = (
    ("PL", "input"),
    ("SE", "serviceentry"),
    ("SVC", "service"),
    ("CAP", "traffic-capture"),
    ("OTP", "outbound-traffic-policy"),
    ("SCH", "schema"),
    ("SC", "sidecar"),
    ("XR", "cross-resource"),
    ("REG", "region"),
    ("DR", "destinationrule"),
)

_ID_PREFIX = re.compile(r"[A-Za-z]+")
_WINDOWS_DRIVE = re.compile(r"[A-Za-z]:/")
# Characters kept as they are in a URI path; everything else is percent-encoded (':' too, so that a relative
# reference never looks like it has a scheme).
_URI_SAFE = "/-._~!$&'()*+;=@"


def artifact_location(file: str) -> dict[str, str]:
    """A file as the user named it -> SARIF artifactLocation: relative paths against `%SRCROOT%`."""
    path = file.replace("\\", "/")
    if path.startswith("/") or _WINDOWS_DRIVE.match(path):
        prefix = "file://" if path.startswith("/") else "file:///"
        return {"uri": prefix + quote(path, safe=_URI_SAFE + ":")}
    while path.startswith("./"):
        path = path[2:].lstrip("/")
    return {"uri": quote(path, safe=_URI_SAFE), "uriBaseId": SRCROOT}


def area_tag(rule_id: str) -> str | None:
    match = _ID_PREFIX.match(rule_id)
    prefix = match.group().upper() if match else ""
    return next((tag for p, tag in AREA_TAGS if p == prefix), None)


def _paragraphs(doc: str) -> list[tuple[str, str]]:
    """(heading, paragraph) pairs of a Markdown doc; lines starting with `#` are headings."""
    out: list[tuple[str, str]] = []
    heading, lines = "", []
    for raw in [*doc.splitlines(), ""]:
        line = raw.strip()
        if line and not line.startswith("#"):
            lines.append(line)
            continue
        if lines:
            out.append((heading, " ".join(lines)))
            lines = []
        if line.startswith("#"):
            heading = line.lstrip("#").strip().lower()
    return out


def full_description(info: RuleInfo) -> str:
    """The first paragraph under `## What it does` of the rule's doc, else its first paragraph, else the summary."""
    paragraphs = _paragraphs(info.doc or "")
    for heading, text in paragraphs:
        if heading == "what it does":
            return text
    return paragraphs[0][1] if paragraphs else info.summary


def rule_descriptor(info: RuleInfo) -> dict[str, Any]:
    doc = (info.doc or "").strip() or info.summary
    tags: list[str] = []
    for tag in (area_tag(info.id), *info.kinds):
        if tag and tag not in tags:
            tags.append(tag)
    properties: dict[str, Any] = {"tags": tags[:MAX_TAGS]}
    if info.istio_code:
        properties["istio_code"] = info.istio_code
    return {
        "id": info.id,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": full_description(info)},
        "help": {"text": doc, "markdown": doc},
        "defaultConfiguration": {"level": LEVEL[info.severity]},
        "properties": properties,
    }


def fingerprint(finding: Finding) -> str:
    """Stable across runs for the same (rule, file, resource, field path); independent of line numbers."""
    parts = (
        finding.rule,
        artifact_location(finding.file)["uri"],
        resource_fqn(finding.resource) if finding.resource is not None else "",
        finding.path or "",
    )
    return hashlib.sha256("\x00".join(parts).encode("utf-8")).hexdigest()[:32]


def result(finding: Finding, rule_index: int, occurrence: int) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": artifact_location(finding.file)}
    if finding.line > 0:
        region = {"startLine": finding.line}
        if finding.column > 0:
            region["startColumn"] = finding.column
        physical["region"] = region
    location: dict[str, Any] = {"physicalLocation": physical}
    if finding.resource is not None:
        location["logicalLocations"] = [{
            "name": finding.resource.name or "<unnamed>",
            "fullyQualifiedName": resource_fqn(finding.resource),
            "kind": "object",
        }]
    text = finding.message if finding.fix is None else f"{finding.message}\nfix: {finding.fix}"
    out: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": rule_index,
        "level": LEVEL[finding.severity],
        "message": {"text": text},
        "locations": [location],
        "partialFingerprints": {FINGERPRINT_KEY: f"{fingerprint(finding)}:{occurrence}"},
    }
    properties = {k: v for k, v in (("path", finding.path), ("istio_code", finding.istio_code),
                                    ("fix", finding.fix)) if v is not None}
    if properties:
        out["properties"] = properties
    if finding.suppressed:
        suppression = {"kind": "inSource"}
        if finding.suppression_reason:
            suppression["justification"] = finding.suppression_reason
        out["suppressions"] = [suppression]
    return out


def to_sarif(report: LintReport, rules: Mapping[str, RuleInfo], tool_version: str) -> dict[str, Any]:
    infos = {f.rule: rule_for(f, rules) for f in report.findings}
    ids = sorted(infos)
    index = {rule_id: i for i, rule_id in enumerate(ids)}
    seen: dict[str, int] = {}
    results = []
    for finding in report.findings:
        key = fingerprint(finding)
        seen[key] = seen.get(key, 0) + 1
        results.append(result(finding, index[finding.rule], seen[key]))
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{
            "tool": {"driver": {
                "name": "policylint",
                "version": tool_version,
                "informationUri": INFORMATION_URI,
                "rules": [rule_descriptor(infos[rule_id]) for rule_id in ids],
            }},
            "columnKind": "unicodeCodePoints",
            "results": results,
        }],
    }


def render(report: LintReport, rules: Mapping[str, RuleInfo], *, color: bool = False,
           show_suppressed: bool = False, tool_version: str = "") -> str:
    return json.dumps(to_sarif(report, rules, tool_version), indent=2, ensure_ascii=True) + "\n"
