"""The `webhook` section of the policylint config: its JSON Schema, its defaults, and the settings built from it.

Validated once at start-up; a bad value raises `WebhookConfigError` naming the key, which the CLI turns into
exit code 2.
"""
from __future__ import annotations

import copy
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from policylint.model import Severity

ACTIONS = ("deny", "warn", "audit")

# The apiserver rejects admission requests over 3 MiB itself, so a bigger body never comes from it.
APISERVER_REQUEST_LIMIT = 3 * 1024 * 1024
# k8s.io/apiserver/pkg/endpoints/filters/warning.go: items are cut at 256 runes once the total passes 4096.
APISERVER_WARNING_ITEM_RUNES = 256
APISERVER_WARNING_TOTAL_RUNES = 4096

DEFAULT_NAMESPACE = "policylint-system"

DEFAULTS: dict[str, Any] = {
    "namespace": None,  # None: $POD_NAMESPACE, else DEFAULT_NAMESPACE
    "maxBodyBytes": APISERVER_REQUEST_LIMIT,
    "failure": {"mode": "open", "timeBudgetSeconds": 1.0},
    "enforcement": {
        "mode": "enforce",
        "severityActions": {"error": "deny", "warning": "warn", "info": "audit"},
        "rules": {},
        "ratchet": True,
    },
    "exemptions": {
        "namespaces": ["kube-system", "kube-public", "kube-node-lease"],
        "ignoreAnnotation": {"allowed": False, "namespaces": []},
    },
    "context": {"objects": [], "files": []},
    "tls": {"reloadIntervalSeconds": 10.0},
    "cache": {"size": 2048},
    "response": {
        "maxWarnings": 20,
        "maxWarningLength": APISERVER_WARNING_ITEM_RUNES,
        "maxDenialLines": 10,
    },
}

_ACTION = {"enum": list(ACTIONS)}
_NAMESPACE_NAME = {"type": "string", "pattern": "^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", "maxLength": 63}

SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "policylint config: webhook section",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "namespace": {"description": "The webhook's own namespace (always exempt).", **_NAMESPACE_NAME},
        "maxBodyBytes": {"type": "integer", "minimum": 1024, "maximum": 64 * 1024 * 1024},
        "failure": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "mode": {"enum": ["open", "closed"]},
                # Must stay below the ValidatingWebhookConfiguration's timeoutSeconds (1-30 s).
                "timeBudgetSeconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 29},
            },
        },
        "enforcement": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "mode": {"enum": ["enforce", "warn"], "description": "warn: never deny (rollout)."},
                "severityActions": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {"error": _ACTION, "warning": _ACTION, "info": _ACTION},
                },
                "rules": {
                    "type": "object",
                    "propertyNames": {"pattern": "^[A-Z]+[0-9]{3}$"},
                    "additionalProperties": _ACTION,
                },
                "ratchet": {"type": "boolean"},
            },
        },
        "exemptions": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "namespaces": {"type": "array", "items": _NAMESPACE_NAME, "uniqueItems": True},
                "ignoreAnnotation": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "allowed": {"type": "boolean"},
                        "namespaces": {
                            "description": "Where the annotation is honoured when allowed; empty: everywhere.",
                            "type": "array",
                            "items": _NAMESPACE_NAME,
                        },
                    },
                },
            },
        },
        "context": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "objects": {
                    "type": "array",
                    "items": {"type": "object", "required": ["apiVersion", "kind"]},
                },
                "files": {"type": "array", "items": {"type": "string", "minLength": 1}},
            },
        },
        "tls": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"reloadIntervalSeconds": {"type": "number", "minimum": 0.1, "maximum": 3600}},
        },
        "cache": {
            "description": "Lint results kept by object content (0 turns the cache off).",
            "type": "object",
            "additionalProperties": False,
            "properties": {"size": {"type": "integer", "minimum": 0, "maximum": 1000000}},
        },
        "response": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "maxWarnings": {"type": "integer", "minimum": 1, "maximum": 100},
                "maxWarningLength": {
                    "type": "integer",
                    "minimum": 40,
                    "maximum": APISERVER_WARNING_ITEM_RUNES,
                },
                "maxDenialLines": {"type": "integer", "minimum": 1, "maximum": 50},
            },
        },
    },
}


class WebhookConfigError(ValueError):
    """The `webhook` config section is invalid; the message names the key."""


