"""The one library API that the CLI and the webhook both call.

Rules compile once (in `Linter.__init__`) and evaluate many times: `lint_paths` for files, `lint_text` for
stdin, `lint_objects` for already-decoded objects such as an AdmissionReview's object.
"""
from __future__ import annotations

import gc
import os
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Callable, Iterable, Mapping, Sequence

from .config import Config, ConfigError
from .engine import ActiveRule, Engine, FileOutcome
from .indexes import EMPTY_CONTEXT, PreparedContext
from .model import LintReport, RuleInfo, Severity, Summary
from .objects import ObjectDocument

BUILTIN_RULES_DIRS = (
    Path(__file__).parent / "_rules",  # installed wheel
    Path(__file__).parent.parent / "rules",  # source checkout / editable install
)

Progress = Callable[[int, int], None]


def builtin_rules_dir() -> Path | None:
    for candidate in BUILTIN_RULES_DIRS:
        if candidate.is_dir():
            return candidate
    return None


def rule_files(dirs: Iterable[Path]) -> list[Path]:
    files: list[Path] = []
    for folder in dirs:
        folder = Path(folder)
        if not folder.is_dir():
            raise ConfigError(f"rule directory not found: {folder}")
        files.extend(sorted(folder.rglob("*.rule")))
    return files


def _selected(rule_id: str, patterns: Iterable[str]) -> bool:
    return any(rule_id.startswith(p) for p in patterns)


