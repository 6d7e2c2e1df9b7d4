#!/usr/bin/env python3
"""How far policylint agrees with Istio's own test expectations (the conformance corpus).

    .venv/bin/python scripts/conformance.py [CORPUS]       # default: ../shared/corpus/istio next to the repo

Three parts, each measured with the library API (`policylint.api.Linter`, built-in rules, no user config):

analyzers/   Each case of analyzers/expected.json runs ONE istioctl analyzer over its input files (plus an
             optional mesh config, passed like --mesh-config). Expected: a multiset of (code, kind, namespace,
             name). Found: the policylint findings whose `istio_code` belongs to that analyzer's code family
             (ANALYZER_CODES below: the codes the analyzer can emit, so a case that expects nothing still knows
             what to look for), as (istio_code, resource kind, namespace, name). A case agrees when the two
             multisets are equal. Findings with other codes (IST0106/IST0133 schema messages, product-only rules
             without a code) are not counted: they belong to other analyzers or to none.
validation/  Every document of validation/*.yaml (the `_err` test key stripped first) is linted on its own
             file; policylint "rejects" a document when it reports at least one error-severity finding on it.
             Expected: must_reject from validation/expected.json.
inject/      Every input Deployment of inject/expected.json: policylint "fails injection" when it reports an
             error-severity finding on the Deployment. Expected: injection_must_fail.

The script prints a per-case table and totals, and always exits 0: it measures, it does not gate.
"""
from __future__ import annotations

import json
import re
import sys
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from policylint.api import Linter  # noqa: E402
from policylint.config import Config  # noqa: E402
from policylint.model import Severity  # noqa: E402

DEFAULT_CORPUS = REPO.parent / "shared" / "corpus" / "istio"

# The message codes each istioctl analyzer of the corpus can emit (pkg/config/analysis/analyzers/*, and
# msg/messages.yaml). Cases are compared on these codes only; the union with the codes a case expects is taken
# in case the corpus names an analyzer with more codes than listed here.
ANALYZER_CODES = {
    "annotations.K8sAnalyzer": {"IST0107", "IST0108", "IST0125", "IST0135"},
    "annotations.AlphaAnalyzer": {"IST0136"},
    "deprecation.DeprecationAnalyzer": {"IST0002"},
    "service.PortNameAnalyzer": {"IST0118", "IST0150"},
    "sidecar.SelectorAnalyzer": {"IST0101", "IST0110", "IST0111", "IST0167"},
    "virtualservice.DestinationHostAnalyzer": {"IST0101", "IST0112"},
    "destinationrule.CaCertificateAnalyzer": {"IST0128", "IST0129"},
    "serviceentry.Analyzer": {"IST0134"},
    "serviceentry.ConflictingServiceEntryProtocolAnalyzer": {"IST0177"},
    "destinationrule.SubsetSelectPodAnalyzer": {"IST0173", "IST0174"},
}

_ERR_KEY = re.compile(r"^_err:.*$", re.MULTILINE)


def make_linter() -> Linter:
    return Linter(Config())


def key_of(finding) -> tuple:
    res = finding.resource
    return (finding.istio_code, res.kind if res else None, res.namespace if res else None, res.name if res else None)


def show(key: tuple) -> str:
    code, kind, ns, name = key
    return f"{code} {kind} {ns + '/' if ns else ''}{name}"


def table(rows: list[list[str]], headers: list[str]) -> str:
    widths = [max(len(str(r[i])) for r in [headers, *rows]) for i in range(len(headers))]
    line = lambda r: "  ".join(str(c).ljust(w) for c, w in zip(r, widths)).rstrip()  # noqa: E731
    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(r) for r in rows)])


# -- analyzers ------------------------------------------------------------------------------------------------

def run_analyzers(linter: Linter, corpus: Path) -> dict:
    folder = corpus / "analyzers"
    spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    families: dict[str, set] = {name: set(codes) for name, codes in ANALYZER_CODES.items()}
    for case in spec["cases"]:
        families.setdefault(case["analyzer"], set()).update(e["code"] for e in case["expected"])
    rows, details = [], []
    totals = Counter()
    for case in spec["cases"]:
        family = families[case["analyzer"]]
        mesh = case.get("mesh_config_file")
        report = linter.lint_paths([str(folder / f) for f in case["input_files"]],
                                   mesh_config=str(folder / mesh) if mesh else None)
        expected = Counter((e["code"], e["kind"], e["namespace"], e["name"]) for e in case["expected"])
        found = Counter(key_of(f) for f in report.active() if f.istio_code in family)
        matched = expected & found
        missing = expected - found
        extra = found - expected
        agree = not missing and not extra
        totals["cases"] += 1
        totals["agree"] += agree
        totals["expected"] += sum(expected.values())
        totals["matched"] += sum(matched.values())
        totals["missing"] += sum(missing.values())
        totals["extra"] += sum(extra.values())
        rows.append([case["name"][:62], case["analyzer"].split(".")[-1][:26], ",".join(sorted(family)),
                     sum(expected.values()), sum(found.values()), sum(matched.values()), "yes" if agree else "NO"])
        if not agree:
            rules = sorted({f"{f.rule}:{f.istio_code}" for f in report.active() if f.istio_code in family})
            details.append((case["name"], missing, extra, rules))
    print("== analyzers (istioctl analyze test grid)")
    print(table(rows, ["case", "analyzer", "codes", "expected", "found", "matched", "agree"]))
    for name, missing, extra, rules in details:
        print(f"\n  {name}:")
        for key, n in sorted(missing.items(), key=lambda kv: str(kv[0])):
            print(f"    missing x{n}: {show(key)}")
        for key, n in sorted(extra.items(), key=lambda kv: str(kv[0])):
            print(f"    extra   x{n}: {show(key)}")
        if rules:
            print(f"    policylint rules reporting these codes: {', '.join(rules)}")
    print(f"\n  cases agreeing: {totals['agree']}/{totals['cases']}; expected messages matched: "
          f"{totals['matched']}/{totals['expected']}; missing {totals['missing']}, extra {totals['extra']}")
    return totals


