"""Run the webhook app on uvicorn over TLS, with the reloading certificate context.

One process, one event loop (uvloop) and httptools: the Deployment scales by replicas, not by workers (see
bench/README-webhook.md).
"""
from __future__ import annotations

import importlib.util
import logging

from . import logs
from .tls import ReloadingTLS

# Longer than the apiserver's idle timeout for webhook connections (Go's http.Transport: 90 s), so the client
# closes idle connections first: a server-side close racing a new request shows up as a failed admission call.
KEEP_ALIVE_SECONDS = 120
# SIGTERM: finish in-flight reviews (each is bounded by the time budget) before exiting.
GRACEFUL_SHUTDOWN_SECONDS = 10


def run(app, tls: ReloadingTLS, *, host: str, port: int, log_level: str = "info") -> bool:
    """Serve until stopped; False when start-up failed (the reason is logged)."""
    import uvicorn

    config = uvicorn.Config(
        app,
        host=host,
        port=port,
        loop="uvloop" if _has("uvloop") else "asyncio",
        http="httptools" if _has("httptools") else "h11",
        lifespan="on",
        # uvicorn builds a context from these files; it is replaced below by the one that reloads itself.
        ssl_certfile=str(tls.cert_file),
        ssl_keyfile=str(tls.key_file),
        log_config=logs.configure(log_level),
        access_log=False,  # one decision line per review is logged by the app instead
        server_header=False,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_SECONDS,
    )
    config.load()
    config.ssl = tls.context
    server = uvicorn.Server(config)
    try:
        server.run()
    except SystemExit:  # uvicorn exits the process itself when start-up fails; the caller picks the exit code
        pass
    if not server.started:
        logs.event(logging.ERROR, "webhook did not start")
    return server.started


def _has(module: str) -> bool:
    return importlib.util.find_spec(module) is not None
