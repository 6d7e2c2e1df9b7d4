"""Real webhook processes for the tests: `python -m webhook serve` (the code path of `policylint webhook
serve`) on 127.0.0.1, an ephemeral port, TLS with certificates made in tmp by webhook.certs, the real Linter
compiling tests/webhook/rules, driven over HTTPS by httpx. (A module of its own, not conftest: test modules
import these helpers by name.)"""
from __future__ import annotations

import json
import os
import ssl
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import yaml

from webhook.certs import generate

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
RULES_DIR = HERE / "rules"
# The built-in rule pack is turned off so response bodies depend only on the test rules; test_real_rules.py
# runs the pack itself.
BUILTIN_AREAS = ["PL", "SE", "SVC", "CAP", "OTP", "SC", "XR", "REG", "SCH", "DR"]
STARTUP_TIMEOUT = 30.0

PARTNER_SERVICE_ENTRY = {
    "apiVersion": "networking.istio.io/v1",
    "kind": "ServiceEntry",
    "metadata": {"name": "partner-api", "namespace": "partners"},
    "spec": {"hosts": ["api.partner.example"], "resolution": "DNS",
             "ports": [{"number": 443, "name": "https", "protocol": "TLS"}]},
}
LOCKED_NAMESPACE = {
    "apiVersion": "v1",
    "kind": "Namespace",
    "metadata": {"name": "locked", "labels": {"egress.policylint.io/blocked": "true"}},
}


@dataclass
class Certs:
    directory: Path
    ca: Path
    cert: Path
    key: Path

    def ssl_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=str(self.ca))


def make_certs(directory: Path, ca: tuple[bytes, bytes] | None = None) -> Certs:
    certificates = generate(["localhost"], ip_addresses=["127.0.0.1"], days=1, ca=ca)
    paths = certificates.write(directory)
    return Certs(directory, paths["ca.crt"], paths["tls.crt"], paths["tls.key"])


@dataclass
class Webhook:
    process: subprocess.Popen
    port: int
    log_path: Path
    certs: Certs
    _clients: list = field(default_factory=list)

    @property
    def base_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    def client(self, **kwargs: Any) -> httpx.Client:
        client = httpx.Client(base_url=self.base_url, verify=self.certs.ssl_context(), timeout=10, **kwargs)
        self._clients.append(client)
        return client

    def validate(self, body: Any, **kwargs: Any) -> httpx.Response:
        client = self._clients[0] if self._clients else self.client()
        return client.post("/validate", json=body, **kwargs)

    def log_lines(self) -> list[dict]:
        lines = []
        for raw in self.log_path.read_text(encoding="utf-8").splitlines():
            try:
                lines.append(json.loads(raw))
            except ValueError:
                lines.append({"raw": raw})
        return lines

    def decision_log(self, uid: str, timeout: float = 5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            for line in self.log_lines():
                if line.get("msg") == "admission decision" and line.get("uid") == uid:
                    return line
            if time.monotonic() > deadline:
                raise AssertionError(f"no decision logged for {uid}")
            time.sleep(0.02)

    def metric(self, name: str, **labels: str) -> float:
        text = (self._clients[0] if self._clients else self.client()).get("/metrics").text
        total = 0.0
        for line in text.splitlines():
            if line.startswith(name + "{") or line.startswith(name + " "):
                if all(f'{k}="{v}"' in line for k, v in labels.items()):
                    total += float(line.rsplit(" ", 1)[1])
        return total

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def write_config(directory: Path, webhook: dict | None = None, **top: Any) -> Path:
    context_file = directory / "context.yaml"
    context_file.write_text(yaml.safe_dump(LOCKED_NAMESPACE))
    data: dict[str, Any] = {"rule_dirs": [str(RULES_DIR)], "disable": BUILTIN_AREAS, **top}
    section = {"tls": {"reloadIntervalSeconds": 0.2},
               "context": {"objects": [PARTNER_SERVICE_ENTRY], "files": ["context.yaml"]}}
    section.update(webhook or {})
    data["webhook"] = section
    path = directory / "policylint.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def start_webhook(directory: Path, certs: Certs, config: Path | None, *, command: list[str] | None = None,
                  env: dict | None = None) -> Webhook:
    directory.mkdir(parents=True, exist_ok=True)
    log_path = directory / "webhook.log"
    argv = command or [sys.executable, "-m", "webhook", "serve"]
    argv = [*argv, "--cert", str(certs.cert), "--key", str(certs.key), "--host", "127.0.0.1", "--port", "0"]
    if config is not None:
        argv += ["--config", str(config)]
    environment = {**os.environ, "PYTHONUNBUFFERED": "1", "POLICYLINT_CACHE_DIR": str(directory / "cache"),
                   "PYTHONPATH": str(ROOT), **(env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(argv, cwd=directory, stdout=log, stderr=subprocess.STDOUT, env=environment)
    deadline = time.monotonic() + STARTUP_TIMEOUT
    while time.monotonic() < deadline:
        text = log_path.read_text(encoding="utf-8", errors="replace")
        marker = "Uvicorn running on https://127.0.0.1:"
        if marker in text:
            port = int(text.split(marker, 1)[1].split(" ", 1)[0])
            return Webhook(process, port, log_path, certs)
        if process.poll() is not None:
            raise RuntimeError(f"webhook exited with {process.returncode}:\n{text}")
        time.sleep(0.05)
    process.kill()
    raise RuntimeError(f"webhook did not start in {STARTUP_TIMEOUT}s:\n{log_path.read_text()}")
