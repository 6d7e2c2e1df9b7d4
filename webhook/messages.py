"""The text a `kubectl apply` user reads: the denial message and the warnings, within the apiserver's limits.

kubectl prints the denial as `admission webhook "..." denied the request: <message>` and each warning as
`Warning: <warning>`, so neither repeats those words. The apiserver drops a warning holding a non-printable
character and cuts warnings at 256 runes once their total passes 4096 runes, so both are enforced here.
"""
from __future__ import annotations

from typing import Iterable, Sequence

from policylint.model import Finding

from .config import APISERVER_WARNING_TOTAL_RUNES

ELLIPSIS = "…"
# Room kept for the "N more" line so the total stays within the apiserver's limit.
_OVERFLOW_RESERVE = 80
_DENIAL_LINE_LIMIT = 300


def finding_text(finding: Finding) -> str:
    """`SE101 spec.hosts[0]: message` (rule id first; no path when the finding has none)."""
    where = f" {finding.path}" if finding.path else ""
    return f"{finding.rule}{where}: {finding.message}"


def denial_message(denials: Sequence[Finding], max_lines: int) -> str:
    count = len(denials)
    noun = "violation" if count == 1 else "violations"
    lines = [f"{count} policylint {noun}:"]
    for finding in denials[:max_lines]:
        lines.append("- " + truncate(printable(finding_text(finding)), _DENIAL_LINE_LIMIT))
    hidden = count - max_lines
    if hidden > 0:
        lines.append(f"- and {hidden} more (run `policylint lint` on the manifest to see all)")
    return "\n".join(lines)


def limit_warnings(texts: Iterable[str], max_count: int, max_length: int) -> list[str]:
    """Printable, each at most `max_length` runes, at most `max_count`, total within the apiserver's budget.

    Warnings that do not fit are summarised in one last warning so the user knows some are missing.
    """
    out: list[str] = []
    total = 0
    items = list(texts)
    budget = APISERVER_WARNING_TOTAL_RUNES - _OVERFLOW_RESERVE
    for index, text in enumerate(items):
        text = truncate(printable(text), max_length)
        if len(out) >= max_count or total + len(text) > budget:
            out.append(f"{len(items) - index} more policylint warnings not shown")
            break
        out.append(text)
        total += len(text)
    return out


def printable(text: str) -> str:
    """Control and other non-printable characters become spaces (a value may hold a newline or a tab)."""
    if text.isprintable():
        return text
    return "".join(ch if ch.isprintable() else " " for ch in text)


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + ELLIPSIS
