"""Lint results by object content: the same object admitted again is not linted again.

Admission sees the same content over and over: Flux detects drift with a server-side dry-run apply of every
object on every reconcile, CI pipelines and `helm upgrade` re-apply unchanged manifests, and kubectl apply sends
an UPDATE even when nothing changed. Findings depend only on the object, the compiled rules and config (fixed
for the life of the process) and the context objects, so the key is a digest of the object (without the fields
the apiserver rewrites on every write: managedFields, resourceVersion) and the context provider's version.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Callable, Hashable

from .review import dumps

VOLATILE_METADATA = ("managedFields", "resourceVersion")
_VOLATILE = frozenset(VOLATILE_METADATA)


class LintCache:
    def __init__(self, size: int):
        self.size = size
        self._entries: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()
        self.hits = 0
        self.misses = 0

    def findings(self, obj: Mapping[str, Any], context_version: Hashable | None, lint: Callable[[], tuple]) -> tuple:
        """Cached findings of `obj`, or `lint()`'s (then cached). No caching when the size is 0 or the context
        provider has no version (its answers could change unseen)."""
        if self.size <= 0 or context_version is None:
            return lint()
        try:
            key = (digest(obj), context_version)
        except (TypeError, ValueError):  # not plain JSON data (only possible for objects built in-process)
            return lint()
        with self._lock:
            found = self._entries.get(key)
            if found is not None:
                self._entries.move_to_end(key)
                self.hits += 1
                return found
        findings = lint()
        with self._lock:
            self.misses += 1
            self._entries[key] = findings
            if len(self._entries) > self.size:
                self._entries.popitem(last=False)
        return findings


def digest(obj: Mapping[str, Any]) -> bytes:
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping) and not _VOLATILE.isdisjoint(metadata):
        metadata = dict(metadata)  # a copy in the same order, without the volatile fields
        for key in VOLATILE_METADATA:
            metadata.pop(key, None)
        obj = {**obj, "metadata": metadata}
    return hashlib.blake2b(dumps(obj), digest_size=16).digest()
