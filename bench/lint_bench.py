#!/usr/bin/env python3
"""policylint speed benchmark: throughput against a PyYAML floor, --jobs 2, scale, and cold start.

    .venv/bin/python bench/lint_bench.py              # the full run (a few minutes on 2 cores)
    .venv/bin/python bench/lint_bench.py --quick      # one run per measurement, 5 cold starts
    .venv/bin/python bench/lint_bench.py --profile    # also: where the time goes (cProfile + per-phase timers)

What it does, in one run on one machine (see bench/README.md for what each number means):

1. generates the corpora with bench/gen_corpus.py (10,000 and 20,000 documents) into bench/out/ (gitignored;
   regenerated only when the generator or its arguments change);
2. measures the floor: PyYAML's CSafeLoader loading every file while recording the line of every mapping (a
   loader subclass written here, independent of policylint's own loader);
3. measures `policylint lint` with every rule enabled: in-process through `policylint.api.Linter().lint_paths`
   and end to end through the CLI (`--format json -o /dev/null`), with 1 and 2 jobs, at 10k and 20k documents;
4. measures the cold start of the CLI on one small manifest (warm rule cache, and first run with an empty one)
   and checks which heavy modules the lint path imports.

Every measurement runs in its own fresh process; the rounds are interleaved (floor, API, CLI, ... then again)
so that a burst of load from other processes does not land on one measurement only. Medians are reported.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
OUT = BENCH / "out"
PY = sys.executable
FORBIDDEN = ("fastapi", "uvicorn", "kubernetes")
# Not forbidden, but worth knowing about on the lint path.
WATCHED = ("starlette", "pydantic", "prometheus_client", "cryptography", "httpx", "lark", "jsonschema",
           "jsonschema_rs", "fastjsonschema", "multiprocessing", "asyncio", "webhook", "kubernetes_validate",
           "orjson", "email", "http", "urllib3", "requests")

SMALL_MANIFEST = """\
# One small manifest for the cold-start measurement: an egress entry, an ExternalName alias, a workload.
apiVersion: networking.istio.io/v1
kind: ServiceEntry
metadata:
  name: stripe
  namespace: payments
spec:
  hosts:
  - api.stripe.com
  ports:
  - number: 443
    name: http
    protocol: HTTP
  resolution: DNS
  location: MESH_EXTERNAL
---
apiVersion: v1
kind: Service
metadata:
  name: partner-api
  namespace: payments
spec:
  type: ExternalName
  externalName: partner.example.com
  ports:
  - name: tcp
    port: 443
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: checkout
  namespace: payments
spec:
  selector:
    matchLabels: {app: checkout}
  template:
    metadata:
      labels: {app: checkout}
      annotations:
        traffic.sidecar.istio.io/includeOutboundIPRanges: "10.0.0.0/8, 172.16.0.0/12"
    spec:
      containers:
      - name: checkout
        image: example/checkout:1.4.2
