"""The FastAPI application: POST /validate, /healthz, /readyz, /metrics.

`create_app` builds it; rules compile in the lifespan start-up, once. POST /validate is a plain ASGI endpoint
(webhook.endpoint) that reads the raw body and validates only the envelope (webhook.review); the answer is
encoded once with orjson and sent as bytes.
"""
from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any, Callable

from fastapi import FastAPI
from fastapi.responses import Response
from starlette.routing import Route

from . import logs
from .admission import AdmissionController
from .config import Settings
from .context import ConfigContextProvider, ContextProvider
from .evaluator import Evaluator
from .metrics import Metrics
from .openapi import ERROR_BODY, REVIEW_REQUEST_BODY, REVIEW_RESPONSE_BODY
from .endpoint import JSON, ValidateEndpoint
from .review import dumps
from .tls import ReloadingTLS

EVALUATION_THREADS = 4


class WebhookApp(FastAPI):
    """The FastAPI app, with POST /validate handed to its ASGI endpoint before any middleware or routing.

    The layers skipped cost more per request than the webhook's own work (bench/webhook/inprocess.py): FastAPI's
    telemetry check, the error and exception middleware (the endpoint answers every failure itself; an exception
    escaping it still gets the server's 500), the router, and FastAPI's request and response handling.
    Everything else (/healthz, /readyz, /metrics, /openapi.json, other methods on /validate) goes through FastAPI
    as usual.
    """

    validate_endpoint: ValidateEndpoint | None = None

    async def __call__(self, scope, receive, send) -> None:
        if (scope["type"] == "http" and scope["path"] == "/validate" and scope["method"] == "POST"
                and self.validate_endpoint is not None and not self.root_path):
            await self.validate_endpoint(scope, receive, send)
            return
        await super().__call__(scope, receive, send)


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
) -> WebhookApp:
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
        plan = getattr(built, "plan_all_kinds", None)
        if plan is not None:
            plan()  # fused rule functions are compiled here, not on a kind's first request
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

    app = WebhookApp(
        title="policylint admission webhook",
        version=_version(),
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.state.webhook = state

    endpoint = ValidateEndpoint(state)
    app.validate_endpoint = endpoint
    # Served by the plain ASGI endpoint: from WebhookApp.__call__ for POST /validate, and from the router for
    # anything that does not take that shortcut (other methods get the router's 405).
    app.router.routes.append(Route("/validate", endpoint, methods=["POST"]))

    @app.post(
        "/validate",
        summary="Validate an AdmissionReview (admission.k8s.io/v1 or v1beta1)",
        response_class=Response,
        openapi_extra={
            "requestBody": REVIEW_REQUEST_BODY,
            "responses": {"200": REVIEW_RESPONSE_BODY, "400": ERROR_BODY, "503": ERROR_BODY},
        },
    )
    async def validate() -> Response:  # pragma: no cover - never routed to: the route above comes first
        # Only the OpenAPI description of /validate, which FastAPI cannot derive from an ASGI endpoint. (No
        # docstring: it would become the operation's description.)
        raise RuntimeError("POST /validate is served by ValidateEndpoint")

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


def _error(status: int, detail: str) -> Response:
    return Response(dumps({"detail": detail}), status_code=status, media_type=JSON)


def _default_linter(config: Any) -> Any:
    from policylint.api import Linter

    return Linter(config)


def _version() -> str:
    from policylint import __version__

    return __version__
