"""Failure modes: an exception or a blown time budget is answered by the configured mode, never a 500."""
from __future__ import annotations

import sys
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from webhook_harness import HERE, start_webhook, write_config
from webhook_reviews import review, service_entry

BUDGET = 0.3
FAULTY = [sys.executable, str(HERE / "faulty_server.py")]
SECRET = "s3cr3t-value-from-the-object"


def faulty_object(fault: str) -> dict:
    return service_entry(labels={"app": "payments", "policylint.test/fault": fault})


@pytest.fixture(scope="module")
def fail_open(tmp_path_factory, certs):
    directory = tmp_path_factory.mktemp("webhook-fail-open")
    server = start_webhook(directory, certs, write_config(directory, {"failure": {"timeBudgetSeconds": BUDGET}}),
                           command=FAULTY)
    yield server
    server.stop()


@pytest.fixture(scope="module")
def fail_closed(tmp_path_factory, certs):
    directory = tmp_path_factory.mktemp("webhook-fail-closed")
    config = write_config(directory, {"failure": {"mode": "closed", "timeBudgetSeconds": BUDGET}})
    server = start_webhook(directory, certs, config, command=FAULTY)
    yield server
    server.stop()


def open_answer(uid: str, why: str) -> dict:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
        "uid": uid, "allowed": True,
        "warnings": [f"policylint could not evaluate this object ({why}); allowed because the webhook fails open"]}}


def closed_answer(uid: str, why: str) -> dict:
    return {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": {
        "uid": uid, "allowed": False, "status": {
            "code": 500,
            "message": f"policylint could not evaluate this object ({why}); denied because the webhook fails closed"}}}


def test_exception_fails_open_with_warning_metric_and_log(fail_open):
    body = review(faulty_object("raise"))
    uid = body["request"]["uid"]
    response = fail_open.validate(body)
    assert (response.status_code, response.json()) == (200, open_answer(uid, "internal error ValueError"))
    line = fail_open.decision_log(uid)
    assert (line["level"], line["decision"], line["reason"]) == ("error", "fail-open", "exception")
    assert line["error"]["type"] == "builtins.ValueError"
    assert any(frame.startswith("faulty_server.py:") for frame in line["error"]["at"])
    assert SECRET not in fail_open.log_path.read_text()
    assert fail_open.metric("policylint_webhook_failures_total", reason="exception", mode="open") == 1


def test_blown_budget_fails_open_in_time(fail_open):
    body = review(faulty_object("sleep"))
    uid = body["request"]["uid"]
    started = time.monotonic()
    response = fail_open.validate(body)
    elapsed = time.monotonic() - started
    assert response.json() == open_answer(uid, f"evaluation took longer than {BUDGET:g}s")
    assert BUDGET <= elapsed < BUDGET + 0.5
    assert fail_open.decision_log(uid)["reason"] == "timeout"
    assert fail_open.metric("policylint_webhook_failures_total", reason="timeout", mode="open") >= 1


def test_slow_evaluation_delays_others_by_at_most_the_budget(fail_open):
    """Evaluations run inline on the event loop: a slow one holds the others back until its budget passes."""
    slow = review(faulty_object("sleep"))
    with ThreadPoolExecutor(max_workers=1) as pool:
        pending = pool.submit(fail_open.client().post, "/validate", json=slow)
        time.sleep(0.05)
        started = time.monotonic()
        for _ in range(5):
            body = review(service_entry())
            assert fail_open.validate(body).json()["response"] == {"uid": body["request"]["uid"], "allowed": True}
        assert time.monotonic() - started < BUDGET + 1.0  # held back by the budget, not by the 3 s sleep
        assert pending.result().json()["response"]["allowed"] is True
    assert fail_open.client().get("/healthz").status_code == 200


def test_exception_fails_closed_when_configured(fail_closed):
    body = review(faulty_object("raise"))
    uid = body["request"]["uid"]
    response = fail_closed.validate(body)
    assert (response.status_code, response.json()) == (200, closed_answer(uid, "internal error ValueError"))
    assert fail_closed.decision_log(uid)["decision"] == "fail-closed"
    assert fail_closed.metric("policylint_webhook_failures_total", reason="exception", mode="closed") == 1


def test_blown_budget_fails_closed_when_configured(fail_closed):
    body = review(faulty_object("sleep"))
    uid = body["request"]["uid"]
    assert fail_closed.validate(body).json() == closed_answer(uid, f"evaluation took longer than {BUDGET:g}s")


def test_healthy_requests_unaffected_by_failure_mode(fail_closed):
    body = review(service_entry(hosts=["*.payments.example"]))
    response = fail_closed.validate(body).json()["response"]
    assert (response["allowed"], response["status"]["code"]) == (False, 403)