"""


# ------------------------------------------------------------------------------------------------------------
# The floor (runs in a worker process)
# ------------------------------------------------------------------------------------------------------------

def floor_loader_class():
    import yaml

    class LineRecordingLoader(yaml.CSafeLoader):
        """CSafeLoader that records the line of every mapping it constructs (the cheapest position-keeping)."""

        def construct_mapping(self, node, deep=False):
            self.mapping_lines.append(node.start_mark.line)
            return super().construct_mapping(node, deep=deep)

    return LineRecordingLoader


def corpus_files(root: str) -> list[str]:
    files = []
    for folder, dirs, names in os.walk(root):
        dirs.sort()
        for name in sorted(names):
            if name.endswith((".yaml", ".yml", ".json")):
                files.append(os.path.join(folder, name))
    return files


def floor_load(root: str) -> dict:
    loader_class = floor_loader_class()
    documents = mappings = 0
    files = corpus_files(root)
    for path in files:
        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        loader = loader_class(text)
        loader.mapping_lines = []
        try:
            while loader.check_data():
                data = loader.get_data()
                documents += len(data["items"]) if isinstance(data, dict) and data.get("kind") == "List" else 1
        finally:
            loader.dispose()
        mappings += len(loader.mapping_lines)
    return {"files": len(files), "documents": documents, "mappings": mappings}


# ------------------------------------------------------------------------------------------------------------
# Workers: each measurement in a fresh process, timed inside (no interpreter start-up in these numbers)
# ------------------------------------------------------------------------------------------------------------

def worker(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=("floor", "api", "rules", "profile", "breakdown", "loaderdiag"))
    parser.add_argument("path", nargs="?")
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--enable", default="")
    parser.add_argument("--config", default=None)
    parser.add_argument("--pstats", default=None)
    parser.add_argument("--rules", action="append", default=[])
    parser.add_argument("--no-default-rules", action="store_true")
    parser.add_argument("--gc", choices=("default", "off"), default="default",
                        help="diagnosis only: `off` disables the cyclic garbage collector during lint_paths")
    args = parser.parse_args(argv)
    RULE_SOURCE.update(rules=args.rules, builtin=not args.no_default_rules)
    enable = [e for e in args.enable.split(",") if e]
    result: dict = {}
    if args.mode == "floor":
        c0, t0 = time.process_time(), time.perf_counter()
        result = floor_load(args.path)
        result["seconds"] = time.perf_counter() - t0
        result["cpu_seconds"] = time.process_time() - c0
    elif args.mode == "rules":
        t0 = time.perf_counter()
        linter = make_linter([], args.config)
        result["init_seconds"] = time.perf_counter() - t0
        active = {ar.rule.id for ar in linter.active}
        result["rules"] = sorted(rule.id for rule in linter.ruleset.rules)
        result["active"] = sorted(active)
        result["indexes"] = sorted(getattr(i, "name", str(i)) for i in linter.ruleset.indexes)
        result["cross"] = sorted({ar.rule.id for ar in linter.active if ar.rule.uses_lookup})
    elif args.mode == "api":
        t0 = time.perf_counter()
        import policylint.api  # noqa: F401
        t1 = time.perf_counter()
        linter = make_linter(enable, args.config)
        import gc

        if args.gc == "off":
            gc.disable()
        gc_before = [g["collections"] for g in gc.get_stats()]
        c2, t2 = time.process_time() + children_cpu(), time.perf_counter()
        report = linter.lint_paths([args.path], jobs=args.jobs)
        t3 = time.perf_counter()
        cpu = time.process_time() + children_cpu() - c2
        gc_collections = [g["collections"] - b for g, b in zip(gc.get_stats(), gc_before)]
        gc.enable()
        result = {"import_seconds": t1 - t0, "init_seconds": t2 - t1, "seconds": t3 - t2, "cpu_seconds": cpu,
                  "gc_collections": gc_collections,
                  "active_rules": len(linter.active)}
        result.update(report_stats(report))
        from policylint.reporters import render

        rules = {rule.id: rule for rule in linter.rules}
        t4 = time.perf_counter()
        body = render("json", report, rules)
        result["render_json_seconds"] = time.perf_counter() - t4
        result["json_bytes"] = len(body)
    elif args.mode == "profile":
        import cProfile

        linter = make_linter(enable, args.config)
        profiler = cProfile.Profile()
        t0 = time.perf_counter()
        profiler.enable()
        report = linter.lint_paths([args.path], jobs=1)
        profiler.disable()
        result = {"seconds": time.perf_counter() - t0, "findings": len(report.findings)}
        profiler.dump_stats(args.pstats)
    elif args.mode == "breakdown":
        if args.gc == "off":
            import gc

            gc.disable()
        result = breakdown(args.path, enable, args.config)
    elif args.mode == "loaderdiag":
        result = loader_diagnosis(args.path)
    sys.stdout.write("\n@@RESULT@@" + json.dumps(result) + "\n")
    return 0


RULE_SOURCE: dict = {"rules": [], "builtin": True}


def machine_busy() -> float | None:
    """CPU seconds all processes on the machine have used so far (all cores; /proc/stat), or None."""
    try:
        with open("/proc/stat") as handle:
            fields = handle.readline().split()[1:]
    except OSError:
        return None
    user, nice, system, idle, iowait, irq, softirq, steal = (int(x) for x in (fields + ["0"] * 8)[:8])
    return (user + nice + system + irq + softirq + steal) / os.sysconf("SC_CLK_TCK")


def others_cores(busy0: float | None, busy1: float | None, own_cpu: float, wall: float) -> float | None:
    """Average number of cores that other processes kept busy while we measured."""
    if busy0 is None or busy1 is None or wall <= 0:
        return None
    return max(0.0, (busy1 - busy0 - own_cpu) / wall)


def children_cpu() -> float:
    """user + sys seconds of every finished (waited-for) descendant process, recursively."""
    import resource

    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def make_linter(enable: list[str], config_path: str | None):
    from policylint.api import Linter

    config = None
    if config_path:
        from policylint.config import load_config

        config = load_config(config_path)
    return Linter(config, enable=enable, rule_dirs=RULE_SOURCE["rules"], builtin_rules=RULE_SOURCE["builtin"])


def report_stats(report) -> dict:
    from collections import Counter

    per_rule = Counter(f.rule for f in report.findings)
    digest = hashlib.sha256()
    for f in report.findings:
        digest.update(f"{f.file}\0{f.line}\0{f.column}\0{f.rule}\0{f.message}\0{f.suppressed}\n".encode())
    summary = report.summary
    return {"findings": len(report.findings), "suppressed": sum(1 for f in report.findings if f.suppressed),
            "per_rule": dict(sorted(per_rule.items())), "digest": digest.hexdigest()[:16],
            "files": summary.files, "documents": summary.documents, "skipped": summary.skipped,
            "parse_errors": summary.parse_errors}


def breakdown(path: str, enable: list[str], config_path: str | None) -> dict:
    """Per-phase and per-rule wall time, by wrapping the engine's seams in this process only."""
    from collections import defaultdict
    from time import perf_counter

    import policylint.api as api
    import policylint.engine as engine_mod
    import policylint.loader as loader_mod

    linter = make_linter(enable, config_path)
    c0, t0 = time.process_time(), perf_counter()
    floor_load(path)
    floor_wall, floor_cpu = perf_counter() - t0, time.process_time() - c0
    acc: dict = defaultdict(float)
    calls: dict = defaultdict(int)
    phase = {"now": "phase1"}

    original_load = loader_mod.load_source

    def timed_load(source):
        t = perf_counter()
        try:
            return original_load(source)
        finally:
            acc["load (loader.load_source)"] += perf_counter() - t

    loader_mod.load_source = timed_load

    def wrap_check(rule):
        check = rule.check

        def timed_check(doc, params, env, _check=check, _id=rule.id):
            t = perf_counter()
            try:
                return _check(doc, params, env)
            finally:
                acc[("check", phase["now"], _id)] += perf_counter() - t
                calls[("check", phase["now"], _id)] += 1

        try:
            rule.check = timed_check
        except (AttributeError, TypeError):
            object.__setattr__(rule, "check", timed_check)

    for ar in linter.active:
        wrap_check(ar.rule)

    original_findings = engine_mod.Engine.findings

    def timed_findings(self, ar, doc, hits):
        t = perf_counter()
        try:
            return original_findings(self, ar, doc, hits)
        finally:
            acc[("evaluate", phase["now"], ar.rule.id)] += perf_counter() - t

    engine_mod.Engine.findings = timed_findings

    for index in linter.ruleset.indexes:
        entries = index.entries

        def timed_entries(doc, env, _entries=entries, _name=getattr(index, "name", "?")):
            t = perf_counter()
            try:
                return list(_entries(doc, env))
            finally:
                acc[("index", _name)] += perf_counter() - t

        try:
            index.entries = timed_entries
        except (AttributeError, TypeError):
            object.__setattr__(index, "entries", timed_entries)

    original_finish = engine_mod.Engine.finish

    def timed_finish(self, outcomes, context_documents=()):
        phase["now"] = "phase2"
        t = perf_counter()
        try:
            return original_finish(self, outcomes, context_documents)
        finally:
            acc["phase 2 total (Engine.finish)"] += perf_counter() - t

    engine_mod.Engine.finish = timed_finish

    original_process_file = engine_mod.Engine.process_file

    def timed_process_file(self, documents, problems, skipped=0):
        t = perf_counter()
        try:
            return original_process_file(self, documents, problems, skipped)
        finally:
            acc["phase 1 per-file engine (Engine.process_file)"] += perf_counter() - t

    engine_mod.Engine.process_file = timed_process_file

    original_sources = loader_mod.iter_sources

    def timed_sources(*a, **k):
        t = perf_counter()
        out = list(original_sources(*a, **k))
        acc["walk (loader.iter_sources)"] += perf_counter() - t
        return iter(out)

    loader_mod.iter_sources = timed_sources

    c0, t0 = time.process_time(), perf_counter()
    report = linter.lint_paths([path], jobs=1)
    total = perf_counter() - t0
    total_cpu = time.process_time() - c0
    from policylint.reporters import render

    t1 = perf_counter()
    render("json", report, {rule.id: rule for rule in linter.rules})
    render_seconds = perf_counter() - t1
    del api
    checks = {k: v for k, v in acc.items() if isinstance(k, tuple) and k[0] == "check"}
    evals = {k: v for k, v in acc.items() if isinstance(k, tuple) and k[0] == "evaluate"}
    rules = {}
    for (_, ph, rule_id), seconds in evals.items():
        check = checks.get(("check", ph, rule_id), 0.0)
        rules[f"{rule_id} ({ph})"] = {"evaluate": seconds, "check": check, "findings_etc": seconds - check,
                                     "calls": calls.get(("check", ph, rule_id), 0)}
    phase1_eval = sum(v for (_, ph, _), v in evals.items() if ph == "phase1")
    phase2_eval = sum(v for (_, ph, _), v in evals.items() if ph == "phase2")
    index_total = sum(v for k, v in acc.items() if isinstance(k, tuple) and k[0] == "index")
    return {
        "floor": floor_wall, "floor_cpu": floor_cpu, "total_cpu": total_cpu,
        "total": total, "render_json": render_seconds,
        "load": acc["load (loader.load_source)"], "walk": acc["walk (loader.iter_sources)"],
        "phase1_engine": acc["phase 1 per-file engine (Engine.process_file)"],
        "phase1_rules": phase1_eval, "phase2_rules": phase2_eval,
        "index_entries": index_total, "phase2_total": acc["phase 2 total (Engine.finish)"],
        "indexes": {k[1]: v for k, v in acc.items() if isinstance(k, tuple) and k[0] == "index"},
        "rules": rules, "findings": len(report.findings),
    }


