"""Documents for objects that arrive already decoded (an AdmissionReview's object): no file, no positions."""
from __future__ import annotations

from typing import Any, Mapping


def split_api_version(api_version: Any) -> tuple[str, str]:
    """`apps/v1` -> ("apps", "v1"); `v1` -> ("", "v1")."""
    if not isinstance(api_version, str):
        return "", ""
    group, _, version = api_version.rpartition("/")
    return group, version


def kind_key(group: str, kind: Any) -> str:
    kind = kind if isinstance(kind, str) else ""
    return f"{group}/{kind}" if group else kind


class ObjectDocument:
    """Quacks like `policylint.loader.Document`; `locate` has no file to point into, so it gives (0, 0)."""

    line = 0
    item = None
    suppressions = None

    def __init__(self, data: Mapping[str, Any], file: str, index: int = 0) -> None:
        self.data = data
        self.file = file
        self.index = index
        self.api_version = data.get("apiVersion") if isinstance(data.get("apiVersion"), str) else None
        self.kind = data.get("kind") if isinstance(data.get("kind"), str) else None
        self.group, _ = split_api_version(self.api_version)
        self.kind_key = kind_key(self.group, self.kind)
        metadata = data.get("metadata")
        metadata = metadata if isinstance(metadata, dict) else {}
        ns, name = metadata.get("namespace"), metadata.get("name")
        self.namespace = ns if isinstance(ns, str) and ns else None
        self.name = name if isinstance(name, str) and name else None
        self._embedded: dict[tuple, Any] = {}

    def locate(self, path: tuple) -> tuple[int, int]:
        return (0, 0)

    def parse_embedded(self, path: tuple):
        if path in self._embedded:
            return self._embedded[path], None
        import yaml

        value: Any = self.data
        for seg in path:
            try:
                value = value[seg]
            except (KeyError, IndexError, TypeError):
                return None, None
        if not isinstance(value, str):
            return None, None
        try:
            parsed = yaml.load(value, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
        except yaml.YAMLError:
            parsed = None
        self._embedded[path] = parsed
        return parsed, None
