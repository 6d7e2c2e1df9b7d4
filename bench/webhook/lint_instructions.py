"""Instructions per lint of one admitted object, counted by valgrind (callgrind): a figure that does not move
with the load on the machine, for comparing small changes that wall-clock runs cannot tell apart.

    .venv/bin/python bench/webhook/lint_instructions.py [serviceentry|deployment|service ...] [--src DIR] [--count 500]

For each review, two runs under `valgrind --tool=callgrind`: one decodes COUNT variants of the object (they
differ in metadata.name) and lints each right after decoding it, as the webhook does; the floor run only
decodes them. Both load the rules compiled beforehand and lint 50 objects first. Printed: (lint run - floor run) / COUNT, the
CPU instructions one lint costs. `--src DIR` measures another checkout (`git worktree add /tmp/base COMMIT`).
Runs take about 10 s per review; the count moves by about 0.5 % between runs (hash randomisation).
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
WARMUP = 50


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reviews", nargs="*", default=["serviceentry", "deployment", "service"])
    parser.add_argument("--src", default=str(HERE.parents[1]), help="the policylint tree to measure")
    parser.add_argument("--count", type=int, default=500, help="objects linted per run")
    parser.add_argument("--child", nargs=2, metavar=("REVIEW", "LINT"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args.src, args.child[0], args.count, args.child[1] == "1")
    if shutil.which("valgrind") is None:
        sys.exit("valgrind is not installed (apt-get install -y valgrind)")
    with tempfile.TemporaryDirectory(prefix="policylint-cache-") as cache:
        env = {**os.environ, "POLICYLINT_CACHE_DIR": cache}
        # Compile the rules into the cache once, outside valgrind: neither counted run pays for compiling.
        subprocess.run([sys.executable, __file__, "--src", args.src, "--count", "1", "--child", "service", "1"],
                       env=env, check=True)
        for review in args.reviews:
            floor = instructions(args, review, False, env)
            total = instructions(args, review, True, env)
            print(f"{review:13s} {(total - floor) / args.count:10,.0f} instructions per lint "
                  f"(valgrind callgrind, {args.count} objects, floor: decoding only)")
    return 0


def instructions(args: argparse.Namespace, review: str, lint: bool, env: dict) -> int:
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", sys.executable, __file__,
               "--src", args.src, "--count", str(args.count), "--child", review, "1" if lint else "0"]
    run = subprocess.run(command, capture_output=True, text=True, env=env, check=True)
    found = re.search(r"Collected : (\d+)", run.stderr)
    if found is None:
        sys.exit(f"no instruction count in valgrind's output:\n{run.stderr[-2000:]}")
    return int(found.group(1))


def child(src: str, review: str, count: int, lint: bool) -> int:
    sys.path.insert(0, src)
    import orjson

    from policylint.api import Linter

    linter = Linter()
    getattr(linter, "plan_all_kinds", lambda: None)()
    obj = orjson.loads((HERE / "reviews" / f"{review}.json").read_bytes())["request"]["object"]
    bodies = [orjson.dumps({**obj, "metadata": {**obj["metadata"], "name": f"{review}-{i}"}})
              for i in range(count + WARMUP)]
    for body in bodies[:WARMUP]:
        linter.lint_objects([orjson.loads(body)])
    for body in bodies[WARMUP:]:
        decoded = orjson.loads(body)
        if lint:
            linter.lint_objects([decoded])
    return 0


if __name__ == "__main__":
    sys.exit(main())