def loader_diagnosis(root: str, rounds: int = 3) -> dict:
    """The loader against the floor, in one process, stage by stage (medians of `rounds` interleaved rounds).

    - floor: CSafeLoader + line of every mapping, whole files;
    - c_compose_only: libyaml parse + compose of every document (plus PyYAML's Python `resolve` per scalar,
      which the C composer calls back), no construction: the part of the floor that is not Python construction;
    - floor_per_chunk: the floor, but one loader per `---` chunk, as policylint's loader does;
    - loader: `policylint.loader.load_file` on every file (the real thing, no timers);
    - loader_timed: the same with timers around its stages (small overhead), giving `stages`.
    """
    from collections import defaultdict
    from time import perf_counter

    import yaml

    import policylint.loader as loader_pkg
    from policylint.loader import guards, load as load_mod, parse as parse_mod, suppress, yamlpos
    from policylint.loader import document as document_mod
    from policylint.loader import reading

    files = corpus_files(root)
    texts = []
    for path in files:
        with open(path, encoding="utf-8") as handle:
            texts.append(handle.read())

    def floor():
        floor_load(root)

    def c_compose_only():
        for text in texts:
            loader = yaml.CSafeLoader(text)
            try:
                while loader.check_node():
                    loader.get_node()
            finally:
                loader.dispose()

    loader_class = floor_loader_class()

    def floor_per_chunk():
        for path in files:
            with open(path, encoding="utf-8") as handle:
                text = handle.read()
            for chunk in re.split(r"(?m)^---[ \t]*$", text):
                if not chunk.strip():
                    continue
                loader = loader_class(chunk)
                loader.mapping_lines = []
                try:
                    while loader.check_data():
                        loader.get_data()
                finally:
                    loader.dispose()

    load_file = loader_pkg.load_file

    def loader_plain():
        for path in files:
            load_file(path)

    acc: dict = defaultdict(float)
    count: dict = defaultdict(int)

    def timer(name, fn):
        def wrapped(*a, **k):
            t = perf_counter()
            try:
                return fn(*a, **k)
            finally:
                acc[name] += perf_counter() - t
                count[name] += 1
        return wrapped

    patches = [
        (load_mod, "read_text", "read_text (stat + read + decode)"),
        (load_mod, "normalize_newlines", "normalize_newlines"),
        (load_mod, "split_documents", "split_documents"),
        (load_mod, "parse_chunk", "parse_chunk (all of it)"),
        (load_mod, "Document", "Document() objects"),
        (load_mod, "classify", "classify (file name)"),
        (guards, "nesting_violation", "guard: nesting_violation"),
        (guards, "has_anchor", "guard: has_anchor"),
        (suppress, "scan_comments", "suppression comments scan"),
    ]
    originals = [(mod, attr, getattr(mod, attr)) for mod, attr, _ in patches]
    construct_original = yamlpos.PositionLoader.construct_document
    json_loads = load_mod.json.loads
    init_original = yamlpos.PositionLoader.__init__

    class _Json:
        def __getattr__(self, name):
            return getattr(json, name)
    shim = _Json()

    def patch():
        for mod, attr, name in patches:
            setattr(mod, attr, timer(name, getattr(mod, attr)))
        yamlpos.PositionLoader.construct_document = timer(
            "  construct_document (Python construction + positions)", construct_original)
        yamlpos.PositionLoader.__init__ = timer("  PositionLoader() creation", init_original)
        shim.loads = timer("json.loads (JSON files)", json_loads)
        load_mod.json = shim

    def unpatch():
        for mod, attr, fn in originals:
            setattr(mod, attr, fn)
        yamlpos.PositionLoader.construct_document = construct_original
        yamlpos.PositionLoader.__init__ = init_original
        load_mod.json = json

    def loader_timed():
        patch()
        try:
            loader_plain()
        finally:
            unpatch()

    runs = {"floor": floor, "c_compose_only": c_compose_only, "floor_per_chunk": floor_per_chunk,
            "loader": loader_plain, "loader_timed": loader_timed}
    times: dict = {name: [] for name in runs}
    for _ in range(rounds):
        for name, fn in runs.items():
            acc_before = dict(acc)
            t = perf_counter()
            fn()
            times[name].append(perf_counter() - t)
            if name != "loader_timed":
                acc.clear()
                acc.update(acc_before)
    stages = {name: seconds / rounds for name, seconds in acc.items()}
    calls = {name: n // rounds for name, n in count.items()}
    del parse_mod, document_mod, reading
    return {"files": len(files), "times": times, "medians": {k: statistics.median(v) for k, v in times.items()},
            "stages": dict(sorted(stages.items(), key=lambda kv: -kv[1])), "calls": calls}


# ------------------------------------------------------------------------------------------------------------
# The parent: corpora, rounds, table
# ------------------------------------------------------------------------------------------------------------

class Bench:
    def __init__(self, args) -> None:
        self.args = args
        self.src = Path(args.src).resolve() if args.src else ROOT
        self.out = Path(args.out).resolve()
        self.out.mkdir(parents=True, exist_ok=True)
        self.cwd = Path(tempfile.mkdtemp(prefix="policylint-bench-cwd-"))  # no .policylint.yaml upward
        self.cache = self.out / "rule-cache"
        self.env = dict(os.environ)
        self.env["PYTHONPATH"] = str(self.src) + (os.pathsep + self.env["PYTHONPATH"]
                                                  if self.env.get("PYTHONPATH") else "")
        self.env["POLICYLINT_CACHE_DIR"] = str(self.cache)
        self.env.pop("NO_COLOR", None)
        self.cli = [PY, "-m", "policylint"]
        self.enable: list[str] = []
        self.config = str(Path(args.config).resolve()) if args.config else None
        self.results: dict = {}
        self.started = time.monotonic()

    # -- helpers -------------------------------------------------------------------------------------------

    def log(self, message: str) -> None:
        elapsed = time.monotonic() - self.started
        print(f"[{elapsed:6.1f}s] {message}", file=sys.stderr, flush=True)

    def run_worker(self, *argv: str, timeout: float = 900) -> dict:
        cmd = [PY, str(Path(__file__).resolve()), "--_worker", *argv, *self.rule_args()]
        if self.config:
            cmd += ["--config", self.config]
        busy0, cpu0, t0 = machine_busy(), children_cpu(), time.perf_counter()
        proc = subprocess.run(cmd, cwd=self.cwd, env=self.env, capture_output=True, text=True, timeout=timeout)
        wall, cpu, busy1 = time.perf_counter() - t0, children_cpu() - cpu0, machine_busy()
        marker = proc.stdout.rfind("@@RESULT@@")
        if proc.returncode != 0 or marker < 0:
            raise RuntimeError(f"worker {' '.join(argv)} failed (exit {proc.returncode}):\n"
                               f"{proc.stderr[-4000:]}")
        result = json.loads(proc.stdout[marker + len("@@RESULT@@"):])
        result["others_cores"] = others_cores(busy0, busy1, cpu, wall)
        return result

    def run_cli(self, *argv: str, env: dict | None = None, timeout: float = 900) -> tuple[float, subprocess.CompletedProcess]:
        cmd = [*self.cli, *argv]
        busy0, before = machine_busy(), children_cpu()
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=self.cwd, env=env or self.env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, timeout=timeout)
        seconds = time.perf_counter() - t0
        proc.cpu_seconds = children_cpu() - before  # user + sys of the CLI and its worker processes
        proc.others_cores = others_cores(busy0, machine_busy(), proc.cpu_seconds, seconds)
        # Exit 1 means "findings" but is also what an uncaught exception gives: look at stderr too.
        if proc.returncode not in (0, 1) or b"Traceback (most recent call last)" in proc.stderr:
            raise RuntimeError(f"{' '.join(cmd)} exited {proc.returncode}:\n{proc.stderr.decode()[-4000:]}")
        return seconds, proc

    def validate_cli(self, path: Path, api_findings: int | None) -> dict:
        """One untimed CLI run writing the JSON report to a file: it must agree with the API's findings."""
        with tempfile.TemporaryDirectory(prefix="policylint-bench-report-") as tmp:
            target = os.path.join(tmp, "report.json")
            argv = self.lint_args(str(path))
            argv[argv.index(os.devnull)] = target
            seconds, proc = self.run_cli(*argv)
            data = json.loads(Path(target).read_text())
        findings = data.get("findings") if isinstance(data, dict) else None
        count = len(findings) if isinstance(findings, list) else None
        out = {"exit_code": proc.returncode, "findings": count, "seconds": seconds,
               "agrees_with_api": None if api_findings is None or count is None else count == api_findings}
        self.log(f"CLI check on {path.name}: exit {proc.returncode}, {count} findings in the JSON report "
                 f"(API: {api_findings})")
        return out

    def rule_args(self) -> list[str]:
        out = [arg for d in self.args.rules for arg in ("--rules", str(Path(d).resolve()))]
        return out + (["--no-default-rules"] if self.args.no_default_rules else [])

    def lint_args(self, path: str, jobs: int = 1) -> list[str]:
        argv = ["lint", path, "--format", "json", "-o", os.devnull, *self.rule_args()]
        if jobs != 1:
            argv += ["--jobs", str(jobs)]
        if self.enable:
            argv += ["--enable", ",".join(self.enable)]
        if self.config:
            argv += ["--config", self.config]
        return argv

    # -- corpora -------------------------------------------------------------------------------------------

    def corpus(self, docs: int) -> tuple[Path, dict]:
        sys.path.insert(0, str(BENCH))
        import gen_corpus

        key = hashlib.sha256(Path(gen_corpus.__file__).read_bytes()
                             + f"{docs}/{self.args.seed}/{self.args.mistakes}".encode()).hexdigest()[:16]
        target = self.out / f"corpus-{docs // 1000}k"
        stamp = self.out / f"corpus-{docs // 1000}k.stamp.json"
        if stamp.exists() and target.is_dir():
            saved = json.loads(stamp.read_text())
            if saved.get("key") == key:
                return target, saved["stats"]
        self.log(f"generating {docs} documents into {target}")
        t0 = time.perf_counter()
        stats = gen_corpus.generate(target, docs, self.args.seed, self.args.mistakes)
        stats["generate_seconds"] = round(time.perf_counter() - t0, 2)
        stamp.write_text(json.dumps({"key": key, "stats": stats}, indent=2))
        return target, stats

    # -- measurements --------------------------------------------------------------------------------------

    def rounds(self, label: str, measurements: dict, runs: int) -> dict:
        """Run each measurement `runs` times, interleaved; returns {name: [seconds...]} plus extras."""
        times: dict = {name: [] for name in measurements}
        cpu: dict = {name: [] for name in measurements}
        others: dict = {name: [] for name in measurements}
        extras: dict = {}
        slow: set = set()
        for round_no in range(runs):
            for name, fn in measurements.items():
                if name in slow:
                    continue
                seconds, cpu_seconds, other, extra = fn()
                times[name].append(seconds)
                cpu[name].append(cpu_seconds)
                others[name].append(other)
                extras.setdefault(name, extra)
                self.log(f"{label} round {round_no + 1}/{runs}: {name} {seconds:.2f}s (cpu {cpu_seconds:.2f}s; "
                         f"other processes {fmt_cores(other)} cores)")
                if seconds > self.args.slow_seconds and round_no == 0 and runs > 1:
                    slow.add(name)  # keep the whole run bounded: one run of anything this slow
                    self.log(f"  {name} took over {self.args.slow_seconds:.0f}s: measured once only")
        return {"times": times, "cpu": cpu, "others": others, "extras": extras}

    def measure_throughput(self, path: Path, jobs2: bool, runs: int, cli: bool = True) -> dict:
        p = str(path)

        def floor():
            r = self.run_worker("floor", p)
            return r["seconds"], r["cpu_seconds"], r["others_cores"], r

        def api(jobs=1):
            def fn():
                r = self.run_worker("api", p, "--jobs", str(jobs), "--enable", ",".join(self.enable))
                return r["seconds"], r["cpu_seconds"], r["others_cores"], r
            return fn

        def cli_run(jobs=1):
            def fn():
                seconds, proc = self.run_cli(*self.lint_args(p, jobs))
                return seconds, proc.cpu_seconds, proc.others_cores, {}
            return fn

        measurements = {"floor": floor, "api": api(1)}
        if cli:
            measurements["cli"] = cli_run(1)
        if jobs2:
            measurements["cli_j2"] = cli_run(2)
            measurements["api_j2"] = api(2)
        return self.rounds(path.name, measurements, runs)

    def measure_cold_start(self, runs: int) -> dict:
        small = self.out / "small" / "egress.yaml"
        small.parent.mkdir(parents=True, exist_ok=True)
        small.write_text(SMALL_MANIFEST)
        out: dict = {"manifest": str(small), "manifest_bytes": len(SMALL_MANIFEST)}
        argv = ["lint", str(small), *self.rule_args()]
        # Empty cache: each run in a fresh empty POLICYLINT_CACHE_DIR (the first run after install).
        empty, empty_cpu = [], []
        for _ in range(3):
            with tempfile.TemporaryDirectory(prefix="policylint-empty-cache-") as tmp:
                env = {**self.env, "POLICYLINT_CACHE_DIR": tmp}
                seconds, proc = self.run_cli(*argv, env=env)
                empty.append(seconds)
                empty_cpu.append(proc.cpu_seconds)
                out["empty_cache_files_written"] = sum(len(f) for _, _, f in os.walk(tmp))
        out["empty_cache"] = empty
        out["empty_cache_cpu"] = empty_cpu
        self.log(f"cold start, empty cache: {', '.join(f'{s:.3f}' for s in empty)}s")
        # Warm cache: one run fills it, then `runs` timed runs.
        self.run_cli(*argv)
        warm, warm_cpu, warm_others = [], [], []
        for _ in range(runs):
            seconds, proc = self.run_cli(*argv)
            warm.append(seconds)
            warm_cpu.append(proc.cpu_seconds)
            warm_others.append(proc.others_cores)
        out["warm_cache_others"] = warm_others
        out["warm_cache"] = warm
        out["warm_cache_cpu"] = warm_cpu
        out["exit_code"] = proc.returncode
        out["stdout_tail"] = proc.stdout.decode(errors="replace").strip().splitlines()[-1:]
        self.log(f"cold start, warm cache: median {statistics.median(warm):.3f}s of {runs}")
        # Baselines on the same machine, same moment.
        for name, code in (("python_bare", "pass"), ("python_import_yaml", "import yaml")):
            samples = []
            for _ in range(min(runs, 7)):
                t0 = time.perf_counter()
                subprocess.run([PY, "-c", code], cwd=self.cwd, env=self.env, check=True)
                samples.append(time.perf_counter() - t0)
            out[name] = samples
        out["modules"] = self.module_check(small)
        out["importtime"] = self.importtime(small)
        return out

    def module_check(self, small: Path) -> dict:
        with tempfile.NamedTemporaryFile("r", suffix=".json", delete=False) as handle:
            report_path = handle.name
        code = (
            "import contextlib, io, json, sys\n"
            "from policylint.cli import main\n"
            "with contextlib.redirect_stdout(io.StringIO()):\n"
            f"    rc = main({['lint', str(small), *self.rule_args()]!r})\n"
            "mods = sorted(sys.modules)\n"
            f"json.dump({{'rc': rc, 'modules': mods}}, open({report_path!r}, 'w'))\n"
        )
        subprocess.run([PY, "-c", code], cwd=self.cwd, env=self.env, check=True, capture_output=True)
        data = json.loads(Path(report_path).read_text())
        os.unlink(report_path)
        mods = data["modules"]
        tops = {m.split(".")[0] for m in mods}
        return {
            "count": len(mods),
            "forbidden_loaded": sorted(m for m in FORBIDDEN if m in tops),
            "watched_loaded": sorted(m for m in WATCHED if m in tops),
            "policylint_modules": sorted(m for m in mods if m.split(".")[0] == "policylint"),
            "third_party": sorted(t for t in tops if t not in sys.stdlib_module_names and not t.startswith("_")
                                  and t not in ("policylint", "webhook", "__main__")),
        }

    def importtime(self, small: Path) -> dict:
        proc = subprocess.run([PY, "-X", "importtime", "-m", "policylint", "lint", str(small), *self.rule_args()],
                              cwd=self.cwd,
                              env=self.env, capture_output=True, text=True)
        top = []
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+)\s+\|\s+(\d+)\s+\|( *)(\S+)", line)
            if m and not m.group(3).strip(" ") and len(m.group(3)) == 1:  # one space: a top-level import
                top.append((int(m.group(2)), int(m.group(1)), m.group(4)))
        top.sort(reverse=True)
        return {"total_top_level_us": sum(t[0] for t in top),
                "top": [{"module": name, "cumulative_ms": round(cum / 1000, 1), "self_ms": round(own / 1000, 1)}
                        for cum, own, name in top[:15]]}

    def scaling(self, small: Path, big: Path) -> dict:
        """Per-phase and per-rule times at 10k and 20k with the GC off (so that collector pauses do not land
        on whichever rule happens to run), medians of 2 interleaved rounds: which parts grow faster than 2x."""
        self.log("scaling: per-rule timers at 10k and 20k (GC off)")
        runs: dict = {"10k": [], "20k": []}
        for _ in range(2):
            for label, path in (("10k", small), ("20k", big)):
                runs[label].append(self.run_worker("breakdown", str(path), "--enable", ",".join(self.enable),
                                                   "--gc", "off"))
        return runs

    def profile(self, path: Path, big: Path | None = None) -> dict:
        pstats_path = self.out / f"profile-{path.name}.pstats"
        self.log(f"cProfile of the in-process lint of {path.name}")
        r = self.run_worker("profile", str(path), "--enable", ",".join(self.enable), "--pstats", str(pstats_path))
        self.log("per-phase / per-rule timers")
        b = self.run_worker("breakdown", str(path), "--enable", ",".join(self.enable))
        self.log("loader against the floor, stage by stage")
        d = self.run_worker("loaderdiag", str(path))
        self.log("garbage collector: lint with the GC on and off (CPU time, 2 interleaved rounds)")
        gcx: dict = {"floor": [], "default": [], "off": []}
        for _ in range(2):
            gcx["floor"].append(self.run_worker("floor", str(path))["cpu_seconds"])
            for mode in ("default", "off"):
                w = self.run_worker("api", str(path), "--enable", ",".join(self.enable), "--gc", mode)
                gcx[mode].append(w["cpu_seconds"])
                gcx.setdefault(mode + "_collections", w["gc_collections"])
        if big is not None:
            gcx["floor_20k"] = [self.run_worker("floor", str(big))["cpu_seconds"]]
            for mode in ("default", "off"):
                w = self.run_worker("api", str(big), "--enable", ",".join(self.enable), "--gc", mode)
                gcx[mode + "_20k"] = [w["cpu_seconds"]]
                gcx.setdefault(mode + "_collections_20k", w["gc_collections"])
        return {"profile": r, "pstats": str(pstats_path), "breakdown": b, "top": top_functions(pstats_path),
                "loader": d, "gc": gcx}