@dataclass(frozen=True)
class Settings:
    namespace: str
    max_body_bytes: int
    failure_mode: str  # "open" | "closed"
    time_budget_seconds: float
    enforcement_mode: str  # "enforce" | "warn"
    severity_actions: Mapping[Severity, str]
    rule_actions: Mapping[str, str]
    ratchet: bool
    exempt_namespaces: frozenset[str]
    ignore_annotation_allowed: bool
    ignore_annotation_namespaces: frozenset[str]  # empty: everywhere (when allowed)
    context_objects: tuple[dict, ...]
    context_files: tuple[Path, ...]
    tls_reload_interval: float
    cache_size: int
    max_warnings: int
    max_warning_length: int
    max_denial_lines: int

    def action_for(self, rule: str, severity: Severity) -> str:
        return self.rule_actions.get(rule) or self.severity_actions[severity]

    def honours_ignore_annotation(self, namespace: str | None) -> bool:
        if not self.ignore_annotation_allowed:
            return False
        return not self.ignore_annotation_namespaces or (namespace or "") in self.ignore_annotation_namespaces


def validate_section(section: Any) -> None:
    """Raise WebhookConfigError for the first schema violation, naming the key path under `webhook`."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(SCHEMA)
    errors = sorted(validator.iter_errors(section), key=lambda e: list(e.absolute_path))
    if errors:
        error = errors[0]
        where = ".".join(["webhook", *(str(p) for p in error.absolute_path)])
        raise WebhookConfigError(f"config: {where}: {error.message}")


def settings_from_section(
    section: Mapping[str, Any] | None,
    *,
    base_dir: str | Path | None = None,
    environ: Mapping[str, str] | None = None,
) -> Settings:
    """Validate the user's `webhook` section and merge it over the defaults.

    `base_dir` resolves relative `context.files` (the config file's directory); `environ` supplies
    POD_NAMESPACE (the Deployment sets it from the downward API) when `namespace` is not configured.
    """
    section = {} if section is None else section
    validate_section(section)
    merged = _merge(copy.deepcopy(DEFAULTS), section)
    env = os.environ if environ is None else environ
    namespace = merged["namespace"] or env.get("POD_NAMESPACE") or DEFAULT_NAMESPACE
    base = Path(base_dir) if base_dir is not None else Path.cwd()
    enforcement = merged["enforcement"]
    exemptions = merged["exemptions"]
    response = merged["response"]
    return Settings(
        namespace=namespace,
        max_body_bytes=merged["maxBodyBytes"],
        failure_mode=merged["failure"]["mode"],
        time_budget_seconds=float(merged["failure"]["timeBudgetSeconds"]),
        enforcement_mode=enforcement["mode"],
        severity_actions={Severity(k): v for k, v in enforcement["severityActions"].items()},
        rule_actions=dict(enforcement["rules"]),
        ratchet=enforcement["ratchet"],
        exempt_namespaces=frozenset([*exemptions["namespaces"], namespace]),
        ignore_annotation_allowed=exemptions["ignoreAnnotation"]["allowed"],
        ignore_annotation_namespaces=frozenset(exemptions["ignoreAnnotation"]["namespaces"]),
        context_objects=tuple(merged["context"]["objects"]),
        context_files=tuple(base / f for f in merged["context"]["files"]),
        tls_reload_interval=float(merged["tls"]["reloadIntervalSeconds"]),
        cache_size=merged["cache"]["size"],
        max_warnings=response["maxWarnings"],
        max_warning_length=response["maxWarningLength"],
        max_denial_lines=response["maxDenialLines"],
    )


def settings_from_config(config: Any, *, environ: Mapping[str, str] | None = None) -> Settings:
    """Settings from a `policylint.config.Config` (or None for all defaults)."""
    data = getattr(config, "data", None) or {}
    path = getattr(config, "path", None)
    base_dir = Path(path).parent if path else None
    return settings_from_section(data.get("webhook"), base_dir=base_dir, environ=environ)


def _merge(base: dict, override: Mapping) -> dict:
    """Mappings merge key by key; any other value (lists included) replaces the default."""
    for key, value in override.items():
        if isinstance(value, Mapping) and isinstance(base.get(key), dict):
            base[key] = _merge(base[key], value)
        else:
            base[key] = copy.deepcopy(value)
    return base
