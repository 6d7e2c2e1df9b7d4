"""Linting one admitted object, the webhook's unit of work: `Linter.lint_objects([obj])` per object.

    .venv/bin/python bench/webhook/lint_one.py [serviceentry|deployment|service ...] [--src DIR] [--rounds 7]

Each round decodes N review objects from JSON (1,000 variants that differ in metadata.name, so no memo
carries over from one object to the next) and lints each right after decoding it, as the webhook does; the
floor is the same loop with decoding only, measured in the same run. Printed: the best round of each, the lint
alone (best lint round minus best floor round) and the ratio of the two best rounds. `--src DIR` measures
another checkout (for before/after comparisons: `git worktree add /tmp/base COMMIT`).
"""
from __future__ import annotations

import argparse
import gc
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("reviews", nargs="*", default=["serviceentry", "deployment", "service"])
    parser.add_argument("--src", default=str(HERE.parents[1]), help="the policylint tree to measure")
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--count", type=int, default=5000, help="objects per round")
    args = parser.parse_args()
    sys.path.insert(0, args.src)
    import orjson

    from policylint.api import Linter

    linter = Linter()
    getattr(linter, "plan_all_kinds", lambda: None)()  # older trees compile plans on first use (warm-up below)
    for name in args.reviews:
        obj = orjson.loads((HERE / "reviews" / f"{name}.json").read_bytes())["request"]["object"]
        bodies = [orjson.dumps({**obj, "metadata": {**obj["metadata"], "name": f"{name}-{i}"}}) for i in range(1000)]
        for body in bodies[:200]:
            linter.lint_objects([orjson.loads(body)])
        gc.freeze()

        def timed(lint: bool) -> float:
            started = time.perf_counter()
            for i in range(args.count):
                obj = orjson.loads(bodies[i % 1000])
                if lint:
                    linter.lint_objects([obj])
            return (time.perf_counter() - started) / args.count * 1e6

        floors, lints = [], []
        for _ in range(args.rounds):  # interleaved, so that a burst of load elsewhere hits both
            floors.append(timed(False))
            lints.append(timed(True))
        floor, total = min(floors), min(lints)
        print(f"{name:13s} decode {floor:5.1f} us, decode + lint {total:6.1f} us: lint {total - floor:5.1f} us "
              f"({total / floor:.1f}x the decode floor; best of {args.rounds} x {args.count})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