def top_functions(pstats_path: Path, limit: int = 25) -> dict:
    import pstats

    stats = pstats.Stats(str(pstats_path))
    rows = []
    for (filename, line, func), (cc, nc, tt, ct, callers) in stats.stats.items():
        rows.append({"function": f"{_short(filename)}:{line}({func})", "calls": nc, "tottime": tt, "cumtime": ct,
                     "file": filename})
    by_tot = sorted(rows, key=lambda r: -r["tottime"])[:limit]
    by_cum = sorted(rows, key=lambda r: -r["cumtime"])[:limit]
    groups: dict = {}
    for r in rows:
        groups[_group(r["file"])] = groups.get(_group(r["file"]), 0.0) + r["tottime"]
    total = sum(groups.values())
    # "Positions must not force the slow compose path": the pure-Python scanner/parser/composer must not run,
    slow_path = {r["function"]: r["calls"] for r in rows
                 if re.search(r"/yaml/(composer|parser|scanner|reader)\.py$", r["file"])}
    return {"slow_path_calls": sum(slow_path.values()), "slow_path": slow_path,
            "by_tottime": by_tot, "by_cumtime": by_cum, "groups": dict(sorted(groups.items(), key=lambda kv: -kv[1])),
            "total": total}


def _short(filename: str) -> str:
    for marker in ("site-packages/", "/policylint/", "/lib/python3"):
        i = filename.find(marker)
        if i >= 0:
            return ("policylint/" if marker == "/policylint/" else "") + filename[i + len(marker):]
    return filename


