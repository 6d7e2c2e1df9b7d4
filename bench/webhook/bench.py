"""Load /validate over TLS on 127.0.0.1 with wrk, next to a bare FastAPI baseline, and print the table.

    .venv/bin/python bench/webhook/bench.py [--duration 3] [--rounds 3] [--concurrency 1,8,32] [--reviews service]

Installs wrk with apt-get when it is missing (root only). Each server is one uvicorn worker (uvloop, httptools)
started by webhook.server.run; the webhook runs the built-in rule pack with default settings and logs its
decision lines to a file. The webhook is measured twice: `distinct` sends a different object each request (its
metadata.name and uid), so every request is linted; `repeat` sends the same object, served from the lint cache.
Each is compared with the fixed endpoint under the same request stream (the same wrk script and bodies): making
a new body per request costs wrk CPU time on the cores it shares with the server.
Every run is bounded (`--duration` seconds each, a fixed number of runs) and targets 127.0.0.1 only.
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import socket
import ssl
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
REVIEWS = ("serviceentry", "deployment", "service")
# repeat: the same review every time (an object admitted again: served from the webhook's lint cache).
REPEAT_LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
wrk.body = f:read("*a")
f:close()
"""
# distinct: every request a different object (its metadata.name and metadata.uid), so every request is linted:
# the lint cache leaves out the uid (the apiserver assigns it), never the name.
DISTINCT_LUA = """
local f = assert(io.open(os.getenv("BODY_FILE"), "rb"))
local template = f:read("*a")
f:close()
local counter = 0
request = function()
  counter = counter + 1
  local body, found = string.gsub(template, '"name":"([^"]*)","uid":"' .. OBJECT_UID .. '"', function(name)
    return string.format('"name":"%s-%d","uid":"%08d-0000-4000-8000-000000000000"', name, counter, counter)
  end, 1)
  assert(found == 1, "the review has no metadata name and uid to vary")
  return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
end
"""
OBJECT_UID = "3c9e1f1a-5d2b-4b8e-a6a1-0b7d5e2f9c41"  # metadata.uid in bench/webhook/reviews/*.json, after the name


def ensure_wrk() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    if os.geteuid() != 0:
        sys.exit("wrk is not installed and this is not root: install it with `apt-get install -y wrk`")
    print("installing wrk with apt-get ...", file=sys.stderr)
    subprocess.run(["apt-get", "update", "-qq"], check=True, stdout=subprocess.DEVNULL)
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True, stdout=subprocess.DEVNULL,
                   env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"})
    return shutil.which("wrk") or sys.exit("wrk still not found after apt-get install")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(argv: list[str], work: Path, name: str, port: int, probe: str, ca: Path) -> subprocess.Popen:
    log = open(work / f"{name}.log", "wb")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "POLICYLINT_CACHE_DIR": str(work / "cache")}
    process = subprocess.Popen([*argv, "--host", "127.0.0.1", "--port", str(port)], cwd=work, stdout=log,
                               stderr=subprocess.STDOUT, env=env)
    context = ssl.create_default_context(cafile=str(ca))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            sys.exit(f"{name} exited: see {work / (name + '.log')}")
        try:
            method = "POST" if probe == "/validate" else "GET"
            request = urllib.request.Request(f"https://127.0.0.1:{port}{probe}", method=method, data=b"{}" if method == "POST" else None,
                                             headers={"Content-Type": "application/json"})
            urllib.request.urlopen(request, context=context, timeout=2).read()
            return process
        except OSError as exc:
            if getattr(exc, "code", None) is not None and probe == "/validate":
                return process  # a 400 for "{}" means the server is up
            time.sleep(0.2)
    process.kill()
    sys.exit(f"{name} did not start")


def wrk(binary: str, url: str, body: Path, concurrency: int, duration: int, script: Path) -> tuple[float, float, float]:
    """Requests/s, p50 ms, p99 ms of one wrk run (one thread: the load generator shares the cores)."""
    out = subprocess.run(
        [binary, "-t1", f"-c{concurrency}", f"-d{duration}s", "--latency", "-s", str(script), url],
        check=True, capture_output=True, text=True, env={**os.environ, "BODY_FILE": str(body)},
        timeout=duration + 30,
    ).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    p50 = _ms(re.search(r"\s50%\s+([\d.]+\w+)", out).group(1))
    p99 = _ms(re.search(r"\s99%\s+([\d.]+\w+)", out).group(1))
    if re.search(r"Non-2xx or 3xx responses", out):
        sys.exit(f"wrk saw error responses:\n{out}")
    return rps, p50, p99


