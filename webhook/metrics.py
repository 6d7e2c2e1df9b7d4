"""Prometheus metrics of the webhook, on a registry of its own (one per app, so tests can build many apps).

Label values are bounded: kinds the rules do not read are counted as `other`, rule ids come from the compiled
rules, everything else is a fixed vocabulary.
"""
from __future__ import annotations

from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest

# Admission latency is sub-millisecond to a few ms when healthy; the tail up to the webhook timeout matters.
LATENCY_BUCKETS = (0.0005, 0.001, 0.002, 0.003, 0.005, 0.0075, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)


class Metrics:
    content_type = CONTENT_TYPE_LATEST

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.requests = Counter(
            "policylint_webhook_requests",
            "Admission reviews answered, by decision (allow, warn, deny, skip, exempt, fail-open, fail-closed).",
            ["decision", "kind", "operation", "dry_run"],
            registry=r,
        )
        self.latency = Histogram(
            "policylint_webhook_request_duration_seconds",
            "Time from receiving an admission review body to having its answer.",
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.findings = Counter(
            "policylint_webhook_findings",
            "Findings in admission, by rule and action (deny, warn, audit, pre-existing, warn-mode).",
            ["rule", "action"],
            registry=r,
        )
        self.failures = Counter(
            "policylint_webhook_failures",
            "Evaluations that failed (timeout, exception) and were answered by the failure mode (open, closed).",
            ["reason", "mode"],
            registry=r,
        )
        self.bad_requests = Counter(
            "policylint_webhook_bad_requests",
            "Requests answered 400, by reason.",
            ["reason"],
            registry=r,
        )
        self.certificate_expiry = Gauge(
            "policylint_webhook_certificate_expiry_timestamp_seconds",
            "notAfter of the serving certificate currently loaded, as a Unix timestamp.",
            registry=r,
        )
        self.certificate_reloads = Counter(
            "policylint_webhook_certificate_reloads",
            "Serving certificate reload attempts after the files changed, by result (ok, error).",
            ["result"],
            registry=r,
        )
        self.rules = Gauge("policylint_webhook_rules", "Rules compiled at start-up.", registry=r)
        # Labelled children, kept: `labels()` takes a lock and builds a key on every call.
        self._request_children: dict[tuple, Any] = {}
        self._finding_children: dict[tuple, Any] = {}

    def count_request(self, decision: str, kind: str, operation: str, dry_run: bool, seconds: float) -> None:
        key = (decision, kind, operation, dry_run)
        child = self._request_children.get(key)
        if child is None:
            child = self.requests.labels(decision, kind, operation, "true" if dry_run else "false")
            self._request_children[key] = child
        child.inc()
        self.latency.observe(seconds)

    def count_finding(self, rule: str, action: str) -> None:
        key = (rule, action)
        child = self._finding_children.get(key)
        if child is None:
            child = self._finding_children[key] = self.findings.labels(rule, action)
        child.inc()

    def watch_cache(self, cache) -> None:
        """Lint cache hits and misses, read from the cache when scraped (no cost per request)."""
        self.registry.register(_CacheCollector(cache))

    def render(self) -> bytes:
        return generate_latest(self.registry)


class _CacheCollector:
    def __init__(self, cache) -> None:
        self.cache = cache

    def collect(self):
        from prometheus_client.core import CounterMetricFamily

        family = CounterMetricFamily(
            "policylint_webhook_lint_cache", "Lint results served from the content cache (hit) or linted (miss).",
            labels=["result"],
        )
        family.add_metric(["hit"], self.cache.hits)
        family.add_metric(["miss"], self.cache.misses)
        yield family