def _group(filename: str) -> str:
    f = filename.replace("\\", "/")
    if "/policylint/loader/" in f:
        return "policylint.loader (" + f.rsplit("/", 1)[-1] + ")"
    if "/policylint/lang/" in f:
        return "policylint.lang (" + f.rsplit("/", 1)[-1] + ")"
    if "/policylint/builtins/" in f:
        return "policylint.builtins (" + f.rsplit("/", 1)[-1] + ")"
    if "/policylint/" in f:
        return "policylint." + f.rsplit("/", 1)[-1]
    if "/yaml/" in f:
        return "yaml (PyYAML Python side)"
    if f.endswith(".rule") or "<rule" in f or "/rules/" in f:
        return "compiled rule code"
    if f == "~":
        return "builtins / C calls"
    if "site-packages/" in f:
        return f.split("site-packages/")[1].split("/")[0]
    if "/lib/python3" in f:
        return "stdlib (" + f.rsplit("/", 1)[-1] + ")"
    return f


# ------------------------------------------------------------------------------------------------------------
# Report
# ------------------------------------------------------------------------------------------------------------

def fmt_cores(value) -> str:
    return "?" if value is None else f"{value:.2f}"


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def fmt_runs(xs, digits=2):
    return ", ".join(f"{x:.{digits}f}" for x in xs)


def verdict(ok: bool | None) -> str:
    return "n/a" if ok is None else ("PASS" if ok else "FAIL")


