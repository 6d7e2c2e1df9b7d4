"""Micro-benchmarks of the rule language (not collected by pytest).

    python tests/lang/bench_eval.py            # cost per rule evaluation, cold compile vs cache hit

Evaluation: three representative rules (fixtures/lang/bench/B10*.rule) on one ServiceEntry, µs per `check`.
Compile: every rule file under rules/ (or the files given), in fresh interpreters, without cache (lark import,
grammar, parse, codegen, compile) and with a warm cache (no lark).
"""
from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

# Prints the CPU time of the whole process (interpreter start included): robust on a busy machine.
COMPILE_PROBE = """
import sys, time
from pathlib import Path
from policylint.lang import compile_rule_files
rules = compile_rule_files([Path(p) for p in sys.argv[1:]])
print(f"{time.process_time() * 1000:.1f} {len(rules.rules)} {'lark' in sys.modules}")
"""


def bench_evaluation() -> None:
    from policylint.lang import Env, compile_rule_files
    from policylint.loader import load_text

    folder = ROOT / "fixtures" / "lang" / "bench"
    ruleset = compile_rule_files(sorted(folder.glob("*.rule")), use_cache=False)
    doc = load_text((folder / "serviceentry.yaml").read_text(), "serviceentry.yaml").documents[0]
    env = Env({}, lambda name, key: [])
    for rule in ruleset.rules:
        check, params = rule.check, dict(rule.params)
        number = 100_000
        best = min(timeit.repeat(lambda: check(doc, params, env), number=number, repeat=5))
        hits = check(doc, params, env)
        print(f"{rule.id} {rule.name:36} {best / number * 1e6:6.2f} µs/check  ({len(hits)} hits)")


def bench_compile(files: list[str]) -> None:
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, "POLICYLINT_CACHE_DIR": cache, "PYTHONPATH": str(ROOT)}
        env.pop("POLICYLINT_NO_CACHE", None)

        def run(**extra) -> str:
            out = subprocess.run([sys.executable, "-c", COMPILE_PROBE, *files], env={**env, **extra},
                                 capture_output=True, text=True, check=True)
            return out.stdout.strip()

        cold = [run(POLICYLINT_NO_CACHE="1") for _ in range(3)]
        run()  # fill the cache
        warm = [run() for _ in range(3)]
    for label, runs in (("cold (no cache)", cold), ("cache hit", warm)):
        ms, count, lark = runs[0].split()
        best = min(float(r.split()[0]) for r in runs)
        print(f"{label:16} {best:7.1f} ms CPU, whole process, for {len(files)} files / {count} rules "
              f"(lark imported: {lark})")
    baseline = subprocess.run([sys.executable, "-c", "import time; print(time.process_time() * 1000)"],
                              capture_output=True, text=True, check=True).stdout.strip()
    print(f"{'python -c pass':16} {float(baseline):7.1f} ms CPU")


if __name__ == "__main__":
    bench_evaluation()
    targets = sys.argv[1:] or sorted(str(p) for p in (ROOT / "rules").rglob("*.rule"))
    bench_compile(targets)