def _median(results: list[tuple[float, float, float]]) -> tuple[float, float, float]:
    """Median of each column (requests/s, p50, p99) over the rounds."""
    return tuple(statistics.median(column) for column in zip(*results))


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--duration", type=int, default=3, help="seconds per measurement (default 3)")
    parser.add_argument("--concurrency", default="1,8,32", help="connections, comma-separated (default 1,8,32)")
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds per cell; medians are shown")
    parser.add_argument("--reviews", default=",".join(REVIEWS), help=f"comma-separated subset of {','.join(REVIEWS)}")
    args = parser.parse_args()
    levels = [int(c) for c in args.concurrency.split(",")]
    reviews = [r for r in args.reviews.split(",") if r]
    unknown = sorted(set(reviews) - set(REVIEWS))
    if unknown:
        parser.error(f"unknown review {', '.join(unknown)} (known: {', '.join(REVIEWS)})")
    binary = ensure_wrk()
    sys.path.insert(0, str(ROOT))
    from webhook.certs import generate

    with tempfile.TemporaryDirectory(prefix="policylint-bench-") as tmp:
        work = Path(tmp)
        paths = generate(["localhost"], ip_addresses=["127.0.0.1"], days=1).write(work / "certs")
        tls = ["--cert", str(paths["tls.crt"]), "--key", str(paths["tls.key"])]
        scripts = {"repeat": work / "repeat.lua", "distinct": work / "distinct.lua"}
        scripts["repeat"].write_text(REPEAT_LUA)
        scripts["distinct"].write_text(DISTINCT_LUA.replace("OBJECT_UID", f'"{OBJECT_UID.replace("-", "%-")}"'))
        (work / "config.yaml").write_text("{}\n")
        webhook_port, fixed_port = free_port(), free_port()
        servers = [
            start([sys.executable, "-m", "webhook", "serve", *tls, "--config", str(work / "config.yaml")],
                  work, "webhook", webhook_port, "/readyz", paths["ca.crt"]),
            start([sys.executable, str(HERE / "fixed_app.py"), *tls], work, "fixed", fixed_port, "/validate",
                  paths["ca.crt"]),
        ]
        try:
            rows = []
            # mode -> (server url, wrk script): each webhook mode has a fixed-endpoint twin with the same script.
            targets = {"fixed-distinct": (fixed_port, "distinct"), "distinct": (webhook_port, "distinct"),
                       "fixed-repeat": (fixed_port, "repeat"), "repeat": (webhook_port, "repeat")}
            for review in reviews:
                body = HERE / "reviews" / f"{review}.json"
                for concurrency in levels:
                    # Rounds interleave the four so that load from elsewhere on the machine hits them alike.
                    runs: dict[str, list] = {mode: [] for mode in targets}
                    for _ in range(args.rounds):
                        for mode, (port, script_name) in targets.items():
                            url, script = f"https://127.0.0.1:{port}/validate", scripts[script_name]
                            wrk(binary, url, body, concurrency, 1, script)  # warm-up: connections, caches
                            runs[mode].append(wrk(binary, url, body, concurrency, args.duration, script))
                    rows.append((review, body.stat().st_size, concurrency,
                                 {mode: _median(results) for mode, results in runs.items()}))
            decisions = (work / "webhook.log").read_text().count('"admission decision"')
        finally:
            for server in servers:
                server.terminate()
                server.wait(timeout=20)
    print(f"{os.cpu_count()} cores shared by the server and wrk; one uvicorn worker each; TLS on 127.0.0.1;"
          f" {args.duration}s per run, median of {args.rounds} interleaved rounds; {decisions} decisions logged"
          f" by the webhook")
    print()
    print("| review | bytes | conc. | fixed FastAPI, distinct bodies req/s | p50 / p99 ms "
          "| webhook, distinct objects req/s | p50 / p99 ms | ratio | fixed FastAPI, same body req/s | p50 / p99 ms "
          "| webhook, repeated object req/s | p50 / p99 ms | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for review, size, concurrency, measured in rows:
        cells = [review, str(size), str(concurrency)]
        for mode in ("distinct", "repeat"):
            fixed, (rps, p50, p99) = measured[f"fixed-{mode}"], measured[mode]
            cells += [f"{fixed[0]:,.0f}", f"{fixed[1]:.2f} / {fixed[2]:.2f}",
                      f"{rps:,.0f}", f"{p50:.2f} / {p99:.2f}", f"{rps / fixed[0]:.0%}"]
        print("| " + " | ".join(cells) + " |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