HEAD = ["measurement", "wall s (median)", "wall runs (s)", "ratio (wall)", "cpu s (median)", "ratio (cpu)",
        "others' load (cores)", "target", "result"]


def build_table(res: dict, args) -> tuple[list[list[str]], list[str]]:
    """Rows of HEAD. Targets are judged on wall time; the CPU columns (user+sys, all processes of the
    measurement) are a cross-check that is much less sensitive to other load on the machine."""
    rows: list[list[str]] = []
    notes: list[str] = []
    t10, c10 = res["t10"]["times"], res["t10"]["cpu"]
    floor, floor_cpu = med(t10["floor"]), med(c10["floor"])
    others = {"t10": res["t10"].get("others", {}), "t20": res.get("t20", {}).get("others", {})}
    current = {"set": "t10"}

    def load_of(name):
        values = [v for v in others[current["set"]].get(name, []) if v is not None]
        return f"{min(values):.2f}-{max(values):.2f}" if values else "-"

    def add(name, xs, cpus, ratio, cpu_ratio, target, ok, digits=2, key=None, load=None):
        rows.append([name, f"{med(xs):.{digits}f}", fmt_runs(xs, digits), ratio,
                     f"{med(cpus):.{digits}f}" if cpus else "-", cpu_ratio,
                     load if load is not None else (load_of(key) if key else "-"), target, verdict(ok)])

    add("floor 10k: CSafeLoader + line of every mapping", t10["floor"], c10["floor"], "1.00x floor",
        "1.00x floor", "-", None, key="floor")
    for key, name in (("api", "lint 10k, in-process API (jobs=1)"),
                      ("cli", "lint 10k, CLI end to end (json -o /dev/null)")):
        if key in t10:
            r, rc = med(t10[key]) / floor, med(c10[key]) / floor_cpu
            add(name, t10[key], c10[key], f"{r:.2f}x floor", f"{rc:.2f}x floor", "<= 1.5x floor", r <= 1.5,
                key=key)
    for key, name in (("cli_j2", "lint 10k, CLI --jobs 2"), ("api_j2", "lint 10k, in-process API jobs=2")):
        if key in t10:
            r = med(t10[key]) / floor
            add(name, t10[key], c10[key], f"{r:.2f}x floor", "(all cores)", "< 1.0x floor", r < 1.0, key=key)
    if "t20" in res:
        t20, c20 = res["t20"]["times"], res["t20"]["cpu"]
        current["set"] = "t20"
        r, rc = med(t20["floor"]) / floor, med(c20["floor"]) / floor_cpu
        add("floor 20k", t20["floor"], c20["floor"], f"{r:.2f}x floor 10k", f"{rc:.2f}x floor 10k", "-", None,
            key="floor")
        for key, name in (("api", "lint 20k, in-process API"), ("cli", "lint 20k, CLI end to end")):
            if key in t20 and key in t10:
                r, rc = med(t20[key]) / med(t10[key]), med(c20[key]) / med(c10[key])
                add(name, t20[key], c20[key], f"{r:.2f}x lint 10k", f"{rc:.2f}x lint 10k", "<= 2.1x", r <= 2.1,
                    key=key)
    if "cold" in res:
        c = res["cold"]
        warm = med(c["warm_cache"])
        loads = [v for v in c.get("warm_cache_others", []) if v is not None]
        add(f"cold start, warm rule cache (median of {len(c['warm_cache'])})", c["warm_cache"],
            c.get("warm_cache_cpu"), "-", "-", "<= 0.200 s", warm <= 0.2, digits=3,
            load=f"{min(loads):.2f}-{max(loads):.2f}" if loads else "-")
        rows[-1][2] = f"min {min(c['warm_cache']):.3f}, max {max(c['warm_cache']):.3f}"
        add("cold start, empty rule cache (3 fresh caches)", c["empty_cache"], c.get("empty_cache_cpu"),
            "-", "-", "-", None, digits=3)
        rows[-1][1] = f"{c['empty_cache'][0]:.3f} (first)"
        rows[-1][2] = fmt_runs(c["empty_cache"], 3)
        add("python -c pass (baseline)", c["python_bare"], None, "-", "-", "-", None, digits=3)
        add("python -c 'import yaml' (baseline)", c["python_import_yaml"], None, "-", "-", "-", None, digits=3)
        mods = c["modules"]
        rows.append(["lint path imports fastapi/uvicorn/kubernetes", ", ".join(mods["forbidden_loaded"]) or "none",
                     "", "", "", "", "", "none", verdict(not mods["forbidden_loaded"])])
    return rows, notes


def markdown_table(rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(HEAD) + " |", "|" + "---|" * len(HEAD)]
    for row in rows:
        lines.append("| " + " | ".join(row) + " |")
    return "\n".join(lines)


def text_table(rows: list[list[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [HEAD, *rows]) for i in range(len(HEAD))]
    out = ["  ".join(h.ljust(w) for h, w in zip(HEAD, widths)), "  ".join("-" * w for w in widths)]
    for row in rows:
        out.append("  ".join(str(c).ljust(w) for c, w in zip(row, widths)))
    return "\n".join(out)


def export_commit(rev: str, out: Path) -> Path:
    """`git archive REV` into OUT/src-SHA (read-only for the repository: no checkout, no index change)."""
    import io
    import tarfile

    sha = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--verify", f"{rev}^{{commit}}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    target = out / f"src-{sha[:12]}"
    if not (target / ".complete").exists():
        shutil.rmtree(target, ignore_errors=True)
        blob = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", sha],
                              capture_output=True, check=True).stdout
        target.mkdir(parents=True)
        with tarfile.open(fileobj=io.BytesIO(blob)) as tar:
            tar.extractall(target, filter="data") if hasattr(tarfile, "data_filter") else tar.extractall(target)
        (target / ".complete").write_text(sha + "\n")
    return target


def machine_info(src: Path) -> dict:
    info = {"python": platform.python_version(), "platform": platform.platform(), "cores": os.cpu_count()}
    try:
        import yaml

        info["pyyaml"] = f"{yaml.__version__} (libyaml {'yes' if yaml.__with_libyaml__ else 'no'})"
    except ImportError:
        pass
    try:
        cpu = Path("/proc/cpuinfo").read_text()
        m = re.search(r"model name\s*:\s*(.+)", cpu)
        info["cpu"] = m.group(1).strip() if m else None
    except OSError:
        pass
    try:
        info["loadavg_start"] = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        pass
    if (src / ".complete").exists():  # an export made by --commit
        info["git"] = (src / ".complete").read_text().strip()[:12] + " (exported with git archive)"
        info["uncommitted_files_in_policylint_or_rules"] = 0
        return info
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True,
                              text=True).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "policylint", "rules"],
                               capture_output=True, text=True).stdout.strip().splitlines()
        info["git"] = head or None
        info["uncommitted_files_in_policylint_or_rules"] = len(dirty)
    except OSError:
        pass
    return info


