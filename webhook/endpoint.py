"""POST /validate as a plain ASGI callable: read the body, decide, answer, record.

FastAPI's route machinery (middleware layers, dependency solving, Request and Response objects) costs more per
request than everything the webhook does itself (bench/webhook/inprocess.py), so the app hands POST /validate
straight to `ValidateEndpoint` (see `webhook.app.WebhookApp`). The headers, the body and the answer are handled
here with what Starlette would do for them, and the same answers: 400 with the reason, 503 before start-up.
"""
from __future__ import annotations

import logging
import time
from typing import Any

from . import logs
from .admission import Outcome
from .review import AdmissionRequest, BadReview, dumps, encode_response, parse_review

JSON = "application/json"
_JSON_HEADER = (b"content-type", b"application/json")


class ClientDisconnected(Exception):
    """The client went away before sending the whole body."""


class ValidateEndpoint:
    """The ASGI app of POST /validate; `state` is the app's `WebhookState`."""

    def __init__(self, state: Any):
        self.state = state

    async def __call__(self, scope: dict, receive: Any, send: Any) -> None:
        status, answer = await self.answer(scope, receive)
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-length", str(len(answer)).encode()), _JSON_HEADER]})
        await send({"type": "http.response.body", "body": answer})

    async def answer(self, scope: dict, receive: Any) -> tuple[int, bytes]:
        started = time.perf_counter()
        state = self.state
        try:
            content_type, declared = _headers(scope["headers"])
            if content_type != b"application/json":  # anything else goes the long way, as Starlette decodes it
                _check_content_type(None if content_type is None else content_type.decode("latin-1"))
            body = await _read_body(receive, declared, state.settings.max_body_bytes)
            review = parse_review(body)
        except ClientDisconnected:  # nobody is left to answer; not a failure of ours
            logs.event(logging.INFO, "client disconnected before sending the whole body")
            return _error(400, "client disconnected")
        except BadReview as exc:
            state.metrics.bad_requests.labels(exc.reason).inc()
            logs.event(logging.WARNING, "bad admission request", reason=exc.reason, detail=str(exc))
            return _error(400, str(exc))
        controller = state.controller
        if controller is None:  # only between socket bind and the end of start-up
            return _error(503, "rules are not compiled yet")
        try:
            outcome = await controller.review(review)
            answer = _answer(review, outcome)
        except Exception as exc:  # noqa: BLE001 - a bug here must still be answered by the failure mode
            outcome = controller.failure("exception", f"internal error {type(exc).__name__}", exc)
            answer = _answer(review, outcome)
        try:
            record(state, controller, review, outcome, time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - the answer stands; the reason is logged
            logs.event(logging.ERROR, "recording a decision failed", uid=review.uid, error=logs.error_fields(exc))
        return 200, answer


def _headers(headers: list) -> tuple[bytes | None, bytes | None]:
    """The first content-type and content-length (ASGI servers send header names in lower case)."""
    content_type = declared = None
    for name, value in headers:
        if name == b"content-type":
            if content_type is None:
                content_type = value
        elif name == b"content-length":
            if declared is None:
                declared = value
    return content_type, declared


def _check_content_type(value: str | None) -> None:
    media_type = (value or "").split(";", 1)[0].strip().lower()
    if media_type != JSON:
        raise BadReview("content-type", f"content type must be {JSON}, got {value or 'none'!r}")


async def _read_body(receive: Any, declared: bytes | None, limit: int) -> bytes:
    """The whole body, at most `limit` bytes: checked against Content-Length before reading when there is one
    (the server stops at it), else while reading (chunked transfer)."""
    bounded = declared is not None and declared.isdigit()
    if bounded and int(declared) > limit:
        raise BadReview("too-large", f"body of {declared.decode()} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        kind = message["type"]
        if kind == "http.request":
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit and not bounded:
                raise BadReview("too-large", f"body exceeds the limit of {limit} bytes")
            if not message.get("more_body", False):
                if not chunks:  # the whole body in one message: the usual case, no copy
                    return chunk
                chunks.append(chunk)
                return b"".join(chunks)
            chunks.append(chunk)
        elif kind == "http.disconnect":
            raise ClientDisconnected()


def _answer(review: AdmissionRequest, outcome: Outcome) -> bytes:
    return encode_response(
        review.review_version,
        review.uid,
        outcome.allowed,
        code=outcome.code,
        message=outcome.message,
        warnings=outcome.warnings,
    )


def record(state: Any, controller: Any, review: AdmissionRequest, outcome: Outcome, seconds: float) -> None:
    """Metrics and the decision log line of one answered review."""
    m = state.metrics
    kind = review.kind_key if controller.checks_kind(review) else "other"
    m.count_request(outcome.label, kind, review.operation, review.dry_run, seconds)
    rules: dict[str, list[str]] = {}
    if outcome.judged:
        by_action: dict[str, set[str]] = {}
        for judged in outcome.judged:
            action = judged.metric_action
            m.count_finding(judged.finding.rule, action)
            by_action.setdefault(action, set()).add(judged.finding.rule)
        rules = {action: sorted(ids) for action, ids in sorted(by_action.items())}
    fields: dict[str, Any] = {
        "uid": review.uid,
        "kind": f"{review.group}/{review.version}/{review.kind}" if review.group else f"{review.version}/{review.kind}",
        "namespace": review.namespace,
        "name": review.display_name,
        "operation": review.operation,
        "user": review.user,
        "dry_run": review.dry_run,
        "decision": outcome.label,
        "rules": rules,
        "latency_ms": round(seconds * 1000, 3),
    }
    if review.subresource:
        fields["subresource"] = review.subresource
    if outcome.reason:
        fields["reason"] = outcome.reason
    level = logging.INFO
    if outcome.error is not None:
        level = logging.ERROR
        m.failures.labels(outcome.reason or "exception", state.settings.failure_mode).inc()
        fields["error"] = logs.error_fields(outcome.error)
    logs.decision(level, fields)


def _error(status: int, detail: str) -> tuple[int, bytes]:
    return status, dumps({"detail": detail})
