"""The FastAPI application: POST /validate, /healthz, /readyz, /metrics.

`create_app` builds it; rules compile in the lifespan start-up, once. The admission route reads the raw body
and validates only the envelope (webhook.review); the answer is encoded once with orjson and sent as bytes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Callable

from fastapi import FastAPI, Request
from fastapi.responses import Response
from starlette.requests import ClientDisconnect

from . import logs
from .admission import AdmissionController, Outcome
from .config import Settings
from .context import ConfigContextProvider, ContextProvider
from .evaluator import Evaluator
from .metrics import Metrics
from .openapi import ERROR_BODY, REVIEW_REQUEST_BODY, REVIEW_RESPONSE_BODY
from .review import AdmissionRequest, BadReview, dumps, encode_response, parse_review
from .tls import ReloadingTLS

JSON = "application/json"
EVALUATION_THREADS = 4


class WebhookState:
    """What the routes share; `controller` is None until the rules have compiled."""

    def __init__(self, settings: Settings, metrics: Metrics, tls: ReloadingTLS | None):
        self.settings = settings
        self.metrics = metrics
        self.tls = tls
        self.controller: AdmissionController | None = None
        self.context: ContextProvider | None = None
        self.startup_error: BaseException | None = None
        self.evaluator = Evaluator(settings.time_budget_seconds, EVALUATION_THREADS)
        # An evaluation thread that never returns is a bug the pod cannot recover from: /healthz fails then.
        # (Inline evaluations that hang block the event loop itself, so /healthz times out instead.)
        self.stuck_after = max(30.0, 10 * settings.time_budget_seconds)

    def not_ready(self) -> list[str]:
        reasons = []
        if self.controller is None:
            reasons.append("rules not compiled")
        if self.tls is not None and not self.tls.loaded:
            reasons.append("certificate not loaded")
        if self.context is not None and not self.context.ready():
            reasons.append("context not ready")
        return reasons


def create_app(
    settings: Settings,
    *,
    config: Any = None,
    linter: Any = None,
    linter_factory: Callable[[Any], Any] | None = None,
    context_provider: ContextProvider | None = None,
    tls: ReloadingTLS | None = None,
    metrics: Metrics | None = None,
) -> FastAPI:
    """The webhook app. `linter` (already built) or `linter_factory(config)` (default: `Linter(config)`) gives
    the compiled rules; `tls`, when given, is watched for certificate rotation and reported in /readyz."""
    logs.setup_stdout_fallback()
    state = WebhookState(settings, metrics or Metrics(), tls)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        started = time.perf_counter()
        try:
            built = linter if linter is not None else (linter_factory or _default_linter)(config)
        except Exception as exc:
            # Rule and config errors name a file and line, never an admitted object: log them whole.
            state.startup_error = exc
            logs.event(logging.ERROR, "rules failed to compile", detail=str(exc), error=logs.error_fields(exc))
            raise
        state.context = context_provider or ConfigContextProvider(settings.context_objects, settings.context_files)
        state.controller = AdmissionController(built, settings, state.context, state.evaluator)
        state.metrics.watch_cache(state.controller.cache)
        state.metrics.rules.set(len(getattr(built, "rules", ())))
        watcher = None
        if tls is not None:
            state.metrics.certificate_expiry.set(tls.expiry_timestamp())
            tls.on_change.append(lambda t: state.metrics.certificate_expiry.set(t.expiry_timestamp()))
            reloads = state.metrics.certificate_reloads
            watcher = asyncio.create_task(tls.watch(settings.tls_reload_interval, lambda r: reloads.labels(r).inc()))
        evaluation = state.evaluator.prepare()
        logs.event(
            logging.INFO,
            "webhook ready",
            evaluation=evaluation,
            time_budget_seconds=settings.time_budget_seconds,
            rules=len(getattr(built, "rules", ())),
            kinds=sorted(built.kinds()),
            context_objects=len(getattr(state.context, "objects", ())),
            startup_ms=round((time.perf_counter() - started) * 1000, 1),
        )
        flusher = asyncio.create_task(logs.flush_periodically())
        try:
            yield
        finally:
            flusher.cancel()
            if watcher is not None:
                watcher.cancel()
            state.evaluator.close()
            logs.writer().flush()

    app = FastAPI(
        title="policylint admission webhook",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.webhook = state

    @app.post(
        "/validate",
        summary="Validate an AdmissionReview (admission.k8s.io/v1 or v1beta1)",
        response_class=Response,
        openapi_extra={
            "requestBody": REVIEW_REQUEST_BODY,
            "responses": {"200": REVIEW_RESPONSE_BODY, "400": ERROR_BODY, "503": ERROR_BODY},
        },
    )
    async def validate(request: Request) -> Response:
        started = time.perf_counter()
        try:
            _check_content_type(request.headers.get("content-type"))
            body = await _read_body(request, settings.max_body_bytes)
            review = parse_review(body)
        except ClientDisconnect:  # nobody is left to answer; not a failure of ours
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
            _record(state, controller, review, outcome, time.perf_counter() - started)
        except Exception as exc:  # noqa: BLE001 - the answer stands; the reason is logged
            logs.event(logging.ERROR, "recording a decision failed", uid=review.uid, error=logs.error_fields(exc))
        return Response(answer, media_type=JSON)

    @app.get("/healthz", summary="Liveness", responses={503: ERROR_BODY})
    async def healthz() -> Response:
        stuck = state.evaluator.stuck_seconds()
        if stuck > state.stuck_after:
            return _error(503, f"an evaluation has been running for {stuck:.0f}s")
        return Response(b'{"status":"ok"}', media_type=JSON)

    @app.get("/readyz", summary="Readiness: rules compiled, certificate loaded", responses={503: ERROR_BODY})
    async def readyz() -> Response:
        reasons = state.not_ready()
        if reasons:
            return _error(503, "; ".join(reasons))
        return Response(b'{"status":"ready"}', media_type=JSON)

    @app.get("/metrics", summary="Prometheus metrics", response_class=Response)
    async def metrics() -> Response:
        if tls is not None:
            state.metrics.certificate_expiry.set(tls.expiry_timestamp())
        return Response(state.metrics.render(), media_type=state.metrics.content_type)

    return app


def _check_content_type(value: str | None) -> None:
    media_type = (value or "").split(";", 1)[0].strip().lower()
    if media_type != JSON:
        raise BadReview("content-type", f"content type must be {JSON}, got {value or 'none'!r}")


async def _read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit():
        if int(declared) > limit:
            raise BadReview("too-large", f"body of {declared} bytes exceeds the limit of {limit} bytes")
        return await request.body()  # the server stops at Content-Length: it bounds the read
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BadReview("too-large", f"body exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _answer(review: AdmissionRequest, outcome: Outcome) -> bytes:
    return encode_response(
        review.review_version,
        review.uid,
        outcome.allowed,
        code=outcome.code,
        message=outcome.message,
        warnings=outcome.warnings,
    )


def _record(state: WebhookState, controller: AdmissionController, review: AdmissionRequest, outcome: Outcome,
            seconds: float) -> None:
    m = state.metrics
    kind = review.kind_key if controller.checks_kind(review) else "other"
    m.count_request(outcome.label, kind, review.operation, review.dry_run, seconds)
    by_action: dict[str, set[str]] = {}
    for judged in outcome.judged:
        action = judged.metric_action
        m.count_finding(judged.finding.rule, action)
        by_action.setdefault(action, set()).add(judged.finding.rule)
    fields: dict[str, Any] = {
        "uid": review.uid,
        "kind": f"{review.group}/{review.version}/{review.kind}" if review.group else f"{review.version}/{review.kind}",
        "namespace": review.namespace,
        "name": review.display_name,
        "operation": review.operation,
        "user": review.user,
        "dry_run": review.dry_run,
        "decision": outcome.label,
        "rules": {action: sorted(ids) for action, ids in sorted(by_action.items())},
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


def _error(status: int, detail: str) -> Response:
    return Response(dumps({"detail": detail}), status_code=status, media_type=JSON)


def _default_linter(config: Any) -> Any:
    from policylint.api import Linter

    return Linter(config)


def _version() -> str:
    from policylint import __version__

    return __version__
