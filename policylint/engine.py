"""Evaluate compiled rules over documents.

The engine knows nothing about Istio: it dispatches documents to rules by `group/Kind`, feeds the declared
indexes, turns rule hits into findings with positions, and applies suppressions. Work is split in two phases so
that cross-resource rules see every document of the run:

1. per file (possibly in a worker process): index entries are collected, rules that do not use `lookup` are
   evaluated, and documents that a lookup rule will read are kept;
2. once, after all files: the indexes are merged in input order and the lookup rules run on the kept documents.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping

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


@dataclass
class FileOutcome:
    """What phase 1 produces for one file: picklable, merged by the parent in input order."""

    findings: list = field(default_factory=list)
    index_entries: list = field(default_factory=list)  # (index name, key, value)
    kept: list = field(default_factory=list)  # documents that phase-2 rules read
    documents: int = 0
    skipped: int = 0
    parse_errors: int = 0


class IndexStore:
    """Lookup tables declared by `index` blocks; keys compare by value, results keep input order."""

    def __init__(self) -> None:
        self._tables: dict[str, dict] = {}
        self._docs_by_data: dict[int, Any] = {}

    def add(self, name: str, key, value) -> None:
        table = self._tables.setdefault(name, {})
        bucket = table.get(key)
        if bucket is None:
            table[key] = [value]
        else:
            bucket.append(value)

    def remember(self, doc) -> None:
        self._docs_by_data[id(doc.data)] = doc

    def document_of(self, data):
        return self._docs_by_data.get(id(data))

    def lookup(self, name: str, key) -> list:
        if isinstance(key, list):
            key = _freeze(key)
        try:
            return self._tables.get(name, {}).get(key, _EMPTY)
        except TypeError:  # unhashable key (a map): nothing can be stored under it
            return _EMPTY


_EMPTY: list = []


def _freeze(key):
    return tuple(_freeze(k) for k in key) if isinstance(key, list) else key


class Engine:
    def __init__(self, ruleset, active: list[ActiveRule], config: Mapping[str, Any]) -> None:
        from .lang import Env

        self.config = config
        self.indexes = list(ruleset.indexes)
        # Phase 1 never looks anything up; phase 2 gets a fresh store and Env per run (see finish()).
        self.env = Env(config=config, lookup=IndexStore().lookup)
        self.local: dict[str, list[ActiveRule]] = {}
        self.cross: dict[str, list[ActiveRule]] = {}
        for ar in active:
            table = self.cross if ar.rule.uses_lookup else self.local
            for kind in ar.rule.kinds:
                table.setdefault(kind, []).append(ar)
        self.index_by_kind: dict[str, list] = {}
        for index in self.indexes:
            for kind in index.kinds:
                self.index_by_kind.setdefault(kind, []).append(index)
        self.kinds = frozenset(self.local) | frozenset(self.cross) | frozenset(self.index_by_kind)

    # -- phase 1 -------------------------------------------------------------------------------------------

    def rules_for(self, table: dict, kind_key: str) -> list[ActiveRule]:
        """Rules for a kind: the kind's own, then `*` rules (which never apply to policylint's own input kinds)."""
        specific = table.get(kind_key, ())
        if kind_key.startswith(SYNTHETIC_GROUP):
            return specific
        wildcard = table.get("*", ())
        return [*specific, *wildcard] if wildcard else specific

    def handles(self, kind_key: str) -> bool:
        if kind_key in self.kinds:
            return True
        return ("*" in self.local or "*" in self.cross) and not kind_key.startswith(SYNTHETIC_GROUP)

    def process_file(self, documents: Iterable, problems: Iterable, skipped: int = 0) -> FileOutcome:
        out = FileOutcome(skipped=skipped)
        for problem in problems:
            out.findings.append(problem_finding(problem))
            out.parse_errors += 1
        for doc in documents:
            out.documents += 1
            kind_key = doc.kind_key
            if not self.handles(kind_key):
                out.skipped += 1
                continue
            for index in self.index_by_kind.get(kind_key, ()):
                try:
                    entries = [(index.name, _freeze(key), value) for key, value in index.entries(doc, self.env)]
                except Exception as exc:  # noqa: BLE001 - see evaluate()
                    out.findings.append(rule_failure(f"index {index.name}", doc, exc))
                    continue
                out.index_entries.extend(entries)
            for ar in self.rules_for(self.local, kind_key):
                out.findings.extend(self.evaluate(ar, doc))
            if self.rules_for(self.cross, kind_key) or kind_key in self.index_by_kind:
                out.kept.append(doc)
        return out

    # -- phase 2 -------------------------------------------------------------------------------------------

    def finish(self, outcomes: list[FileOutcome], context_documents: Iterable = ()) -> list[Finding]:
        """Phase 2: build this run's indexes, run the lookup rules, and sort every finding."""
        from .lang import Env

        store = IndexStore()
        env = Env(config=self.config, lookup=store.lookup)
        if hasattr(env, "document_of"):  # lets fileOf()/lineOf() map an index value back to its document
            env.document_of = store.document_of
        for doc in context_documents:
            store.remember(doc)
            for index in self.index_by_kind.get(doc.kind_key, ()):
                try:
                    for key, value in index.entries(doc, self.env):
                        store.add(index.name, _freeze(key), value)
                except Exception:  # noqa: BLE001 - context objects report nothing; a broken one adds no entries
                    continue
        for outcome in outcomes:
            for doc in outcome.kept:
                store.remember(doc)
            for name, key, value in outcome.index_entries:
                store.add(name, key, value)
        findings: list[Finding] = []
        for outcome in outcomes:
            findings.extend(outcome.findings)
            for doc in outcome.kept:
                for ar in self.rules_for(self.cross, doc.kind_key):
                    findings.extend(self.evaluate(ar, doc, env))
        findings.sort(key=lambda f: f.sort_key)
        return findings

    # -- findings ------------------------------------------------------------------------------------------

    def evaluate(self, ar: ActiveRule, doc, env=None) -> list[Finding]:
        rule = ar.rule
        try:
            hits = rule.check(doc, ar.params, env or self.env)
        except Exception as exc:  # noqa: BLE001 - one faulty rule must not end the run or hide other findings
            return [rule_failure(rule.id, doc, exc)]
        if not hits:
            return []
        resource = document_resource(doc)
        ignored = annotation_ignores(doc.data)
        out = []
        for hit in hits:
            line, column = doc.locate(hit.path)
            if hit.column is not None:
                column = hit.column
            reason = _suppression(rule.id, hit.path, doc, ignored)
            out.append(Finding(
                rule=rule.id, name=rule.name, severity=ar.severity, message=hit.message,
                file=doc.file, line=line, column=column, resource=resource,
                path=render_path(hit.path) if hit.path else None, istio_code=rule.istio_code,
                fix=None if hit.fix is None else str(hit.fix),
                suppressed=reason is not None, suppression_reason=reason,
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
    try:
        raw = data["metadata"]["annotations"][IGNORE_ANNOTATION]
    except (KeyError, TypeError):
        return None
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
