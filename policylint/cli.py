"""`policylint` command line: a thin layer over `policylint.api.Linter` and the reporters.

Exit codes: 0 nothing at or above --fail-on, 1 findings at or above it, 2 usage, config or rule errors.
"""
from __future__ import annotations

import argparse
import gc
import os
import sys
import time

from . import __version__

FAIL_LEVELS = ("error", "warning", "info", "never")
FORMATS = ("text", "json", "sarif", "github")
EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
# Progress is worth drawing only for runs long enough to look stuck.
PROGRESS_MIN_FILES = 200


class UsageError(Exception):
    pass


def _split_ids(values: list[str] | None) -> list[str]:
    return [part.strip().upper() for value in values or () for part in value.split(",") if part.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="policylint",
        description="Lint Istio and Kubernetes egress configuration.",
    )
    parser.add_argument("--version", action="version", version=f"policylint {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    lint = sub.add_parser("lint", help="lint manifests (files, directories, or - for stdin)")
    lint.add_argument("paths", nargs="*", default=["."], help="files or directories; - reads stdin")
    lint.add_argument("--format", "-f", choices=FORMATS, default="text")
    lint.add_argument("--output", "-o", metavar="FILE",
                      help="write the report to FILE (text still goes to the terminal)")
    lint.add_argument("--config", "-c", metavar="FILE", help="config file (default: nearest .policylint.yaml)")
    lint.add_argument("--fail-on", choices=FAIL_LEVELS, default=None,
                      help="lowest severity that makes the exit code 1 (default: error)")
    lint.add_argument("--enable", action="append", metavar="RULE", help="turn on rules (ids or prefixes)")
    lint.add_argument("--disable", action="append", metavar="RULE", help="turn off rules (ids or prefixes)")
    lint.add_argument("--rules", action="append", metavar="DIR", default=[], help="extra rule directory")
    lint.add_argument("--no-default-rules", action="store_true", help="only the rules of --rules and config")
    lint.add_argument("--crd", action="append", metavar="FILE", default=[],
                      help="CustomResourceDefinition whose schema checks its kind's structure")
    lint.add_argument("--exclude", action="append", metavar="GLOB", default=[], help="skip matching paths")
    lint.add_argument("--mesh-config", metavar="FILE", help="Istio mesh config (MeshConfig YAML) to check")
    lint.add_argument("--show-suppressed", action="store_true", help="list suppressed findings too")
    lint.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                      help="worker processes (0: one per core)")
    lint.add_argument("--no-cache", action="store_true", help="compile rules without the on-disk cache")
    lint.add_argument("-q", "--quiet", action="store_true", help="no summary line and no progress")
    lint.set_defaults(func=cmd_lint)

    rules = sub.add_parser("rules", help="list the rules")
    rules.add_argument("--format", choices=("text", "json", "markdown"), default="text")
    _add_rule_source_args(rules)
    rules.set_defaults(func=cmd_rules)

    explain = sub.add_parser("explain", help="show the full documentation of a rule")
    explain.add_argument("rule", metavar="RULE")
    _add_rule_source_args(explain)
    explain.set_defaults(func=cmd_explain)

    version = sub.add_parser("version", help="print the version")
    version.set_defaults(func=lambda args: print(f"policylint {__version__}") or EXIT_OK)

    _register_webhook(sub)
    return parser


def _register_webhook(sub) -> None:
    # webhook.cli registers its commands without importing fastapi or uvicorn.
    try:
        from webhook.cli import register
    except ImportError:
        return
    register(sub)


def _add_rule_source_args(parser) -> None:
    parser.add_argument("--config", "-c", metavar="FILE")
    parser.add_argument("--rules", action="append", metavar="DIR", default=[])
    parser.add_argument("--no-default-rules", action="store_true")


def _linter(args, enable=(), disable=()):
    from .api import Linter
    from .config import load_config

    from .lang import RuleCompileError

    config = load_config(args.config)
    try:
        return Linter(config, rule_dirs=args.rules, enable=enable, disable=disable,
                      builtin_rules=not args.no_default_rules, crds=getattr(args, "crd", ()),
                      use_cache=not getattr(args, "no_cache", False))
    except RuleCompileError as exc:
        raise UsageError(str(exc)) from None


