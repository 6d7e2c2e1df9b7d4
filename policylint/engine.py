"""Evaluate compiled rules over documents.

The engine knows nothing about Istio: it dispatches documents to rules by `group/Kind`, feeds the declared
indexes, turns rule hits into findings with positions, and applies suppressions. Work is split in two phases so
that cross-resource rules see every document of the run:

1. per file (possibly in a worker process): index entries are collected, rules that do not use `lookup` are
   evaluated, and documents that a lookup rule will read are kept;
2. after all files: the index entries are merged in input order into one `IndexStore`, and the lookup rules
   run on the kept documents (in the process that kept them).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Mapping

from .indexes import EMPTY_CONTEXT, IndexStore, LazyIndexStore, Origin, PreparedContext, freeze, identity
from .lang.runtime import Env
from .model import Finding, Resource, Severity, render_path

IGNORE_ANNOTATION = "policylint.io/ignore"
# Kinds policylint gives to inputs that are not Kubernetes objects (TextFile, HelmValues, MeshConfig).
SYNTHETIC_GROUP = "policylint.io/"


@dataclass(frozen=True, slots=True)
class ActiveRule:
    """A compiled rule as configured for this run: its effective severity and parameters."""

    rule: Any  # policylint.lang.CompiledRule
    severity: Severity
    params: Mapping[str, Any]


@dataclass(frozen=True, slots=True)
class KindPlan:
    """Everything the engine does with one `group/Kind`, worked out once per run."""

    local: tuple  # ActiveRules that need nothing but the document
    cross: tuple  # ActiveRules that call lookup(): run in phase 2
    indexes: tuple  # CompiledIndexes fed by this kind
    # The local and the cross rules each as one fused function (lang/fusion.py), with their params in order;
    # None where there is at most one rule or fusion is off.
    local_fused: Callable | None = None
    local_params: tuple = ()
    cross_fused: Callable | None = None
    cross_params: tuple = ()


@dataclass
class FileOutcome:
    """What phase 1 produces for one file."""

    findings: list = field(default_factory=list)
    index_entries: list = field(default_factory=list)  # (index name, key, value, Origin)
    kept: list = field(default_factory=list)  # documents that phase-2 rules read
    documents: int = 0
    skipped: int = 0
    parse_errors: int = 0


_NOTHING = KindPlan((), (), ())


class Engine:
    def __init__(self, ruleset, active: list[ActiveRule], config: Mapping[str, Any], *, fuse: bool = True) -> None:
        self.config = config
        self.ruleset = ruleset
        self.fuse = fuse
        # Phase 1 never looks anything up; phase 2 gets a store of its own per run (see cross_findings()).
        self.env = Env(config=config, lookup=IndexStore().lookup)
        self._local: dict[str, list[ActiveRule]] = {}
        self._cross: dict[str, list[ActiveRule]] = {}
        for ar in active:
            table = self._cross if ar.rule.uses_lookup else self._local
            for kind in ar.rule.kinds:
                table.setdefault(kind, []).append(ar)
        self._indexes: dict[str, list] = {}
        for index in ruleset.indexes:
            for kind in index.kinds:
                self._indexes.setdefault(kind, []).append(index)
        self._index_named = {index.name: index for index in ruleset.indexes}
        self.kinds = frozenset(self._local) | frozenset(self._cross) | frozenset(self._indexes)
        self._plans: dict[str, KindPlan | None] = {}

    def plan(self, kind_key: str) -> KindPlan | None:
        """The rules and indexes for a kind (its own, then `*` ones, which skip policylint's own input kinds);
        None when nothing reads the kind."""
        try:
            return self._plans[kind_key]
        except KeyError:
            pass
        wildcard = not kind_key.startswith(SYNTHETIC_GROUP)

        def pick(table: dict) -> tuple:
            return (*table.get(kind_key, ()), *(table.get("*", ()) if wildcard else ()))

        local, cross = pick(self._local), pick(self._cross)
        plan = KindPlan(local, cross,
                        tuple(self._indexes.get(kind_key, ())),
                        self._fused(local), tuple(ar.params for ar in local),
                        self._fused(cross), tuple(ar.params for ar in cross))
        self._plans[kind_key] = plan if plan != _NOTHING else None
        return self._plans[kind_key]

    def _fused(self, rules: tuple) -> Callable | None:
        if not self.fuse or len(rules) < 2:
            return None
        return self.ruleset.fuse([ar.rule for ar in rules])

    # -- phase 1 -------------------------------------------------------------------------------------------

    def process_file(self, documents: Iterable, problems: Iterable, skipped: int = 0) -> FileOutcome:
        out = FileOutcome(skipped=skipped)
        for problem in problems:
            out.findings.append(problem_finding(problem))
            out.parse_errors += 1
        for doc in documents:
            out.documents += 1
            plan = self.plan(doc.kind_key)
            if plan is None:
                out.skipped += 1
                continue
            if plan.indexes:
                self._index(doc, plan.indexes, out)
            if plan.local:
                self._local_findings(doc, plan, out.findings)
            if plan.cross:
                out.kept.append(doc)
        return out

    def _local_findings(self, doc, plan: KindPlan, findings: list) -> None:
        """Run the rules that need nothing but the document; their findings go to `findings`."""
        self._run_rules(doc, plan.local, plan.local_fused, plan.local_params, self.env, findings)

    def _run_rules(self, doc, rules: tuple, fused: Callable | None, params: tuple, env, findings: list) -> None:
        """Run `rules` on `doc`: through their fused function when there is one, one by one when there is none or
        when it raised (only the single functions tell which rule failed, as PL012)."""
        if fused is not None:
            try:
                hits = fused(doc, params, env)
            except Exception:  # noqa: BLE001 - see the docstring
                pass
            else:
                if hits:
                    by_rule: dict[int, list] = {}
                    for position, hit in hits:
                        by_rule.setdefault(position, []).append(hit)
                    for position, rule_hits in by_rule.items():
                        findings.extend(self.findings(rules[position], doc, rule_hits))
                return
        for ar in rules:
            try:
                hits = ar.rule.check(doc, ar.params, env)
            except Exception as exc:  # noqa: BLE001 - one faulty rule must not end the run
                findings.append(rule_failure(ar.rule.id, doc, exc))
                continue
            if hits:
                findings.extend(self.findings(ar, doc, hits))

    def _index(self, doc, indexes: tuple, out: FileOutcome) -> None:
        origin = Origin(doc.file, doc.line)
        for index in indexes:
            try:
                entries = [(index.name, freeze(key), value, origin) for key, value in index.entries(doc, self.env)]
            except Exception as exc:  # noqa: BLE001 - see process_file()
                out.findings.append(rule_failure(f"index {index.name}", doc, exc))
                continue
            out.index_entries.extend(entries)

    # -- phase 2 -------------------------------------------------------------------------------------------

    def cross_findings(self, documents: Iterable, store: IndexStore | LazyIndexStore) -> list[Finding]:
        """Run the lookup rules on the kept documents against the run's merged indexes."""
        env = Env(config=self.config, lookup=store.lookup, document_of=store.document_of)
        findings: list[Finding] = []
        for doc in documents:
            plan = self.plan(doc.kind_key)
            self._run_rules(doc, plan.cross, plan.cross_fused, plan.cross_params, env, findings)
        return findings

    def finish(self, outcomes: list[FileOutcome]) -> list[Finding]:
        """Phase 2 in this process: merge the indexes, run the lookup rules, sort every finding."""
        store = IndexStore()
        for outcome in outcomes:
            store.extend(outcome.index_entries)
        findings: list[Finding] = []
        for outcome in outcomes:
            findings.extend(outcome.findings)
            findings.extend(self.cross_findings(outcome.kept, store))
        findings.sort(key=lambda f: f.sort_key)
        return findings

    # -- a few documents on their own (admission) -----------------------------------------------------------

    def prepare_context(self, documents: Iterable) -> PreparedContext:
        """Index context documents once for many `lint_documents` calls (they report nothing, not even a
        failure)."""
        entries: list = []
        count = 0
        for doc in documents:
            count += 1
            plan = self.plan(doc.kind_key)
            if plan is None or not plan.indexes:
                continue
            out = FileOutcome()
            self._index(doc, plan.indexes, out)
            owner = identity(doc)
            entries.extend((*entry, owner) for entry in out.index_entries)
        return PreparedContext(entries, count)

    def lint_documents(self, documents: list, context: PreparedContext = EMPTY_CONTEXT) -> tuple[list, int]:
        """(sorted findings, documents no rule reads) of `documents` linted together over `context`: the same
        findings as one run over both, but indexes are built only when a rule looks them up."""
        findings: list[Finding] = []
        kept = []
        skipped = 0
        for doc in documents:
            plan = self.plan(doc.kind_key)
            if plan is None:
                skipped += 1
                continue
            if plan.local:
                self._local_findings(doc, plan, findings)
            if plan.cross:
                kept.append(doc)
        if kept:
            failures: list[Finding] = []
            store = LazyIndexStore(lambda name, docs: self._entries_of(name, docs, failures), documents, context)
            findings.extend(self.cross_findings(kept, store))
            findings.extend(failures)
        findings.sort(key=lambda f: f.sort_key)
        return findings, skipped

    def _entries_of(self, name: str, documents: list, failures: list) -> list:
        """(key, value, Origin) of index `name` over `documents`; a failure becomes PL012 in `failures`."""
        index = self._index_named.get(name)
        entries: list = []
        if index is None:
            return entries
        kinds = index.kinds
        for doc in documents:
            if doc.kind_key not in kinds:
                continue
            try:
                pairs = index.entries(doc, self.env)
            except Exception as exc:  # noqa: BLE001 - see process_file()
                failures.append(rule_failure(f"index {index.name}", doc, exc))
                continue
            if pairs:
                origin = Origin(doc.file, doc.line)
                entries += [(freeze(key) if type(key) is list else key, value, origin) for key, value in pairs]
        return entries

    # -- findings ------------------------------------------------------------------------------------------

    def findings(self, ar: ActiveRule, doc, hits) -> list[Finding]:
        """Rule hits as findings: positions, resource, suppressions."""
        rule = ar.rule
        resource = document_resource(doc)
        ignored = annotation_ignores(doc.data)
        out = []
        for hit in hits:
            line, column = doc.locate(hit.path)
            if hit.column is not None:
                column = hit.column
            reason = _suppression(rule.id, hit.path, doc, ignored)
            out.append(Finding(  # positional (faster): rule, name, severity, message, file, line, column, ...
                rule.id, rule.name, ar.severity, hit.message, doc.file, line, column, resource,
                render_path(hit.path) if hit.path else None, rule.istio_code,
                None if hit.fix is None else str(hit.fix), reason is not None, reason,
            ))
        return out


def document_resource(doc) -> Resource | None:
    if doc.kind_key.startswith(SYNTHETIC_GROUP):
        return None
    return Resource(doc.api_version, doc.kind, doc.namespace, doc.name)


def rule_failure(what: str, doc, exc: Exception) -> Finding:
    """PL012: a rule or index raised; reported at the document, and the run goes on."""
    detail = f"{type(exc).__name__}: {exc}"[:300]
    return Finding(
        rule="PL012", name="rule-failed", severity=Severity.ERROR,
        message=f"{what} failed on this document ({detail}); it is a bug in the rule, not in the manifest",
        file=doc.file, line=doc.line, column=1 if doc.line else 0, resource=document_resource(doc),
    )


def problem_finding(problem) -> Finding:
    from .loader import PROBLEM_CODES

    name = PROBLEM_CODES.get(problem.code, (problem.code,))[0]
    return Finding(
        rule=problem.code, name=name, severity=Severity(problem.severity), message=problem.message,
        file=problem.file, line=problem.line, column=problem.column,
    )


def annotation_ignores(data) -> dict[str, str] | None:
    """Parse `policylint.io/ignore: "ID[,ID]: reason"` into {rule id or '*': reason}."""
    metadata = data.get("metadata") if type(data) is dict else None
    annotations = metadata.get("annotations") if type(metadata) is dict else None
    raw = annotations.get(IGNORE_ANNOTATION) if type(annotations) is dict else None
    if not isinstance(raw, str):
        return None
    ids, _, reason = raw.partition(":")
    reason = "annotation: " + (reason.strip() or "no reason given")
    return {rule_id.strip(): reason for rule_id in ids.split(",") if rule_id.strip()}


def _suppression(rule_id: str, path: tuple, doc, ignored: dict | None) -> str | None:
    if ignored:
        reason = ignored.get(rule_id) or ignored.get("*")
        if reason is not None:
            return reason
    suppressions = getattr(doc, "suppressions", None)
    if suppressions is not None:
        reason = suppressions.matches(rule_id, path)
        if reason is not None:
            return "comment: " + (reason or "no reason given")
    return None
