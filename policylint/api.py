"""The one library API that the CLI and the webhook both call.

Rules compile once (in `Linter.__init__`) and evaluate many times.
"""
from __future__ import annotations

# Interface contract (implemented in this module):
#
#   class Linter:
#       def __init__(self, config: "Config | None" = None, *, rule_dirs=(), enable=(), disable=(),
#                    mesh_config: str | None = None, crds=()): ...
#       rules: list[RuleInfo]                 # id, name, severity, summary, istio_code, doc, kinds, source
#       def lint_paths(self, paths, *, jobs=1, progress=None) -> LintReport
#       def lint_text(self, text: str, filename: str = "<stdin>") -> LintReport
#       def lint_objects(self, objects: list[dict], *, context_objects=(), source="<admission>") -> LintReport
#
#   @dataclass(frozen=True) class LintReport:
#       findings: tuple[Finding, ...]   # sorted by Finding.sort_key; suppressed ones included, flagged
#       files: int; documents: int; skipped: int; parse_errors: int
#       def active(self) -> tuple[Finding, ...]      # not suppressed
#
# `lint_objects` lints already-decoded objects (an AdmissionReview's object): findings have file=source,
# line/column 0, and `path` set. `context_objects` feed the cross-resource indexes (other ServiceEntries,
# Namespaces) but produce no findings of their own.
