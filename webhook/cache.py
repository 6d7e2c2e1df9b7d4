"""Lint results by object content: the same object admitted again is not linted again.

Admission sees the same content over and over: Flux detects drift with a server-side dry-run apply of every
object on every reconcile, CI pipelines and `helm upgrade` re-apply unchanged manifests, and kubectl apply sends
an UPDATE even when nothing changed. Findings depend only on the object, the compiled rules and config (fixed
for the life of the process) and the context objects, so the key is the object's content and the context
provider's version. The content leaves out the metadata the apiserver assigns or rewrites itself (managedFields,
resourceVersion, and uid, creationTimestamp and generation, which differ for every CREATE of the same manifest,
e.g. each server-side dry-run create in CI): no rule reads them.

Objects up to KEY_BYTES serialised are keyed by those exact bytes (a dict compares them in full on a hit, so no
two objects can share an entry, and Python's hash of bytes is several times cheaper than a cryptographic
digest); larger ones by a 128-bit BLAKE2b digest of them. The cache holds at most `size` entries, so its keys
take at most size x KEY_BYTES.
"""
from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Mapping
from typing import Any, Callable, Hashable

from .review import dumps

VOLATILE_METADATA = ("managedFields", "resourceVersion", "uid", "creationTimestamp", "generation")
KEY_BYTES = 16 * 1024
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
    """The cache key of an object's content (see the module's docstring)."""
    metadata = obj.get("metadata")
    if isinstance(metadata, Mapping) and not _VOLATILE.isdisjoint(metadata):
        metadata = dict(metadata)  # a copy in the same order, without the volatile fields
        for key in VOLATILE_METADATA:
            metadata.pop(key, None)
        obj = {**obj, "metadata": metadata}
    content = dumps(obj)
    return content if len(content) <= KEY_BYTES else hashlib.blake2b(content, digest_size=16).digest()
