"""The built-in rule pack through the webhook: every single-document fail fixture, sent as a CREATE, gets the
same findings per action as `policylint lint` reports for the file (same library API, same compiled rules)."""
from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from webhook_harness import ROOT, start_webhook
from policylint.api import Linter
from policylint.config import Config
from webhook.admission import admitted_kinds
from webhook_reviews import review

ACTIONS = {"error": "deny", "warning": "warn", "info": "audit"}
EXEMPT = {"kube-system", "kube-public", "kube-node-lease", "policylint-system"}


def single_document_fixtures() -> list[tuple[Path, dict]]:
    out = []
    for path in sorted((ROOT / "fixtures" / "rules").glob("*/fail.yaml")):
        docs = [d for d in yaml.safe_load_all(path.read_text()) if isinstance(d, dict)]
        if len(docs) == 1 and "apiVersion" in docs[0] and "kind" in docs[0]:
            out.append((path, docs[0]))
    return out


FIXTURES = single_document_fixtures()


@pytest.fixture(scope="module")
def pack_webhook(tmp_path_factory, certs):
    """Default settings and the built-in rules, as shipped."""
    directory = tmp_path_factory.mktemp("webhook-pack")
    config = directory / "policylint.yaml"
    config.write_text("{}\n")
    server = start_webhook(directory, certs, config)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def linter() -> Linter:
    return Linter(Config())


def test_fixtures_get_the_cli_findings(pack_webhook, linter):
    assert FIXTURES, "the rule pack's fail fixtures are the input of this test"
    checked_kinds = {k if "/" in k else f"/{k}" for k in admitted_kinds(linter)}
    compared = 0
    for path, doc in FIXTURES:
        namespace = (doc.get("metadata") or {}).get("namespace") or ""
        if namespace in EXEMPT:
            continue
        body = review(doc, namespace=namespace)
        uid = body["request"]["uid"]
        answer = pack_webhook.validate(body).json()["response"]
        line = pack_webhook.decision_log(uid)
        key = f"{doc['apiVersion'].rpartition('/')[0]}/{doc['kind']}"
        if key not in checked_kinds:
            assert (answer, line["decision"]) == ({"uid": uid, "allowed": True}, "skip"), path
            continue
        expected: dict[str, set[str]] = {}
        errors = 0
        for finding in linter.lint_paths([str(path)]).active():
            expected.setdefault(ACTIONS[finding.severity.value], set()).add(finding.rule)
            errors += finding.severity.value == "error"
        assert line["rules"] == {action: sorted(ids) for action, ids in sorted(expected.items())}, path
        assert answer["allowed"] is (errors == 0), path
        if errors:
            listed = answer["status"]["message"].splitlines()
            assert listed[0] == f"{errors} policylint violation{'s' if errors > 1 else ''}:", path
            assert {item.split(" ")[1] for item in listed[1:] if not item.startswith("- and ")} <= expected["deny"]
        compared += 1
    assert compared >= 10
