"""TLS: certificate rotation without a restart, a broken rotation keeps the old certificate, concurrency."""
from __future__ import annotations

import asyncio
import socket
import ssl
import time

import httpx
import pytest

from webhook_harness import make_certs, start_webhook, write_config
from webhook_reviews import deployment, review, service, service_entry

from webhook.certs import generate


def served_serial(port: int, ca_path) -> int:
    """The serial of the certificate a new TLS handshake gets."""
    context = ssl.create_default_context(cafile=str(ca_path))
    with socket.create_connection(("127.0.0.1", port), timeout=5) as raw:
        with context.wrap_socket(raw, server_hostname="localhost") as tls:
            return int(tls.getpeercert()["serialNumber"], 16)


def wait_for(predicate, timeout: float = 5.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(0.05)


@pytest.fixture
def rotating(tmp_path):
    certs = make_certs(tmp_path / "certs")
    server = start_webhook(tmp_path / "server", certs, write_config(tmp_path))
    yield server
    server.stop()


def test_certificate_reloads_on_change(rotating):
    certs = rotating.certs
    first = served_serial(rotating.port, certs.ca)
    ca = (certs.ca.read_bytes(), (certs.directory / "ca.key").read_bytes())
    client = rotating.client()  # a connection made before the rotation keeps working
    assert client.get("/healthz").status_code == 200

    renewed = generate(["localhost"], ip_addresses=["127.0.0.1"], days=2, ca=ca)
    certs.key.write_bytes(renewed.key)
    certs.cert.write_bytes(renewed.cert)
    wait_for(lambda: served_serial(rotating.port, certs.ca) != first)

    from cryptography import x509

    assert served_serial(rotating.port, certs.ca) == x509.load_pem_x509_certificate(renewed.cert).serial_number
    assert client.get("/healthz").status_code == 200
    assert rotating.metric("policylint_webhook_certificate_reloads_total", result="ok") == 1
    expiry = x509.load_pem_x509_certificate(renewed.cert).not_valid_after_utc.timestamp()
    assert rotating.metric("policylint_webhook_certificate_expiry_timestamp_seconds") == expiry
    assert any(line.get("msg") == "certificate reloaded" for line in rotating.log_lines())


def test_broken_rotation_keeps_the_previous_certificate(rotating):
    certs = rotating.certs
    first = served_serial(rotating.port, certs.ca)
    stranger = generate(["localhost"], ip_addresses=["127.0.0.1"], days=1)
    certs.key.write_bytes(stranger.key)  # a key that does not match the certificate: a half-done rotation
    wait_for(lambda: rotating.metric("policylint_webhook_certificate_reloads_total", result="error") >= 1)
    assert served_serial(rotating.port, certs.ca) == first
    assert rotating.client().get("/readyz").status_code == 200
    errors = [line for line in rotating.log_lines() if line.get("msg", "").startswith("certificate reload failed")]
    assert errors and errors[0]["level"] == "error"


def test_concurrent_reviews_each_get_their_own_answer(webhook):
    bodies = []
    for i in range(60):
        kind = i % 3
        if kind == 0:
            bodies.append((review(service_entry(name=f"se-{i}", hosts=[f"*.h{i}.example"])), False))
        elif kind == 1:
            bodies.append((review(service(name=f"svc-{i}")), True))
        else:
            bodies.append((review(deployment(name=f"dep-{i}")), True))

    async def run() -> list[httpx.Response]:
        limits = httpx.Limits(max_connections=16)
        async with httpx.AsyncClient(base_url=webhook.base_url, verify=webhook.certs.ssl_context(),
                                     limits=limits, timeout=10) as client:
            return await asyncio.gather(*(client.post("/validate", json=body) for body, _ in bodies))

    responses = asyncio.run(run())
    for (body, expected_allowed), response in zip(bodies, responses, strict=True):
        answer = response.json()["response"]
        assert answer["uid"] == body["request"]["uid"]
        assert answer["allowed"] is expected_allowed
        if not expected_allowed:
            host = body["request"]["object"]["spec"]["hosts"][0]
            assert answer["status"]["message"] == f"1 policylint violation:\n- WHK101 spec.hosts[0]: host {host} is a wildcard"


def test_sigterm_drains_and_keeps_every_log_line(tmp_path):
    certs = make_certs(tmp_path / "certs")
    server = start_webhook(tmp_path / "server", certs, write_config(tmp_path))
    body = review(service_entry())
    assert server.validate(body).json()["response"]["allowed"] is True
    server.stop()  # SIGTERM
    messages = [line.get("msg") for line in server.log_lines()]
    assert "admission decision" in messages  # the buffered decision line was written before exit
    assert messages[-2:] == ["Application shutdown complete.", f"Finished server process [{server.process.pid}]"]
