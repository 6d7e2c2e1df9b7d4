"""The admission decision for one request: fast exits, linting under the time budget, failure mode.

Order matters for cost: everything that can be decided from the envelope (operation, subresource, kind,
namespace) is decided before the object is touched.
"""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Hashable, NamedTuple, Sequence

from .cache import LintCache
from .config import Settings
from .context import ContextProvider
from .decision import Decision, Judged, judge, needs_old_object, never_deny, ratchet
from .evaluator import BudgetExceeded, Evaluator
from .messages import denial_message, limit_warnings
from .review import AdmissionRequest

EVALUATED_OPERATIONS = ("CREATE", "UPDATE")
SOURCE = "admission"


class Outcome(NamedTuple):
    """What to answer and record. (A NamedTuple, like AdmissionRequest: cheaper to build than a frozen
    dataclass.)"""

    allowed: bool
    label: str  # allow | warn | deny | skip | exempt | fail-open | fail-closed
    code: int | None = None
    message: str | None = None
    warnings: tuple[str, ...] = ()
    judged: tuple[Judged, ...] = ()
    reason: str | None = None  # why skipped / exempt / failed, for the log
    error: BaseException | None = None


ALLOWED = Outcome(True, "allow")


class AdmissionController:
    def __init__(self, linter: Any, settings: Settings, context: ContextProvider, evaluator: Evaluator):
        self.linter = linter
        self.settings = settings
        self.context = context
        self.evaluator = evaluator
        self.cache = LintCache(settings.cache_size)
        self._context: tuple | None = None  # (provider version, its objects, their PreparedContext)
        kinds = {k if "/" in k else f"/{k}" for k in admitted_kinds(linter)}
        self._kinds = frozenset(kinds)

    def checks_kind(self, request: AdmissionRequest) -> bool:
        return f"{request.group}/{request.kind}" in self._kinds

    async def review(self, request: AdmissionRequest) -> Outcome:
        if request.operation not in EVALUATED_OPERATIONS:
            return Outcome(True, "skip", reason=f"operation {request.operation}")
        if request.subresource:
            return Outcome(True, "skip", reason=f"subresource {request.subresource}")
        if not self.checks_kind(request):
            return Outcome(True, "skip", reason="kind not checked")
        if request.namespace in self.settings.exempt_namespaces:
            return Outcome(True, "exempt", reason=f"namespace {request.namespace}")
        try:
            decision = await self.evaluator.run(self.decide, request)
        except BudgetExceeded as exc:
            return self.failure("timeout", f"evaluation took longer than {exc.budget:g}s", exc)
        except Exception as exc:  # noqa: BLE001 - any failure is answered by the failure mode
            return self.failure("exception", f"internal error {type(exc).__name__}", exc)
        return self._outcome(decision)

    def decide(self, request: AdmissionRequest) -> Decision:
        """Lint the object (and, for the ratchet, the old one); runs under the evaluator's time budget."""
        namespace = "" if (request.group, request.kind) == ("", "Namespace") else request.namespace
        obj = _with_namespace(request.object, namespace)
        version = self.context.version()
        context = self._prepared(self.context.context_for(request), version)
        decision = judge(self._lint(obj, context, version), self.settings, request.namespace)
        if needs_old_object(decision, self.settings, request.operation) and request.old_object is not None:
            old = _with_namespace(request.old_object, namespace)
            decision = ratchet(decision, self._lint(old, context, version))
        if self.settings.enforcement_mode == "warn":
            decision = never_deny(decision)
        return decision

    def _prepared(self, objects: Sequence[Mapping], version: Hashable | None) -> Any:
        """The context objects indexed once (`Linter.prepare_context`), reused while the provider's version and
        answer stay the same: indexing thousands of cluster objects per review would cost more than the review.
        The linter itself hides a stored copy of the object under review."""
        if not objects:
            return None
        cached = self._context
        if cached is not None and version is not None and cached[0] == version and cached[1] is objects:
            return cached[2]
        prepared = self.linter.prepare_context(objects)
        if version is not None:
            self._context = (version, objects, prepared)  # holds `objects`, so that `is` stays meaningful
        return prepared

    def _lint(self, obj: Mapping, context: Any, version: Any) -> tuple:
        return self.cache.findings(
            obj, version, lambda: self.linter.lint_objects([obj], context=context, source=SOURCE).findings
        )

    def _outcome(self, decision: Decision) -> Outcome:
        if not decision.judged:  # nothing found (or all of it suppressed): the usual answer
            return ALLOWED
        s = self.settings
        warnings = tuple(
            limit_warnings((j.warning_text() for j in decision.warnings), s.max_warnings, s.max_warning_length)
        )
        if decision.allowed:
            return Outcome(True, decision.label, warnings=warnings, judged=decision.judged)
        message = denial_message(decision.denials, s.max_denial_lines)
        return Outcome(False, "deny", 403, message, warnings, decision.judged)

    def failure(self, reason: str, why: str, error: BaseException) -> Outcome:
        if self.settings.failure_mode == "closed":
            message = f"policylint could not evaluate this object ({why}); denied because the webhook fails closed"
            return Outcome(False, "fail-closed", 500, message, reason=reason, error=error)
        warning = f"policylint could not evaluate this object ({why}); allowed because the webhook fails open"
        return Outcome(True, "fail-open", warnings=(warning,), reason=reason, error=error)


def admitted_kinds(linter: Any) -> frozenset[str]:
    """The `group/Kind`s admission checks: those some rule reports on.

    Kinds only an index reads (Nodes for regions) are context: admitting them could never find anything. Rules of
    kind "*" (Istio annotation names, structure) run on the admitted objects but do not make every kind checked:
    anything else the apiserver sends is unknown and allowed at once.
    """
    read = set(linter.kinds())
    rules = getattr(linter, "rules", None)
    if rules:
        reported = {kind for rule in rules for kind in getattr(rule, "kinds", ())}
        read &= reported
    return frozenset(k for k in read if k != "*")


def _with_namespace(obj: Mapping | None, namespace: str) -> Mapping:
    """The apiserver may send a namespaced object without metadata.namespace; rules need it. (For a Namespace
    itself, request.namespace is its own name: the caller passes "" then.)"""
    if obj is None or not namespace:
        return obj or {}
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping) and metadata.get("namespace"):
        return obj
    metadata = dict(metadata) if isinstance(metadata, Mapping) else {}
    metadata["namespace"] = namespace
    return {**obj, "metadata": metadata}