def print_scaling(sc: dict) -> None:
    def median_of(label, getter):
        return statistics.median(getter(r) for r in sc[label])

    print("\n## Scale: 20k against 10k, GC off, medians of 2 (timers included)\n")
    for key in ("floor_cpu", "total_cpu", "load", "phase1_rules", "index_entries", "phase2_total", "phase2_rules"):
        a = median_of("10k", lambda r: r[key])
        b = median_of("20k", lambda r: r[key])
        print(f"  {key:<15} {a:7.3f}s -> {b:7.3f}s  x{b / a:.2f}")
    names = set(sc["10k"][0]["rules"]) & set(sc["20k"][0]["rules"])
    rows = []
    for name in names:
        a = median_of("10k", lambda r: r["rules"][name]["evaluate"])
        b = median_of("20k", lambda r: r["rules"][name]["evaluate"])
        rows.append((b - 2 * a, name, a, b))
    rows.sort(reverse=True)
    print("  rules that grow most beyond 2x (extra seconds over a linear 2x):")
    for extra, name, a, b in rows[:10]:
        print(f"    {name:<20} {a:6.3f}s -> {b:6.3f}s  x{b / max(a, 1e-9):5.2f}  (+{extra:.3f}s over 2x)")


def print_breakdown(p: dict) -> None:
    b = p["breakdown"]
    print("\n## Where the time goes (in-process lint, jobs=1, timers around the engine's seams)\n")
    total = b["total"]
    print(f"  same process, just before: floor {b['floor']:.3f}s wall, {b['floor_cpu']:.3f}s cpu; "
          f"lint_paths below {b['total']:.3f}s wall, {b['total_cpu']:.3f}s cpu "
          f"({b['total_cpu'] / b['floor_cpu']:.2f}x floor cpu, timers included)")
    rows = [("total lint_paths", b["total"]), ("  walk (iter_sources)", b["walk"]),
            ("  load (loader.load_source: read + parse + construct + positions)", b["load"]),
            ("  phase 1 engine per file (Engine.process_file)", b["phase1_engine"]),
            ("    of which index entries", b["index_entries"]),
            ("    of which rules (evaluate: check + findings)", b["phase1_rules"]),
            ("  phase 2 (Engine.finish: merge indexes, lookup rules, sort)", b["phase2_total"]),
            ("    of which rules", b["phase2_rules"]),
            ("render json (not in total)", b["render_json"])]
    for name, seconds in rows:
        print(f"  {name:<72} {seconds:7.3f}s  {100 * seconds / total:5.1f}%")
    areas: dict = {}
    for name, r in b["rules"].items():
        area = re.match(r"[A-Z]+", name).group() + (" (phase 2)" if "phase2" in name else "")
        slot = areas.setdefault(area, [0, 0.0, 0.0, 0])
        slot[0] += 1
        slot[1] += r["evaluate"]
        slot[2] += r["check"]
        slot[3] += r["calls"]
    all_eval = sum(v[1] for v in areas.values())
    all_check = sum(v[2] for v in areas.values())
    all_calls = sum(v[3] for v in areas.values())
    print(f"\n  rules: {all_calls} rule x document evaluations, evaluate {all_eval:.3f}s = check {all_check:.3f}s + "
          f"engine overhead/findings {all_eval - all_check:.3f}s ({1e6 * all_eval / max(all_calls, 1):.1f} us per "
          "evaluation); by area:")
    for area, (n, ev, ch, calls) in sorted(areas.items(), key=lambda kv: -kv[1][1]):
        print(f"    {area:<14} {n:3d} rules  evaluate {ev:6.3f}s  check {ch:6.3f}s  evaluations {calls}")
    print("\n  slowest rules (evaluate = rule check + finding creation/positions/suppressions):")
    ranked = sorted(b["rules"].items(), key=lambda kv: -kv[1]["evaluate"])
    for name, r in ranked[:15]:
        print(f"    {name:<22} evaluate {r['evaluate']:6.3f}s  check {r['check']:6.3f}s  "
              f"findings etc {r['findings_etc']:6.3f}s  calls {r['calls']}")
    if b.get("indexes"):
        print("\n  index entry extraction:")
        for name, seconds in sorted(b["indexes"].items(), key=lambda kv: -kv[1]):
            print(f"    {name:<30} {seconds:6.3f}s")
    g = p.get("gc")
    if g:
        fl = med(g["floor"])
        print(f"\n  garbage collector (CPU s, median of {len(g['floor'])}): floor {fl:.2f}; lint with GC "
              f"{med(g['default']):.2f} ({med(g['default']) / fl:.2f}x floor; collections per generation "
              f"{g['default_collections']}); lint with GC off {med(g['off']):.2f} ({med(g['off']) / fl:.2f}x floor)")
        if "default_20k" in g:
            on, off = med(g["default_20k"]), med(g["off_20k"])
            print(f"  at 20k (one run each): floor {med(g['floor_20k']):.2f}; lint with GC {on:.2f} (collections "
                  f"{g['default_collections_20k']}); GC off {off:.2f}; GC share {on - off:.2f}s at 20k vs "
                  f"{med(g['default']) - med(g['off']):.2f}s at 10k")
    d = p.get("loader")
    if d:
        m = d["medians"]
        print(f"\n  loader vs floor, same process, median of {len(d['times']['floor'])} interleaved rounds:")
        for name in ("floor", "c_compose_only", "floor_per_chunk", "loader", "loader_timed"):
            print(f"    {name:<18} {m[name]:6.3f}s  {m[name] / m['floor']:5.2f}x floor")
        print("  loader stages (loader_timed; mean per round; nested stages are indented):")
        for name, seconds in d["stages"].items():
            print(f"    {name:<58} {seconds:6.3f}s  calls {d['calls'].get(name, 0)}")
    top = p["top"]
    print(f"\n  cProfile (profiled run {p['profile']['seconds']:.2f}s; profiler overhead inflates Python-heavy code)")
    print("  self time by area:")
    for name, seconds in list(top["groups"].items())[:15]:
        print(f"    {name:<55} {seconds:6.3f}s  {100 * seconds / top['total']:5.1f}%")
    print("  top functions by self time:")
    for r in top["by_tottime"][:20]:
        print(f"    {r['tottime']:6.3f}s self {r['cumtime']:6.3f}s cum {r['calls']:>9} calls  {r['function']}")
    print("  top functions by cumulative time:")
    for r in top["by_cumtime"][:20]:
        print(f"    {r['cumtime']:6.3f}s cum {r['tottime']:6.3f}s self {r['calls']:>9} calls  {r['function']}")
    print(f"  pure-Python YAML scanner/parser/composer calls: {top['slow_path_calls']}"
          + (f" ({', '.join(list(top['slow_path'])[:5])} ...)" if top["slow_path_calls"] else " (C path only)"))
    print("  (libyaml is C and invisible to cProfile: its parse+compose time is billed as self time to the Python"
          " function that calls into CParser)")
    print(f"  (full profile: {p['pstats']}; `python -m pstats` to browse)")


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--_worker"]:
        return worker(argv[1:])
    parser = argparse.ArgumentParser(description="policylint speed benchmark (see bench/README.md)")
    parser.add_argument("--runs", type=int, default=3, help="runs per throughput measurement (median; default 3)")
    parser.add_argument("--cold-runs", type=int, default=15, help="cold-start runs (median; default 15)")
    parser.add_argument("--docs", type=int, default=10_000, help="documents in the base corpus (default 10000)")
    parser.add_argument("--seed", type=int, default=None, help="corpus seed (default: gen_corpus's)")
    parser.add_argument("--mistakes", type=float, default=None, help="injected-mistake fraction (default 0.05)")
    parser.add_argument("--no-scale", action="store_true", help="skip the 2x corpus")
    parser.add_argument("--no-cold", action="store_true", help="skip the cold-start measurements")
    parser.add_argument("--quick", action="store_true", help="1 run per measurement, 5 cold starts")
    parser.add_argument("--profile", action="store_true", help="also profile the in-process lint (10k)")
    parser.add_argument("--profile-only", action="store_true", help="only generate the corpus and profile")
    parser.add_argument("--config", default=None, help="a .policylint.yaml for the lint runs (default: none)")
    parser.add_argument("--rules", action="append", default=[], metavar="DIR",
                        help="extra rule directory (as `policylint lint --rules`)")
    parser.add_argument("--no-default-rules", action="store_true", help="leave out the bundled rules")
    parser.add_argument("--src", default=None, help="policylint checkout to measure (default: this one)")
    parser.add_argument("--commit", default=None, metavar="REV",
                        help="measure a committed revision (exported with `git archive` into bench/out/src-SHA), "
                             "not the working tree with whatever is being edited right now")
    parser.add_argument("--out", default=str(OUT), help="work directory (default bench/out, gitignored)")
    parser.add_argument("--slow-seconds", type=float, default=45.0,
                        help="a measurement whose first run takes longer runs only once (bounded runtime)")
    parser.add_argument("--json", default=None, help="also write all raw results to this JSON file")
    parser.add_argument("--markdown", action="store_true", help="print the table as Markdown too")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(BENCH))
    import gen_corpus

    args.seed = gen_corpus.DEFAULT_SEED if args.seed is None else args.seed
    args.mistakes = gen_corpus.DEFAULT_MISTAKES if args.mistakes is None else args.mistakes
    if args.quick:
        args.runs, args.cold_runs = 1, 5
    if args.commit:
        args.src = str(export_commit(args.commit, Path(args.out)))
    bench = Bench(args)
    res: dict = {"machine": machine_info(bench.src), "args": {k: v for k, v in vars(args).items()}}
    try:
        return run(bench, args, res)
    finally:
        shutil.rmtree(bench.cwd, ignore_errors=True)



