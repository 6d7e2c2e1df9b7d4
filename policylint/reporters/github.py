"""GitHub Actions workflow commands: one `::error`/`::warning`/`::notice` annotation per finding, then a summary.

Escaping follows the Actions runner: in the message, `%`, CR and LF are percent-encoded; in properties (`file`,
`title`, ...) also `:` and `,`. Other control characters (ESC, ...) are written as visible `\\xNN` escapes.
"""
from __future__ import annotations

from collections.abc import Mapping

from ..model import Finding, LintReport, RuleInfo, Severity
from ._common import safe_multiline, summary_line, visible

COMMAND = {Severity.ERROR: "error", Severity.WARNING: "warning", Severity.INFO: "notice"}


def escape_data(text: str) -> str:
    text = safe_multiline(text)  # no raw ESC & co. in the job log
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(finding: Finding) -> str:
    """`::error file=F,line=L,col=C,title=ID name::message (Kind ns/name)`; suppressed ones as `::notice`."""
    file = finding.file.replace("\\", "/")
    while file.startswith("./"):
        file = file[2:]
    props = [f"file={escape_property(file)}"]
    if finding.line > 0:
        props.append(f"line={finding.line}")
        if finding.column > 0:
            props.append(f"col={finding.column}")
    title = f"{finding.rule} {finding.name}"
    message = finding.message
    if finding.resource is not None:
        message += f" ({finding.resource.label()})"
    if finding.fix is not None:
        message += f"\nfix: {finding.fix}"
    command = COMMAND[finding.severity]
    if finding.suppressed:
        command = "notice"
        title += " (suppressed)"
        if finding.suppression_reason:
            message += f"\nsuppressed: {finding.suppression_reason}"
    props.append(f"title={escape_property(title)}")
    return f"::{command} {','.join(props)}::{escape_data(message)}"


def render(report: LintReport, rules: Mapping[str, RuleInfo], *, color: bool = False,
           show_suppressed: bool = False, tool_version: str = "") -> str:
    lines = [annotation(f) for f in visible(report, show_suppressed)]
    lines.append(summary_line(report))
    return "\n".join(lines) + "\n"