def cmd_lint(args) -> int:
    from .model import Severity
    from .reporters import render

    missing = [p for p in args.paths if p != "-" and not os.path.exists(p)]
    if missing:
        raise UsageError(f"{missing[0]}: no such file or directory")
    linter = _linter(args, _split_ids(args.enable), _split_ids(args.disable))
    # A lint run frees everything it allocates when the process exits: the cyclic collector would only walk the
    # report's objects again (Linter.lint_paths pauses it too, but turns it back on for library callers).
    gc.disable()
    jobs = args.jobs if args.jobs > 0 else (os.cpu_count() or 1)
    progress = None if args.quiet or not sys.stderr.isatty() else _progress_printer()
    report = linter.lint_paths(args.paths, jobs=jobs, progress=progress, mesh_config=args.mesh_config,
                               extra_excludes=args.exclude)
    if progress:
        progress.close()
    rules = {rule.id: rule for rule in linter.rules}
    color = sys.stdout.isatty() and "NO_COLOR" not in os.environ
    if args.output:
        body = render(args.format, report, rules, show_suppressed=args.show_suppressed)
        try:
            with open(args.output, "w", encoding="utf-8") as handle:
                handle.write(body)
        except OSError as exc:
            raise UsageError(f"cannot write {args.output}: {exc.strerror or exc}") from None
        terminal = render("text", report, rules, color=color, show_suppressed=args.show_suppressed)
    else:
        terminal = render(args.format, report, rules, color=color and args.format == "text",
                          show_suppressed=args.show_suppressed)
    if args.quiet and (args.format == "text" or args.output):
        terminal = "".join(line + "\n" for line in terminal.splitlines()[:-1] if line.strip())
    sys.stdout.write(terminal)
    fail_on = args.fail_on or linter.config.fail_on or "error"
    if fail_on == "never":
        return EXIT_OK
    threshold = Severity(fail_on).rank
    return EXIT_FINDINGS if any(f.severity.rank >= threshold for f in report.active()) else EXIT_OK


def cmd_rules(args) -> int:
    rules = listing_order(_linter(args).rules)
    if args.format == "json":
        import json

        rows = [{"id": r.id, "name": r.name, "severity": r.severity.value, "summary": r.summary,
                 "istio_code": r.istio_code} for r in rules]
        print(json.dumps(rows, indent=2))
    elif args.format == "markdown":
        print(rule_table_markdown(rules))
    else:
        width = max(len(r.name) for r in rules) if rules else 0
        for r in rules:
            print(f"{r.id:<7} {r.name:<{width}}  {r.severity.value:<7}  {r.summary}")
    return EXIT_OK


def listing_order(rules) -> list:
    """Rules as listed to people: the egress rules first, then the tool's own PL0xx input problems."""
    return sorted(rules, key=lambda r: (r.id.startswith("PL"), r.id))


def rule_table_markdown(rules) -> str:
    lines = ["| id | name | severity | istio | summary |", "|---|---|---|---|---|"]
    for r in rules:
        summary = r.summary.replace("|", "\\|")
        lines.append(f"| {r.id} | {r.name} | {r.severity.value} | {r.istio_code or ''} | {summary} |")
    return "\n".join(lines)


def cmd_explain(args) -> int:
    linter = _linter(args)
    rule = linter.rule(args.rule)
    if rule is None:
        raise UsageError(f"unknown rule {args.rule!r}; `policylint rules` lists them")
    head = f"{rule.id} {rule.name} ({rule.severity.value})"
    extra = f"\nEquivalent istioctl analyze message: {rule.istio_code}" if rule.istio_code else ""
    print(f"{head}\n{'=' * len(head)}\n{rule.summary}{extra}\n\n{rule.doc.strip()}")
    return EXIT_OK


class _progress_printer:
    """Redraws `n/total files` on stderr at most ten times a second."""

    def __init__(self) -> None:
        self.last = 0.0
        self.drawn = False

    def __call__(self, done: int, total: int) -> None:
        if total < PROGRESS_MIN_FILES:
            return
        now = time.monotonic()
        if now - self.last < 0.1 and done != total:
            return
        self.last = now
        self.drawn = True
        sys.stderr.write(f"\rpolicylint: {done}/{total} files")
        sys.stderr.flush()

    def close(self) -> None:
        if self.drawn:
            sys.stderr.write("\r\033[K")
            sys.stderr.flush()


def main(argv: list[str] | None = None) -> int:
    from .config import ConfigError

    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        return args.func(args)
    except (ConfigError, UsageError) as exc:
        print(f"policylint: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FileNotFoundError as exc:
        print(f"policylint: {exc.filename or exc}: no such file or directory", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
