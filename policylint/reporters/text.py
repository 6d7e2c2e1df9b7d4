"""Human-readable report: findings grouped per file, compiler-style `path:line:col:` lines, a summary line."""
from __future__ import annotations

from collections.abc import Mapping

from ..model import Finding, LintReport, RuleInfo, Severity
from ._common import group_by_file, safe, summary_line, visible

RESET = "\x1b[0m"
BOLD = "\x1b[1m"
DIM = "\x1b[2m"
UNDERLINE = "\x1b[4m"
GREEN = "\x1b[32m"
SEVERITY_COLOR = {Severity.ERROR: "\x1b[31m", Severity.WARNING: "\x1b[33m", Severity.INFO: "\x1b[36m"}


def _paint(text: str, style: str, color: bool) -> str:
    return f"{style}{text}{RESET}" if color else text


def position(finding: Finding) -> str:
    """`file:line:col`, `file:line` when the column is unknown (0), `file` when the line is unknown (0)."""
    out = safe(finding.file)
    if finding.line > 0:
        out += f":{finding.line}"
        if finding.column > 0:
            out += f":{finding.column}"
    return out


def finding_lines(finding: Finding, *, color: bool = False) -> list[str]:
    severity = _paint(finding.severity.value, SEVERITY_COLOR[finding.severity], color)
    line = f"{position(finding)}: {severity} {_paint(safe(finding.rule), BOLD, color)} {safe(finding.message)}"
    if finding.resource is not None:
        line += f" ({safe(finding.resource.label())})"
    if finding.suppressed:
        reason = f": {safe(finding.suppression_reason)}" if finding.suppression_reason else ""
        line += " " + _paint(f"[suppressed{reason}]", DIM, color)
    lines = [line]
    if finding.fix is not None:
        lines.append(f"  fix: {safe(finding.fix)}")
    return lines


def render(report: LintReport, rules: Mapping[str, RuleInfo], *, color: bool = False,
           show_suppressed: bool = False, tool_version: str = "") -> str:
    out: list[str] = []
    for file, findings in group_by_file(visible(report, show_suppressed)).items():
        out.append(_paint(safe(file), BOLD + UNDERLINE, color))
        for finding in findings:
            out.extend(finding_lines(finding, color=color))
        out.append("")
    summary = summary_line(report)
    if report.active():
        worst = max(f.severity.rank for f in report.active())
        style = next(c for s, c in SEVERITY_COLOR.items() if s.rank == worst)
        out.append(_paint(summary, BOLD + style, color))
    else:
        out.append(_paint(summary, GREEN, color))
    return "\n".join(out) + "\n"
