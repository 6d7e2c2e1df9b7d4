"""The webhook's per-request cost without a server: ASGI calls made in-process, next to the bare FastAPI baseline.

    .venv/bin/python bench/webhook/inprocess.py [REVIEW] [COUNT] [--noop] [--repeat] [--rounds N] [--profile [N]]

REVIEW is one of bench/webhook/reviews (serviceentry, deployment, service) or a path to an AdmissionReview;
COUNT the requests per timed round (default 3000). Each app gets the same ASGI messages a server would send for
POST /validate (no TLS, no sockets, no HTTP parsing), so the figures are what the app itself costs per request:
the full benchmark (bench.py, wrk over TLS) adds the server's share, the same for both apps.

By default every request carries a different object (its metadata.name and uid), so every request is linted, as in
bench.py's `distinct`; `--repeat` sends the same object every time (served from the lint cache). `--noop`
replaces the linter by one that finds nothing at once: what is left is the webhook's own work (parsing,
cache key, time budget, decision, metrics, log line). `--profile` prints the webhook's top functions by own
time (cProfile; it slows everything down several times, so read it for proportions).

Decision log lines go to /dev/null. POLICYLINT_CACHE_DIR (compiled rules) defaults to a temporary directory.
"""
from __future__ import annotations

import argparse
import asyncio
import cProfile
import itertools
import os
import pstats
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OBJECT_UID = b"3c9e1f1a-5d2b-4b8e-a6a1-0b7d5e2f9c41"  # metadata.uid in bench/webhook/reviews/*.json
# metadata.name and uid, as in bench.py's distinct mode: the lint cache leaves out the uid, never the name.
NAME_AND_UID = re.compile(rb'"name":"([^"]*)","uid":"' + re.escape(OBJECT_UID) + rb'"')
WARMUP = 200


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("review", nargs="?", default="serviceentry", help="name in bench/webhook/reviews, or a path")
    parser.add_argument("count", nargs="?", type=int, default=3000, help="requests per timed round")
    parser.add_argument("--noop", action="store_true", help="a linter that finds nothing: the webhook's own cost")
    parser.add_argument("--repeat", action="store_true", help="the same object every request (lint cache hits)")
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per app; best and median are shown")
    parser.add_argument("--profile", nargs="?", type=int, const=35, metavar="N",
                        help="cProfile one more webhook round and print its top N functions by own time")
    args = parser.parse_args()

    os.environ.setdefault("POLICYLINT_CACHE_DIR", tempfile.mkdtemp(prefix="policylint-cache-"))
    sys.path[:0] = [str(ROOT), str(HERE)]
    from webhook import logs

    logs.writer().fd = os.open(os.devnull, os.O_WRONLY)  # before the app installs its handler

    path = Path(args.review) if args.review.endswith(".json") else HERE / "reviews" / f"{args.review}.json"
    template = path.read_bytes()
    if not args.repeat and not NAME_AND_UID.search(template):
        parser.error(f"{path} has no metadata name followed by uid {OBJECT_UID.decode()} to vary: use --repeat")
    serial = itertools.count()

    def bodies(count: int) -> list[bytes]:
        """`count` request bodies, each object new to the webhook (unless --repeat)."""
        if args.repeat:
            return [template] * count
        return [NAME_AND_UID.sub(lambda m, n=next(serial): b'"name":"%s-%d","uid":"%08d-0000-4000-8000-000000000000"'
                                 % (m.group(1), n, n), template, count=1)
                for _ in range(count)]

    try:
        import uvloop
    except ImportError:  # pragma: no cover - uvloop is what the server runs on; asyncio works too
        asyncio.run(run(args, bodies))
    else:
        uvloop.run(run(args, bodies))
    return 0


async def run(args: argparse.Namespace, bodies) -> None:
    from fixed_app import create_fixed_app
    from webhook.app import create_app
    from webhook.config import settings_from_config

    linter = None
    if args.noop:
        from policylint.api import Linter

        linter = NoopLinter(Linter())
    apps = {"fixed": create_fixed_app(), "webhook": create_app(settings_from_config(None), linter=linter)}
    lifespan = Lifespan(apps["webhook"])
    await lifespan.start()
    results = {}
    for name, app in apps.items():
        for body in bodies(WARMUP):
            await call(app, body)
        timings = [await timed(app, bodies(args.count)) for _ in range(args.rounds)]
        status, answer = await call(app, bodies(1)[0])
        results[name] = timings
        print(f"{name:8s} best {min(timings):6.1f} us/request, median {statistics.median(timings):6.1f}"
              f"  ({args.rounds} x {args.count})  -> {status} {answer[:100].decode()}")
    ratio = min(results["fixed"]) / min(results["webhook"])
    print(f"webhook/fixed throughput (best rounds): {ratio:.2f}  [{args.review}{', no-op linter' if args.noop else ''}"
          f"{', same object' if args.repeat else ''}]")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        await timed(apps["webhook"], bodies(args.count))
        profile.disable()
        print(f"webhook profile, one more round of {args.count} requests:")
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
    await lifespan.stop()


class NoopLinter:
    """The real linter's rules and kinds (so the same kinds are checked), but linting finds nothing at once."""

    def __init__(self, real):
        self.rules = real.rules
        self._kinds = real.kinds()

    def kinds(self):
        return self._kinds

    def lint_objects(self, objects, **kwargs):
        return SimpleNamespace(findings=())


async def timed(app, bodies: list[bytes]) -> float:
    started = time.perf_counter()
    for body in bodies:
        await call(app, body)
    return (time.perf_counter() - started) / len(bodies) * 1e6


async def call(app, body: bytes) -> tuple[int, bytes]:
    """One POST /validate as uvicorn presents it: the whole body in one message."""
    sent = []

    async def receive():
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message):
        sent.append(message)

    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.4"}, "http_version": "1.1", "method": "POST",
        "scheme": "https", "path": "/validate", "raw_path": b"/validate", "query_string": b"", "root_path": "",
        "headers": [(b"host", b"127.0.0.1:8443"), (b"content-type", b"application/json"),
                    (b"content-length", str(len(body)).encode())],
        "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8443), "state": {},
    }
    await app(scope, receive, send)
    return sent[0]["status"], sent[1]["body"]


class Lifespan:
    """The app's lifespan, as a server runs it: rules compile at start-up; shutdown restores the SIGALRM handler."""

    def __init__(self, app):
        self.app = app
        self.inbox: asyncio.Queue = asyncio.Queue()
        self.outbox: asyncio.Queue = asyncio.Queue()
        self.task: asyncio.Task | None = None

    async def start(self) -> None:
        scope = {"type": "lifespan", "asgi": {"version": "3.0"}, "state": {}}
        self.task = asyncio.create_task(self.app(scope, self.inbox.get, self.outbox.put))
        await self._step("startup")

    async def stop(self) -> None:
        await self._step("shutdown")
        await self.task

    async def _step(self, phase: str) -> None:
        await self.inbox.put({"type": f"lifespan.{phase}"})
        message = await self.outbox.get()
        if message["type"] != f"lifespan.{phase}.complete":
            raise SystemExit(f"webhook {phase} failed: {message}")

if __name__ == "__main__":
    sys.exit(main())
