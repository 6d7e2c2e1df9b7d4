"""The baseline: a bare FastAPI endpoint that reads the body and returns a fixed allowed review, served by the
same `webhook.server.run` (uvicorn, uvloop, httptools, the same TLS context, one worker) as the webhook."""
from __future__ import annotations

import argparse
import sys

from fastapi import FastAPI, Request
from fastapi.responses import Response

from webhook.server import run
from webhook.tls import ReloadingTLS

FIXED = (b'{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview",'
         b'"response":{"uid":"7d3c4a1e-0b9f-4e2a-8c5d-3f1e2a9b8c7d","allowed":true}}')


def create_fixed_app() -> FastAPI:
    app = FastAPI()

    @app.post("/validate")
    async def validate(request: Request) -> Response:
        await request.body()
        return Response(FIXED, media_type="application/json")

    return app


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    tls = ReloadingTLS(args.cert, args.key)
    return 0 if run(create_fixed_app(), tls, host=args.host, port=args.port, log_level="warning") else 3


if __name__ == "__main__":
    sys.exit(main())
