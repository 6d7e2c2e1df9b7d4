"""Helpers shared by the reporters: counting, wording, grouping, rule look-up, safe display text."""
from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

from ..model import Finding, LintReport, Resource, RuleInfo, Severity

# C0 controls, DEL and C1 controls: never written raw to a terminal (ANSI injection from manifest values).
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_NAMED_ESCAPES = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(match: re.Match) -> str:
    char = match.group()
    return _NAMED_ESCAPES.get(char, f"\\x{ord(char):02x}")


def safe(text: str) -> str:
    """One printable line: control characters become visible escapes (`\\n`, `\\x1b`)."""
    return _CONTROL.sub(_escape, text)


def safe_multiline(text: str) -> str:
    """Like `safe`, but line breaks (CR, LF) are kept for the caller to encode."""
    return _CONTROL.sub(lambda m: m.group() if m.group() in "\r\n" else _escape(m), text)


def plural(count: int, word: str) -> str:
    return f"{count} {word if count == 1 else word + 's'}"


def counts(report: LintReport) -> dict[str, int]:
    """The summary numbers every format reports (`findings` counts active findings only)."""
    return {
        "files": report.summary.files,
        "documents": report.summary.documents,
        "findings": len(report.active()),
        "errors": report.count(Severity.ERROR),
        "warnings": report.count(Severity.WARNING),
        "infos": report.count(Severity.INFO),
        "suppressed": len(report.suppressed()),
        "parse_errors": report.summary.parse_errors,
        "skipped": report.summary.skipped,
    }


def summary_line(report: LintReport) -> str:
    """`3 errors, 1 warning, 0 info in 4 files (...)`, or `No problems found in 4 files (12 documents).`"""
    c = counts(report)
    files = plural(c["files"], "file")
    if c["findings"] == 0:
        extra = [plural(c["documents"], "document")]
        if c["skipped"]:
            extra.append(f"{c['skipped']} skipped")
        if c["suppressed"]:
            extra.append(f"{c['suppressed']} suppressed")
        return f"No problems found in {files} ({', '.join(extra)})."
    return (
        f"{plural(c['errors'], 'error')}, {plural(c['warnings'], 'warning')}, {c['infos']} info in {files} "
        f"({plural(c['documents'], 'document')}, {c['skipped']} skipped, {c['suppressed']} suppressed, "
        f"{plural(c['parse_errors'], 'parse error')})"
    )


def group_by_file(findings: Iterable[Finding]) -> dict[str, list[Finding]]:
    """Findings per file, files in order of first appearance, findings in their given order."""
    groups: dict[str, list[Finding]] = {}
    for finding in findings:
        groups.setdefault(finding.file, []).append(finding)
    return groups


def visible(report: LintReport, show_suppressed: bool) -> tuple[Finding, ...]:
    return report.findings if show_suppressed else report.active()


def resource_fqn(resource: Resource) -> str:
    """`Kind/namespace/name` (`Kind/name` without a namespace), the logical location of a finding."""
    name = resource.name or "<unnamed>"
    parts = [resource.kind or "<no kind>"]
    if resource.namespace:
        parts.append(resource.namespace)
    parts.append(name)
    return "/".join(parts)


def rule_table(rules: Mapping[str, RuleInfo] | Iterable[RuleInfo]) -> Mapping[str, RuleInfo]:
    if isinstance(rules, Mapping):
        return rules
    return {rule.id: rule for rule in rules}


def rule_for(finding: Finding, rules: Mapping[str, RuleInfo]) -> RuleInfo:
    """The finding's RuleInfo; a rule unknown to `rules` is described from the finding itself."""
    info = rules.get(finding.rule)
    if info is not None:
        return info
    return RuleInfo(finding.rule, finding.name, finding.severity, finding.name, "", finding.istio_code)
