"""Cost of cross-resource context per review: indexed once (`Linter.prepare_context`) vs with every call.

    .venv/bin/python bench/webhook/context_bench.py [--context 1000] [--reviews 300]

Lints the bench ServiceEntry (bench/webhook/reviews/serviceentry.json) against N other ServiceEntries (2 hosts
each, spread over 50 namespaces) the three ways `Linter.lint_objects` allows: no context, a prepared context
(what the webhook does: indexed once per context version), and `context_objects=` (indexed again by every call).
Prints µs per review and the one-off preparation time.
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--context", type=int, default=1000, help="ServiceEntries in the context (default 1000)")
    parser.add_argument("--reviews", type=int, default=300, help="reviews timed per way (default 300)")
    args = parser.parse_args()
    os.environ.setdefault("POLICYLINT_CACHE_DIR", tempfile.mkdtemp(prefix="policylint-cache-"))
    sys.path.insert(0, str(ROOT))
    from policylint.api import Linter

    review = json.loads((HERE / "reviews" / "serviceentry.json").read_text())
    obj = review["request"]["object"]
    context = []
    for i in range(args.context):
        other = copy.deepcopy(obj)
        other["metadata"].update(name=f"se-{i}", namespace=f"ns-{i % 50}")
        other["spec"]["hosts"] = [f"h{i}.example.com", f"g{i}.example.org"]
        context.append(other)
    linter = Linter()
    linter.plan_all_kinds()  # as the webhook does at start-up: no fused-rule compile inside the timings
    started = time.perf_counter()
    prepared = linter.prepare_context(context)
    prepare_ms = (time.perf_counter() - started) * 1000
    ways = {"no context": {}, "prepared context": {"context": prepared}, "context_objects=": {"context_objects": context}}
    print(f"{args.context} context ServiceEntries; prepare_context: {prepare_ms:.1f} ms once")
    for label, kwargs in ways.items():
        count = args.reviews if label != "context_objects=" else max(3, args.reviews // 30)
        objects = [copy.deepcopy(obj) for _ in range(count + 20)]
        for o in objects[:20]:  # warm-up
            linter.lint_objects([o], **kwargs)
        started = time.perf_counter()
        for o in objects[20:]:
            report = linter.lint_objects([o], **kwargs)
        per_review = (time.perf_counter() - started) / count * 1e6
        print(f"{label:18s} {per_review:10.1f} us per review ({count} reviews, {len(report.findings)} findings)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
