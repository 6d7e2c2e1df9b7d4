"""Bodies that are not an AdmissionReview we can answer: a 400 with the reason, and the worker keeps serving."""
from __future__ import annotations

import json

import pytest

from webhook_reviews import review, service_entry

LIMIT = 3 * 1024 * 1024
JSON = {"content-type": "application/json"}


def envelope(request) -> bytes:
    return json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}).encode()


def good_request(**changes) -> dict:
    request = review(service_entry())["request"]
    request.update(changes)
    return request


CASES = [
    ("json", b'{"apiVersion": "admission.k8s.io/v1", "kind": ', None),
    ("not-review", b"[1, 2, 3]", "body is not an AdmissionReview: expected a JSON object"),
    ("not-review", json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {}}).encode(),
     'body is not an AdmissionReview: "kind" must be "AdmissionReview"'),
    ("not-review", json.dumps({"apiVersion": "admission.k8s.io/v2", "kind": "AdmissionReview"}).encode(),
     "unsupported AdmissionReview apiVersion 'admission.k8s.io/v2': expected one of admission.k8s.io/v1, "
     "admission.k8s.io/v1beta1"),
    ("no-request", json.dumps({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview"}).encode(),
     'AdmissionReview has no "request" object'),
    ("no-request", envelope("CREATE"), 'AdmissionReview has no "request" object'),
    ("no-uid", envelope({k: v for k, v in good_request().items() if k != "uid"}),
     'AdmissionReview "request.uid" is missing or not a non-empty string'),
    ("no-uid", envelope(good_request(uid=42)), 'AdmissionReview "request.uid" is missing or not a non-empty string'),
    ("bad-object", envelope(good_request(object=["not", "a", "mapping"])), '"request.object" must be a JSON object for CREATE'),
    ("bad-object", envelope(good_request(object="apiVersion: v1")), '"request.object" must be a JSON object for CREATE'),
    ("bad-object", envelope(good_request(operation="UPDATE", oldObject=7)), '"request.oldObject" must be a JSON object or null'),
    ("bad-field", envelope(good_request(operation="PATCH")), '"request.operation" must be one of CREATE, UPDATE, DELETE, CONNECT'),
    ("bad-field", envelope(good_request(kind="ServiceEntry")), '"request.kind" must be an object with a non-empty "kind"'),
    ("bad-field", envelope(good_request(dryRun="yes")), '"request.dryRun" must be a boolean'),
    ("bad-field", envelope(good_request(namespace=["shop"])), '"request.namespace" must be a string'),
]


@pytest.mark.parametrize(("reason", "body", "detail"), CASES, ids=[f"{c[0]}-{i}" for i, c in enumerate(CASES)])
def test_bad_body_is_a_400_with_the_reason(webhook, reason, body, detail):
    client = webhook.client()
    before = webhook.metric("policylint_webhook_bad_requests_total", reason=reason)
    response = client.post("/validate", content=body, headers=JSON)
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/json"
    if detail is None:
        assert response.json()["detail"].startswith("body is not valid JSON: ")
    else:
        assert response.json() == {"detail": detail}
    assert webhook.metric("policylint_webhook_bad_requests_total", reason=reason) == before + 1
    assert_still_serving(client)


@pytest.mark.parametrize(("content_type", "shown"), [
    ("text/plain", "'text/plain'"), ("application/yaml", "'application/yaml'"), (None, "'none'")])
def test_wrong_content_type(webhook, content_type, shown):
    client = webhook.client()
    headers = {"content-type": content_type} if content_type else {}
    response = client.post("/validate", content=json.dumps(review(service_entry())).encode(), headers=headers)
    assert (response.status_code, response.json()) == (
        400, {"detail": f"content type must be application/json, got {shown}"})
    assert_still_serving(client)


def test_content_type_with_charset_is_json(webhook):
    body = review(service_entry())
    response = webhook.client().post("/validate", content=json.dumps(body).encode(),
                                     headers={"content-type": "application/json; charset=utf-8"})
    assert response.json()["response"] == {"uid": body["request"]["uid"], "allowed": True}


def test_declared_oversized_body(webhook):
    client = webhook.client()
    body = b" " * (LIMIT + 1)
    response = client.post("/validate", content=body, headers=JSON)
    assert (response.status_code, response.json()) == (
        400, {"detail": f"body of {LIMIT + 1} bytes exceeds the limit of {LIMIT} bytes"})
    assert_still_serving(webhook.client())


def test_streamed_oversized_body(webhook):
    """Chunked transfer, no Content-Length: the limit is enforced while reading."""
    def chunks():
        for _ in range(4):
            yield b" " * (1024 * 1024)

    response = webhook.client().post("/validate", content=chunks(), headers=JSON)
    assert (response.status_code, response.json()) == (400, {"detail": f"body exceeds the limit of {LIMIT} bytes"})
    assert_still_serving(webhook.client())


def test_body_just_under_the_limit_is_read(webhook):
    body = review(service_entry())
    raw = json.dumps(body).encode()
    padded = raw + b" " * (LIMIT - len(raw))
    response = webhook.client().post("/validate", content=padded, headers=JSON)
    assert response.json()["response"] == {"uid": body["request"]["uid"], "allowed": True}


def test_wrong_method_is_not_a_server_error(webhook):
    assert webhook.client().get("/validate").status_code == 405


def assert_still_serving(client) -> None:
    body = review(service_entry())
    response = client.post("/validate", json=body)
    assert response.status_code == 200
    assert response.json()["response"] == {"uid": body["request"]["uid"], "allowed": True}
