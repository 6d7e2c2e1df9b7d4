"""`policylint webhook serve`, with the real Linter wrapped so that it fails on demand.

An object labelled `policylint.test/fault: raise` makes linting raise (with a message that must never reach
the log), `sleep` makes it take 3 s (past any test's time budget). Everything else is the production path:
config loading, create_app, the lifespan, uvicorn and TLS via webhook.server.run.
"""
from __future__ import annotations

import argparse
import sys
import time

from policylint.api import Linter
from policylint.config import load_config
from webhook.app import create_app
from webhook.config import settings_from_config
from webhook.server import run
from webhook.tls import ReloadingTLS

SECRET = "s3cr3t-value-from-the-object"


class FaultyLinter:
    def __init__(self, inner: Linter):
        self.inner = inner
        self.rules = inner.rules

    def kinds(self):
        return self.inner.kinds()

    def prepare_context(self, objects):
        return self.inner.prepare_context(objects)

    def lint_objects(self, objects, **kwargs):
        labels = (objects[0].get("metadata") or {}).get("labels") or {}
        fault = labels.get("policylint.test/fault")
        if fault == "raise":
            raise ValueError(f"cannot parse {SECRET}")
        if fault == "sleep":
            time.sleep(3)
        return self.inner.lint_objects(objects, **kwargs)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--cert", required=True)
    parser.add_argument("--key", required=True)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--config", required=True)
    args = parser.parse_args()
    config = load_config(args.config)
    tls = ReloadingTLS(args.cert, args.key)
    app = create_app(settings_from_config(config), config=config, tls=tls,
                     linter_factory=lambda cfg: FaultyLinter(Linter(cfg)))
    return 0 if run(app, tls, host=args.host, port=args.port) else 3


if __name__ == "__main__":
    sys.exit(main())
