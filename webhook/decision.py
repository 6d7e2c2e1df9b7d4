"""From findings to an admission decision: enforcement action per rule, suppression policy, UPDATE ratchet.

Pure functions over `Finding`s and `Settings`, so every decision path is testable without a server.
"""
from __future__ import annotations

from typing import Iterable, NamedTuple, Sequence

from policylint.model import Finding

from .config import Settings
from .messages import finding_text

ANNOTATION_REASON_PREFIX = "annotation:"

# Why a finding that its action would deny is only warned about.
PRE_EXISTING = "pre-existing"  # UPDATE ratchet: the old object already had it
WARN_MODE = "warn-mode"  # the global mode never denies

_NOTE = {
    PRE_EXISTING: " (pre-existing violation: allowed on update)",
    WARN_MODE: " (not denied: policylint enforcement is in warn mode)",
}


class Judged(NamedTuple):  # NamedTuples here: immutable, and cheaper to build than frozen dataclasses
    finding: Finding
    action: str  # "deny" | "warn" | "audit": what this request does with the finding
    relaxed_by: str | None = None  # PRE_EXISTING or WARN_MODE when a deny became a warn

    @property
    def metric_action(self) -> str:
        return self.relaxed_by or self.action

    def warning_text(self) -> str:
        return finding_text(self.finding) + _NOTE.get(self.relaxed_by or "", "")


class Decision(NamedTuple):
    judged: tuple[Judged, ...]
    suppressed: tuple[Finding, ...]

    @property
    def denials(self) -> tuple[Finding, ...]:
        return tuple(j.finding for j in self.judged if j.action == "deny")

    @property
    def warnings(self) -> tuple[Judged, ...]:
        return tuple(j for j in self.judged if j.action == "warn")

    @property
    def allowed(self) -> bool:
        return not any(j.action == "deny" for j in self.judged)

    @property
    def rule_ids(self) -> list[str]:
        return sorted({j.finding.rule for j in self.judged})

    @property
    def label(self) -> str:
        """The decision as logged and counted: deny, warn (allowed with warnings) or allow."""
        if not self.allowed:
            return "deny"
        return "warn" if self.warnings else "allow"


def judge(findings: Iterable[Finding], settings: Settings, namespace: str | None) -> Decision:
    """Apply the suppression policy and each rule's action (before any ratchet)."""
    honour_annotation = settings.honours_ignore_annotation(namespace)
    judged: list[Judged] = []
    suppressed: list[Finding] = []
    for finding in findings:
        if finding.suppressed and (honour_annotation or not _by_annotation(finding)):
            suppressed.append(finding)
            continue
        judged.append(Judged(finding, settings.action_for(finding.rule, finding.severity)))
    return Decision(tuple(judged), tuple(suppressed))


def needs_old_object(decision: Decision, settings: Settings, operation: str) -> bool:
    """The ratchet only matters for denials on UPDATE; linting the old object is skipped otherwise."""
    return settings.ratchet and operation == "UPDATE" and not decision.allowed


def ratchet(decision: Decision, old_findings: Sequence[Finding]) -> Decision:
    """Denials already present in the old object become warnings.

    A violation counts as pre-existing when the old object has a finding of the same rule with the same message
    (it moved, e.g. a list item was inserted before it) or at the same path (its value changed but the field was
    already in violation). Anything else is new and stays denied.
    """
    old_messages = {(f.rule, f.message) for f in old_findings}
    old_paths = {(f.rule, f.path) for f in old_findings if f.path is not None}
    out = []
    for j in decision.judged:
        f = j.finding
        if j.action == "deny" and ((f.rule, f.message) in old_messages or (f.rule, f.path) in old_paths):
            j = Judged(f, "warn", PRE_EXISTING)
        out.append(j)
    return Decision(tuple(out), decision.suppressed)


def never_deny(decision: Decision) -> Decision:
    """The global warn mode (rollout): every denial becomes a warning."""
    out = tuple(Judged(j.finding, "warn", WARN_MODE) if j.action == "deny" else j for j in decision.judged)
    return Decision(out, decision.suppressed)


def _by_annotation(finding: Finding) -> bool:
    return (finding.suppression_reason or "").startswith(ANNOTATION_REASON_PREFIX)
