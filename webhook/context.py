"""Context for cross-resource rules: the objects an admission request does not carry.

A rule about region constraints needs the Namespace's labels; a host-conflict rule needs the other
ServiceEntries. The admission controller asks a `ContextProvider` for them on every request; it has them indexed
by `Linter.prepare_context` once per provider version (not per review) and passes that to
`Linter.lint_objects(..., context=...)`, where they feed the cross-resource indexes without being reported on
themselves.

`ConfigContextProvider` serves a fixed set from the config (`webhook.context.objects` and the manifests in
`webhook.context.files`). A cluster-backed provider (informer caches of Namespaces and ServiceEntries) fits the
same protocol: `context_for` is called while evaluating, so it must answer from memory and never block on the
network, `ready()` gates /readyz until its caches have synced, and `version()` changes with every change the
caches see (lint results are cached per version). The context may depend on the object under review, never on
other request fields.
"""
from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Hashable, Iterable, Protocol, Sequence, runtime_checkable

from .config import WebhookConfigError
from .review import AdmissionRequest


@runtime_checkable
class ContextProvider(Protocol):
    def context_for(self, request: AdmissionRequest) -> Sequence[Mapping]:
        """Objects that cross-resource rules may need to judge `request.object`.

        May include a stored copy of the object under review; the linter hides it (the object under review
        replaces it). Answer with the same sequence object while nothing changed: the indexed context is reused
        only for the same version and the same sequence.
        """

    def ready(self) -> bool:
        """True once the provider can answer (config: always; cluster: caches synced)."""

    def version(self) -> Hashable | None:
        """Changes whenever `context_for` may answer differently for the same object; lint results and the
        indexed context are cached per version. None: no caching (the context is indexed for every review)."""


class ConfigContextProvider:
    def __init__(self, objects: Iterable[Mapping] = (), files: Iterable[str | Path] = ()):
        collected: list[Mapping] = []
        for obj in objects:
            collected.extend(_flatten(obj, "webhook.context.objects"))
        for path in files:
            collected.extend(_load_manifests(Path(path)))
        self._objects = tuple(collected)

    @property
    def objects(self) -> tuple[Mapping, ...]:
        return self._objects

    def context_for(self, request: AdmissionRequest) -> Sequence[Mapping]:
        return self._objects

    def ready(self) -> bool:
        return True

    def version(self) -> Hashable:
        return 0  # fixed at start-up


def _load_manifests(path: Path) -> list[Mapping]:
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise WebhookConfigError(f"config: webhook.context.files: cannot read {path}: {exc.strerror}") from None
    try:
        documents = list(yaml.safe_load_all(text))
    except yaml.YAMLError as exc:
        raise WebhookConfigError(f"config: webhook.context.files: {path} is not valid YAML: {exc}") from None
    out: list[Mapping] = []
    for document in documents:
        if document is not None:
            out.extend(_flatten(document, str(path)))
    return out


def _flatten(obj: object, where: str) -> list[Mapping]:
    if not isinstance(obj, Mapping) or not obj.get("apiVersion") or not obj.get("kind"):
        raise WebhookConfigError(f"config: {where}: every context object needs apiVersion and kind")
    if str(obj["kind"]).endswith("List") and isinstance(obj.get("items"), list):  # List, ServiceEntryList, ...
        return [inner for item in obj["items"] for inner in _flatten(item, where)]
    return [obj]