class Linter:
    """Compiled rules plus configuration; cheap to call many times, safe to share between threads."""

    def __init__(
        self,
        config: Config | None = None,
        *,
        rule_dirs: Sequence[str | os.PathLike] = (),
        enable: Sequence[str] = (),
        disable: Sequence[str] = (),
        builtin_rules: bool = True,
        crds: Sequence[str | os.PathLike] = (),
        use_cache: bool = True,
        fuse: bool = True,
    ) -> None:
        """`fuse=False` runs every rule as its own function (for comparing with the fused ones)."""
        from .lang import compile_rule_files

        self.config = _with_crds(config or Config(), crds)
        dirs: list[Path] = []
        builtin = builtin_rules_dir() if builtin_rules else None
        if builtin is not None:
            dirs.append(builtin)
        dirs.extend(self.config.rule_dirs)
        dirs.extend(Path(d) for d in rule_dirs)
        self.ruleset = compile_rule_files(rule_files(dirs), use_cache=use_cache)
        self.active = self._activate(enable, disable)
        self.engine = Engine(self.ruleset, self.active, self.config.data, fuse=fuse)
        self.rules = self._rule_infos()
        gc.freeze()  # compiled rules live as long as the process: keep them out of every later collection

    # -- configuration -------------------------------------------------------------------------------------

    def _activate(self, enable: Sequence[str], disable: Sequence[str]) -> list[ActiveRule]:
        known = {rule.id for rule in self.ruleset.rules}
        for rule_id in self.config.data.get("rules", {}):
            if rule_id not in known:
                raise ConfigError(f"rules.{rule_id}: no such rule")
        turn_on = (*self.config.enable, *enable)
        turn_off = (*self.config.disable, *disable)
        active = []
        for rule in self.ruleset.rules:
            settings = self.config.rule_settings(rule.id)
            on = settings.enabled is not False and not _selected(rule.id, turn_off)
            if _selected(rule.id, turn_on):
                on = True
            if not on:
                continue
            unknown = sorted(set(settings.params) - set(rule.params))
            if unknown:
                raise ConfigError(
                    f"rules.{rule.id}.params: unknown parameter {', '.join(map(repr, unknown))}"
                    f" (known: {', '.join(sorted(rule.params)) or 'none'})"
                )
            params = {**rule.params, **settings.params}
            active.append(ActiveRule(rule, settings.severity or rule.severity, params))
        return active

    def _rule_infos(self) -> list[RuleInfo]:
        from .loader import PROBLEM_CODES

        infos = [
            RuleInfo(code, name, Severity.WARNING if code == "PL010" else Severity.ERROR, summary, doc)
            for code, (name, summary, doc) in sorted(PROBLEM_CODES.items())
        ]
        severity = {ar.rule.id: ar.severity for ar in self.active}
        for rule in self.ruleset.rules:
            infos.append(RuleInfo(
                rule.id, rule.name, severity.get(rule.id, rule.severity), rule.summary, rule.doc,
                rule.istio_code, tuple(rule.kinds), str(rule.source),
            ))
        return infos

    def rule(self, rule_id: str) -> RuleInfo | None:
        return next((r for r in self.rules if r.id == rule_id.upper()), None)

    def kinds(self) -> frozenset[str]:
        """`group/Kind` keys that some active rule or index reads (`*` when a rule reads every kind)."""
        return self.engine.kinds

    def plan_all_kinds(self) -> None:
        """Work out the rules of every kind in `kinds()` now (fusing them, lang/fusion.py) rather than at the first
        document of each kind: a server's first request of a kind then costs what every later one does."""
        for kind in self.engine.kinds - {"*"}:  # `*` is no kind: its rules are in every kind's plan
            self.engine.plan(kind)

    @property
    def excludes(self) -> tuple[str, ...]:
        return self.config.exclude

    # -- linting -------------------------------------------------------------------------------------------

    def lint_paths(self, paths: Sequence[str], *, jobs: int = 1, progress: Progress | None = None,
                   extra_excludes: Sequence[str] = (), mesh_config: str | os.PathLike | None = None) -> LintReport:
        """Lint files and directories (`-` is stdin); `mesh_config` is an Istio MeshConfig file."""
        from .loader import iter_sources

        sources = list(iter_sources(list(paths), [*self.excludes, *extra_excludes]))
        files = len(sources) + (mesh_config is not None)
        # A lint run allocates millions of small, acyclic objects and frees them all at the end: the cyclic
        # collector would only walk them again and again (a third of the run time on large corpora). It is
        # turned back on after _lint_sources has returned, when the documents are already freed.
        with _collector_paused():
            return self._lint_sources(sources, files, jobs, progress, mesh_config)

    def _lint_sources(self, sources: list, files: int, jobs: int, progress: Progress | None,
                      mesh_config: str | os.PathLike | None) -> LintReport:
        first = [self._mesh_config_outcome(mesh_config)] if mesh_config is not None else []
        if jobs > 1 and len(sources) > 1:
            from .parallel import process_in_workers

            findings, counts = process_in_workers(self.engine, sources, jobs, progress, first)
            findings.sort(key=lambda f: f.sort_key)
            return LintReport(tuple(findings), Summary(files=files, **counts))
        outcomes = first
        for done, source in enumerate(sources, 1):
            outcomes.append(process_source(self.engine, source))
            if progress:
                progress(done, len(sources))
        return self._report(outcomes, files=files)

    def _mesh_config_outcome(self, path: str | os.PathLike) -> FileOutcome:
        from .loader import load_file
        from .loader.classify import FileKind

        if not Path(path).is_file():
            raise ConfigError(f"mesh config file not found: {path}")
        result = load_file(path, kind=FileKind.MESH_CONFIG)
        return self.engine.process_file(result.documents, result.problems, result.skipped)

    def lint_text(self, text: str, filename: str = "<stdin>") -> LintReport:
        from .loader import load_text

        result = load_text(text, filename)
        outcome = self.engine.process_file(result.documents, result.problems, result.skipped)
        return self._report([outcome], files=1)

    def lint_objects(self, objects: Iterable[Mapping[str, Any]], *, context_objects: Iterable[Mapping] = (),
                     context: PreparedContext | None = None, source: str = "<object>") -> LintReport:
        """Lint decoded objects together. Cross-resource rules also see the context: `context_objects`, or the
        same objects indexed once by `prepare_context` (faster when many calls share them). A context object
        that is the same resource (group, kind, namespace, name) as a linted object is replaced by it."""
        docs = [ObjectDocument(obj, source, i) for i, obj in enumerate(objects)]
        if context is None:
            context = self.prepare_context(context_objects) if context_objects else EMPTY_CONTEXT
        findings, skipped = self.engine.lint_documents(docs, context)
        return LintReport(tuple(findings), Summary(files=0, documents=len(docs), skipped=skipped))

    def prepare_context(self, objects: Iterable[Mapping[str, Any]]) -> PreparedContext:
        """Index context objects once, for `lint_objects(..., context=...)`; they are never reported on."""
        return self.engine.prepare_context(ObjectDocument(obj, "<context>", i) for i, obj in enumerate(objects))

    def _report(self, outcomes: list[FileOutcome], *, files: int) -> LintReport:
        findings = self.engine.finish(outcomes)
        summary = Summary(
            files=files,
            documents=sum(o.documents for o in outcomes),
            skipped=sum(o.skipped for o in outcomes),
            parse_errors=sum(o.parse_errors for o in outcomes),
        )
        return LintReport(tuple(findings), summary)


@contextmanager
def _collector_paused():
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _with_crds(config: Config, crds: Sequence[str | os.PathLike]) -> Config:
    """Resolve CRD files (config `crds:` relative to the config file, plus --crd) for the structure rules."""
    paths = [str((config.base_dir / p).resolve()) for p in config.data.get("crds", ())]
    paths += [str(Path(p).resolve()) for p in crds]
    for path in paths:
        if not Path(path).is_file():
            raise ConfigError(f"CRD file not found: {path}")
    if not paths:
        return config
    from .builtins.structure import check_crd_files

    problems = check_crd_files(paths)
    if problems:
        raise ConfigError("\n".join(problems))
    return Config(data={**config.data, "crds": paths}, path=config.path)


def process_source(engine: Engine, source) -> FileOutcome:
    from .loader import load_source

    result = load_source(source)
    return engine.process_file(result.documents, result.problems, result.skipped)