# -- validation -----------------------------------------------------------------------------------------------

def run_validation(linter: Linter, corpus: Path) -> dict:
    folder = corpus / "validation"
    spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    reports = {}
    for name in sorted({d["file"] for d in spec["documents"]}):
        text = _ERR_KEY.sub("", (folder / name).read_text(encoding="utf-8"))
        reports[name] = linter.lint_text(text, str(folder / name))
    rows = []
    totals = Counter()
    for doc in spec["documents"]:
        report = reports[doc["file"]]
        errors = sorted({f.rule for f in report.active()
                         if f.severity == Severity.ERROR and f.resource is not None
                         and f.resource.kind == doc["kind"] and f.resource.name == doc["name"]})
        rejected = bool(errors)
        agree = rejected == doc["must_reject"]
        totals["documents"] += 1
        totals["agree"] += agree
        totals["must_reject"] += doc["must_reject"]
        totals["rejected_ok"] += doc["must_reject"] and rejected
        totals["accepted_ok"] += (not doc["must_reject"]) and not rejected
        rows.append([doc["file"], doc["kind"], doc["name"], "reject" if doc["must_reject"] else "accept",
                     "reject" if rejected else "accept", "yes" if agree else "NO", ",".join(errors) or "-"])
    print("\n== validation (CRD + webhook accept/reject)")
    print(table(rows, ["file", "kind", "name", "istio", "policylint", "agree", "error rules"]))
    accept = totals["documents"] - totals["must_reject"]
    print(f"\n  documents agreeing: {totals['agree']}/{totals['documents']}; rejected of must-reject: "
          f"{totals['rejected_ok']}/{totals['must_reject']}; accepted of must-accept: {totals['accepted_ok']}/{accept}")
    return totals


# -- injection ------------------------------------------------------------------------------------------------

def run_inject(linter: Linter, corpus: Path) -> dict:
    folder = corpus / "inject"
    spec = json.loads((folder / "expected.json").read_text(encoding="utf-8"))
    rows = []
    totals = Counter()
    for case in spec["cases"]:
        report = linter.lint_paths([str(folder / case["input"])])
        errors = sorted({f.rule for f in report.active()
                         if f.severity == Severity.ERROR and f.resource is not None
                         and f.resource.kind == case["kind"]})
        failed = bool(errors)
        agree = failed == case["injection_must_fail"]
        totals["cases"] += 1
        totals["agree"] += agree
        rows.append([case["input"], "fail" if case["injection_must_fail"] else "inject",
                     "fail" if failed else "inject", "yes" if agree else "NO", ",".join(errors) or "-"])
    print("\n== inject (sidecar injection must fail on bad traffic annotations)")
    print(table(rows, ["input", "istio", "policylint", "agree", "error rules"]))
    print(f"\n  cases agreeing: {totals['agree']}/{totals['cases']}")
    return totals


def main(argv: list[str]) -> int:
    corpus = Path(argv[1]).resolve() if len(argv) > 1 else DEFAULT_CORPUS
    if not (corpus / "analyzers" / "expected.json").is_file():
        print(f"conformance: no Istio corpus at {corpus}", file=sys.stderr)
        return 0
    linter = make_linter()
    print(f"policylint conformance against {corpus}")
    print("mapping: a finding counts for an analyzer case when its rule's istio_code is one of the codes that "
          "analyzer emits; (istio_code, kind, namespace, name) is compared as a multiset.\n")
    a = run_analyzers(linter, corpus)
    v = run_validation(linter, corpus)
    i = run_inject(linter, corpus)
    print("\n== totals")
    print(f"  analyzers:  {a['agree']}/{a['cases']} cases agree, {a['matched']}/{a['expected']} expected messages "
          f"found, {a['extra']} extra")
    print(f"  validation: {v['agree']}/{v['documents']} documents agree")
    print(f"  inject:     {i['agree']}/{i['cases']} cases agree")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
