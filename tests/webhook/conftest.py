"""Fixtures: certificates and the long-lived webhook processes shared by the webhook tests."""
from __future__ import annotations

import pytest

from webhook_harness import Certs, Webhook, make_certs, start_webhook, write_config


@pytest.fixture(scope="session")
def certs(tmp_path_factory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture(scope="session")
def webhook(tmp_path_factory, certs) -> Webhook:
    """The main server: enforce mode, ratchet on, the ignore annotation not honoured, config context."""
    directory = tmp_path_factory.mktemp("webhook-main")
    server = start_webhook(directory, certs, write_config(directory))
    yield server
    server.stop()


@pytest.fixture(scope="session")
def permissive(tmp_path_factory, certs) -> Webhook:
    """Rollout settings: never deny, no ratchet, the ignore annotation honoured in namespace `legacy`, a
    per-rule action override, a custom exempt namespace list."""
    directory = tmp_path_factory.mktemp("webhook-permissive")
    config = write_config(directory, {
        "enforcement": {"mode": "warn", "ratchet": False, "rules": {"WHK103": "warn"}},
        "exemptions": {"namespaces": ["tenant-exempt"], "ignoreAnnotation": {"allowed": True, "namespaces": ["legacy"]}},
    })
    server = start_webhook(directory, certs, config)
    yield server
    server.stop()