def _profile_into(res: dict, bench, base, big) -> None:
    """The --profile breakdown (and the 10k-vs-20k scaling per rule when the big corpus is in the run)."""
    prof = bench.profile(base, big)
    res["profile"] = prof
    print_breakdown(prof)
    if big is not None:
        res["scaling"] = bench.scaling(base, big)
        print_scaling(res["scaling"])

def run(bench: Bench, args, res: dict) -> int:
    base, stats10 = bench.corpus(args.docs)
    res["corpus10"] = stats10
    big = None
    if not args.no_scale:
        big, stats20 = bench.corpus(2 * args.docs)
        res["corpus20"] = stats20
    # Rule inventory (also warms the rule cache used by every later run).
    inv = bench.run_worker("rules")
    inactive = sorted(set(inv["rules"]) - set(inv["active"]))
    bench.enable = inactive
    res["rules"] = {"total": len(inv["rules"]), "active_by_default": len(inv["active"]),
                    "enabled_for_bench": inactive, "indexes": inv["indexes"], "cross": inv["cross"],
                    "linter_init_seconds_first": inv["init_seconds"]}
    bench.log(f"{len(inv['rules'])} rules ({len(inv['active'])} on by default; enabling {inactive or 'none'}), "
              f"{len(inv['indexes'])} indexes")
    if args.profile_only:
        _profile_into(res, bench, base, big)
        _dump(res, args)
        return 0
    # Warm the OS file cache for both corpora (not timed).
    for path in [base] + ([big] if "corpus20" in res else []):
        for f in corpus_files(str(path)):
            Path(f).read_bytes()
    res["t10"] = bench.measure_throughput(base, jobs2=True, runs=args.runs)
    res["cli_check"] = bench.validate_cli(base, res["t10"]["extras"].get("api", {}).get("findings"))
    if "corpus20" in res:
        res["t20"] = bench.measure_throughput(big, jobs2=False, runs=args.runs)
    if not args.no_cold:
        res["cold"] = bench.measure_cold_start(args.cold_runs)
    try:
        res["machine"]["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    except OSError:
        pass
    rows, _ = build_table(res, args)
    report(res, rows, args)
    if args.profile:
        _profile_into(res, bench, base, big)
    _dump(res, args)
    return 0 if all(r[-1] != "FAIL" for r in rows) else 1


def _dump(res: dict, args) -> None:
    if args.json:
        Path(args.json).write_text(json.dumps(res, indent=2, default=str))


def report(res: dict, rows, args) -> None:
    m = res["machine"]
    c10 = res["corpus10"]
    print(f"\n# policylint speed: {m.get('cpu')}, {m.get('cores')} cores, Python {m.get('python')}, "
          f"PyYAML {m.get('pyyaml')}")
    print(f"git {m.get('git')} (uncommitted files under policylint/ or rules/: "
          f"{m.get('uncommitted_files_in_policylint_or_rules')}); load average at start "
          f"{' '.join(m.get('loadavg_start', []))}, at end {' '.join(m.get('loadavg_end', []))}")
    print(f"corpus 10k: {c10['documents']} documents, {c10['files']} files, {c10['bytes'] / 1e6:.1f} MB, "
          f"{c10['mistakes']} injected mistakes; " + (
              f"corpus 20k: {res['corpus20']['documents']} documents, {res['corpus20']['files']} files, "
              f"{res['corpus20']['bytes'] / 1e6:.1f} MB" if "corpus20" in res else "no 20k corpus"))
    r = res["rules"]
    print(f"rules: {r['total']} ({r['active_by_default']} on by default, enabled for the bench: "
          f"{', '.join(r['enabled_for_bench']) or 'none'}); {len(r['indexes'])} indexes; "
          f"{len(r['cross'])} cross-resource (lookup) rules")
    e10 = res["t10"]["extras"]
    if "api" in e10:
        a = e10["api"]
        print(f"in-process: import {a['import_seconds']:.3f}s, Linter() {a['init_seconds']:.3f}s (not in the lint "
              f"time), render json {a['render_json_seconds']:.2f}s ({a['json_bytes'] / 1e6:.1f} MB, not in the "
              f"lint time); {a['findings']} findings ({a['suppressed']} suppressed) in {a['documents']} documents, "
              f"{a['files']} files, {a['parse_errors']} parse errors, {a['skipped']} skipped")
        if "api_j2" in e10:
            same = e10["api_j2"]["digest"] == a["digest"]
            print(f"jobs=2 findings identical to jobs=1: {'yes' if same else 'NO'}")
        print("findings per rule (10k): " + ", ".join(f"{k} {v}" for k, v in a["per_rule"].items()))
    if "cold" in res:
        c = res["cold"]
        mods = c["modules"]
        print(f"cold start: `policylint lint` of a {c['manifest_bytes']}-byte manifest (3 documents), warm rule "
              f"cache = POLICYLINT_CACHE_DIR filled by a previous run; exit {c['exit_code']}")
        print(f"lint path: {mods['count']} modules; forbidden loaded: {mods['forbidden_loaded'] or 'none'}; "
              f"watched loaded: {', '.join(mods['watched_loaded']) or 'none'}; third-party top-level: "
              f"{', '.join(mods['third_party'])}")
        print("-X importtime, top-level imports by cumulative time: " + ", ".join(
            f"{t['module']} {t['cumulative_ms']}ms" for t in c["importtime"]["top"][:10]))
    print()
    print(text_table(rows))
    if args.markdown:
        print()
        print(markdown_table(rows))


if __name__ == "__main__":
    sys.exit(main())
