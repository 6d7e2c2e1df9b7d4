#!/usr/bin/env python3
"""Microseconds per document for the structure checks (SCH8xx), against plain `jsonschema` in the same run.

    .venv/bin/python bench/structure_bench.py [--docs 2000] [--rounds 7] [--write]

Every document is a distinct object (the builtin memoises per document object, so repeating one object would
measure the memo). For each validator the best of --rounds passes over all documents is kept, as µs/document:

- `schemaViolations`: policylint's builtin, end to end (schema lookup by group/kind/version, jsonschema-rs
  `is_valid`; for invalid documents `iter_errors` on the normalised copy and the violation maps);
- `jsonschema-rs is_valid`: the compiled validator alone;
- `jsonschema is_valid` / `iter_errors`: the `jsonschema` package (Draft 2020-12) with the same schema;
- `fastjsonschema`: compiled with the same schema (raises on the first error, reports only one).

`--write` replaces the table in bench/README-structure.md.
"""
from __future__ import annotations

import argparse
import copy
import json
import platform
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import fastjsonschema  # noqa: E402
import jsonschema  # noqa: E402
import jsonschema_rs  # noqa: E402

from policylint.builtins import structure  # noqa: E402

KINDS = ROOT / "policylint" / "schemas" / "kinds" / "networking.istio.io"
README = ROOT / "bench" / "README-structure.md"


MISSPELLINGS = ("protocl", "protcol", "protocoll", "Protocol", "prtocol")


def service_entry(i: int, invalid: bool) -> dict:
    doc = {
        "apiVersion": "networking.istio.io/v1",
        "kind": "ServiceEntry",
        "metadata": {"name": f"api-{i}", "namespace": f"ns-{i % 50}", "labels": {"team": f"t{i % 7}"}},
        "spec": {
            "hosts": [f"api{i}.example.com", f"www.api{i}.example.com"],
            "ports": [
                {"number": 443, "name": "https", "protocol": "HTTPS"},
                {"number": 80 + i % 5, "name": f"http-{i % 5}", "protocol": "HTTP"},
            ],
            "location": "MESH_EXTERNAL",
            "resolution": "DNS",
            "exportTo": ["."],
        },
    }
    if invalid:  # the two mistakes: a misspelt key (five spellings) and a quoted number
        port = doc["spec"]["ports"][0]
        port[MISSPELLINGS[i % len(MISSPELLINGS)]] = port.pop("protocol")
        port["number"] = "443"
    return doc


def destination_rule(i: int) -> dict:
    return {
        "apiVersion": "networking.istio.io/v1",
        "kind": "DestinationRule",
        "metadata": {"name": f"api-{i}", "namespace": f"ns-{i % 50}"},
        "spec": {
            "host": f"api{i}.example.com",
            "trafficPolicy": {
                "loadBalancer": {"simple": "LEAST_REQUEST"},
                "connectionPool": {"tcp": {"maxConnections": 100, "connectTimeout": "30ms"},
                                   "http": {"http2MaxRequests": 1000, "maxRetries": 3}},
                "outlierDetection": {"consecutive5xxErrors": 7, "interval": "5m", "baseEjectionTime": "15m"},
                "tls": {"mode": "SIMPLE", "sni": f"api{i}.example.com"},
                "portLevelSettings": [{"port": {"number": 443}, "tls": {"mode": "SIMPLE"}}],
            },
            "subsets": [{"name": "v1", "labels": {"version": "v1"}}],
        },
    }


def best_us(fn, docs, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        structure._memo.clear()
        start = time.perf_counter_ns()
        for doc in docs:
            fn(doc)
        best = min(best, (time.perf_counter_ns() - start) / len(docs) / 1000)
    return best


def fast_validate(validate):
    def run(doc):
        try:
            validate(doc)
        except fastjsonschema.JsonSchemaException:
            pass
    return run


def measure(n: int, rounds: int) -> list[tuple[str, str, float]]:
    se_schema = json.loads((KINDS / "ServiceEntry.json").read_text())
    dr_schema = json.loads((KINDS / "DestinationRule.json").read_text())
    sets = {
        "ServiceEntry, valid": ([service_entry(i, False) for i in range(n)], se_schema),
        "ServiceEntry, invalid (2 errors)": ([service_entry(i, True) for i in range(n)], se_schema),
        "DestinationRule, valid": ([destination_rule(i) for i in range(n)], dr_schema),
    }
    rows = []
    for label, (docs, schema) in sets.items():
        rs = jsonschema_rs.validator_for(schema)
        plain = jsonschema.Draft202012Validator(schema)
        fast = fastjsonschema.compile(schema)
        # warm up (schema files are read and compiled on first use)
        structure.schema_violations(copy.deepcopy(docs[0]))
        invalid = "invalid" in label
        assert bool(structure.schema_violations(copy.deepcopy(docs[0]))) == invalid
        rows.append((label, "policylint schemaViolations (jsonschema-rs)",
                     best_us(structure.schema_violations, docs, rounds)))
        rows.append((label, "jsonschema-rs is_valid", best_us(rs.is_valid, docs, rounds)))
        if invalid:
            rows.append((label, "jsonschema-rs iter_errors", best_us(lambda d: list(rs.iter_errors(d)), docs, rounds)))
        rows.append((label, "fastjsonschema validate", best_us(fast_validate(fast), docs, rounds)))
        rows.append((label, "jsonschema is_valid", best_us(plain.is_valid, docs, max(1, rounds // 2))))
        if invalid:
            rows.append((label, "jsonschema iter_errors",
                         best_us(lambda d: list(plain.iter_errors(d)), docs, max(1, rounds // 2))))
    return rows


def table(rows, n: int, rounds: int) -> str:
    lines = [
        f"Measured with `.venv/bin/python bench/structure_bench.py --docs {n} --rounds {rounds}` "
        f"(Python {platform.python_version()}, jsonschema-rs {_version('jsonschema_rs')}, "
        f"jsonschema {_version('jsonschema')}, fastjsonschema {_version('fastjsonschema')}, "
        f"{platform.machine()}). Best of the rounds, µs per document.",
        "",
        "| documents | validator | µs/doc |",
        "|---|---|---:|",
    ]
    for label, name, us in rows:
        lines.append(f"| {label} | {name} | {us:.1f} |")
    return "\n".join(lines)


def _version(module: str) -> str:
    from importlib.metadata import PackageNotFoundError, version

    for name in (module, module.replace("_", "-")):
        try:
            return version(name)
        except PackageNotFoundError:
            continue
    return "?"


BEGIN, END = "<!-- bench:begin -->", "<!-- bench:end -->"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--write", action="store_true", help="update the table in bench/README-structure.md")
    args = parser.parse_args()
    text = table(measure(args.docs, args.rounds), args.docs, args.rounds)
    print(text)
    if args.write:
        readme = README.read_text(encoding="utf-8")
        head, _, rest = readme.partition(BEGIN)
        _, _, tail = rest.partition(END)
        README.write_text(f"{head}{BEGIN}\n{text}\n{END}{tail}", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
